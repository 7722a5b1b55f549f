//! Query expansion: parsed query words → concepts, each a set of weighted alternatives.
//!
//! A concept is one thing the person asked about. It matches when any of its alternatives
//! matches, and it scores as its best-scoring alternative. Alternatives come from:
//! - the word itself, when the vocabulary knows it (weight [`EXACT`]);
//! - synonym groups: the longest run of query words that spells a synonym becomes one
//!   concept holding every term of the group (the typed one at [`EXACT`], the others at
//!   [`SYNONYM`]); multi-word terms are phrases;
//! - typo tolerance for words the vocabulary does not know ([`FUZZY`]);
//! - prefixes of the last word while typing ([`PREFIX`]).

use super::grammar::{ParsedQuery, PartKind};
use super::stop_words::is_stop_word;
use super::vocabulary::Vocabulary;

/// Weight of a word as typed.
pub const EXACT: f32 = 1.0;
/// Weight of the other terms of a synonym group.
pub const SYNONYM: f32 = 0.9;
/// Weight of a typo correction.
pub const FUZZY: f32 = 0.7;
/// Weight of a completion of the last word.
pub const PREFIX: f32 = 0.8;
/// Multiplier on a concept made of several typed words that spell a synonym term ("being
/// followed", "posted my address"): a known expression says more about what the person
/// means than its words one by one, which also count on their own.
pub const EXPRESSION: f32 = 4.0;

/// How a concept takes part in matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occur {
    /// May match; adds to the score.
    Should,
    /// Must match (quoted phrases).
    Must,
    /// Must not match (excluded words).
    MustNot,
}

/// Where an alternative came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The word as typed.
    Exact,
    /// Another term of a synonym group.
    Synonym,
    /// A correction of a word the corpus does not contain.
    Fuzzy,
    /// A completion of the last word.
    Prefix,
}

/// One way a concept can match: a term, or a phrase of terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Alternative {
    /// Index terms; more than one means a phrase.
    pub terms: Vec<String>,
    /// Multiplier on this alternative's score.
    pub weight: f32,
    /// Where the alternative came from.
    pub origin: Origin,
}

/// One thing the person asked about.
#[derive(Debug, Clone, PartialEq)]
pub struct Concept {
    /// How the concept takes part in matching.
    pub occur: Occur,
    /// Ways it can match; none means it cannot match.
    pub alternatives: Vec<Alternative>,
    /// A single typed word with no meaning on its own ("is", "the"; see [`super::stop_words`]).
    pub stop: bool,
}

/// A word the person typed that the corpus does not contain, and the word used instead.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Correction {
    /// The word as typed (folded).
    pub typed: String,
    /// The closest corpus word.
    pub suggested: String,
}

/// The expanded query.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Expansion {
    /// Concepts in query order.
    pub concepts: Vec<Concept>,
    /// Typo corrections made, for "did you mean".
    pub corrections: Vec<Correction>,
}

impl Expansion {
    /// Whether stop words are set aside: the query has some, and at least one word that
    /// can match and means something. A section must then match one of those words to be a
    /// result, and only they are highlighted.
    pub fn sets_aside_stop_words(&self) -> bool {
        let positive = |c: &&Concept| c.occur != Occur::MustNot && !c.alternatives.is_empty();
        self.concepts.iter().filter(positive).any(|c| c.stop)
            && self.concepts.iter().filter(positive).any(|c| !c.stop)
    }

    /// The concepts that count for matching and highlighting: every one, or every one but
    /// the stop words when they are set aside.
    pub fn meaningful(&self) -> impl Iterator<Item = &Concept> {
        let aside = self.sets_aside_stop_words();
        self.concepts.iter().filter(move |c| !(aside && c.stop))
    }
}

/// A synonym group with every term already analysed into index terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalysedGroup {
    /// Each term of the group as a sequence of index terms.
    pub terms: Vec<Vec<String>>,
}

/// Expand a parsed query against the vocabulary and synonym groups.
pub fn expand(
    parsed: &ParsedQuery,
    vocabulary: &Vocabulary,
    synonyms: &[AnalysedGroup],
) -> Expansion {
    let mut out = Expansion::default();
    let last_part = parsed.parts.len().saturating_sub(1);
    for (part_index, part) in parsed.parts.iter().enumerate() {
        match part.kind {
            PartKind::Phrase => {
                let terms: Option<Vec<String>> = part
                    .words
                    .iter()
                    .map(|w| vocabulary.term(&w.surface).map(str::to_owned))
                    .collect();
                out.concepts.push(Concept {
                    occur: Occur::Must,
                    alternatives: terms
                        .map(|terms| Alternative {
                            terms,
                            weight: EXACT,
                            origin: Origin::Exact,
                        })
                        .into_iter()
                        .collect(),
                    stop: false,
                });
            }
            PartKind::Exclude => {
                for word in &part.words {
                    if let Some(term) = vocabulary.term(&word.surface) {
                        out.concepts.push(Concept {
                            occur: Occur::MustNot,
                            alternatives: vec![exact(term)],
                            stop: false,
                        });
                    }
                }
            }
            PartKind::Words => {
                let prefix_last = parsed.last_word_is_prefix && part_index == last_part;
                expand_words(part, prefix_last, vocabulary, synonyms, &mut out);
            }
        }
    }
    out
}

