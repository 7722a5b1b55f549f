//! `search`: search the guidance from the command line and print the results, as text or JSON.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use candidate_security::SearchRequest;
use candidate_security::corpus::{Audience, Category, Nation};
use candidate_security::search::Ranking;

/// The `search` command's arguments.
#[derive(clap::Args)]
pub struct SearchArgs {
    /// What to search for.
    query: String,
    /// Only this category (protective, cyber, information, reporting, general).
    #[arg(long)]
    category: Option<String>,
    /// Only this audience (candidate, staff, electoral-staff, organisation).
    #[arg(long)]
    audience: Option<String>,
    /// Search as a person in this nation (england, wales, scotland, northern-ireland).
    #[arg(long, value_parser = super::parse_nation)]
    nation: Option<Nation>,
    /// Rank by words (lexical), by meaning (semantic) or both (fused, the default).
    #[arg(long, default_value = "fused")]
    ranking: Ranking,
    /// Print the results as JSON.
    #[arg(long)]
    json: bool,
    /// Which guidance to use.
    #[command(flatten)]
    guidance: super::GuidanceArgs,
}

/// Check the filters, search, and print each document found with its matching sections.
pub fn run(args: SearchArgs, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let mut request = SearchRequest::new(args.query);
    request.nation = args.nation;
    request.ranking = args.ranking;
    if let Some(name) = args.category {
        request.category = Some(Category::parse(&name).with_context(|| {
            format!("unknown category `{name}`: use protective, cyber, information, reporting or general")
        })?);
    }
    if let Some(name) = args.audience {
        request.audience = Some(Audience::parse(&name).with_context(|| {
            format!(
                "unknown audience `{name}`: use candidate, staff, electoral-staff or organisation"
            )
        })?);
    }
    let guide = super::open(&args.guidance)?;
    let results = guide.search(&request)?;
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&results)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "{} sections in {} documents ({} µs)",
        results.total_sections, results.total_documents, results.took_us
    )?;
    if let Some(suggestion) = &results.suggestion {
        writeln!(out, "searched for: {suggestion}")?;
    }
    for document in &results.documents {
        writeln!(
            out,
            "\n{}  [{}]  {:.2}",
            document.title, document.url, document.score
        )?;
        for section in &document.sections {
            writeln!(
                out,
                "  - {}  {}  {:.2}",
                section.heading,
                document.section_url(section),
                section.score
            )?;
            writeln!(out, "    {}", section.snippet_html)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
