//! Text analysis shared by indexing and querying: the single definition of what a "word" is.
//!
//! Text is split into runs of letters and digits (Unicode `alphanumeric`), lowercased and
//! folded to ASCII (`café` → `cafe`); that folded form is a word's *surface* form. Its *term*
//! is the English (Snowball) stem of the surface form (`passwords` → `password`). Terms are
//! what the index holds; surface forms are what the vocabulary maps from.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer,
    Stemmer, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

/// The name under which the index analyzer is registered with Tantivy.
pub const INDEX_ANALYZER: &str = "guide";

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

/// Split, drop over-long words, lowercase, fold to ASCII, keep letters and digits.
fn word_analyzer() -> tantivy::tokenizer::TextAnalyzerBuilder<impl Tokenizer> {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_WORD_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(KeepAlphanumeric)
}

impl Analyzer {
    /// The analyzer used for every field and every query.
    pub fn new() -> Analyzer {
        let stemmer = TextAnalyzer::builder(RawTokenizer::default())
            .filter(Stemmer::new(Language::English))
            .build();
        Analyzer {
            words: word_analyzer().build(),
            stemmer,
        }
    }

    /// The analyzer Tantivy indexes text fields with: the words of [`Analyzer::words`], each
    /// replaced by its term from `terms` (surface form → term, see [`Analyzer::stem`]). Every
    /// indexed word must be in `terms`; the map makes the index and the vocabulary agree by
    /// construction, and stems each distinct word once instead of at every occurrence.
    pub fn for_index(terms: Arc<FxHashMap<String, String>>) -> TextAnalyzer {
        word_analyzer().filter(MapToTerm(terms)).build()
    }

    /// The words of `text`, in order, with their byte offsets.
    pub fn words(&mut self, text: &str) -> Vec<Word> {
        let mut out = Vec::new();
        let mut stream = self.words.token_stream(text);
        while let Some(token) = stream.next() {
            out.push(Word {
                start: token.offset_from,
                end: token.offset_to,
                surface: token.text.clone(),
            });
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

/// Replaces each word by its term from a precomputed map (see [`Analyzer::for_index`]).
#[derive(Clone)]
struct MapToTerm(Arc<FxHashMap<String, String>>);

impl TokenFilter for MapToTerm {
    type Tokenizer<T: Tokenizer> = MapToTermTokenizer<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> MapToTermTokenizer<T> {
        MapToTermTokenizer(tokenizer, self.0)
    }
}

#[derive(Clone)]
struct MapToTermTokenizer<T>(T, Arc<FxHashMap<String, String>>);

impl<T: Tokenizer> Tokenizer for MapToTermTokenizer<T> {
    type TokenStream<'a> = MapToTermStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        MapToTermStream(self.0.token_stream(text), &self.1)
    }
}

struct MapToTermStream<'a, S>(S, &'a FxHashMap<String, String>);

impl<S: TokenStream> TokenStream for MapToTermStream<'_, S> {
    fn advance(&mut self) -> bool {
        if !self.0.advance() {
            return false;
        }
        let token = self.0.token_mut();
        if let Some(term) = self.1.get(&token.text) {
            token.text.clone_from(term);
        }
        true
    }

    fn token(&self) -> &Token {
        self.0.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.0.token_mut()
    }
}

/// Folding can (rarely) produce punctuation, e.g. from fractions; keep only letters and
/// digits so a word is always one word, and drop tokens left empty.
#[derive(Clone)]
struct KeepAlphanumeric;

impl TokenFilter for KeepAlphanumeric {
    type Tokenizer<T: Tokenizer> = KeepAlphanumericTokenizer<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> KeepAlphanumericTokenizer<T> {
        KeepAlphanumericTokenizer(tokenizer)
    }
}

#[derive(Clone)]
struct KeepAlphanumericTokenizer<T>(T);

impl<T: Tokenizer> Tokenizer for KeepAlphanumericTokenizer<T> {
    type TokenStream<'a> = KeepAlphanumericStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        KeepAlphanumericStream(self.0.token_stream(text))
    }
}

struct KeepAlphanumericStream<S>(S);

impl<S: TokenStream> TokenStream for KeepAlphanumericStream<S> {
    fn advance(&mut self) -> bool {
        while self.0.advance() {
            let token = self.0.token_mut();
            if !token.text.chars().all(char::is_alphanumeric) {
                token.text.retain(char::is_alphanumeric);
            }
            if !token.text.is_empty() {
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.0.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.0.token_mut()
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
    fn folding_never_leaves_punctuation_in_a_word() {
        let mut analyzer = Analyzer::new();
        let words: Vec<_> = analyzer
            .words("½ ⅓x")
            .into_iter()
            .map(|w| w.surface)
            .collect();
        assert!(
            words
                .iter()
                .all(|w| !w.is_empty() && w.chars().all(char::is_alphanumeric)),
            "{words:?}"
        );
    }

    #[test]
    fn the_index_analyzer_stems_the_same_words() {
        let mut analyzer = Analyzer::new();
        let text = "Passwords, hacked accounts & café security";
        let terms: FxHashMap<String, String> = analyzer
            .words(text)
            .into_iter()
            .map(|w| (w.surface.clone(), analyzer.stem(&w.surface)))
            .collect();
        let mut index = Analyzer::for_index(Arc::new(terms));
        let mut stream = index.token_stream(text);
        let mut indexed = Vec::new();
        while let Some(token) = stream.next() {
            indexed.push(token.text.clone());
        }
        let expected: Vec<_> = analyzer
            .words(text)
            .into_iter()
            .map(|w| analyzer.stem(&w.surface))
            .collect();
        assert_eq!(indexed, expected);
    }

    #[test]
    fn stems_merge_inflections() {
        let mut analyzer = Analyzer::new();
        assert_eq!(analyzer.stem("passwords"), analyzer.stem("password"));
        assert_eq!(analyzer.stem("hacked"), analyzer.stem("hacking"));
        assert_eq!(analyzer.stem("999"), "999");
    }
}
