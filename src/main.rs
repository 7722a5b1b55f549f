//! The `candidate-security` command: checks, evaluates and searches the guidance corpus.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use candidate_security::config::{self, BindAddress, ConfigError};
use candidate_security::corpus::{Audience, Category, Corpus, Nation};
use candidate_security::eval::{evaluate_in, parse_judgements};
use candidate_security::logging::BufferedStderr;
use candidate_security::offline::parity;
use candidate_security::search::GuideError;
use candidate_security::web::limits::{Limits, RateLimit};
use candidate_security::web::{self, WebConfig};
use candidate_security::{Guide, SearchRequest, server};
use clap::{CommandFactory, Parser, Subcommand};

/// mimalloc instead of the system allocator: answering a search allocates many small
/// strings, and with glibc's malloc that was a sixth of the server's time under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Seconds to go on serving after SIGINT or SIGTERM before refusing new connections:
    /// /readyz answers 503 and every response closes its connection, so a load balancer and
    /// keep-alive clients move away without losing a request. 5 suits a server behind a load
    /// balancer; 0 stops at once. In-flight requests then get up to 10 seconds to finish.
    #[arg(long, env = "CANDIDATE_SECURITY_SHUTDOWN_DELAY", default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=300))]
    shutdown_delay: u64,
    /// Check every setting and load the guidance without listening, print a one-line summary
    /// and exit: 0 if the server would start, 78 (with the setting to fix) if not.
    #[arg(long)]
    check_config: bool,
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
        /// Also print each document's reading level (Flesch-Kincaid grade; the house style
        /// asks for at most 7.0 per document and 6.0 on average).
        #[arg(long)]
        readability: bool,
    },
    /// Measure search quality on a query file: success@1, success@3 and MRR.
    Eval {
        /// Tab-separated queries and expected document slugs.
        #[arg(default_value = "tests/relevance/dev-queries.tsv")]
        file: PathBuf,
        /// Use guidance from this directory instead of the embedded corpus.
        #[arg(long, env = "CANDIDATE_SECURITY_GUIDANCE_DIR")]
        guidance_dir: Option<PathBuf>,
        /// Search as a person in this nation (england, wales, scotland, northern-ireland).
        #[arg(long, value_parser = parse_nation)]
        nation: Option<Nation>,
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
        /// Search as a person in this nation (england, wales, scotland, northern-ireland).
        #[arg(long, value_parser = parse_nation)]
        nation: Option<Nation>,
        /// Print the results as JSON.
        #[arg(long)]
        json: bool,
        /// Use guidance from this directory instead of the embedded corpus.
        #[arg(long, env = "CANDIDATE_SECURITY_GUIDANCE_DIR")]
        guidance_dir: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return argument_error(&error),
    };
    match run(cli) {
        Ok(code) => code,
        // Output piped into a program that stopped reading (e.g. `| head`) is not an error.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => match error.downcast_ref::<ConfigError>() {
            Some(config_error) => {
                if let ConfigError::Corpus { problems, .. } = config_error {
                    for problem in &problems.problems {
                        eprintln!("{problem}");
                    }
                }
                eprintln!("error: {config_error}");
                ExitCode::from(config::EX_CONFIG)
            }
            None => {
                eprintln!("error: {error:#}");
                ExitCode::FAILURE
            }
        },
    }
}

/// Help and version exit 0; any other command-line problem (including a bad value from an
/// environment variable) prints one line and exits with `EX_CONFIG`.
fn argument_error(error: &clap::Error) -> ExitCode {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        let _ = error.print();
        return ExitCode::SUCCESS;
    }
    let rendered = error.render().to_string();
    let mut line = rendered
        .lines()
        .map(str::trim_end)
        .find(|line| !line.is_empty())
        .unwrap_or("error: invalid arguments")
        .to_owned();
    match error.get(ContextKind::SuggestedArg) {
        Some(ContextValue::String(suggested)) => {
            line.push_str(&format!(" (did you mean '{suggested}'?)"));
        }
        Some(ContextValue::Strings(suggested)) if !suggested.is_empty() => {
            line.push_str(&format!(" (did you mean '{}'?)", suggested.join("' or '")));
        }
        _ => {}
    }
    if let Some(variable) = variable_behind(error) {
        line.push_str(&format!(" (from the environment variable {variable})"));
    }
    eprintln!("{line}");
    ExitCode::from(config::EX_CONFIG)
}

/// The environment variable an invalid value came from, when it did not come from a flag.
fn variable_behind(error: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue};
    let Some(ContextValue::String(arg)) = error.get(ContextKind::InvalidArg) else {
        return None;
    };
    let Some(ContextValue::String(value)) = error.get(ContextKind::InvalidValue) else {
        return None;
    };
    let long = arg.strip_prefix("--")?.split([' ', '=']).next()?;
    let flag = format!("--{long}");
    let on_command_line = std::env::args_os().any(|a| {
        let a = a.to_string_lossy();
        a == flag.as_str() || a.starts_with(&format!("{flag}="))
    });
    if on_command_line {
        return None;
    }
    let mut commands = vec![Cli::command()];
    while let Some(command) = commands.pop() {
        let variable = command
            .get_arguments()
            .filter(|a| a.get_long() == Some(long))
            .find_map(|a| a.get_env())
            .map(|v| v.to_string_lossy().into_owned());
        if let Some(variable) = variable {
            let set = std::env::var_os(&variable).is_some_and(|v| v.to_string_lossy() == *value);
            return set.then_some(variable);
        }
        commands.extend(command.get_subcommands().cloned());
    }
    None
}

