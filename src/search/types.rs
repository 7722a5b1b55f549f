//! The library's search request, results and errors; they serialize with serde for the JSON API.

use serde::Serialize;

use super::expand::Correction;
use super::grammar::QueryError;
use super::semantic::fusion::Ranking;
use crate::corpus::{Audience, Category, Nation, Nations};

/// Default number of documents in a result list.
pub const DEFAULT_LIMIT: usize = 10;
/// Largest number of documents a request may ask for.
pub const MAX_LIMIT: usize = 50;
/// Most sections shown under one document; further matches are counted, not listed.
pub const SECTIONS_PER_DOCUMENT: usize = 3;

/// What to search for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRequest {
    /// The text the person typed.
    pub query: String,
    /// Only documents in this category.
    pub category: Option<Category>,
    /// Only documents for this audience.
    pub audience: Option<Audience>,
    /// The nation the person is in: sections written for other nations are left out.
    pub nation: Option<Nation>,
    /// Most documents to return (clamped to [`MAX_LIMIT`]).
    pub limit: usize,
    /// Which rankings to use (words, meaning or both; both unless a tool asks otherwise).
    pub ranking: Ranking,
}

impl SearchRequest {
    /// A request for `query` with no filters and the default limit.
    pub fn new(query: impl Into<String>) -> SearchRequest {
        SearchRequest {
            query: query.into(),
            category: None,
            audience: None,
            nation: None,
            limit: DEFAULT_LIMIT,
            ranking: Ranking::Fused,
        }
    }

    /// Only documents in `category`.
    pub fn with_category(mut self, category: Category) -> SearchRequest {
        self.category = Some(category);
        self
    }

    /// Only documents for `audience`.
    pub fn with_audience(mut self, audience: Audience) -> SearchRequest {
        self.audience = Some(audience);
        self
    }

    /// Only guidance that applies in `nation` (untagged sections apply everywhere).
    pub fn with_nation(mut self, nation: Nation) -> SearchRequest {
        self.nation = Some(nation);
        self
    }

    /// Rank with `ranking` instead of the default (both rankings fused).
    pub fn with_ranking(mut self, ranking: Ranking) -> SearchRequest {
        self.ranking = ranking;
        self
    }

    /// At most `limit` documents.
    pub fn with_limit(mut self, limit: usize) -> SearchRequest {
        self.limit = limit;
        self
    }
}

/// A matching section. Its link is the document's `url`, `#` and its `anchor` (see
/// [`DocumentHit::section_url`]); the JSON leaves out what it can derive, as every byte of
/// an answer crosses a phone's connection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SectionHit {
    /// Section heading (the document title for the introduction). Not in the JSON:
    /// `heading_html` carries the same text.
    #[serde(skip)]
    pub heading: String,
    /// The heading as escaped HTML with matched words in `<mark>`.
    pub heading_html: String,
    /// Section anchor within the document.
    pub anchor: String,
    /// Best-matching part of the text as escaped HTML with matched words in `<mark>`.
    pub snippet_html: String,
    /// Relevance score (higher is better).
    pub score: f32,
    /// The nations the section is written for; left out of the JSON when it applies everywhere.
    #[serde(skip_serializing_if = "Nations::applies_everywhere")]
    pub nations: Nations,
}

/// A matching document with its best sections, best first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentHit {
    /// Document slug.
    pub slug: String,
    /// Document title.
    pub title: String,
    /// One or two sentences about the document.
    pub summary: String,
    /// Document category.
    pub category: Category,
    /// Who the document is for.
    pub audience: Vec<Audience>,
    /// Link to the document: `/guidance/<slug>`.
    pub url: String,
    /// Score of the best section.
    pub score: f32,
    /// Best sections, at most [`SECTIONS_PER_DOCUMENT`].
    pub sections: Vec<SectionHit>,
    /// How many sections of the document matched in all.
    pub matched_sections: usize,
}

impl DocumentHit {
    /// Link to one of the document's sections: `/guidance/<slug>#<anchor>`.
    pub fn section_url(&self, section: &SectionHit) -> String {
        format!("{}#{}", self.url, section.anchor)
    }
}

/// The answer to a [`SearchRequest`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    /// The query as given.
    pub query: String,
    /// Number of matching sections (after filters).
    pub total_sections: usize,
    /// Number of matching documents (after filters).
    pub total_documents: usize,
    /// Matching documents, best first, at most the request's limit.
    pub documents: Vec<DocumentHit>,
    /// Words the corpus does not contain and the words searched for instead.
    pub corrections: Vec<Correction>,
    /// The query with corrections applied, when any were made.
    pub suggestion: Option<String>,
    /// Whether the query suggests the person may be in danger now: show the emergency card.
    pub urgent: bool,
    /// Whether the query is about suicide or self-harm: the card also gives Samaritans and
    /// Shout (`urgent` is then true as well).
    pub support: bool,
    /// The ranking used: `fused` for every search the server answers unless a tool asked for
    /// another (the offline engine answers `lexical` until its model has arrived).
    pub ranking: Ranking,
    /// Time taken, in microseconds.
    pub took_us: u64,
}

/// Why a search could not be run.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The query was refused; the message says why and is fit to show.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// The index failed (a bug, not the person's fault).
    #[error("the search index failed: {0}")]
    Index(#[from] tantivy::TantivyError),
}
