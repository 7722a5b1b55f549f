//! `summary`: the corpus's documents and sections, its version, the time taken to index it
//! (words and meaning), and the semantic model it was embedded with.

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

/// The `summary` command's arguments.
#[derive(clap::Args)]
pub struct SummaryArgs {
    /// Which guidance to use.
    #[command(flatten)]
    guidance: super::GuidanceArgs,
}

/// Index the guidance, then print one line about it and one per document.
pub fn run(args: SummaryArgs, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let guide = super::open(&args.guidance)?;
    let elapsed = started.elapsed();
    let corpus = guide.corpus();
    writeln!(
        out,
        "Candidate Security Guide: {} documents, {} sections, corpus version {}, indexed in {:.1} ms",
        corpus.documents.len(),
        corpus.section_count(),
        corpus.version,
        elapsed.as_secs_f64() * 1e3
    )?;
    let model = guide.semantic().model();
    writeln!(
        out,
        "Ranking by meaning: every section embedded with the built-in model ({} pieces × {} dimensions)",
        model.pieces_len(),
        model.dims()
    )?;
    for document in &corpus.documents {
        writeln!(
            out,
            "  /guidance/{:<34} {}",
            document.meta.slug, document.meta.title
        )?;
    }
    writeln!(
        out,
        "\nTry: candidate-security search \"someone posted my address\" (--ranking lexical, semantic or fused)"
    )?;
    Ok(ExitCode::SUCCESS)
}