fn exact(term: &str) -> Alternative {
    Alternative {
        terms: vec![term.to_owned()],
        weight: EXACT,
        origin: Origin::Exact,
    }
}

fn expand_words(
    part: &super::grammar::Part,
    prefix_last: bool,
    vocabulary: &Vocabulary,
    synonyms: &[AnalysedGroup],
    out: &mut Expansion,
) {
    // Each word's best reading as a term: as typed, else its closest correction.
    let mut readings: Vec<Option<String>> = Vec::with_capacity(part.words.len());
    let mut fuzzy: Vec<Vec<Alternative>> = Vec::with_capacity(part.words.len());
    for word in &part.words {
        if let Some(term) = vocabulary.term(&word.surface) {
            readings.push(Some(term.to_owned()));
            fuzzy.push(Vec::new());
            continue;
        }
        let candidates = vocabulary.fuzzy(&word.surface);
        if let Some(best) = candidates.first() {
            out.corrections.push(Correction {
                typed: word.surface.clone(),
                suggested: best.surface.to_owned(),
            });
        }
        readings.push(candidates.first().map(|c| c.term.to_owned()));
        fuzzy.push(
            candidates
                .iter()
                .map(|c| Alternative {
                    terms: vec![c.term.to_owned()],
                    weight: FUZZY,
                    origin: Origin::Fuzzy,
                })
                .collect(),
        );
    }

    // Synonyms: the longest run of words from each position that spells a synonym term
    // becomes one concept holding the whole group. A single word matched this way is fully
    // represented by that concept; the words of a multi-word match also count one by one,
    // so a section with the words apart still matches, and one with the phrase ranks higher.
    let count = part.words.len();
    let mut covered = vec![false; count];
    let mut i = 0;
    while i < count {
        let Some((group, len)) = longest_synonym(&readings[i..], synonyms) else {
            i += 1;
            continue;
        };
        let typed: Vec<String> = readings[i..i + len].iter().flatten().cloned().collect();
        let mut alternatives: Vec<Alternative> = group
            .terms
            .iter()
            .map(|terms| {
                let is_typed = *terms == typed;
                let weight = if is_typed { EXACT } else { SYNONYM };
                Alternative {
                    terms: terms.clone(),
                    weight: if len > 1 { weight * EXPRESSION } else { weight },
                    origin: if is_typed {
                        Origin::Exact
                    } else {
                        Origin::Synonym
                    },
                }
            })
            .collect();
        if len == 1 {
            covered[i] = true;
            if prefix_last && i + 1 == count {
                for candidate in vocabulary.prefixed(&part.words[i].surface) {
                    add(&mut alternatives, candidate.term, PREFIX, Origin::Prefix);
                }
            }
        }
        out.concepts.push(Concept {
            occur: Occur::Should,
            alternatives,
            stop: false,
        });
        i += len;
    }

    for (i, word) in part.words.iter().enumerate() {
        if covered[i] {
            continue;
        }
        let mut alternatives: Vec<Alternative> = Vec::new();
        if let Some(term) = vocabulary.term(&word.surface) {
            alternatives.push(exact(term));
        }
        if prefix_last && i + 1 == count {
            for candidate in vocabulary.prefixed(&word.surface) {
                add(&mut alternatives, candidate.term, PREFIX, Origin::Prefix);
            }
        }
        if alternatives.is_empty() {
            alternatives = fuzzy[i].clone();
        } else if let Some(position) = out.corrections.iter().position(|c| c.typed == word.surface)
        {
            // A word being typed that completes to corpus words is not a typo.
            out.corrections.remove(position);
        }
        out.concepts.push(Concept {
            occur: Occur::Should,
            alternatives,
            stop: is_stop_word(&word.surface),
        });
    }
}

/// Add a single-term alternative, keeping the higher weight if the term is already there.
fn add(alternatives: &mut Vec<Alternative>, term: &str, weight: f32, origin: Origin) {
    match alternatives
        .iter_mut()
        .find(|a| a.terms.len() == 1 && a.terms[0] == term)
    {
        Some(existing) if existing.weight >= weight => {}
        Some(existing) => {
            existing.weight = weight;
            existing.origin = origin;
        }
        None => alternatives.push(Alternative {
            terms: vec![term.to_owned()],
            weight,
            origin,
        }),
    }
}

/// The synonym group whose term matches the most leading readings, and how many it covers.
fn longest_synonym<'a>(
    readings: &[Option<String>],
    synonyms: &'a [AnalysedGroup],
) -> Option<(&'a AnalysedGroup, usize)> {
    let mut best: Option<(&AnalysedGroup, usize)> = None;
    for group in synonyms {
        for terms in &group.terms {
            let len = terms.len();
            let better = best.is_none_or(|(_, best_len)| len > best_len);
            if better
                && len <= readings.len()
                && terms
                    .iter()
                    .zip(readings)
                    .all(|(t, r)| r.as_deref() == Some(t.as_str()))
            {
                best = Some((group, len));
            }
        }
    }
    best
}
