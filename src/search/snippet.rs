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

/// The best window of `words` for the matched `terms`, as escaped HTML with `<mark>`s.
/// With no match, the start of the text.
pub fn snippet(text: &str, words: &[TextWord], terms: &TermSet) -> String {
    let (first, last) = best_window(words, terms);
    if words.is_empty() {
        return escape(text);
    }
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
    let mut html = String::with_capacity(end - start + 32);
    if start > 0 {
        html.push('…');
    }
    html.push_str(&highlight(text, &words[first..=last], terms, start, end));
    if end < text.len() {
        html.push('…');
    }
    html
}

/// `text` escaped, with every word whose term is in `terms` wrapped in `<mark>`.
pub fn highlight_all(text: &str, words: &[TextWord], terms: &TermSet) -> String {
    highlight(text, words, terms, 0, text.len())
}

fn highlight(text: &str, words: &[TextWord], terms: &TermSet, start: usize, end: usize) -> String {
    let mut html = String::with_capacity(end - start + 32);
    let mut at = start;
    for word in words.iter().filter(|w| terms.contains(w.term)) {
        let (from, to) = (word.start as usize, word.end as usize);
        if from < at || to > end {
            continue;
        }
        push_escaped(&mut html, &text[at..from]);
        html.push_str("<mark>");
        push_escaped(&mut html, &text[from..to]);
        html.push_str("</mark>");
        at = to;
    }
    push_escaped(&mut html, &text[at..end]);
    html
}

/// Indices of the first and last word of the window with the most distinct matched terms,
/// then the most matched words, then the earliest.
fn best_window(words: &[TextWord], terms: &TermSet) -> (usize, usize) {
    let window = |first: usize| {
        (
            first,
            (first + WINDOW_WORDS).min(words.len()).saturating_sub(1),
        )
    };
    let mut best = window(0);
    let mut best_key = (0usize, 0usize);
    let mut distinct: Vec<u32> = Vec::with_capacity(8);
    for (i, word) in words.iter().enumerate() {
        if !terms.contains(word.term) {
            continue;
        }
        // Start a little before the match so it reads in context.
        let first = i.saturating_sub(3);
        let (from, to) = window(first);
        distinct.clear();
        let mut hits = 0;
        for w in &words[from..=to] {
            if terms.contains(w.term) {
                hits += 1;
                if !distinct.contains(&w.term) {
                    distinct.push(w.term);
                }
            }
        }
        let key = (distinct.len(), hits);
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
    for (i, byte) in text.bytes().enumerate() {
        let replacement = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            b'\n' | b'\r' | b'\t' => " ",
            _ => continue,
        };
        out.push_str(&text[start..i]);
        out.push_str(replacement);
        start = i + 1;
    }
    out.push_str(&text[start..]);
}

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
        let terms = TermSet::from_iter([1]);
        let html = snippet(text, &words, &terms);
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
        let terms = TermSet::from_iter([1, 2]);
        let html = snippet(&text, &words, &terms);
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
        let html = snippet(&text, &words, &TermSet::from_iter([7]));
        assert!(html.starts_with("First words") && html.ends_with('…'));
        assert!(!html.contains("<mark>"));
    }
}
