//! Highlighted snippets: the part of a section that best shows why it matched.
//!
//! Works from the section's words as analysed at index time, so the cost per result is a
//! scan over its words, not a re-analysis. Every character of the text is HTML-escaped;
//! the only markup produced is `<mark>` around matched words.

/// Number of words in a snippet window.
pub const WINDOW_WORDS: usize = 28;

/// A set of term ids (a bitset: membership is one shift and one mask).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TermSet {
    bits: Vec<u64>,
}

impl TermSet {
    /// Add a term id.
    pub fn insert(&mut self, term: u32) {
        let (word, bit) = (term as usize / 64, term % 64);
        if self.bits.len() <= word {
            self.bits.resize(word + 1, 0);
        }
        self.bits[word] |= 1 << bit;
    }

    /// Whether the set holds a term id.
    pub fn contains(&self, term: u32) -> bool {
        self.bits
            .get(term as usize / 64)
            .is_some_and(|word| word & (1 << (term % 64)) != 0)
    }
}

impl Extend<u32> for TermSet {
    fn extend<I: IntoIterator<Item = u32>>(&mut self, iter: I) {
        for term in iter {
            self.insert(term);
        }
    }
}

impl FromIterator<u32> for TermSet {
    fn from_iter<I: IntoIterator<Item = u32>>(iter: I) -> TermSet {
        let mut set = TermSet::default();
        for term in iter {
            set.insert(term);
        }
        set
    }
}

/// A word of an indexed text: byte offsets and the id of its term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextWord {
    /// Byte offset of the first character.
    pub start: u32,
    /// Byte offset just past the last character.
    pub end: u32,
    /// Term id (see `TermIds`).
    pub term: u32,
}

/// The terms a query highlights: a set for membership tests on short texts (headings) and
/// the same ids sorted, for looking them up in a [`WordIndex`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Highlight {
    set: TermSet,
    ids: Vec<u32>,
}

impl Highlight {
    /// Whether `term` is highlighted.
    pub fn contains(&self, term: u32) -> bool {
        self.set.contains(term)
    }
}

impl FromIterator<u32> for Highlight {
    fn from_iter<I: IntoIterator<Item = u32>>(iter: I) -> Highlight {
        let mut ids: Vec<u32> = iter.into_iter().collect();
        ids.sort_unstable();
        ids.dedup();
        Highlight {
            set: ids.iter().copied().collect(),
            ids,
        }
    }
}

/// A text's words with, for every term, the positions of the words that carry it: finding
/// a query's matches costs one lookup per query term, not a scan over every word.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WordIndex {
    /// The words in text order.
    pub words: Vec<TextWord>,
    /// `(term, start)` sorted by term: the term's positions are `positions[start..next start]`.
    terms: Vec<(u32, u32)>,
    /// Word positions grouped by term, ascending within each group.
    positions: Vec<u32>,
}

impl WordIndex {
    /// Index `words` (in text order) by term.
    pub fn new(words: Vec<TextWord>) -> WordIndex {
        let mut by_term: Vec<(u32, u32)> = words
            .iter()
            .enumerate()
            .map(|(at, word)| (word.term, u32::try_from(at).unwrap_or(u32::MAX)))
            .collect();
        by_term.sort_unstable();
        let mut terms: Vec<(u32, u32)> = Vec::new();
        let mut positions = Vec::with_capacity(by_term.len());
        for (term, at) in by_term {
            if terms.last().is_none_or(|&(last, _)| last != term) {
                terms.push((term, u32::try_from(positions.len()).unwrap_or(u32::MAX)));
            }
            positions.push(at);
        }
        WordIndex {
            words,
            terms,
            positions,
        }
    }

    /// Whether some word of the text has `term`.
    pub fn contains(&self, term: u32) -> bool {
        self.terms.binary_search_by_key(&term, |&(t, _)| t).is_ok()
    }

    /// The words whose term is highlighted, as `(position, slot)` in text order, into `out`;
    /// `slot` is the term's place in the highlight's sorted ids.
    fn matches(&self, highlight: &Highlight, out: &mut Vec<(u32, u32)>) {
        out.clear();
        for (slot, term) in (0u32..).zip(&highlight.ids) {
            let Ok(at) = self.terms.binary_search_by_key(term, |&(t, _)| t) else {
                continue;
            };
            let start = self.terms[at].1 as usize;
            let end = self
                .terms
                .get(at + 1)
                .map_or(self.positions.len(), |&(_, next)| next as usize);
            out.extend(self.positions[start..end].iter().map(|&p| (p, slot)));
        }
        out.sort_unstable();
    }
}

/// The best window of `text` for the highlighted terms, as escaped HTML with `<mark>`s.
/// With no match, the start of the text.
pub fn snippet(text: &str, index: &WordIndex, highlight: &Highlight) -> String {
    let words = &index.words;
    if words.is_empty() {
        return escape(text);
    }
    let mut matches = Vec::new();
    index.matches(highlight, &mut matches);
    let (first, last) = best_window(words.len(), &matches, highlight.ids.len());
    let start = if first == 0 {
        0
    } else {
        words[first].start as usize
    };
    let end = if last + 1 >= words.len() {
        text.len()
    } else {
        words[last].end as usize
    };
    let mut html = String::with_capacity(end - start + 64);
    if start > 0 {
        html.push('…');
    }
    let marked = matches
        .iter()
        .filter(|&&(at, _)| (first..=last).contains(&(at as usize)))
        .map(|&(at, _)| words[at as usize]);
    push_highlighted(&mut html, text, marked, start, end);
    if end < text.len() {
        html.push('…');
    }
    html
}

