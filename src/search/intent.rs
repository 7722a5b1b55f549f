//! Urgent intent: whether a query suggests the person may be in danger now.
//!
//! A query is urgent when the terms of its words (as typed, or their closest correction)
//! contain one of the urgent terms from `index/intents.toml` as a contiguous run. Excluded
//! words do not count.

use super::grammar::{ParsedQuery, PartKind};
use super::vocabulary::Vocabulary;

/// Whether `parsed` contains any of the `urgent` term sequences.
pub fn is_urgent(parsed: &ParsedQuery, vocabulary: &Vocabulary, urgent: &[Vec<String>]) -> bool {
    parsed
        .parts
        .iter()
        .filter(|part| part.kind != PartKind::Exclude)
        .any(|part| {
            let readings: Vec<Option<&str>> = part
                .words
                .iter()
                .map(|word| {
                    vocabulary
                        .term(&word.surface)
                        .or_else(|| vocabulary.fuzzy(&word.surface).first().map(|c| c.term))
                })
                .collect();
            urgent.iter().any(|terms| {
                !terms.is_empty()
                    && readings.windows(terms.len()).any(|window| {
                        window
                            .iter()
                            .zip(terms)
                            .all(|(reading, term)| *reading == Some(term.as_str()))
                    })
            })
        })
}
