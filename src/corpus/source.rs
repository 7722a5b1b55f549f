//! Where corpus files come from: the copy embedded in the binary, or a directory on disk.

use std::path::Path;

use rust_embed::RustEmbed;

use super::problem::Problem;

/// The directory the embedded corpus comes from, as shown in problem paths.
pub const EMBEDDED_ROOT: &str = "index";

/// The guidance documents. Only what the corpus reads is embedded: `index/` also holds the
/// semantic model, which the binary carries once, compressed (`search::semantic::model`).
#[derive(RustEmbed)]
#[folder = "index/guidance/"]
struct EmbeddedGuidance;

/// The other embedded corpus files, by their path under `index/`.
const EMBEDDED_TOML: [(&str, &[u8]); 2] = [
    ("intents.toml", include_bytes!("../../index/intents.toml")),
    ("synonyms.toml", include_bytes!("../../index/synonyms.toml")),
];

/// What a corpus file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileKind {
    /// A guidance document; `slug` is its file name without `.md`.
    Guidance {
        /// The file name without `.md`.
        slug: String,
    },
    /// A synonyms file.
    Synonyms,
    /// An intents file.
    Intents,
    /// An organiser's local contacts (`contacts.toml`).
    Contacts,
}

/// One file of a corpus, read into memory.
#[derive(Debug, Clone)]
pub struct CorpusFile {
    /// Path shown in problems.
    pub path: String,
    /// What the file holds.
    pub kind: FileKind,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// The corpus files embedded in the binary, in path order.
pub fn embedded_files() -> Vec<CorpusFile> {
    let guidance = EmbeddedGuidance::iter().filter_map(|name| {
        let file = EmbeddedGuidance::get(&name)?;
        Some((format!("guidance/{name}"), file.data.into_owned()))
    });
    let toml = EMBEDDED_TOML
        .iter()
        .map(|(name, bytes)| ((*name).to_owned(), bytes.to_vec()));
    let mut files: Vec<CorpusFile> = guidance
        .chain(toml)
        .filter_map(|(name, bytes)| {
            Some(CorpusFile {
                kind: kind_of(&name)?,
                path: format!("{EMBEDDED_ROOT}/{name}"),
                bytes,
            })
        })
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// The corpus files in `dir`, in path order. `dir` is shaped like `index/` when it has a
/// `guidance/` subdirectory (then `synonyms.toml` and `intents.toml` beside it are read too);
/// otherwise its own `.md` files are the documents.
pub fn files_in_dir(dir: &Path) -> Result<Vec<CorpusFile>, Problem> {
    let shown = dir.display().to_string();
    let unreadable = |what: &Path, error: std::io::Error| {
        Problem::new(
            &what.display().to_string(),
            1,
            format!("cannot read: {error}"),
        )
    };
    let metadata = std::fs::metadata(dir).map_err(|e| unreadable(dir, e))?;
    if !metadata.is_dir() {
        return Err(Problem::new(&shown, 1, "not a directory"));
    }
    let guidance = dir.join("guidance");
    let (doc_dir, data_files) = if guidance.is_dir() {
        (
            guidance,
            vec![
                ("synonyms.toml", FileKind::Synonyms),
                ("intents.toml", FileKind::Intents),
            ],
        )
    } else {
        (dir.to_path_buf(), Vec::new())
    };
    let mut files = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&doc_dir)
        .map_err(|e| unreadable(&doc_dir, e))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if let Some(kind) = kind_of(&format!("guidance/{name}")) {
            let bytes = std::fs::read(&path).map_err(|e| unreadable(&path, e))?;
            files.push(CorpusFile {
                path: path.display().to_string(),
                kind,
                bytes,
            });
        }
    }
    // Local contacts sit at the top of the directory, whatever its shape.
    let mut data_files = data_files;
    data_files.push(("contacts.toml", FileKind::Contacts));
    for (name, kind) in data_files {
        let path = dir.join(name);
        if path.is_file() {
            let bytes = std::fs::read(&path).map_err(|e| unreadable(&path, e))?;
            files.push(CorpusFile {
                path: path.display().to_string(),
                kind,
                bytes,
            });
        }
    }
    Ok(files)
}

/// Classify a path relative to the index root; `None` for files the corpus does not use.
fn kind_of(relative: &str) -> Option<FileKind> {
    match relative {
        "synonyms.toml" => return Some(FileKind::Synonyms),
        "intents.toml" => return Some(FileKind::Intents),
        _ => {}
    }
    let name = relative.strip_prefix("guidance/")?;
    let slug = name.strip_suffix(".md")?;
    (!slug.contains('/') && !slug.is_empty()).then(|| FileKind::Guidance {
        slug: slug.to_owned(),
    })
}
