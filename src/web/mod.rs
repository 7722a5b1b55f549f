//! The web app: axum router, handlers, pre-rendered pages, embedded assets and headers.
//!
//! Thin: it calls [`crate::search`] and renders. Every page that does not depend on the
//! request is rendered and compressed once, when the router is built.

mod api;
mod compress;
pub mod export;
mod headers;
pub mod limits;
pub mod metrics;
mod pages;
mod phone_links;
mod precompressed;
mod prerender;
mod render;
mod request_log;
pub mod results_json;
mod search_page;
mod site;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

pub use headers::{CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY};
pub use search_page::SearchParams;
pub use site::Site;

use crate::corpus::Nation;
use crate::search::Guide;
use precompressed::Precompressed;

/// Largest accepted request body: the search form's POST (a query of at most 256 bytes,
/// percent-encoded, plus two filters).
pub const MAX_FORM_BYTES: usize = 4 * 1024;

/// How the app is served.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Serve under this path prefix (e.g. `/security`); empty for the root.
    pub base_path: String,
    /// Send `Strict-Transport-Security` (only when served over HTTPS).
    pub hsts: bool,
    /// Deadlines, concurrency and rate limits.
    pub limits: limits::Limits,
}

/// How to build the app beyond its [`WebConfig`].
#[derive(Debug, Clone, Default)]
pub struct AppOptions {
    /// Where the pages will be served from.
    pub hosting: Hosting,
    /// Count requests for `--metrics-bind` (off: `None`).
    pub metrics: Option<Arc<metrics::Metrics>>,
    /// Share this readiness with an app built before (a reload keeps answering `/readyz`
    /// as the running server does); `None`: a new one, ready.
    pub readiness: Option<Readiness>,
}

/// Where the pages will be served from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Hosting {
    /// This server: `/search` and `/api/search` answer.
    #[default]
    Server,
    /// A static host (`export --site`): no server behind the pages, so the no-JavaScript
    /// search form explains instead of posting, and the app never asks `/api/search`.
    Static,
}

