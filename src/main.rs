//! The `candidate-security` command: checks, evaluates and searches the guidance corpus.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use candidate_security::corpus::{Audience, Category, Corpus};
use candidate_security::eval::{evaluate, parse_judgements};
use candidate_security::offline::parity;
use candidate_security::web::limits::{Limits, RateLimit};
use candidate_security::web::{self, WebConfig};
use candidate_security::{Guide, SearchRequest, server};
use clap::{Parser, Subcommand};

/// UK security guidance for election candidates, searchable online and offline.
#[derive(Parser)]
#[command(version, about, args_conflicts_with_subcommands = true)]
struct Cli {
    /// With no command, serve the web app with these options.
    #[command(flatten)]
    serve: ServeArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

/// How to serve.
#[derive(clap::Args, Debug, Clone)]
struct ServeArgs {
    /// Address to listen on. Use 0.0.0.0:8080 to accept connections from other machines.
    #[arg(
        long,
        env = "CANDIDATE_SECURITY_BIND",
        default_value = "127.0.0.1:8080"
    )]
    bind: String,
    /// Serve under this path, e.g. /security behind a reverse proxy.
    #[arg(long, env = "CANDIDATE_SECURITY_BASE_PATH", default_value = "")]
    base_path: String,
    /// Log format.
    #[arg(long, env = "CANDIDATE_SECURITY_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Log level for this program: error, warn, info, debug or trace. Other libraries log
    /// warnings and errors only, whatever this says, so no request details reach the log.
    #[arg(long, env = "CANDIDATE_SECURITY_LOG_LEVEL", default_value = "info")]
    log_level: tracing::Level,
    /// Send Strict-Transport-Security: set this when clients reach the server over HTTPS.
    #[arg(long, env = "CANDIDATE_SECURITY_BEHIND_HTTPS")]
    behind_https: bool,
    /// Use guidance from this directory instead of the embedded corpus.
    #[arg(long, env = "CANDIDATE_SECURITY_GUIDANCE_DIR")]
    guidance_dir: Option<PathBuf>,
    /// Seconds a client has to send a request's headers before it is disconnected.
    #[arg(long, env = "CANDIDATE_SECURITY_HEADER_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    header_timeout: u64,
    /// Seconds a request may take before it is answered with 503.
    #[arg(long, env = "CANDIDATE_SECURITY_REQUEST_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    request_timeout: u64,
    /// Most connections open at once; more wait until one closes.
    #[arg(long, env = "CANDIDATE_SECURITY_MAX_CONNECTIONS", default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    max_connections: u64,
    /// Most searches running at once; more are answered 503 with Retry-After.
    #[arg(long, env = "CANDIDATE_SECURITY_MAX_SEARCHES", default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    max_searches: u64,
    /// Searches per second allowed per client (0: no per-client limit). Clients over it get 429.
    #[arg(long, env = "CANDIDATE_SECURITY_RATE_LIMIT", default_value_t = 0)]
    rate_limit: u32,
    /// Searches a client may make at once before the per-second rate applies.
    #[arg(long, env = "CANDIDATE_SECURITY_RATE_BURST", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..))]
    rate_burst: u32,
    /// Header with the real client address, set by your reverse proxy (e.g. X-Forwarded-For).
    /// Only set this behind a proxy you control: clients can send any header.
    #[arg(long, env = "CANDIDATE_SECURITY_CLIENT_IP_HEADER")]
    client_ip_header: Option<axum::http::HeaderName>,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app (the default).
    Serve(ServeArgs),
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
    /// Write the offline search bundle (the index as the browser engine reads it) as JSON.
    Export {
        /// Where to write it; `-` for standard output.
        #[arg(long, default_value = "-")]
        out: PathBuf,
        /// Print the bundle's compressed size against the corpus text's instead.
        #[arg(long)]
        sizes: bool,
        /// Use guidance from this directory instead of the embedded corpus.
        #[arg(long, env = "CANDIDATE_SECURITY_GUIDANCE_DIR")]
        guidance_dir: Option<PathBuf>,
    },
    /// Check that the browser engine (run under Node) ranks as the server does.
    Parity {
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
        /// Use guidance from this directory instead of the embedded corpus.
        #[arg(long, env = "CANDIDATE_SECURITY_GUIDANCE_DIR")]
        guidance_dir: Option<PathBuf>,
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

/// Log to stderr: this program at `level`, every other library at warnings and errors only
/// (their debug and trace output can include request details).
fn init_logging(format: LogFormat, level: tracing::Level) {
    let filter = candidate_security::logging::filter(level);
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    init_logging(args.log_format, args.log_level);
    let started = Instant::now();
    // Load and check everything before binding, so a broken corpus never serves.
    let guide = Arc::new(open(args.guidance_dir.as_deref())?);
    let config = WebConfig {
        base_path: args.base_path.clone(),
        hsts: args.behind_https,
        limits: Limits {
            request_timeout: Duration::from_secs(args.request_timeout),
            max_concurrent_searches: args.max_searches as usize,
            rate_limit: (args.rate_limit > 0).then(|| RateLimit {
                per_second: args.rate_limit,
                burst: args.rate_burst,
                client_ip_header: args.client_ip_header.clone(),
            }),
        },
    };
    let server_limits = server::ServerLimits {
        header_read_timeout: Duration::from_secs(args.header_timeout),
        max_connections: args.max_connections as usize,
        ..server::ServerLimits::default()
    };
    let (app, readiness) = web::app(guide.clone(), &config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(8 << 20)
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&args.bind)
            .await
            .with_context(|| format!("cannot listen on {}", args.bind))?;
        let address = server::local_address(&listener).map_or(args.bind.clone(), |a| a.to_string());
        let corpus = guide.corpus();
        tracing::info!(
            address = %format!("http://{address}{}/", web::normalise_base_path(&args.base_path)?),
            corpus_version = %corpus.version,
            documents = corpus.documents.len(),
            sections = corpus.section_count(),
            ready_ms = started.elapsed().as_millis() as u64,
            "serving the Candidate Security Guide"
        );
        let shutdown = async move {
            server::shutdown_signal().await;
            readiness.set_not_ready();
            tracing::info!("shutting down: finishing requests in flight");
        };
        server::serve(listener, app, server_limits, shutdown)
            .await
            .context("the server failed")?;
        tracing::info!("stopped");
        anyhow::Ok(())
    })
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
    match cli.command.unwrap_or(Command::Serve(cli.serve)) {
        Command::Serve(args) => {
            serve(args)?;
            Ok(ExitCode::SUCCESS)
        }
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
        Command::Export {
            out: path,
            sizes,
            guidance_dir,
        } => {
            let guide = open(guidance_dir.as_deref())?;
            let bundle = serde_json::to_vec(&candidate_security::offline::bundle(&guide)?)?;
            if sizes {
                let report = candidate_security::offline::size_report(&guide, &bundle);
                writeln!(
                    out,
                    "bundle {} bytes, {} brotli; corpus text {} bytes, {} brotli; ratio {:.2}",
                    report.bundle_bytes,
                    report.bundle_brotli,
                    report.text_bytes,
                    report.text_brotli,
                    report.ratio()
                )?;
            } else if path.as_os_str() == "-" {
                out.write_all(&bundle)?;
            } else {
                std::fs::write(&path, &bundle)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Parity {
            files,
            generated,
            seed,
            node,
            json,
            guidance_dir,
        } => {
            let guide = open(guidance_dir.as_deref())?;
            let mut sets: Vec<(String, Vec<String>)> = Vec::new();
            for file in &files {
                let shown = file.display().to_string();
                let text = std::fs::read_to_string(file)
                    .with_context(|| format!("cannot read {shown}"))?;
                let queries = parse_judgements(&shown, &text)?
                    .into_iter()
                    .map(|j| j.query)
                    .collect();
                sets.push((shown, queries));
            }
            if generated > 0 {
                sets.push((
                    format!("{generated} generated queries (seed {seed})"),
                    parity::generated_queries(&guide, generated, seed),
                ));
            }
            let mut all_agree = true;
            for (name, queries) in sets {
                let report = parity::check(&guide, &queries, &node)?;
                if json {
                    writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
                }
                writeln!(
                    out,
                    "{name}: {} queries; top-1 agree {:.2} %, top-5 agree {:.2} %, identical answers {:.2} %",
                    report.queries,
                    report.top1_share() * 100.0,
                    report.top5_share() * 100.0,
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