/// Every environment variable any command reads (all start with `CANDIDATE_SECURITY_`).
fn known_variables() -> Vec<String> {
    let mut names = Vec::new();
    let mut commands = vec![Cli::command()];
    while let Some(command) = commands.pop() {
        names.extend(
            command
                .get_arguments()
                .filter_map(|a| a.get_env())
                .map(|v| v.to_string_lossy().into_owned()),
        );
        commands.extend(command.get_subcommands().cloned());
    }
    names.sort();
    names.dedup();
    names
}

/// Log to stderr: this program at `level`, every other library at warnings and errors only
/// (their debug and trace output can include request details). Per-request lines are
/// buffered: call `flush` on the returned handle before exiting.
fn init_logging(format: LogFormat, level: tracing::Level) -> BufferedStderr {
    let filter = candidate_security::logging::filter(level);
    let stderr = BufferedStderr::start();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(stderr.clone());
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
    stderr
}

/// The settings `serve` checks before loading anything: no stray environment variables, an
/// address to listen on, a base path. Returns the address, its socket addresses and the
/// normalised base path.
/// A nation as named on the command line.
fn parse_nation(name: &str) -> Result<Nation, String> {
    Nation::parse(name).ok_or_else(|| {
        format!("unknown nation `{name}`: use england, wales, scotland or northern-ireland")
    })
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

fn check_settings(
    args: &ServeArgs,
) -> Result<(BindAddress, Vec<std::net::SocketAddr>, String), ConfigError> {
    let known = known_variables();
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    let present: Vec<String> = std::env::vars_os()
        .map(|(name, _)| name.to_string_lossy().into_owned())
        .collect();
    config::check_variables(&known, present.iter().map(String::as_str))?;
    let bind = BindAddress::parse(config::BIND, &args.bind)?;
    let addresses = bind.resolve(config::BIND)?;
    let base_path =
        web::normalise_base_path(&args.base_path).map_err(|_| ConfigError::Invalid {
            setting: config::BASE_PATH,
            value: args.base_path.clone(),
            reason: "use a path such as /security, made of letters, digits, `.`, `-` and `_`"
                .to_owned(),
        })?;
    if let Some(dir) = &args.guidance_dir
        && !dir.is_dir()
    {
        return Err(ConfigError::Invalid {
            setting: config::GUIDANCE_DIR,
            value: dir.display().to_string(),
            reason: if dir.exists() {
                "not a directory".to_owned()
            } else {
                "no such directory".to_owned()
            },
        });
    }
    Ok((bind, addresses, base_path))
}

/// Load the guidance to serve; problems in a `--guidance-dir` corpus are configuration errors.
fn load_guide(guidance_dir: Option<&Path>) -> anyhow::Result<Guide> {
    match (guidance_dir, open_guide(guidance_dir)) {
        (_, Ok(guide)) => Ok(guide),
        (Some(dir), Err(GuideError::Corpus(problems))) => Err(ConfigError::Corpus {
            setting: config::GUIDANCE_DIR,
            dir: dir.to_owned(),
            problems,
        }
        .into()),
        (_, Err(error)) => Err(anyhow::Error::new(error).context("cannot open the guidance")),
    }
}

/// Why a listener could not be opened, in one line with what to do about it.
fn listen_error(bind: &BindAddress, error: &std::io::Error) -> anyhow::Error {
    use std::io::ErrorKind;
    let reason = match error.kind() {
        ErrorKind::AddrInUse => {
            "address already in use (is another copy running? choose another with --bind)"
                .to_owned()
        }
        ErrorKind::AddrNotAvailable => {
            "address not available: it is not an address of this machine (choose another with --bind)".to_owned()
        }
        ErrorKind::PermissionDenied if bind.port() < 1024 => format!(
            "permission denied: ports below 1024 need privileges (choose another with --bind): {error}"
        ),
        _ => error.to_string(),
    };
    anyhow::anyhow!("cannot listen on {bind}: {reason}")
}

fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    // Check and load everything before binding, so a bad setting or a broken corpus never
    // serves; `--check-config` stops after this.
    let (bind, addresses, base_path) = check_settings(&args)?;
    let log = (!args.check_config).then(|| init_logging(args.log_format, args.log_level));
    // Buffered log lines are written out however this function returns.
    let _flush_log = FlushOnDrop(log.clone());
    let guide = Arc::new(load_guide(args.guidance_dir.as_deref())?);
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
        shutdown_delay: Duration::from_secs(args.shutdown_delay),
        ..server::ServerLimits::default()
    };
    let corpus = guide.corpus();
    if args.check_config {
        let _checked = web::app(guide.clone(), &config).context("cannot build the web app")?;
        let source = match &args.guidance_dir {
            Some(dir) => format!("guidance from {}", dir.display()),
            None => "the embedded guidance".to_owned(),
        };
        let rate = match &config.limits.rate_limit {
            Some(rate) => format!("{}/s per client, burst {}", rate.per_second, rate.burst),
            None => "no per-client limit".to_owned(),
        };
        println!(
            "config ok: http://{bind}{base_path}/; {source} ({} documents, {} sections, version {}); \
             searches: {} at once, {rate}; timeouts: headers {} s, requests {} s; \
             shutdown delay {} s",
            corpus.documents.len(),
            corpus.section_count(),
            corpus.version,
            args.max_searches,
            args.header_timeout,
            args.request_timeout,
            args.shutdown_delay,
        );
        return Ok(ExitCode::SUCCESS);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(8 << 20)
        .build()
        .context("cannot start the async runtime")?;
    // Built inside the runtime, so the rate limiter can start its clean-up task.
    let (app, readiness) = {
        let _entered = runtime.enter();
        web::app(guide.clone(), &config)?
    };
    release_start_up_memory();
    runtime.block_on(async move {
        // Caught from here on: a signal during start-up no longer ends the process outright.
        let mut signals =
            server::StopSignals::listen().context("cannot catch SIGINT and SIGTERM")?;
        let listener = tokio::net::TcpListener::bind(addresses.as_slice())
            .await
            .map_err(|error| listen_error(&bind, &error))?;
        let address = server::local_address(&listener).map_or(bind.to_string(), |a| a.to_string());
        tracing::info!(
            address = %format!("http://{address}{base_path}/"),
            corpus_version = %corpus.version,
            documents = corpus.documents.len(),
            sections = corpus.section_count(),
            ready_ms = started.elapsed().as_millis() as u64,
            "serving the Candidate Security Guide"
        );
        let delay_s = server_limits.shutdown_delay.as_secs();
        let shutdown = async move {
            let signal = signals.recv().await;
            readiness.set_not_ready();
            if delay_s > 0 {
                tracing::info!(
                    signal = signal.name(),
                    delay_s,
                    "shutting down: /readyz answers 503 and responses close their connections; \
                     new connections are refused after the delay"
                );
            } else {
                tracing::info!(signal = signal.name(), "shutting down");
            }
            // A second signal means "now": no delay, no waiting for requests in flight.
            let second_signal_log = log.clone();
            tokio::spawn(async move {
                let second = signals.recv().await;
                tracing::warn!(
                    signal = second.name(),
                    "second signal: exiting without waiting"
                );
                if let Some(log) = &second_signal_log {
                    log.flush();
                }
                std::process::exit(i32::from(second.exit_code()));
            });
        };
        server::serve(listener, app, server_limits, shutdown)
            .await
            .context("the server failed")?;
        tracing::info!("stopped");
        anyhow::Ok(ExitCode::SUCCESS)
    })
}