/// Why the web app could not be built.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// `--base-path` is not a usable path prefix.
    #[error(
        "invalid base path `{0}`: use a path such as /security (letters, digits, - and _ only)"
    )]
    BasePath(String),
    /// The rate limit cannot be built from the values given.
    #[error("invalid rate limit: use at least 1 request per second and a burst of at least 1")]
    RateLimit,
    /// A page template failed to render (a bug).
    #[error("could not render a page: {0}")]
    Template(#[from] askama::Error),
    /// The search bundle could not be read from the index (a bug).
    #[error("could not export the search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// A generated JSON document failed to serialize (a bug).
    #[error("could not build a JSON document: {0}")]
    Json(#[from] serde_json::Error),
    /// The semantic model built into the binary could not be read (a bug).
    #[error("could not read the semantic model: {0}")]
    Model(#[from] crate::search::semantic::model::ModelError),
}

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    guide: Arc<Guide>,
    site: Arc<Site>,
    pages: Arc<HashMap<String, Precompressed>>,
    bundle: Arc<(String, Precompressed)>,
    /// The semantic model's file name and body.
    semantic: Arc<(String, Precompressed)>,
    not_found: Arc<Precompressed>,
    ready: Arc<AtomicBool>,
}

/// A handle that marks the app as not ready (`/readyz` answers 503) once shutdown starts.
#[derive(Debug, Clone)]
pub struct Readiness(Arc<AtomicBool>);

impl Readiness {
    /// Report not ready from now on.
    pub fn set_not_ready(&self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// Normalise a base path: `""`, `/`, `security/` → `""`, `""`, `/security`.
pub fn normalise_base_path(raw: &str) -> Result<String, WebError> {
    let trimmed = raw.trim().trim_matches('/');
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    let valid = trimmed.split('/').all(|segment| {
        !segment.is_empty()
            && segment != "."
            && segment != ".."
            && segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
    });
    if valid {
        Ok(format!("/{trimmed}"))
    } else {
        Err(WebError::BasePath(raw.to_owned()))
    }
}

/// The routes of the app, relative to the base path.
const PAGE_ROUTES: [&str; 5] = ["/", "/about", "/privacy", "/offline", "/offline-copy"];

/// Build the app for `guide` with `config`. Returns the router and a readiness handle.
pub fn app(guide: Arc<Guide>, config: &WebConfig) -> Result<(Router, Readiness), WebError> {
    let (router, readiness, _) = app_with_routes(guide, config, &AppOptions::default())?;
    Ok((router, readiness))
}

/// The app, and every URL it answers from memory (pages, assets, the offline bundle, the
/// service worker, the manifest and the JSON files), with the base path: what a static copy
/// of the site needs.
pub fn app_with_routes(
    guide: Arc<Guide>,
    config: &WebConfig,
    options: &AppOptions,
) -> Result<(Router, Readiness, Vec<String>), WebError> {
    let hosting = options.hosting;
    let base = normalise_base_path(&config.base_path)?;
    let assets = memory_serve::load!()
        .index_file(None)
        .enable_brotli(true)
        .enable_gzip(true)
        .enable_hashed_routes(true);
    let manifest = assets.manifest();
    let asset_urls: HashMap<String, String> = manifest
        .iter()
        .map(|(route, served)| (route.to_owned(), format!("{base}/assets{served}")))
        .collect();

    // The offline search bundle, at a URL that changes whenever its content does.
    let bundle = serde_json::to_vec(&crate::offline::bundle(&guide)?)?;
    let bundle_name: String = Sha256::digest(&bundle)[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let bundle_name = format!("offline-index.{bundle_name}.json");
    let bundle_url = format!("{base}/bundle/{bundle_name}");

    // The semantic model: the same bytes for every corpus, so named by its own content.
    let model = crate::search::semantic::embedded_model()?;
    let model_name: String = Sha256::digest(model.bytes())[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let model_name = format!("semantic-model.{model_name}.bin");
    let semantic_url = format!("{base}/bundle/{model_name}");

    let sw_source = include_str!("../../assets/sw.js");
    let mut version_hasher = Sha256::new();
    version_hasher.update(guide.corpus().version.as_bytes());
    version_hasher.update(bundle_url.as_bytes());
    version_hasher.update(semantic_url.as_bytes());
    let mut served: Vec<&String> = asset_urls.values().collect();
    served.sort();
    for url in &served {
        version_hasher.update(url.as_bytes());
    }
    version_hasher.update(sw_source.as_bytes());
    let version: String = version_hasher.finalize()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut site = Site::new(base.clone(), version, asset_urls, bundle_url);
    site.semantic_url = semantic_url;
    site.set_nation_routes(guide.corpus());
    site.set_contacts(guide.corpus());
    site.static_site = hosting == Hosting::Static;

    let (pages_map, not_found) =
        prerender::render_pages(&site, guide.corpus(), hosting, sw_source)?;

    let mut static_urls: Vec<String> = pages_map
        .keys()
        .filter(|route| !route.contains('?'))
        .map(|route| format!("{base}{route}"))
        .chain(site.asset_urls().map(str::to_owned))
        .chain([site.bundle_url.clone(), site.semantic_url.clone()])
        .collect();
    static_urls.sort();

    let bundle = Arc::new((
        bundle_name,
        Precompressed::new(
            bundle,
            "application/json",
            "public, max-age=31536000, immutable",
        ),
    ));

    let ready = match &options.readiness {
        Some(Readiness(shared)) => shared.clone(),
        None => Arc::new(AtomicBool::new(true)),
    };
    let state = AppState {
        guide,
        site: Arc::new(site),
        pages: Arc::new(pages_map),
        bundle,
        not_found: Arc::new(not_found),
        ready: ready.clone(),
        semantic: Arc::new((
            model_name,
            Precompressed::from_brotli(
                Bytes::from_static(model.bytes()),
                Bytes::from_static(crate::search::semantic::model::EMBEDDED_MODEL_BROTLI),
                "application/octet-stream",
                "public, max-age=31536000, immutable",
            ),
        )),
    };

    let home_state = state.clone();
    // Every pre-rendered page is answered by `page`, which looks it up by path.
    let pre_rendered = PAGE_ROUTES.into_iter().chain([
        "/sw.js",
        "/manifest.webmanifest",
        "/guidance/{slug}",
        "/topics/{category}",
        "/api/documents",
        "/api/version",
    ]);
    // A static copy has no server searches: its /search is a page that explains.
    let (pre_rendered, searches): (Vec<&str>, Router<AppState>) = match hosting {
        Hosting::Server => (pre_rendered.collect(), search_routes(&config.limits)?),
        Hosting::Static => (
            pre_rendered.chain(["/search", "/404"]).collect(),
            Router::new(),
        ),
    };
    let routes = pre_rendered
        .into_iter()
        .fold(Router::new(), |router, route| {
            router.route(route, get(page))
        })
        .route("/bundle/{file}", get(offline_bundle))
        .route("/livez", get(livez))
        .route("/healthz", get(livez))
        .route("/readyz", get(readyz))
        .merge(searches)
        .nest(
            "/assets",
            assets
                .into_router::<AppState>()
                .layer(axum::middleware::map_response(public_immutable)),
        )
        .fallback(not_found_handler)
        .with_state(state);
    // Counted inside the routing, where the route template is known.
    let routes = match &options.metrics {
        Some(metrics) => routes.layer(axum::middleware::from_fn_with_state(
            metrics.clone(),
            metrics::record,
        )),
        None => routes,
    };

    let hsts = config.hsts;
    let timeout = config.limits.request_timeout;
    let app = if base.is_empty() {
        routes
    } else {
        // `{base}/` is the app's start URL and service worker scope; `{base}` also works.
        Router::new()
            .route(&format!("{base}/"), get(page))
            .with_state(home_state)
            .nest(&base, routes)
    };
    let app = app
        .layer(axum::middleware::from_fn_with_state(
            timeout,
            limits::deadline,
        ))
        .layer(axum::middleware::from_fn(limits::uri_length))
        .layer(axum::middleware::from_fn(request_log::log_request))
        .layer(axum::middleware::from_fn(move |request, next| {
            headers::security_headers(hsts, request, next)
        }));
    Ok((app, Readiness(ready), static_urls))
}

/// The search routes (HTML and JSON), behind the search concurrency cap and, when
/// configured, the per-client rate limit.
fn search_routes(limits: &limits::Limits) -> Result<Router<AppState>, WebError> {
    let permits = Arc::new(tokio::sync::Semaphore::new(
        limits.max_concurrent_searches.max(1),
    ));
    let routes = Router::new()
        .route(
            "/search",
            get(search_page::search_get)
                .post(search_page::search_post)
                .layer(DefaultBodyLimit::max(MAX_FORM_BYTES)),
        )
        .route(
            "/api/search",
            get(api::search).fallback(api::method_not_allowed),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            permits,
            limits::search_permits,
        ));
    let Some(rate) = &limits.rate_limit else {
        return Ok(routes);
    };
    let period_ms = (1000 / u64::from(rate.per_second.max(1))).max(1);
    let config = tower_governor::governor::GovernorConfigBuilder::default()
        .key_extractor(limits::ClientIp {
            header: rate.client_ip_header.clone(),
        })
        .per_millisecond(period_ms)
        .burst_size(rate.burst)
        .finish()
        .filter(|_| rate.per_second > 0)
        .ok_or(WebError::RateLimit)?;
    let config = Arc::new(config);
    // Forget clients that have gone quiet, so the table of keys stays small.
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        let limiter = Arc::downgrade(&config);
        runtime.spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                every.tick().await;
                match limiter.upgrade() {
                    Some(config) => config.limiter().retain_recent(),
                    None => break,
                }
            }
        });
    }
    Ok(routes.route_layer(tower_governor::GovernorLayer::new(config)))
}

