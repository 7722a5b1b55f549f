//! Text analysis shared by indexing and querying: the single definition of what a "word" is.
//!
//! Text is split into runs of letters and digits (Unicode `alphanumeric`), lowercased and
//! folded to ASCII (`café` → `cafe`); that folded form is a word's *surface* form. Its *term*
//! is the English (Snowball) stem of the surface form (`passwords` → `password`). Terms are
//! what the index holds; surface forms are what the vocabulary maps from.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer,
    Stemmer, TextAnalyzer, TokenStream,
};

/// Words longer than this many bytes are dropped (they are never real words).
pub const MAX_WORD_BYTES: usize = 40;

/// One word of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Byte offset of the word's first character in the text.
    pub start: usize,
    /// Byte offset just past the word's last character.
    pub end: usize,
    /// Lowercased, ASCII-folded form.
    pub surface: String,
}

/// Splits text into words and stems them. Cheap to clone; each clone is independent.
#[derive(Clone)]
pub struct Analyzer {
    words: TextAnalyzer,
    stemmer: TextAnalyzer,
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer::new()
    }
}

impl Analyzer {
    /// The analyzer used for every field and every query.
    pub fn new() -> Analyzer {
        let words = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(MAX_WORD_BYTES))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .build();
        let stemmer = TextAnalyzer::builder(RawTokenizer::default())
            .filter(Stemmer::new(Language::English))
            .build();
        Analyzer { words, stemmer }
    }

    /// The words of `text`, in order, with their byte offsets.
    pub fn words(&mut self, text: &str) -> Vec<Word> {
        let mut out = Vec::new();
        let mut stream = self.words.token_stream(text);
        while let Some(token) = stream.next() {
            // Folding can (rarely) produce punctuation, e.g. from ligatures or fractions;
            // keep only the letters and digits so a surface form is always one word.
            let surface: String = token.text.chars().filter(|c| c.is_alphanumeric()).collect();
            if !surface.is_empty() {
                out.push(Word {
                    start: token.offset_from,
                    end: token.offset_to,
                    surface,
                });
            }
        }
        out
    }

    /// The index term (English stem) of a surface form.
    pub fn stem(&mut self, surface: &str) -> String {
        let mut stream = self.stemmer.token_stream(surface);
        match stream.next() {
            Some(token) => token.text.clone(),
            None => surface.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lowercased_and_folded() {
        let mut analyzer = Analyzer::new();
        let words: Vec<_> = analyzer
            .words("Café-owner's 2FA, report@phishing.gov.uk")
            .into_iter()
            .map(|w| w.surface)
            .collect();
        assert_eq!(
            words,
            [
                "cafe", "owner", "s", "2fa", "report", "phishing", "gov", "uk"
            ]
        );
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let mut analyzer = Analyzer::new();
        let text = "Élan vital";
        let words = analyzer.words(text);
        assert_eq!(&text[words[0].start..words[0].end], "Élan");
        assert_eq!(words[0].surface, "elan");
    }

    #[test]
    fn stems_merge_inflections() {
        let mut analyzer = Analyzer::new();
        assert_eq!(analyzer.stem("passwords"), analyzer.stem("password"));
        assert_eq!(analyzer.stem("hacked"), analyzer.stem("hacking"));
        assert_eq!(analyzer.stem("999"), "999");
    }
}
