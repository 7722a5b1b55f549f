//! `check`: validate a guidance directory (or the embedded corpus) and, with `--readability`,
//! report each document's reading level. Exits 1 on any problem.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use candidate_security::corpus::Corpus;

/// The `check` command's arguments.
#[derive(clap::Args)]
pub struct CheckArgs {
    /// An organiser's directory, checked as `serve --guidance-dir` would use it: on top of
    /// the embedded guidance. Shaped like `index/` (with `guidance/`) or holding guidance
    /// `.md` files, with an optional `contacts.toml`.
    dir: Option<PathBuf>,
    /// Check DIR alone, as a complete corpus (as `--no-embedded-guidance` serves it).
    #[arg(long, requires = "dir")]
    no_embedded_guidance: bool,
    /// Also print each document's reading level (Flesch-Kincaid grade; the house style
    /// asks for at most 7.0 per document and 6.0 on average).
    #[arg(long)]
    readability: bool,
}

/// Load the corpus and print what it holds, or every problem in it (then exit 1).
pub fn run(args: CheckArgs, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let (shown, result) = match (&args.dir, args.no_embedded_guidance) {
        (Some(dir), true) => (dir.display().to_string(), Corpus::from_dir(dir)),
        (Some(dir), false) => (
            format!("the embedded corpus with {} on top", dir.display()),
            Corpus::with_local(dir).map(|(corpus, _)| corpus),
        ),
        (None, _) => ("the embedded corpus".to_owned(), Corpus::embedded()),
    };
    match result {
        Ok(corpus) => {
            writeln!(
                out,
                "ok: {shown}: {} documents, {} sections, {} checklist items, {} synonym groups",
                corpus.documents.len(),
                corpus.section_count(),
                corpus
                    .documents
                    .iter()
                    .map(|d| d.checklist().count())
                    .sum::<usize>(),
                corpus.synonyms.len()
            )?;
            if args.readability {
                write_readability(out, &corpus)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            eprintln!("{error}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// One line per document (grade, words, words per sentence), then the hardest and the mean.
fn write_readability(out: &mut impl Write, corpus: &Corpus) -> std::io::Result<()> {
    let mut grades = Vec::with_capacity(corpus.documents.len());
    for document in &corpus.documents {
        let r = document.readability();
        grades.push(r.grade);
        writeln!(
            out,
            "{:45} grade {:5.2}  words {:6}  words/sentence {:5.1}",
            document.meta.slug,
            r.grade,
            r.words,
            r.words_per_sentence()
        )?;
    }
    if !grades.is_empty() {
        let max = grades.iter().copied().fold(f64::MIN, f64::max);
        let mean = grades.iter().sum::<f64>() / grades.len() as f64;
        writeln!(out, "max grade {max:.2} mean grade {mean:.2}")?;
    }
    Ok(())
}
