//! The query grammar: what a person's search text means, before any index is involved.
//!
//! The grammar is deliberately small, because the offline engine in the browser implements
//! it too (`assets/js/`), and it never fails on odd input:
//!
//! 1. A query longer than [`MAX_QUERY_BYTES`] is refused (checked before anything else).
//! 2. Control characters (NUL included) become spaces.
//! 3. `"` (or `“ ”`) starts and ends a quoted phrase; an unclosed quote closes at the end.
//! 4. Outside quotes, a whitespace-separated chunk starting with `-` followed by a letter or
//!    digit excludes its words; `-` anywhere else is punctuation.
//! 5. Everything else is split into words by the [`Analyzer`]: punctuation, brackets,
//!    `AND`/`OR`, `field:value`, `*`, `~` and the like are plain text or separators.
//! 6. More than [`MAX_WORDS`] words is refused.
//! 7. The last word is also matched as a prefix (search as you type) when it is a plain word
//!    and the query does not end in a space or a quote.

use super::analysis::{Analyzer, Word};

/// Longest query accepted, in bytes of UTF-8.
pub const MAX_QUERY_BYTES: usize = 256;
/// Most words accepted in one query.
pub const MAX_WORDS: usize = 32;

/// Why a query was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// The query is longer than [`MAX_QUERY_BYTES`].
    #[error("the search is too long: use at most {max} characters", max = MAX_QUERY_BYTES)]
    TooLong,
    /// The query has more than [`MAX_WORDS`] words.
    #[error("the search has too many words: use at most {max}", max = MAX_WORDS)]
    TooManyWords,
}

/// How a part of the query takes part in matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartKind {
    /// Ordinary words: any of them may match; more matches rank higher.
    Words,
    /// A quoted phrase: must match, words adjacent and in order.
    Phrase,
    /// Excluded words: sections containing any of them are dropped.
    Exclude,
}

/// A run of words that take part in matching the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// How the words match.
    pub kind: PartKind,
    /// The words, with offsets into the cleaned query text.
    pub words: Vec<Word>,
}

/// A query split into parts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedQuery {
    /// The query with control characters replaced by spaces; word offsets point into it.
    pub cleaned: String,
    /// Parts in the order they were written.
    pub parts: Vec<Part>,
    /// Whether the last word of the last `Words` part is also matched as a prefix.
    pub last_word_is_prefix: bool,
}

impl ParsedQuery {
    /// Whether the query has no words at all.
    pub fn is_empty(&self) -> bool {
        self.parts.iter().all(|p| p.words.is_empty())
    }

    /// Number of words in all parts.
    pub fn word_count(&self) -> usize {
        self.parts.iter().map(|p| p.words.len()).sum()
    }
}

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '”' | '„')
}

/// Parse `query` following the rules in the module documentation.
pub fn parse(query: &str, analyzer: &mut Analyzer) -> Result<ParsedQuery, QueryError> {
    if query.len() > MAX_QUERY_BYTES {
        return Err(QueryError::TooLong);
    }
    let cleaned: String = query
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();

    let mut parsed = ParsedQuery::default();
    let mut push = |kind: PartKind,
                    start: usize,
                    end: usize,
                    parsed: &mut ParsedQuery,
                    analyzer: &mut Analyzer| {
        let words: Vec<Word> = analyzer
            .words(&cleaned[start..end])
            .into_iter()
            .map(|w| Word {
                start: w.start + start,
                end: w.end + start,
                surface: w.surface,
            })
            .collect();
        if words.is_empty() {
            return;
        }
        match parsed.parts.last_mut() {
            Some(last) if last.kind == kind && kind != PartKind::Phrase => last.words.extend(words),
            _ => parsed.parts.push(Part { kind, words }),
        }
    };

    let mut in_quote = false;
    let mut segment_start = 0;
    for (i, c) in cleaned.char_indices() {
        if is_quote(c) {
            if in_quote {
                push(PartKind::Phrase, segment_start, i, &mut parsed, analyzer);
            } else {
                push_unquoted(&cleaned, segment_start, i, &mut parsed, analyzer, &mut push);
            }
            in_quote = !in_quote;
            segment_start = i + c.len_utf8();
        }
    }
    if in_quote {
        push(
            PartKind::Phrase,
            segment_start,
            cleaned.len(),
            &mut parsed,
            analyzer,
        );
    } else {
        push_unquoted(
            &cleaned,
            segment_start,
            cleaned.len(),
            &mut parsed,
            analyzer,
            &mut push,
        );
    }

    parsed.cleaned = cleaned;
    if parsed.word_count() > MAX_WORDS {
        return Err(QueryError::TooManyWords);
    }
    let ends_in_word = parsed
        .cleaned
        .chars()
        .last()
        .is_some_and(char::is_alphanumeric);
    let length = parsed.cleaned.len();
    parsed.last_word_is_prefix = ends_in_word
        && parsed.parts.last().is_some_and(|p| {
            p.kind == PartKind::Words && p.words.last().is_some_and(|w| w.end == length)
        });
    Ok(parsed)
}

