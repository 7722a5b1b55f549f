//! `eval`: measure search quality on a file of judged queries (success@1, success@3, MRR).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use candidate_security::corpus::Nation;
use candidate_security::eval::{evaluate_in, parse_judgements};

/// The `eval` command's arguments.
#[derive(clap::Args)]
pub struct EvalArgs {
    /// Tab-separated queries and expected document slugs.
    #[arg(default_value = "tests/relevance/dev-queries.tsv")]
    file: PathBuf,
    /// Which guidance to use.
    #[command(flatten)]
    guidance: super::GuidanceArgs,
    /// Search as a person in this nation (england, wales, scotland, northern-ireland).
    #[arg(long, value_parser = super::parse_nation)]
    nation: Option<Nation>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Run every query in the file and print the report, as text or JSON.
pub fn run(args: EvalArgs, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let shown = args.file.display().to_string();
    let text =
        std::fs::read_to_string(&args.file).with_context(|| format!("cannot read {shown}"))?;
    let judgements = parse_judgements(&shown, &text)?;
    let guide = super::open(&args.guidance)?;
    let report = evaluate_in(&guide, &judgements, args.nation)?;
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        write!(out, "{report}")?;
    }
    Ok(ExitCode::SUCCESS)
}
