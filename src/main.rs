//! The `candidate-security` command: checks, evaluates and searches the guidance corpus.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use candidate_security::corpus::{Audience, Category, Corpus};
use candidate_security::eval::{evaluate, parse_judgements};
use candidate_security::{Guide, SearchRequest};
use clap::{Parser, Subcommand};

/// UK security guidance for election candidates, searchable online and offline.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Summarise the corpus and the time taken to index it.
    Summary {
        /// Use guidance from this directory instead of the embedded corpus.
        #[arg(long, env = "CANDIDATE_SECURITY_GUIDANCE_DIR")]
        guidance_dir: Option<PathBuf>,
    },
    /// Validate a guidance directory (default: the embedded corpus); exits 1 on any problem.
    Check {
        /// A directory shaped like `index/` (with `guidance/`) or holding guidance `.md` files.
        dir: Option<PathBuf>,
    },
    /// Measure search quality on a query file: success@1, success@3 and MRR.
    Eval {
        /// Tab-separated queries and expected document slugs.
        #[arg(default_value = "tests/relevance/dev-queries.tsv")]
        file: PathBuf,
        /// Use guidance from this directory instead of the embedded corpus.
        #[arg(long, env = "CANDIDATE_SECURITY_GUIDANCE_DIR")]
        guidance_dir: Option<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Search the guidance and print the results.
    Search {
        /// What to search for.
        query: String,
        /// Only this category (protective, cyber, information, reporting, general).
        #[arg(long)]
        category: Option<String>,
        /// Only this audience (candidate, staff, electoral-staff, organisation).
        #[arg(long)]
        audience: Option<String>,
        /// Print the results as JSON.
        #[arg(long)]
        json: bool,
        /// Use guidance from this directory instead of the embedded corpus.
        #[arg(long, env = "CANDIDATE_SECURITY_GUIDANCE_DIR")]
        guidance_dir: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        // Output piped into a program that stopped reading (e.g. `| head`) is not an error.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}

fn open(guidance_dir: Option<&Path>) -> anyhow::Result<Guide> {
    let guide = match guidance_dir {
        Some(dir) => Guide::from_dir(dir),
        None => Guide::embedded(),
    };
    guide.context("cannot open the guidance")
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match cli
        .command
        .unwrap_or(Command::Summary { guidance_dir: None })
    {
        Command::Summary { guidance_dir } => {
            let started = Instant::now();
            let guide = open(guidance_dir.as_deref())?;
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
            for document in &corpus.documents {
                writeln!(
                    out,
                    "  /guidance/{:<34} {}",
                    document.meta.slug, document.meta.title
                )?;
            }
            writeln!(
                out,
                "\nTry: candidate-security search \"someone posted my address\""
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { dir } => {
            let (shown, result) = match &dir {
                Some(dir) => (dir.display().to_string(), Corpus::from_dir(dir)),
                None => ("the embedded corpus".to_owned(), Corpus::embedded()),
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
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => {
                    eprintln!("{error}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Eval {
            file,
            guidance_dir,
            json,
        } => {
            let shown = file.display().to_string();
            let text =
                std::fs::read_to_string(&file).with_context(|| format!("cannot read {shown}"))?;
            let judgements = parse_judgements(&shown, &text)?;
            let guide = open(guidance_dir.as_deref())?;
            let report = evaluate(&guide, &judgements)?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
            } else {
                write!(out, "{report}")?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Search {
            query,
            category,
            audience,
            json,
            guidance_dir,
        } => {
            let mut request = SearchRequest::new(query);
            if let Some(name) = category {
                request.category = Some(Category::parse(&name).with_context(|| {
                    format!("unknown category `{name}`: use protective, cyber, information, reporting or general")
                })?);
            }
            if let Some(name) = audience {
                request.audience = Some(Audience::parse(&name).with_context(|| {
                    format!("unknown audience `{name}`: use candidate, staff, electoral-staff or organisation")
                })?);
            }
            let guide = open(guidance_dir.as_deref())?;
            let results = guide.search(&request)?;
            if json {
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
                        section.heading, section.url, section.score
                    )?;
                    writeln!(out, "    {}", section.snippet_html)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
