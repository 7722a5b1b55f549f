//! The parity check: run the same queries through the server's search and through the
//! browser engine (under Node) and report where they disagree.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

use crate::corpus::Nation;
use crate::search::{Guide, QueryError, SearchError, SearchRequest};

const ENGINE: &str = include_str!("../../assets/static/engine.js");
const RUNNER: &str = include_str!("parity-runner.mjs");

/// Documents compared per query.
pub const TOP: usize = 10;

/// Why the check could not run.
#[derive(Debug, thiserror::Error)]
pub enum ParityError {
    /// Node could not be started or failed.
    #[error("the browser engine failed under Node ({node}): {message}")]
    Node {
        /// The Node command.
        node: String,
        /// What went wrong.
        message: String,
    },
    /// Files could not be written.
    #[error("cannot prepare the check: {0}")]
    Io(#[from] std::io::Error),
    /// The bundle could not be built.
    #[error("cannot build the bundle: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// Results could not be exchanged.
    #[error("cannot read the browser engine's results: {0}")]
    Json(#[from] serde_json::Error),
}

/// What one engine answered for one query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Answer {
    /// Document slugs, best first (at most the default limit).
    #[serde(default)]
    pub documents: Vec<String>,
    /// Document scores.
    #[serde(default)]
    pub scores: Vec<f32>,
    /// Per document: each shown section.
    #[serde(default)]
    pub sections: Vec<Vec<ShownSection>>,
    /// Matching sections.
    #[serde(default)]
    pub total: usize,
    /// Whether the emergency card shows.
    #[serde(default)]
    pub urgent: bool,
    /// Whether the card gives Samaritans and Shout too.
    #[serde(default)]
    pub support: bool,
    /// The corrected query, if any.
    #[serde(default)]
    pub suggestion: Option<String>,
    /// The ranking used (`fused` on both sides once the engine has its model).
    #[serde(default)]
    pub ranking: String,
    /// `too-long` or `too-many-words` for refused queries.
    #[serde(default)]
    pub error: Option<String>,
}

/// A shown section as both engines describe it: `[anchor, heading_html, snippet_html, nations]`.
pub type ShownSection = (String, String, String, Vec<String>);

/// One query to compare, with the nation chosen (if any).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParityQuery {
    /// The text searched for.
    pub query: String,
    /// The nation chosen, as the API names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nation: Option<&'static str>,
}

impl ParityQuery {
    /// Each query with no nation chosen.
    pub fn plain(queries: &[String]) -> Vec<ParityQuery> {
        queries
            .iter()
            .map(|query| ParityQuery {
                query: query.clone(),
                nation: None,
            })
            .collect()
    }

    /// Each query five times: with no nation chosen, then with each nation.
    pub fn in_every_nation(queries: &[String]) -> Vec<ParityQuery> {
        queries
            .iter()
            .flat_map(|query| {
                std::iter::once(None)
                    .chain(Nation::ALL.map(|n| Some(n.as_str())))
                    .map(|nation| ParityQuery {
                        query: query.clone(),
                        nation,
                    })
            })
            .collect()
    }
}

/// A query on which the engines differ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Disagreement {
    /// The query (with ` [nation]` when one was chosen).
    pub query: String,
    /// The server's answer.
    pub server: Answer,
    /// The browser engine's answer.
    pub browser: Answer,
}

/// Agreement over a list of queries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Queries run.
    pub queries: usize,
    /// Queries whose top document (or refusal) agrees.
    pub top1_agree: usize,
    /// Queries whose first [`TOP`] documents agree in order.
    pub top_agree: usize,
    /// Queries whose whole answer agrees: documents, scores (bit for bit), ranking, sections,
    /// snippets, counts, urgency and suggestion.
    pub exact_agree: usize,
    /// Queries that differ in their first [`TOP`] documents.
    pub disagreements: Vec<Disagreement>,
}

impl Report {
    /// Share of queries whose top document agrees.
    pub fn top1_share(&self) -> f64 {
        self.top1_agree as f64 / self.queries.max(1) as f64
    }

    /// Share of queries whose first [`TOP`] documents agree.
    pub fn top_share(&self) -> f64 {
        self.top_agree as f64 / self.queries.max(1) as f64
    }
}

/// The server's answer to `query`.
pub fn server_answer(guide: &Guide, query: &ParityQuery) -> Answer {
    let mut request = SearchRequest::new(query.query.as_str());
    request.nation = query.nation.and_then(Nation::parse);
    match guide.search(&request) {
        Ok(results) => Answer {
            documents: results.documents.iter().map(|d| d.slug.clone()).collect(),
            scores: results.documents.iter().map(|d| d.score).collect(),
            sections: results
                .documents
                .iter()
                .map(|d| {
                    d.sections
                        .iter()
                        .map(|s| {
                            (
                                s.anchor.clone(),
                                s.heading_html.clone(),
                                s.snippet_html.clone(),
                                s.nations.iter().map(|n| n.as_str().to_owned()).collect(),
                            )
                        })
                        .collect()
                })
                .collect(),
            total: results.total_sections,
            urgent: results.urgent,
            support: results.support,
            suggestion: results.suggestion,
            ranking: results.ranking.as_str().to_owned(),
            error: None,
        },
        Err(SearchError::Query(QueryError::TooLong)) => Answer {
            error: Some("too-long".to_owned()),
            ..Answer::default()
        },
        Err(SearchError::Query(QueryError::TooManyWords)) => Answer {
            error: Some("too-many-words".to_owned()),
            ..Answer::default()
        },
        Err(other) => Answer {
            error: Some(other.to_string()),
            ..Answer::default()
        },
    }
}

