//! The guidance corpus: reading, validating and holding the documents and synonyms.
//!
//! Knows nothing about search or HTTP. Every problem is reported at once, as `path:line: message`.

mod contacts;
mod front_matter;
mod intents;
mod markdown;
mod nation;
mod problem;
mod readability;
mod slug;
mod source;
mod synonyms;

use std::collections::BTreeMap;
use std::path::Path;

use sha2::{Digest, Sha256};

pub use contacts::{CONTACTS_SLUG, Contact, ContactRole, Contacts};
pub use front_matter::{Audience, Category, FrontMatter, Source, is_https_url};
pub use markdown::{ChecklistItem, INTRODUCTION_ANCHOR, Link, Section};
pub use nation::{Nation, Nations};
pub use problem::{CorpusError, Problem};
pub use readability::Readability;
pub use slug::slugify;
pub use source::{CorpusFile, EMBEDDED_ROOT, embedded_files, files_in_dir};
pub use synonyms::SynonymGroup;

/// One guidance document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Validated front matter.
    pub meta: FrontMatter,
    /// Sections in order; the first may be the introduction.
    pub sections: Vec<Section>,
    /// The file the document came from, as shown in problems.
    pub path: String,
    /// Short content hash of the file, for change notices.
    pub hash: String,
}

impl Document {
    /// The section with `anchor`, if any.
    pub fn section(&self, anchor: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.anchor == anchor)
    }

    /// How hard the document's prose is to read (Flesch-Kincaid grade).
    pub fn readability(&self) -> Readability {
        let body: Vec<&str> = self.sections.iter().map(|s| s.markdown.as_str()).collect();
        readability::measure(&body.join("\n"))
    }

    /// Every checklist item of the document, in order.
    pub fn checklist(&self) -> impl Iterator<Item = &ChecklistItem> {
        self.sections.iter().flat_map(|s| &s.checklist)
    }
}

/// A validated corpus: documents sorted by slug, synonym groups, and a content version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corpus {
    /// Documents, sorted by slug.
    pub documents: Vec<Document>,
    /// Synonym groups used to expand queries.
    pub synonyms: Vec<SynonymGroup>,
    /// Words and phrases that suggest the person searching may be in danger.
    pub urgent_terms: Vec<String>,
    /// Words about suicide or self-harm: the emergency card also gives Samaritans and Shout.
    pub support_terms: Vec<String>,
    /// An organiser's local contacts, if their directory has a `contacts.toml`.
    pub contacts: Option<Contacts>,
    /// Short hash of every file that went into the corpus.
    pub version: String,
}

/// What an organiser's directory did to the embedded corpus.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overlay {
    /// Slugs of documents the directory added.
    pub added: Vec<String>,
    /// Slugs of embedded documents the directory replaced.
    pub replaced: Vec<String>,
    /// Whether the directory has local contacts.
    pub contacts: bool,
}

impl Corpus {
    /// The corpus embedded in this binary.
    pub fn embedded() -> Result<Corpus, CorpusError> {
        Corpus::from_files(embedded_files())
    }

    /// A corpus read from `dir`: either shaped like `index/` (with `guidance/` and
    /// `synonyms.toml`) or a directory of guidance `.md` files.
    pub fn from_dir(dir: &Path) -> Result<Corpus, CorpusError> {
        let files = files_in_dir(dir).map_err(|p| CorpusError::new(vec![p]))?;
        Corpus::from_files(files)
    }

    /// The embedded corpus with an organiser's directory on top: its documents join the
    /// corpus, one with an embedded document's slug replaces that document, its synonyms and
    /// intents add to ours, and its `contacts.toml` gives the local contacts.
    pub fn with_local(dir: &Path) -> Result<(Corpus, Overlay), CorpusError> {
        let local = files_in_dir(dir).map_err(|p| CorpusError::new(vec![p]))?;
        let (files, overlay) = overlay(embedded_files(), local);
        Ok((Corpus::from_files(files)?, overlay))
    }

    /// Validate and assemble a corpus from files; see [`CorpusFile`].
    pub fn from_files(files: Vec<CorpusFile>) -> Result<Corpus, CorpusError> {
        let mut problems = Vec::new();
        let mut documents = Vec::new();
        let mut synonyms = Vec::new();
        let mut urgent_terms = Vec::new();
        let mut support_terms = Vec::new();
        let mut contacts = None;
        let mut hasher = Sha256::new();
        for file in &files {
            hasher.update(file.path.as_bytes());
            hasher.update([0]);
            hasher.update(&file.bytes);
            let Ok(text) = std::str::from_utf8(&file.bytes) else {
                problems.push(Problem::new(&file.path, 1, "the file is not valid UTF-8"));
                continue;
            };
            match &file.kind {
                source::FileKind::Guidance { slug } => {
                    if let Some(document) = parse_document(&file.path, slug, text, &mut problems) {
                        documents.push(Document {
                            hash: short_hash(&file.bytes),
                            ..document
                        });
                    }
                }
                source::FileKind::Synonyms => {
                    synonyms.extend(synonyms::parse(&file.path, text, &mut problems));
                }
                source::FileKind::Contacts => {
                    if let Some(found) = contacts::parse(&file.path, text, &mut problems) {
                        documents.push(contacts::document(&file.path, &found, &mut problems));
                        contacts = Some(found);
                    }
                }
                source::FileKind::Intents => {
                    let intents = intents::parse(&file.path, text, &mut problems);
                    urgent_terms.extend(intents.urgent);
                    support_terms.extend(intents.support);
                }
            }
        }
        if documents.is_empty() && problems.is_empty() {
            let where_ = files
                .first()
                .map_or("the corpus".to_owned(), |f| f.path.clone());
            problems.push(Problem::new(&where_, 1, "no guidance documents were found"));
        }
        check_unique_slugs(&documents, &mut problems);
        check_links(&documents, &mut problems);
        if !problems.is_empty() {
            return Err(CorpusError::new(problems));
        }
        documents.sort_by(|a, b| a.meta.slug.cmp(&b.meta.slug));
        let digest = hasher.finalize();
        Ok(Corpus {
            documents,
            synonyms,
            urgent_terms,
            support_terms,
            contacts,
            version: hex(&digest[..8]),
        })
    }

