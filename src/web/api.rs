//! The JSON API and the generated JSON documents (web app manifest, version list).

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::site::Site;
use super::{AppState, SearchParams};
use crate::corpus::Corpus;
use crate::search::SearchError;

/// A JSON error body `{"error": message}` with `status`.
pub fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({ "error": message })),
    )
        .into_response()
}

/// What was wrong with a query string or form, in words a person can act on.
pub fn parameter_problem(detail: &str) -> String {
    let detail = detail
        .strip_prefix("Failed to deserialize query string: ")
        .or_else(|| detail.strip_prefix("Failed to deserialize form: "))
        .or_else(|| detail.strip_prefix("Failed to deserialize form body: "))
        .unwrap_or(detail);
    if let Some(rest) = detail.split("duplicate field `").nth(1)
        && let Some(name) = rest.split('`').next()
    {
        return format!("Give “{name}” only once.");
    }
    if detail.starts_with("limit") {
        return format!(
            "“limit” must be a whole number from 1 to {}.",
            crate::search::MAX_LIMIT
        );
    }
    format!("The search could not be read: {detail}.")
}

/// `GET /api/search`: the library's results as JSON. Never cached. Every error is JSON too.
pub async fn search(
    State(state): State<AppState>,
    request_headers: HeaderMap,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Response {
    let params = match params {
        Ok(Query(params)) => params,
        Err(rejection) => {
            return error(
                StatusCode::BAD_REQUEST,
                &parameter_problem(&rejection.body_text()),
            );
        }
    };
    let request = match params.request() {
        Ok(request) => request,
        Err(message) => return error(StatusCode::BAD_REQUEST, &message),
    };
    match state.guide.search(&request) {
        Ok(results) => results_json(&request_headers, &results),
        Err(SearchError::Query(query_error)) => {
            error(StatusCode::BAD_REQUEST, &query_error.to_string())
        }
        Err(index_error @ SearchError::Index(_)) => {
            tracing::error!(error = %index_error, "search failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, "search failed")
        }
    }
}

/// Any method but GET or HEAD on an API route: a JSON 405 that says what is allowed.
pub async fn method_not_allowed() -> Response {
    let mut response = error(StatusCode::METHOD_NOT_ALLOWED, "Use GET for this address.");
    response
        .headers_mut()
        .insert(header::ALLOW, header::HeaderValue::from_static("GET,HEAD"));
    response
}

/// Search results as a JSON response, compressed as the request accepts.
fn results_json(request_headers: &HeaderMap, results: &crate::SearchResults) -> Response {
    super::compress::no_store(
        request_headers,
        StatusCode::OK,
        "application/json",
        super::results_json::to_vec(results),
    )
}

/// The documents and their metadata (`/api/documents`).
pub fn documents(corpus: &Corpus) -> Value {
    let documents: Vec<Value> = corpus
        .documents
        .iter()
        .map(|d| {
            json!({
                "slug": d.meta.slug,
                "title": d.meta.title,
                "summary": d.meta.summary,
                "category": d.meta.category,
                "audience": d.meta.audience,
                "owners": d.meta.owners,
                "sources": d.meta.sources,
                "last_reviewed": d.meta.last_reviewed,
                "url": format!("/guidance/{}", d.meta.slug),
                "hash": d.hash,
                "sections": d.sections.iter().map(|s| json!({"heading": s.heading, "anchor": s.anchor})).collect::<Vec<_>>(),
                "checklist_items": d.checklist().count(),
            })
        })
        .collect();
    json!({ "version": corpus.version, "documents": documents })
}

/// The content version and per-document hashes (`/api/version`), for update notices.
pub fn version(site: &Site, corpus: &Corpus) -> Value {
    let documents: serde_json::Map<String, Value> = corpus
        .documents
        .iter()
        .map(|d| {
            (
                d.meta.slug.clone(),
                json!({ "title": d.meta.title, "hash": d.hash }),
            )
        })
        .collect();
    json!({ "version": site.version, "documents": documents })
}

/// The web app manifest.
pub fn web_manifest(site: &Site) -> Value {
    let base = &site.base;
    json!({
        "name": "Candidate Security Guide",
        "short_name": "Candidate Security",
        "description": "UK security guidance for election candidates, their staff and electoral officials. Works offline.",
        "lang": "en-GB",
        "start_url": format!("{base}/"),
        "scope": format!("{base}/"),
        "id": format!("{base}/"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b3d5c",
        "icons": [
            { "src": site.asset("/icons/icon.svg"), "sizes": "any", "type": "image/svg+xml" },
            { "src": site.asset("/icons/icon-192.png"), "sizes": "192x192", "type": "image/png" },
            { "src": site.asset("/icons/icon-512.png"), "sizes": "512x512", "type": "image/png" },
            { "src": site.asset("/icons/maskable-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable" }
        ]
    })
}
