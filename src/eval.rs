//! Relevance evaluation: success@k and mean reciprocal rank over a file of real queries.
//!
//! A query file is tab-separated with a header line: `query`, `expected` (comma-separated
//! document slugs, any of which answers the query) and optional notes. A query succeeds at
//! `k` when any expected document is among the first `k` distinct documents returned.

use std::fmt;

use serde::Serialize;

use crate::corpus::Nation;
use crate::search::{Guide, Ranking, SearchError, SearchRequest};

/// One query and the documents that answer it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Judgement {
    /// The query text.
    pub query: String,
    /// Slugs of documents that answer it.
    pub expected: Vec<String>,
    /// 1-based line in the query file.
    pub line: usize,
}

/// A query file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct JudgementError {
    /// The file.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Parse a query file (see the module documentation). `path` is only used in errors.
pub fn parse_judgements(path: &str, text: &str) -> Result<Vec<Judgement>, JudgementError> {
    let mut out = Vec::new();
    for (index, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let mut columns = line.split('\t');
        let query = columns.next().unwrap_or_default().trim().to_owned();
        let expected: Vec<String> = columns
            .next()
            .unwrap_or_default()
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        if query.is_empty() || expected.is_empty() {
            return Err(JudgementError {
                path: path.to_owned(),
                line: index + 1,
                message: "expected a query, a tab, and comma-separated document slugs".to_owned(),
            });
        }
        out.push(Judgement {
            query,
            expected,
            line: index + 1,
        });
    }
    Ok(out)
}

/// How one query fared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// The judgement.
    pub judgement: Judgement,
    /// Documents returned, best first.
    pub returned: Vec<String>,
    /// 1-based rank of the first expected document, if returned.
    pub rank: Option<usize>,
}

/// Summary over a query file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Fraction of queries with an expected document first.
    pub success_at_1: f64,
    /// Fraction of queries with an expected document in the first three.
    pub success_at_3: f64,
    /// Mean reciprocal rank of the first expected document (0 when absent).
    pub mrr: f64,
    /// Every query's outcome, in file order.
    pub outcomes: Vec<Outcome>,
}

impl Report {
    /// Outcomes that did not succeed at `k`.
    pub fn failures(&self, k: usize) -> impl Iterator<Item = &Outcome> {
        self.outcomes
            .iter()
            .filter(move |o| o.rank.is_none_or(|r| r > k))
    }
}

/// Run every judgement through `guide` and score the results.
pub fn evaluate(guide: &Guide, judgements: &[Judgement]) -> Result<Report, SearchError> {
    evaluate_in(guide, judgements, None, Ranking::default())
}

/// Run every judgement through `guide` as a person in `nation` would (sections written for
/// other nations left out), ranked by `ranking`, and score the results.
pub fn evaluate_in(
    guide: &Guide,
    judgements: &[Judgement],
    nation: Option<Nation>,
    ranking: Ranking,
) -> Result<Report, SearchError> {
    let mut outcomes = Vec::with_capacity(judgements.len());
    for judgement in judgements {
        let mut request = SearchRequest::new(judgement.query.as_str());
        request.nation = nation;
        request.ranking = ranking;
        let results = guide.search(&request)?;
        let returned: Vec<String> = results.documents.into_iter().map(|d| d.slug).collect();
        let rank = returned
            .iter()
            .position(|slug| judgement.expected.contains(slug))
            .map(|i| i + 1);
        outcomes.push(Outcome {
            judgement: judgement.clone(),
            returned,
            rank,
        });
    }
    let n = outcomes.len().max(1) as f64;
    let share = |k: usize| {
        outcomes
            .iter()
            .filter(|o| o.rank.is_some_and(|r| r <= k))
            .count() as f64
            / n
    };
    Ok(Report {
        success_at_1: share(1),
        success_at_3: share(3),
        mrr: outcomes
            .iter()
            .map(|o| o.rank.map_or(0.0, |r| 1.0 / r as f64))
            .sum::<f64>()
            / n,
        outcomes,
    })
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "queries:    {}", self.outcomes.len())?;
        writeln!(f, "success@1:  {:.3}", self.success_at_1)?;
        writeln!(f, "success@3:  {:.3}", self.success_at_3)?;
        writeln!(f, "MRR:        {:.3}", self.mrr)?;
        let failures: Vec<_> = self.failures(3).collect();
        if !failures.is_empty() {
            writeln!(f, "\nnot answered in the first three ({}):", failures.len())?;
        }
        for outcome in failures {
            let rank = outcome.rank.map_or("none".to_owned(), |r| r.to_string());
            let top: Vec<&str> = outcome
                .returned
                .iter()
                .take(3)
                .map(String::as_str)
                .collect();
            writeln!(
                f,
                "  line {}: {:?}\n    expected {} (first at rank {rank})\n    got      {}",
                outcome.judgement.line,
                outcome.judgement.query,
                outcome.judgement.expected.join(", "),
                if top.is_empty() {
                    "nothing".to_owned()
                } else {
                    top.join(", ")
                },
            )?;
        }
        Ok(())
    }
}
