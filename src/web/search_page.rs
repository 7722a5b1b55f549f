//! The server-rendered search page (`/search`, GET and POST): works without JavaScript. Its
//! parameters are shared with `/api/search`.

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::pages::{self, Listing, ResultsView, SearchForm};
use super::{AppState, api, compress, site};
use crate::corpus::{Audience, Category, Nation};
use crate::search::{SearchError, SearchRequest};

/// Search parameters from a query string or a form body. Empty values mean "not given".
#[derive(Debug, Default, Deserialize)]
pub struct SearchParams {
    /// Query text.
    #[serde(default)]
    pub q: Option<String>,
    /// Category filter.
    #[serde(default)]
    pub category: Option<String>,
    /// Audience filter.
    #[serde(default)]
    pub audience: Option<String>,
    /// The nation the person is in (`england`, `wales`, `scotland`, `northern-ireland`).
    #[serde(default)]
    pub nation: Option<String>,
    /// Most documents to return (API only).
    #[serde(default)]
    pub limit: Option<usize>,
    /// `lexical`, `semantic` or `fused` (the default), to see what each ranking gives.
    #[serde(default)]
    pub ranking: Option<String>,
}

impl SearchParams {
    /// The library request these parameters describe, or a message for the person.
    pub fn request(&self) -> Result<SearchRequest, String> {
        let mut request = SearchRequest::new(self.q.clone().unwrap_or_default());
        if let Some(name) = self.category.as_deref().filter(|s| !s.is_empty()) {
            request.category =
                Some(Category::parse(name).ok_or_else(|| format!("Unknown topic “{name}”."))?);
        }
        if let Some(name) = self.audience.as_deref().filter(|s| !s.is_empty()) {
            request.audience =
                Some(Audience::parse(name).ok_or_else(|| format!("Unknown audience “{name}”."))?);
        }
        if let Some(name) = self.nation.as_deref().filter(|s| !s.is_empty()) {
            request.nation = Some(Nation::parse(name).ok_or_else(|| {
                format!(
                    "Unknown nation “{name}”: use england, wales, scotland or northern-ireland."
                )
            })?);
        }
        if let Some(limit) = self.limit {
            request.limit = limit;
        }
        if let Some(name) = self.ranking.as_deref().filter(|s| !s.is_empty()) {
            request.ranking = name.parse().map_err(|_| {
                format!("Unknown ranking “{name}”: use lexical, semantic or fused.")
            })?;
        }
        Ok(request)
    }

    fn form(&self) -> SearchForm {
        let clean = |value: &Option<String>| value.clone().filter(|s| !s.is_empty());
        SearchForm {
            query: self.q.clone().unwrap_or_default(),
            category: clean(&self.category),
            audience: clean(&self.audience),
            nation: clean(&self.nation).filter(|n| Nation::parse(n).is_some()),
        }
    }
}

pub(super) async fn search_get(
    State(state): State<AppState>,
    request_headers: HeaderMap,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Response {
    match params {
        Ok(Query(params)) => search_page(&state, &request_headers, &params),
        Err(rejection) => unreadable_search(&state, &rejection.body_text()),
    }
}

pub(super) async fn search_post(
    State(state): State<AppState>,
    request_headers: HeaderMap,
    params: Result<Form<SearchParams>, FormRejection>,
) -> Response {
    match params {
        Ok(Form(params)) => search_page(&state, &request_headers, &params),
        // Too large a body keeps its own status (413).
        Err(FormRejection::BytesRejection(rejection)) => rejection.into_response(),
        Err(rejection) => unreadable_search(&state, &rejection.body_text()),
    }
}

/// The search page with a message saying what could not be read (400).
fn unreadable_search(state: &AppState, detail: &str) -> Response {
    let results = ResultsView {
        error: Some(api::parameter_problem(detail)),
        ..ResultsView::default()
    };
    match pages::search(&state.site, &SearchForm::default(), results, None) {
        Ok(html) => no_store(StatusCode::BAD_REQUEST, "text/html; charset=utf-8", html),
        Err(error) => {
            tracing::error!(%error, "search page failed to render");
            no_store(
                StatusCode::BAD_REQUEST,
                "text/plain; charset=utf-8",
                api::parameter_problem(detail),
            )
        }
    }
}

/// The server-rendered search page (works without JavaScript). Never cached.
fn search_page(state: &AppState, request_headers: &HeaderMap, params: &SearchParams) -> Response {
    let form = params.form();
    let mut status = StatusCode::OK;
    let mut listing = None;
    let results = match params.request() {
        Err(message) => {
            status = StatusCode::BAD_REQUEST;
            ResultsView {
                error: Some(message),
                ..ResultsView::default()
            }
        }
        Ok(request) if request.query.trim().is_empty() => {
            let corpus = state.guide.corpus();
            if request.category.is_some() || request.audience.is_some() {
                let documents = corpus
                    .documents
                    .iter()
                    .map(|d| &d.meta)
                    .filter(|m| request.category.is_none_or(|c| m.category == c))
                    .filter(|m| request.audience.is_none_or(|a| m.audience.contains(&a)))
                    .collect();
                let heading = match request.category {
                    Some(category) => site::category_label(category).to_owned(),
                    None => "Guidance for you".to_owned(),
                };
                listing = Some(Listing { heading, documents });
            }
            ResultsView::default()
        }
        Ok(request) => match state.guide.search(&request) {
            Ok(results) => ResultsView::from(results),
            Err(SearchError::Query(error)) => {
                status = StatusCode::BAD_REQUEST;
                ResultsView {
                    error: Some(capitalise(&error.to_string())),
                    ..ResultsView::default()
                }
            }
            Err(error @ SearchError::Index(_)) => {
                tracing::error!(%error, "search failed");
                status = StatusCode::INTERNAL_SERVER_ERROR;
                ResultsView {
                    error: Some(
                        "Search failed. Please try again; guidance pages still work.".to_owned(),
                    ),
                    ..ResultsView::default()
                }
            }
        },
    };
    match pages::search(&state.site, &form, results, listing) {
        Ok(body) => compress::no_store(
            request_headers,
            status,
            "text/html; charset=utf-8",
            body.into_bytes(),
        ),
        Err(error) => {
            tracing::error!(%error, "search page failed to render");
            no_store(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain; charset=utf-8",
                "Search failed.".to_owned(),
            )
        }
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect::<String>() + ".",
        None => String::new(),
    }
}

/// A response that no cache may keep (search results).
fn no_store(status: StatusCode, content_type: &'static str, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}
