//! Candidate Security Guide: the UK's security guidance for election candidates, their staff
//! and electoral officials, with full-text search that works the same online and offline.
//!
//! - [`corpus`] reads and validates the guidance documents (embedded or from a directory).
//! - [`search`] builds the Tantivy index and answers queries.
//! - [`eval`] measures search quality against a set of real queries.
//! - [`offline`] exports the index for the browser's offline engine.
//! - [`web`] is the web app (axum router, pages, API, assets); [`server`] serves it.
//! - [`config`] checks the server's settings before it binds.
//!
//! Most callers want [`Guide`]:
//!
//! ```
//! use candidate_security::{Guide, SearchRequest};
//! let guide = Guide::embedded().expect("the embedded corpus is valid");
//! let results = guide.search(&SearchRequest::new("strong passwords")).expect("a valid query");
//! assert!(!results.documents.is_empty());
//! ```

pub mod config;
pub mod corpus;
pub mod eval;
pub mod logging;
pub mod offline;
pub mod search;
pub mod server;
pub mod web;

pub use search::{Guide, SearchError, SearchRequest, SearchResults};