/// The opening lines of `text` (the snippet's window from its first word), escaped, with
/// nothing marked: for a section found by meaning, where no query word is there to show.
pub fn opening(text: &str, index: &WordIndex) -> String {
    snippet(text, index, &Highlight::default())
}

/// `text` escaped, with every word whose term is highlighted wrapped in `<mark>`.
pub fn highlight_all(text: &str, words: &[TextWord], highlight: &Highlight) -> String {
    let mut html = String::with_capacity(text.len() + 32);
    let marked = words.iter().filter(|w| highlight.contains(w.term)).copied();
    push_highlighted(&mut html, text, marked, 0, text.len());
    html
}

/// Escape `text[start..end]` into `html`, wrapping the `marked` words (in text order).
fn push_highlighted(
    html: &mut String,
    text: &str,
    marked: impl Iterator<Item = TextWord>,
    start: usize,
    end: usize,
) {
    let mut at = start;
    for word in marked {
        let (from, to) = (word.start as usize, word.end as usize);
        if from < at || to > end {
            continue;
        }
        push_escaped(html, &text[at..from]);
        html.push_str("<mark>");
        push_escaped(html, &text[from..to]);
        html.push_str("</mark>");
        at = to;
    }
    push_escaped(html, &text[at..end]);
}

/// Indices of the first and last word of the window with the most distinct matched terms,
/// then the most matched words, then the earliest, in a text of `length` words. `matches`
/// holds the matched words as `(position, term slot)` in text order, with slots below
/// `slots`. One pass: the matches inside the window are `matches[low..high]`, and both ends
/// only move forward, because each window starts at or after the previous one.
fn best_window(length: usize, matches: &[(u32, u32)], slots: usize) -> (usize, usize) {
    let window = |first: usize| (first, (first + WINDOW_WORDS).min(length).saturating_sub(1));
    let mut best = window(0);
    let mut best_key = (0usize, 0usize);
    // Matched words per term slot inside the window, and how many slots are non-zero.
    let mut inside = vec![0u32; slots];
    let mut distinct = 0usize;
    let (mut low, mut high) = (0, 0);
    for &(at, _) in matches {
        // Start a little before the match so it reads in context.
        let (from, to) = window((at as usize).saturating_sub(3));
        while high < matches.len() && matches[high].0 as usize <= to {
            let count = &mut inside[matches[high].1 as usize];
            distinct += usize::from(*count == 0);
            *count += 1;
            high += 1;
        }
        while (matches[low].0 as usize) < from {
            let count = &mut inside[matches[low].1 as usize];
            *count -= 1;
            distinct -= usize::from(*count == 0);
            low += 1;
        }
        let key = (distinct, high - low);
        if key > best_key {
            best_key = key;
            best = (from, to);
        }
    }
    best
}

/// Escape `text` for HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_escaped(&mut out, text);
    out
}

fn push_escaped(out: &mut String, text: &str) {
    // The characters replaced are all ASCII, so byte positions are character boundaries
    // and unchanged runs can be copied whole.
    let mut start = 0;
    for (i, &byte) in text.as_bytes().iter().enumerate() {
        if !SPECIAL[usize::from(byte)] {
            continue;
        }
        let replacement = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => " ",
        };
        out.push_str(&text[start..i]);
        out.push_str(replacement);
        start = i + 1;
    }
    out.push_str(&text[start..]);
}

/// Bytes [`push_escaped`] replaces: HTML's special characters, and line breaks and tabs
/// (shown as spaces).
const SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    let special = b"&<>\"'\n\r\t";
    while i < special.len() {
        table[special[i] as usize] = true;
        i += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    fn words_of(text: &str, term_of: impl Fn(&str) -> u32) -> Vec<TextWord> {
        let mut out = Vec::new();
        let mut start = None;
        for (i, c) in text
            .char_indices()
            .chain(std::iter::once((text.len(), ' ')))
        {
            match (c.is_alphanumeric(), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    out.push(TextWord {
                        start: s as u32,
                        end: i as u32,
                        term: term_of(&text[s..i]),
                    });
                    start = None;
                }
                _ => {}
            }
        }
        out
    }

    #[test]
    fn matches_are_marked_and_everything_else_escaped() {
        let text = "Never run <script>alert('x')</script> & call 999";
        let words = words_of(text, |w| u32::from(w == "script" || w == "999"));
        let terms = Highlight::from_iter([1]);
        let html = snippet(text, &WordIndex::new(words), &terms);
        assert_eq!(
            html,
            "Never run &lt;<mark>script</mark>&gt;alert(&#39;x&#39;)&lt;/<mark>script</mark>&gt; &amp; call <mark>999</mark>"
        );
    }

    #[test]
    fn long_texts_are_cut_around_the_best_window() {
        let filler = "word ".repeat(100);
        let text = format!("{filler}phishing email here {filler}");
        let words = words_of(&text, |w| {
            u32::from(w == "phishing" || w == "email") + u32::from(w == "email")
        });
        let terms = Highlight::from_iter([1, 2]);
        let html = snippet(&text, &WordIndex::new(words), &terms);
        assert!(html.starts_with('…') && html.ends_with('…'), "{html}");
        assert!(
            html.contains("<mark>phishing</mark> <mark>email</mark>"),
            "{html}"
        );
        assert!(html.len() < 250, "{html}");
    }

    #[test]
    fn no_match_gives_the_opening() {
        let text = "First words of the section. ".repeat(20);
        let words = words_of(&text, |_| 0);
        let html = snippet(&text, &WordIndex::new(words), &Highlight::from_iter([7]));
        assert!(html.starts_with("First words") && html.ends_with('…'));
        assert!(!html.contains("<mark>"));
    }
}