/// Split unquoted text into whitespace chunks, sending `-word` chunks to `Exclude`.
fn push_unquoted(
    text: &str,
    start: usize,
    end: usize,
    parsed: &mut ParsedQuery,
    analyzer: &mut Analyzer,
    push: &mut impl FnMut(PartKind, usize, usize, &mut ParsedQuery, &mut Analyzer),
) {
    let mut chunk_start: Option<usize> = None;
    let mut flush = |from: usize, to: usize, parsed: &mut ParsedQuery, analyzer: &mut Analyzer| {
        let chunk = &text[from..to];
        let excluded = chunk
            .strip_prefix('-')
            .and_then(|rest| rest.chars().next())
            .is_some_and(char::is_alphanumeric);
        if excluded {
            push(PartKind::Exclude, from + 1, to, parsed, analyzer);
        } else {
            push(PartKind::Words, from, to, parsed, analyzer);
        }
    };
    for (i, c) in text[start..end].char_indices() {
        let at = start + i;
        match (c.is_whitespace(), chunk_start) {
            (true, Some(from)) => {
                flush(from, at, parsed, analyzer);
                chunk_start = None;
            }
            (false, None) => chunk_start = Some(at),
            _ => {}
        }
    }
    if let Some(from) = chunk_start {
        flush(from, end, parsed, analyzer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(query: &str) -> Vec<(PartKind, Vec<String>)> {
        let parsed = parse(query, &mut Analyzer::new()).expect("parses");
        parsed
            .parts
            .into_iter()
            .map(|p| (p.kind, p.words.into_iter().map(|w| w.surface).collect()))
            .collect()
    }

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn words_phrases_and_exclusions() {
        assert_eq!(
            shape(r#"report "fake video" -deepfake now"#),
            vec![
                (PartKind::Words, words(&["report"])),
                (PartKind::Phrase, words(&["fake", "video"])),
                (PartKind::Exclude, words(&["deepfake"])),
                (PartKind::Words, words(&["now"])),
            ]
        );
    }

    #[test]
    fn syntax_is_just_text() {
        assert_eq!(
            shape("title:(a OR b) AND c* ~2 ^3 [x TO y]"),
            vec![(
                PartKind::Words,
                words(&[
                    "title", "a", "or", "b", "and", "c", "2", "3", "x", "to", "y"
                ])
            )]
        );
        assert_eq!(
            shape("two-step - -"),
            vec![(PartKind::Words, words(&["two", "step"]))]
        );
    }

    #[test]
    fn unclosed_quotes_close_at_the_end() {
        assert_eq!(
            shape("\"panic alarm"),
            vec![(PartKind::Phrase, words(&["panic", "alarm"]))]
        );
        assert!(shape("\"\"\"").is_empty());
    }

    #[test]
    fn control_characters_are_spaces() {
        assert_eq!(
            shape("a\0b\u{7}c"),
            vec![(PartKind::Words, words(&["a", "b", "c"]))]
        );
    }

    #[test]
    fn limits_are_enforced_before_parsing() {
        let mut analyzer = Analyzer::new();
        assert_eq!(
            parse(&"(".repeat(257), &mut analyzer),
            Err(QueryError::TooLong)
        );
        assert!(parse(&"(".repeat(256), &mut analyzer).is_ok_and(|p| p.is_empty()));
        let many = vec!["word"; MAX_WORDS + 1].join(" ");
        assert_eq!(parse(&many, &mut analyzer), Err(QueryError::TooManyWords));
    }

    #[test]
    fn last_word_prefix_only_when_still_typing() {
        let mut analyzer = Analyzer::new();
        assert!(parse("phis", &mut analyzer).is_ok_and(|p| p.last_word_is_prefix));
        assert!(parse("phis ", &mut analyzer).is_ok_and(|p| !p.last_word_is_prefix));
        assert!(parse("\"phis\"", &mut analyzer).is_ok_and(|p| !p.last_word_is_prefix));
        assert!(parse("a -phis", &mut analyzer).is_ok_and(|p| !p.last_word_is_prefix));
        assert!(parse("phis!", &mut analyzer).is_ok_and(|p| !p.last_word_is_prefix));
    }
}
