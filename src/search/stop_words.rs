//! Words that carry no meaning for a search on their own ("is it a crime to threaten a
//! candidate": "is", "it", "a", "to").
//!
//! They still count towards a section's score, as every word does, so ranking is what BM25
//! makes of the whole query. But a section that matches only such words is not a result, and
//! they are not highlighted, unless the query has nothing else. The offline engine reads the
//! same list from the bundle.

/// The words, lowercased and without accents, as the analysis produces them.
pub const STOP_WORDS: &[&str] = &[
    "a", "about", "am", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by", "can",
    "could", "did", "do", "does", "for", "from", "get", "got", "had", "has", "have", "he", "her",
    "him", "his", "how", "i", "if", "im", "in", "into", "is", "it", "its", "me", "my", "of", "on",
    "or", "our", "she", "should", "so", "some", "than", "that", "the", "their", "them", "then",
    "there", "they", "this", "to", "us", "was", "we", "were", "what", "when", "where", "which",
    "who", "why", "will", "with", "would", "you", "your",
];

/// Whether `surface` (a word as the analysis produced it) is a stop word.
pub fn is_stop_word(surface: &str) -> bool {
    STOP_WORDS.binary_search(&surface).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_for_binary_search_and_lowercase() {
        assert!(
            STOP_WORDS.windows(2).all(|w| w[0] < w[1]),
            "keep STOP_WORDS sorted"
        );
        assert!(
            STOP_WORDS
                .iter()
                .all(|w| w.bytes().all(|b| b.is_ascii_lowercase()))
        );
        assert!(is_stop_word("is") && is_stop_word("your"));
        assert!(!is_stop_word("threat") && !is_stop_word("not"));
    }
}