/// The browser engine's answers to `queries`, run under `node`.
pub fn browser_answers(
    guide: &Guide,
    queries: &[ParityQuery],
    node: &Path,
) -> Result<Vec<Answer>, ParityError> {
    let dir = scratch_dir()?;
    let result = (|| {
        std::fs::write(dir.join("engine.js"), ENGINE)?;
        std::fs::write(dir.join("runner.mjs"), RUNNER)?;
        std::fs::write(
            dir.join("bundle.json"),
            serde_json::to_vec(&super::bundle(guide)?)?,
        )?;
        std::fs::write(dir.join("queries.json"), serde_json::to_vec(queries)?)?;
        std::fs::write(dir.join("model.bin"), guide.semantic().model().bytes())?;
        let output = Command::new(node)
            .arg(dir.join("runner.mjs"))
            .arg(dir.join("bundle.json"))
            .arg(dir.join("queries.json"))
            .arg(dir.join("model.bin"))
            .output()
            .map_err(|e| ParityError::Node {
                node: node.display().to_string(),
                message: e.to_string(),
            })?;
        if !output.status.success() {
            return Err(ParityError::Node {
                node: node.display().to_string(),
                message: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            });
        }
        Ok(serde_json::from_slice(&output.stdout)?)
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Compare both engines on `queries`, with no nation chosen.
pub fn check(guide: &Guide, queries: &[String], node: &Path) -> Result<Report, ParityError> {
    check_queries(guide, &ParityQuery::plain(queries), node)
}

/// Compare both engines on `queries`, each with its nation.
pub fn check_queries(
    guide: &Guide,
    queries: &[ParityQuery],
    node: &Path,
) -> Result<Report, ParityError> {
    let browser = browser_answers(guide, queries, node)?;
    let mut report = Report {
        queries: queries.len(),
        top1_agree: 0,
        top_agree: 0,
        exact_agree: 0,
        disagreements: Vec::new(),
    };
    for (query, browser) in queries.iter().zip(browser) {
        let server = server_answer(guide, query);
        let top = |a: &Answer| a.documents.iter().take(TOP).cloned().collect::<Vec<_>>();
        let same_error = server.error == browser.error;
        if same_error && server.documents.first() == browser.documents.first() {
            report.top1_agree += 1;
        }
        if same_error && top(&server) == top(&browser) {
            report.top_agree += 1;
        } else {
            report.disagreements.push(Disagreement {
                query: match query.nation {
                    Some(nation) => format!("{} [{nation}]", query.query),
                    None => query.query.clone(),
                },
                server: server.clone(),
                browser: browser.clone(),
            });
            continue;
        }
        let bits = |a: &Answer| a.scores.iter().map(|s| s.to_bits()).collect::<Vec<_>>();
        let same = server.documents == browser.documents
            && bits(&server) == bits(&browser)
            && server.ranking == browser.ranking
            && server.sections == browser.sections
            && server.total == browser.total
            && server.urgent == browser.urgent
            && server.support == browser.support
            && server.suggestion == browser.suggestion;
        if same {
            report.exact_agree += 1;
        }
    }
    Ok(report)
}

/// Queries made from the vocabulary, deterministic for a `seed`: single words, pairs,
/// misspellings (a letter dropped, doubled, swapped or changed) and prefixes.
pub fn generated_queries(guide: &Guide, count: usize, seed: u64) -> Vec<String> {
    let words: Vec<&str> = guide
        .index()
        .vocabulary
        .iter()
        .filter(|(w, e)| e.count > 0 && w.chars().all(|c| c.is_ascii_alphanumeric()))
        .map(|(w, _)| w)
        .collect();
    if words.is_empty() {
        return Vec::new();
    }
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move |bound: usize| -> usize {
        // xorshift64*: small, fast and good enough to spread the queries.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % bound.max(1)
    };
    let mut queries = Vec::with_capacity(count);
    while queries.len() < count {
        let word = words[next(words.len())];
        let query = match next(5) {
            0 => word.to_owned(),
            1 => format!("{word} {}", words[next(words.len())]),
            2 => misspell(word, &mut next),
            3 => {
                let chars: Vec<char> = word.chars().collect();
                let cut = 2 + next(chars.len().saturating_sub(1).max(1));
                chars[..cut.min(chars.len())].iter().collect()
            }
            _ => format!("{} {}", words[next(words.len())], misspell(word, &mut next)),
        };
        queries.push(query);
    }
    queries
}

fn misspell(word: &str, next: &mut impl FnMut(usize) -> usize) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    if chars.len() < 2 {
        return word.to_owned();
    }
    let at = next(chars.len());
    match next(4) {
        0 => {
            chars.remove(at);
        }
        1 => chars.insert(at, chars[at]),
        2 if at + 1 < chars.len() => chars.swap(at, at + 1),
        _ => chars[at] = (b'a' + next(26) as u8) as char,
    }
    chars.into_iter().collect()
}

fn scratch_dir() -> std::io::Result<PathBuf> {
    let base = std::env::temp_dir();
    for attempt in 0..100u32 {
        let dir = base.join(format!(
            "candidate-security-parity-{}-{attempt}",
            std::process::id()
        ));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no free scratch directory"))
}
