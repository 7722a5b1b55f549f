//! How hard a document is to read: the Flesch-Kincaid grade of its prose.
//!
//! The same measure as the project's reference script (`readability.py`): Markdown syntax,
//! link targets, id markers and code are stripped; every line of prose, list item and
//! checklist item counts as (the end of) a sentence; syllables are estimated from vowel groups.
//! A grade of 6 means about eleven or twelve years old; the house style asks for at most 7.

use std::sync::LazyLock;

use regex::Regex;

/// The reading level of one text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Readability {
    /// Flesch-Kincaid grade level.
    pub grade: f64,
    /// Words counted.
    pub words: usize,
    /// Sentences counted.
    pub sentences: usize,
}

impl Readability {
    /// Average words per sentence.
    pub fn words_per_sentence(&self) -> f64 {
        self.words as f64 / self.sentences.max(1) as f64
    }
}

fn regex(pattern: &str) -> Regex {
    // The patterns are constants of this file, covered by its tests.
    Regex::new(pattern).expect("a valid constant pattern")
}

static ID_MARKER: LazyLock<Regex> = LazyLock::new(|| regex(r"\{#[^}]*\}"));
static LINK_TARGET: LazyLock<Regex> = LazyLock::new(|| regex(r"\]\([^)]*\)"));
static CODE: LazyLock<Regex> = LazyLock::new(|| regex(r"`[^`]*`"));
static URL: LazyLock<Regex> = LazyLock::new(|| regex(r"https?://\S+"));
static LIST_MARKER: LazyLock<Regex> = LazyLock::new(|| regex(r"^[-*]\s+(\[[ x]\]\s+)?|^\d+\.\s+"));
static SENTENCE_END: LazyLock<Regex> = LazyLock::new(|| regex(r"[.!?:]$"));
static SENTENCE_SPLIT: LazyLock<Regex> = LazyLock::new(|| regex(r"[.!?]+\s"));
static WORD: LazyLock<Regex> = LazyLock::new(|| regex(r"[A-Za-z][A-Za-z'’-]*"));
static SILENT_ENDING: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?:[^laeiouy]es|ed|[^laeiouy]e)$"));
static VOWEL_GROUP: LazyLock<Regex> = LazyLock::new(|| regex(r"[aeiouy]{1,2}"));

/// Measure a Markdown body (without front matter): headings are skipped.
pub fn measure(markdown: &str) -> Readability {
    let prose = prose(markdown);
    let sentences = SENTENCE_SPLIT
        .split(&prose)
        .filter(|s| s.bytes().any(|b| b.is_ascii_alphabetic()))
        .count();
    let words: Vec<&str> = WORD.find_iter(&prose).map(|m| m.as_str()).collect();
    if sentences == 0 || words.is_empty() {
        return Readability {
            grade: 0.0,
            words: 0,
            sentences: 0,
        };
    }
    let syllables: usize = words.iter().map(|w| syllables(w)).sum();
    let grade = 0.39 * words.len() as f64 / sentences as f64
        + 11.8 * syllables as f64 / words.len() as f64
        - 15.59;
    Readability {
        grade,
        words: words.len(),
        sentences,
    }
}

fn prose(markdown: &str) -> String {
    let text = ID_MARKER.replace_all(markdown, "");
    let text = LINK_TARGET.replace_all(&text, "]");
    let text = CODE.replace_all(&text, "code");
    let text = URL.replace_all(&text, "link");
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let mut sentence = LIST_MARKER.replace(trimmed, "").into_owned();
        if !SENTENCE_END.is_match(&sentence) {
            sentence.push('.');
        }
        lines.push(sentence);
    }
    lines.join(" ")
}

fn syllables(word: &str) -> usize {
    let lower = word.to_lowercase();
    if lower.chars().count() <= 3 {
        return 1;
    }
    let trimmed = SILENT_ENDING.replace(&lower, "");
    let trimmed = trimmed.strip_prefix('y').unwrap_or(&trimmed);
    VOWEL_GROUP.find_iter(trimmed).count().max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syllables_follow_vowel_groups() {
        assert_eq!(syllables("the"), 1);
        assert_eq!(syllables("candidate"), 3);
        assert_eq!(syllables("intimidation"), 5);
        assert_eq!(syllables("phoned"), 1);
        assert_eq!(syllables("yearly"), 2);
    }

    #[test]
    fn short_plain_sentences_score_low_and_long_words_high() {
        let plain =
            measure("Call 999 now. Lock the door.\n\n- [ ] Save 101 in your phone {#save}\n");
        assert_eq!(plain.sentences, 3);
        assert_eq!(plain.words, 9, "numbers are not words");
        assert!(plain.grade < 2.0, "{plain:?}");
        let hard = measure(
            "Comprehensive organisational considerations necessitate institutional accountability mechanisms.",
        );
        assert!(hard.grade > 15.0, "{hard:?}");
    }

    #[test]
    fn markup_links_and_headings_are_not_prose() {
        let with_markup = measure(
            "### A heading here\n\nRead [the guide](https://example.org/a/very/long/path) today.\n",
        );
        let without = measure("Read the guide today.\n");
        assert_eq!(with_markup, without);
    }
}