    /// The document with `slug`, if any.
    pub fn document(&self, slug: &str) -> Option<&Document> {
        self.documents.iter().find(|d| d.meta.slug == slug)
    }

    /// Number of sections across all documents.
    pub fn section_count(&self) -> usize {
        self.documents.iter().map(|d| d.sections.len()).sum()
    }
}

fn parse_document(
    path: &str,
    slug: &str,
    text: &str,
    problems: &mut Vec<Problem>,
) -> Option<Document> {
    let block = match front_matter::split(path, text) {
        Ok(block) => block,
        Err(problem) => {
            problems.push(problem);
            return None;
        }
    };
    let meta = front_matter::parse(path, &block, slug).map_err(|found| problems.extend(found));
    let sections = markdown::sections(path, block.body, block.body_first_line, problems);
    if sections.is_empty() {
        problems.push(Problem::new(
            path,
            block.body_first_line,
            "the document has no text",
        ));
    }
    Some(Document {
        meta: meta.ok()?,
        sections,
        path: path.to_owned(),
        hash: String::new(),
    })
}

fn check_unique_slugs(documents: &[Document], problems: &mut Vec<Problem>) {
    let mut first_path: BTreeMap<&str, &str> = BTreeMap::new();
    for document in documents {
        if let Some(first) = first_path.insert(&document.meta.slug, &document.path) {
            problems.push(Problem::new(
                &document.path,
                1,
                format!(
                    "duplicate slug `{}` (also used by {first})",
                    document.meta.slug
                ),
            ));
        }
    }
}

/// Links to `/guidance/<slug>#<anchor>` must resolve; web links must use https.
fn check_links(documents: &[Document], problems: &mut Vec<Problem>) {
    let by_slug: BTreeMap<&str, &Document> = documents
        .iter()
        .map(|d| (d.meta.slug.as_str(), d))
        .collect();
    for document in documents {
        for link in document.sections.iter().flat_map(|s| &s.links) {
            let target = link.target.as_str();
            if target.starts_with("http://") {
                problems.push(Problem::new(
                    &document.path,
                    link.line,
                    format!("link `{target}` must use https://"),
                ));
            } else if let Some(rest) = target.strip_prefix("/guidance/") {
                let (slug, anchor) = rest.split_once('#').unwrap_or((rest, ""));
                match by_slug.get(slug) {
                    None => problems.push(Problem::new(
                        &document.path,
                        link.line,
                        format!(
                            "link `{target}` points to a guidance document that does not exist"
                        ),
                    )),
                    Some(found) if !anchor.is_empty() && found.section(anchor).is_none() => {
                        problems.push(Problem::new(
                            &document.path,
                            link.line,
                            format!("link `{target}`: `{slug}` has no section `#{anchor}`"),
                        ));
                    }
                    Some(_) => {}
                }
            }
        }
    }
}

/// Put `local` files over `embedded` ones: a guidance file with the same slug replaces the
/// embedded one; everything else is added.
fn overlay(embedded: Vec<CorpusFile>, local: Vec<CorpusFile>) -> (Vec<CorpusFile>, Overlay) {
    use source::FileKind;
    let mut report = Overlay::default();
    let local_slugs: Vec<String> = local
        .iter()
        .filter_map(|f| match &f.kind {
            FileKind::Guidance { slug } => Some(slug.clone()),
            _ => None,
        })
        .collect();
    let mut files: Vec<CorpusFile> = Vec::with_capacity(embedded.len() + local.len());
    for file in embedded {
        match &file.kind {
            FileKind::Guidance { slug } if local_slugs.contains(slug) => {
                report.replaced.push(slug.clone());
            }
            _ => files.push(file),
        }
    }
    for file in local {
        match &file.kind {
            FileKind::Guidance { slug } if !report.replaced.contains(slug) => {
                report.added.push(slug.clone());
            }
            FileKind::Contacts => report.contacts = true,
            _ => {}
        }
        files.push(file);
    }
    (files, report)
}

pub(crate) fn short_hash(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes)[..6])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