/// Give back to the system the memory that building the index and pre-rendering the pages
/// used and freed (Tantivy's indexing arena alone is 15 MB). mimalloc would otherwise keep
/// it until later allocations on the same threads purge it: resident memory right after
/// start-up falls from about 70 MiB to about 35 MiB.
fn release_start_up_memory() {
    // SAFETY: `mi_collect` takes no pointers and has no preconditions; it only walks the
    // allocator's own free lists, and may be called from any thread at any time.
    unsafe { libmimalloc_sys::mi_collect(true) };
}

/// Writes out buffered log lines when dropped.
struct FlushOnDrop(Option<BufferedStderr>);

impl Drop for FlushOnDrop {
    fn drop(&mut self) {
        if let Some(log) = &self.0 {
            log.flush();
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}

fn open_guide(guidance_dir: Option<&Path>) -> Result<Guide, GuideError> {
    match guidance_dir {
        Some(dir) => Guide::from_dir(dir),
        None => Guide::embedded(),
    }
}

fn open(guidance_dir: Option<&Path>) -> anyhow::Result<Guide> {
    open_guide(guidance_dir).context("cannot open the guidance")
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match cli.command.unwrap_or(Command::Serve(cli.serve)) {
        Command::Serve(args) => serve(args),
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
        Command::Check { dir, readability } => {
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
                    if readability {
                        write_readability(&mut out, &corpus)?;
                    }
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
            nation,
            json,
        } => {
            let shown = file.display().to_string();
            let text =
                std::fs::read_to_string(&file).with_context(|| format!("cannot read {shown}"))?;
            let judgements = parse_judgements(&shown, &text)?;
            let guide = open(guidance_dir.as_deref())?;
            let report = evaluate_in(&guide, &judgements, nation)?;
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
                let report = parity::check_queries(
                    &guide,
                    &parity::ParityQuery::in_every_nation(&queries),
                    &node,
                )?;
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
            nation,
            json,
            guidance_dir,
        } => {
            let mut request = SearchRequest::new(query);
            request.nation = nation;
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
                        section.heading,
                        document.section_url(section),
                        section.score
                    )?;
                    writeln!(out, "    {}", section.snippet_html)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
