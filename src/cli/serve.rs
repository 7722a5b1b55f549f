//! `serve`, the default command: its flags and environment variables, the checks made before
//! anything is loaded (`--check-config` stops after them), logging, and the server's life from
//! binding the port to a graceful shutdown.

use std::io::IsTerminal;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use candidate_security::config::{self, BindAddress, ConfigError};
use candidate_security::corpus::Overlay;
use candidate_security::logging::BufferedStderr;
use candidate_security::search::GuideError;
use candidate_security::web::limits::{Limits, RateLimit};
use candidate_security::web::metrics::Metrics;
use candidate_security::web::{self, AppOptions, WebConfig};

use super::reload::{self, Reloader};
use candidate_security::{Guide, server};

/// How to serve.
#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
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
    /// Which guidance to serve. SIGHUP re-reads --guidance-dir without a restart.
    #[command(flatten)]
    guidance: super::GuidanceArgs,
    /// Serve Prometheus metrics at http://ADDR/metrics (off unless set). Counts requests by
    /// route and status, latency and searches; never query text, addresses or user agents.
    /// Keep it on a private address, such as 127.0.0.1:9090.
    #[arg(long, env = "CANDIDATE_SECURITY_METRICS_BIND")]
    metrics_bind: Option<String>,
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

/// The log format.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Check every setting, load the guidance and serve it until a stop signal; with
/// `--check-config`, print a summary of the settings instead of listening.
pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    // Check and load everything before binding, so a bad setting or a broken corpus never
    // serves; `--check-config` stops after this.
    let (bind, addresses, base_path, metrics_bind) = check_settings(&args)?;
    let log = (!args.check_config).then(|| init_logging(args.log_format, args.log_level));
    // Buffered log lines are written out however this function returns.
    let _flush_log = FlushOnDrop(log.clone());
    let (guide, overlay) = load_guide(&args.guidance)?;
    let guide = Arc::new(guide);
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
        let source = args.guidance.describe();
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
    let metrics = metrics_bind.as_ref().map(|_| Metrics::new());
    let options = AppOptions {
        metrics: metrics.clone(),
        ..AppOptions::default()
    };
    // Built inside the runtime, so the rate limiter can start its clean-up task.
    let (app, readiness, _) = {
        let _entered = runtime.enter();
        web::app_with_routes(guide.clone(), &config, &options)?
    };
    let live = server::LiveApp::new(app);
    let reloader = Reloader {
        guidance: args.guidance.clone(),
        config: config.clone(),
        options: AppOptions {
            readiness: Some(readiness.clone()),
            ..options
        },
        live: live.clone(),
        serving: guide.clone(),
    };
    release_start_up_memory();
    runtime.block_on(async move {
        // Caught from here on: a signal during start-up no longer ends the process outright.
        let mut signals =
            server::StopSignals::listen().context("cannot catch SIGINT and SIGTERM")?;
        let listener = tokio::net::TcpListener::bind(addresses.as_slice())
            .await
            .map_err(|error| listen_error(&bind, &error))?;
        if let (Some(bind), Some(metrics)) = (&metrics_bind, metrics) {
            let metrics_listener = tokio::net::TcpListener::bind(bind.to_string())
                .await
                .map_err(|error| listen_error(bind, &error))?;
            tracing::info!(address = %format!("http://{bind}/metrics"), "serving metrics");
            tokio::spawn(async move {
                if let Err(error) =
                    axum::serve(metrics_listener, web::metrics::router(metrics)).await
                {
                    tracing::error!(%error, "the metrics listener failed");
                }
            });
        }
        let address = server::local_address(&listener).map_or(bind.to_string(), |a| a.to_string());
        tracing::info!(
            address = %format!("http://{address}{base_path}/"),
            guidance = %args.guidance.describe(),
            corpus_version = %corpus.version,
            documents = corpus.documents.len(),
            sections = corpus.section_count(),
            ready_ms = started.elapsed().as_millis() as u64,
            "serving the Candidate Security Guide"
        );
        log_overlay(&overlay);
        if args.guidance.dir().is_some() {
            let hangups = reload::Hangups::listen().context("cannot catch SIGHUP")?;
            tokio::spawn(reloader.watch(hangups));
        }
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
        server::serve_live(listener, live, server_limits, shutdown)
            .await
            .context("the server failed")?;
        tracing::info!("stopped");
        anyhow::Ok(ExitCode::SUCCESS)
    })
}

/// The settings `serve` checks before loading anything: no stray environment variables, an
/// address to listen on, a base path, a guidance directory that is one. Returns the address,
/// its socket addresses and the normalised base path.
fn check_settings(args: &ServeArgs) -> Result<Settings, ConfigError> {
    let known = super::known_variables();
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
    let metrics_bind = args
        .metrics_bind
        .as_deref()
        .map(|value| BindAddress::parse(config::METRICS_BIND, value))
        .transpose()?;
    if let Some(dir) = args.guidance.dir()
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
    Ok((bind, addresses, base_path, metrics_bind))
}

/// What [`check_settings`] found: the address, its socket addresses, the normalised base path
/// and the metrics address, if any.
type Settings = (
    BindAddress,
    Vec<std::net::SocketAddr>,
    String,
    Option<BindAddress>,
);

/// Log what the organiser's directory added to and replaced in the embedded guidance.
fn log_overlay(overlay: &Overlay) {
    if !overlay.replaced.is_empty() {
        tracing::warn!(
            replaced = %overlay.replaced.join(", "),
            "the guidance directory replaces embedded documents: they no longer get our updates"
        );
    }
    if !overlay.added.is_empty() || overlay.contacts {
        tracing::info!(
            added = %overlay.added.join(", "),
            contacts = overlay.contacts,
            "the guidance directory adds to the embedded guidance"
        );
    }
}

/// Load the guidance to serve; problems in a `--guidance-dir` corpus are configuration errors.
fn load_guide(guidance: &super::GuidanceArgs) -> anyhow::Result<(Guide, Overlay)> {
    match (guidance.dir(), guidance.open_guide()) {
        (_, Ok(found)) => Ok(found),
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