/// Hashed assets never change: let shared caches keep them too.
async fn public_immutable(mut response: Response) -> Response {
    let headers = response.headers_mut();
    if headers.get(header::CACHE_CONTROL).is_some_and(|v| {
        v.as_bytes().ends_with(b"immutable") && !v.as_bytes().starts_with(b"public")
    }) {
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        );
    }
    response
}

/// The nation a page was asked for (`?nation=scotland`), if it names one. Pages ignore other
/// query parameters and unknown nations, and are then served as if none was given.
fn requested_nation(query: Option<&str>) -> Option<Nation> {
    query?
        .split('&')
        .filter_map(|pair| pair.strip_prefix("nation="))
        .find_map(Nation::parse)
}

/// A page rendered at start-up, looked up by the route it is served at (and the nation asked
/// for, for the pages that have a copy per nation).
async fn page(State(state): State<AppState>, request: Request) -> Response {
    let path = request.uri().path();
    let relative = path.strip_prefix(state.site.base.as_str()).unwrap_or(path);
    let relative = if relative.is_empty() { "/" } else { relative };
    let variant = requested_nation(request.uri().query()).and_then(|nation| {
        state
            .pages
            .get(&prerender::nation_variant(relative, nation))
    });
    match variant.or_else(|| state.pages.get(relative)) {
        Some(page) => page.respond(request.headers()),
        None => not_found_response(&state, request.headers()),
    }
}

