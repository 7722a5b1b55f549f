//! `eval`: measure search quality on a file of judged queries (success@1, success@3, MRR).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use candidate_security::corpus::Nation;
use candidate_security::eval::{evaluate_in, parse_judgements};
use candidate_security::search::Ranking;

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
    /// Which ranking to measure: lexical (words only), semantic (meaning only), fused (both,
    /// as searches run), or all (each in turn, to see what each part adds).
    #[arg(long, default_value = "fused", value_parser = parse_rankings)]
    ranking: Rankings,
    /// Fusion constants to measure instead of the built-in ones: k,weight,max,min_cosine.
    #[arg(long)]
    fusion: Option<candidate_security::search::semantic::fusion::Fusion>,
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
    let mut guide = super::open(&args.guidance)?;
    if let Some(fusion) = args.fusion {
        guide = guide.with_fusion(fusion);
    }
    let several = args.ranking.0.len() > 1;
    for ranking in args.ranking.0 {
        let report = evaluate_in(&guide, &judgements, args.nation, ranking)?;
        if args.json {
            let value = serde_json::json!({ "ranking": ranking.as_str(), "report": report });
            writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        } else {
            if several {
                writeln!(out, "== ranking: {}", ranking.as_str())?;
            }
            write!(out, "{report}")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The rankings `--ranking` names.
#[derive(Clone, Debug)]
pub struct Rankings(Vec<Ranking>);

fn parse_rankings(s: &str) -> Result<Rankings, String> {
    if s == "all" {
        return Ok(Rankings(Ranking::ALL.to_vec()));
    }
    Ok(Rankings(vec![s.parse()?]))
}
