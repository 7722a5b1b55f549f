//! Limits that keep the server up under abuse: a deadline per request, a cap on searches
//! running at once, a cap on URI length, and an optional per-client rate limit.
//!
//! Client addresses are used only as rate-limit keys in memory; they are never logged.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;
use tower_governor::GovernorError;
use tower_governor::key_extractor::KeyExtractor;

/// Longest request target accepted, in bytes (nginx's default line buffer is 8 KiB).
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// Limits applied by the web app.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Longest time a request may take before it is answered with 503.
    pub request_timeout: Duration,
    /// Most searches running at once; more get 503 with `Retry-After`.
    pub max_concurrent_searches: usize,
    /// Per-client rate limit for searches; `None` turns it off.
    pub rate_limit: Option<RateLimit>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            request_timeout: Duration::from_secs(10),
            max_concurrent_searches: 64,
            rate_limit: None,
        }
    }
}

/// A per-client token bucket for searches.
#[derive(Debug, Clone)]
pub struct RateLimit {
    /// Searches a client may make per second, sustained.
    pub per_second: u32,
    /// Searches a client may make at once before the rate applies.
    pub burst: u32,
    /// Header that carries the real client address when behind a trusted proxy
    /// (`X-Forwarded-For`: its first address is used). Without it, the peer address is used.
    pub client_ip_header: Option<HeaderName>,
}

/// Answer with 503 if the request takes longer than the deadline.
pub async fn deadline(State(timeout): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => unavailable("The server took too long to answer. Please try again."),
    }
}

/// Refuse request targets longer than [`MAX_URI_BYTES`] with 414.
pub async fn uri_length(request: Request, next: Next) -> Response {
    let length = request.uri().path().len() + request.uri().query().map_or(0, |q| q.len() + 1);
    if length > MAX_URI_BYTES {
        return (StatusCode::URI_TOO_LONG, "The address is too long.\n").into_response();
    }
    next.run(request).await
}

/// Run at most as many searches at once as the semaphore has permits; shed the rest.
pub async fn search_permits(
    State(permits): State<Arc<Semaphore>>,
    request: Request,
    next: Next,
) -> Response {
    match permits.try_acquire() {
        Ok(_permit) => next.run(request).await,
        Err(_) => unavailable("The server is busy. Please try again in a moment."),
    }
}

fn unavailable(message: &'static str) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            (header::RETRY_AFTER, HeaderValue::from_static("1")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        message,
    )
        .into_response()
}

/// Rate-limit key: the configured client-address header's first address, else the peer
/// address, else one shared key (so a misconfigured proxy limits globally, never fails open
/// into errors).
#[derive(Debug, Clone)]
pub struct ClientIp {
    /// Header to trust for the client address, if any.
    pub header: Option<HeaderName>,
}

impl KeyExtractor for ClientIp {
    type Key = IpAddr;

    fn extract<T>(&self, request: &axum::http::Request<T>) -> Result<IpAddr, GovernorError> {
        let from_header = self.header.as_ref().and_then(|name| {
            let value = request.headers().get(name)?.to_str().ok()?;
            value.split(',').next()?.trim().parse::<IpAddr>().ok()
        });
        let from_peer = || {
            request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|info| info.0.ip())
        };
        Ok(from_header
            .or_else(from_peer)
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)))
    }
}