/// The offline search bundle, only at its current content-hashed name.
async fn offline_bundle(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (name, bundle) = &*state.bundle;
    let (model_name, model) = &*state.semantic;
    if file == *name {
        bundle.respond(&headers)
    } else if file == *model_name {
        model.respond(&headers)
    } else {
        api::error(
            StatusCode::NOT_FOUND,
            "There is no search bundle at this address.",
        )
    }
}

/// `/livez` (and its older name `/healthz`): the process is up, even while it drains.
async fn livez() -> Response {
    health(StatusCode::OK, "ok\n")
}

/// `/readyz`: 200 while the server takes traffic, 503 from the shutdown signal on, so a load
/// balancer stops sending new requests during the drain delay.
async fn readyz(State(state): State<AppState>) -> Response {
    if state.ready.load(Ordering::SeqCst) {
        health(StatusCode::OK, "ok\n")
    } else {
        health(StatusCode::SERVICE_UNAVAILABLE, "shutting down\n")
    }
}

/// A health answer: a short text body and nothing about the build, never cached.
fn health(status: StatusCode, body: &'static str) -> Response {
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}

async fn not_found_handler(State(state): State<AppState>, request: Request) -> Response {
    let path = request.uri().path();
    let api_prefix = format!("{}/api/", state.site.base);
    if path.starts_with(&api_prefix) {
        return api::error(StatusCode::NOT_FOUND, "There is nothing at this address.");
    }
    // `/guidance/<slug>/` and the like: the page without the slash.
    if let Some(trimmed) = path.strip_suffix('/').filter(|p| !p.is_empty())
        && let Some(relative) = trimmed.strip_prefix(state.site.base.as_str())
        && state.pages.contains_key(relative)
        && (relative.starts_with("/guidance/") || PAGE_ROUTES.contains(&relative))
    {
        let target = match request.uri().query() {
            Some(query) => format!("{trimmed}?{query}"),
            None => trimmed.to_owned(),
        };
        return axum::response::Redirect::permanent(&target).into_response();
    }
    not_found_response(&state, request.headers())
}

fn not_found_response(state: &AppState, headers: &HeaderMap) -> Response {
    let mut response = state.not_found.respond(headers);
    if response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::NOT_FOUND;
    }
    response
}
