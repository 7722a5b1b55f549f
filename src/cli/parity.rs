//! `parity`: check that the browser engine, run under Node, ranks as the server does, on query
//! files and on generated queries. Exits 1 if any top result differs.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use candidate_security::eval::parse_judgements;
use candidate_security::offline::parity;

/// The `parity` command's arguments.
#[derive(clap::Args)]
pub struct ParityArgs {
    /// Query files (tab-separated, queries in the first column).
    #[arg(default_value = "tests/relevance/dev-queries.tsv")]
    files: Vec<PathBuf>,
    /// Also run this many queries generated from the vocabulary.
    #[arg(long, default_value_t = 1000)]
    generated: usize,
    /// Seed for the generated queries.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The Node.js command.
    #[arg(long, default_value = "node")]
    node: PathBuf,
    /// Print every disagreement in full as JSON.
    #[arg(long)]
    json: bool,
    /// Which guidance to use.
    #[command(flatten)]
    guidance: super::GuidanceArgs,
}

/// Compare the two engines on each set of queries, in every nation, and print one line per
/// set with up to ten disagreements.
pub fn run(args: ParityArgs, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let guide = super::open(&args.guidance)?;
    let mut sets: Vec<(String, Vec<String>)> = Vec::new();
    for file in &args.files {
        let shown = file.display().to_string();
        let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {shown}"))?;
        let queries = parse_judgements(&shown, &text)?
            .into_iter()
            .map(|j| j.query)
            .collect();
        sets.push((shown, queries));
    }
    if args.generated > 0 {
        sets.push((
            format!("{} generated queries (seed {})", args.generated, args.seed),
            parity::generated_queries(&guide, args.generated, args.seed),
        ));
    }
    let mut all_agree = true;
    for (name, queries) in sets {
        let report = parity::check_queries(
            &guide,
            &parity::ParityQuery::in_every_nation(&queries),
            &args.node,
        )?;
        if args.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
        }
        writeln!(
            out,
            "{name}: {} queries; top-1 agree {:.2} %, top-10 agree {:.2} %, identical answers {:.2} %",
            report.queries,
            report.top1_share() * 100.0,
            report.top_share() * 100.0,
            report.exact_agree as f64 * 100.0 / report.queries.max(1) as f64
        )?;
        for d in report.disagreements.iter().take(10) {
            writeln!(
                out,
                "  {:?}\n    server  {:?}\n    browser {:?}",
                d.query, d.server.documents, d.browser.documents
            )?;
        }
        all_agree &= report.top1_agree == report.queries;
    }
    Ok(if all_agree {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
