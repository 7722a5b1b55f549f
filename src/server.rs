//! Serving the app over TCP with the protections `axum::serve` lacks: a header-read timeout
//! (slow clients cannot hold connections open), idle connections closed, a cap on open
//! connections, and graceful shutdown: an optional drain delay during which every HTTP/1
//! response closes its connection, then in-flight requests finish, with a bound.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Request, Version, header};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// Limits applied to every connection.
#[derive(Debug, Clone)]
pub struct ServerLimits {
    /// Time a client has to send a complete request head.
    pub header_read_timeout: Duration,
    /// Most connections open at once; further clients wait in the kernel's backlog.
    pub max_connections: usize,
    /// Most request headers accepted.
    pub max_headers: usize,
    /// Time in-flight requests get to finish once the listener has closed.
    pub shutdown_grace: Duration,
    /// Time between the shutdown signal and closing the listener. Meanwhile the server
    /// keeps accepting and serving, but every HTTP/1 response carries `Connection: close`,
    /// so keep-alive clients finish their request and move on (behind a load balancer, long
    /// enough for it to see `/readyz` fail). Zero closes the listener at once.
    pub shutdown_delay: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            header_read_timeout: Duration::from_secs(10),
            max_connections: 512,
            max_headers: 64,
            shutdown_grace: Duration::from_secs(10),
            shutdown_delay: Duration::ZERO,
        }
    }
}

/// Header-read timeout for connections accepted while the server is under pressure: fewer
/// than one in [`PRESSURE_FREE_SHARE`] connection slots free. Long enough for a phone on a
/// poor signal to send a request head (one packet), short enough that a flood of clients
/// that never finish their headers cannot keep the slots for the full timeout.
pub const PRESSED_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(3);

/// See [`PRESSED_HEADER_READ_TIMEOUT`]: pressure is fewer than `max_connections / 4` free.
pub const PRESSURE_FREE_SHARE: usize = 4;

/// A connection builder with the given header-read timeout and the other `limits`.
fn connection_builder(
    limits: &ServerLimits,
    header_read_timeout: Duration,
) -> Builder<TokioExecutor> {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
        .max_headers(limits.max_headers)
        .max_buf_size(64 * 1024);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(100)
        .keep_alive_interval(Some(Duration::from_secs(30)));
    builder
}

/// The app being served, replaceable while serving: a new request goes to the app current
/// when it arrives; a request in flight finishes on the app it started with.
#[derive(Clone)]
pub struct LiveApp(Arc<std::sync::RwLock<Router>>);

impl LiveApp {
    /// Serve `app` to begin with.
    pub fn new(app: Router) -> LiveApp {
        LiveApp(Arc::new(std::sync::RwLock::new(app)))
    }

    /// The app for the next request.
    pub fn current(&self) -> Router {
        // A poisoned lock still holds a whole Router (replace only assigns).
        match self.0.read() {
            Ok(app) => app.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Serve `app` from the next request on.
    pub fn replace(&self, app: Router) {
        match self.0.write() {
            Ok(mut current) => *current = app,
            Err(poisoned) => *poisoned.into_inner() = app,
        }
    }
}

/// Serve `app` on `listener` until `shutdown` completes; then go on serving for
/// `limits.shutdown_delay` with `Connection: close` on every HTTP/1 response, close the
/// listener, and drain in-flight requests for at most `limits.shutdown_grace`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    serve_live(listener, LiveApp::new(app), limits, shutdown).await
}

/// [`serve`], with an app that can be replaced while serving (see [`LiveApp`]).
pub async fn serve_live(
    listener: TcpListener,
    app: LiveApp,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let builder = Arc::new(connection_builder(&limits, limits.header_read_timeout));
    // Under pressure (most connection slots taken, as when slow clients flood the server),
    // new connections get a shorter time to send their headers, so slots turn over faster
    // and normal clients wait less for one.
    let pressed = Arc::new(connection_builder(
        &limits,
        limits.header_read_timeout.min(PRESSED_HEADER_READ_TIMEOUT),
    ));
    let pressure_threshold = limits.max_connections / PRESSURE_FREE_SHARE;
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let draining = Arc::new(AtomicBool::new(false));
    let delay = limits.shutdown_delay;
    let stop_accepting = {
        let draining = draining.clone();
        async move {
            shutdown.await;
            draining.store(true, Ordering::SeqCst);
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
        }
    };
    tokio::pin!(stop_accepting);

    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut stop_accepting => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Running out of file descriptors and the like: wait and go on.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop_accepting => break,
        };
        let _ = stream.set_nodelay(true);
        // The peer address is available to the rate limiter as a key, and never logged.
        let app = app.clone();
        let draining = draining.clone();
        let service = tower::service_fn(move |mut request: Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let http1 = request.version() < Version::HTTP_2;
            let draining = draining.clone();
            let response = app.current().oneshot(request);
            async move {
                let mut response = response.await?;
                // Read once the response is ready: a request that started before the
                // signal still tells its client to move on.
                if http1 && draining.load(Ordering::SeqCst) {
                    response
                        .headers_mut()
                        .insert(header::CONNECTION, HeaderValue::from_static("close"));
                }
                Ok::<_, Infallible>(response)
            }
        });
        let service = TowerToHyperService::new(service);
        let under_pressure = permits.available_permits() < pressure_threshold;
        let chosen = if under_pressure { &pressed } else { &builder };
        let connection = chosen
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // Errors here are clients going away or breaking the protocol: nothing to report.
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    tracing::info!(
        grace_s = limits.shutdown_grace.as_secs(),
        "stopped accepting connections: finishing requests in flight"
    );
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("some connections were still open when the shutdown grace period ended");
    }
    Ok(())
}

/// The address a listener is bound to, for the start-up log line.
pub fn local_address(listener: &TcpListener) -> Option<SocketAddr> {
    listener.local_addr().ok()
}

/// A signal that asks the server to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopSignal {
    /// SIGINT (Ctrl-C).
    Interrupt,
    /// SIGTERM (what service managers and container runtimes send).
    Terminate,
}

impl StopSignal {
    /// The signal's usual name, for the log.
    pub fn name(self) -> &'static str {
        match self {
            StopSignal::Interrupt => "SIGINT",
            StopSignal::Terminate => "SIGTERM",
        }
    }

    /// The conventional exit code of a process ended by this signal: 128 + its number.
    pub fn exit_code(self) -> u8 {
        match self {
            StopSignal::Interrupt => 130,
            StopSignal::Terminate => 143,
        }
    }
}

/// SIGINT and SIGTERM, caught from the moment this is created (they no longer end the
/// process by themselves) and delivered one at a time by [`StopSignals::recv`].
pub struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignals {
    /// Start catching the signals. Must be called inside a Tokio runtime.
    pub fn listen() -> std::io::Result<StopSignals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(StopSignals {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(StopSignals {})
        }
    }

    /// The next signal. Signals that arrived since the last call are not lost.
    pub async fn recv(&mut self) -> StopSignal {
        #[cfg(unix)]
        {
            tokio::select! {
                Some(()) = self.interrupt.recv() => StopSignal::Interrupt,
                Some(()) = self.terminate.recv() => StopSignal::Terminate,
                else => std::future::pending().await,
            }
        }
        #[cfg(not(unix))]
        {
            match tokio::signal::ctrl_c().await {
                Ok(()) => StopSignal::Interrupt,
                Err(_) => std::future::pending().await,
            }
        }
    }
}
