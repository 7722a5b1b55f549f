//! What meaning adds to a search: the query's words that carry meaning (and whether any does),
//! the semantic list within the request's filters, and how much of the query the best section
//! by words covers, which sets the semantic list's weight in the fusion.

use rustc_hash::FxHashSet;

use super::grammar::{ParsedQuery, PartKind};
use super::{Guide, MIN_KNOWN_WORD_BYTES, SearchRequest, expand, stop_words};

impl Guide {
    /// The share of the query that section `ord` has: of the query's meaningful concepts
    /// (excluded words aside; a word the corpus does not know counts, unmatched), those with
    /// an alternative whose terms all occur in the section's document title, heading or text.
    /// 1 for a query with no such concept.
    pub(super) fn coverage(&self, expansion: &expand::Expansion, ord: u32) -> f32 {
        let concepts: Vec<&expand::Concept> = expansion
            .meaningful()
            .filter(|c| c.occur != expand::Occur::MustNot)
            .collect();
        let Some(indexed) = self.index.sections.get(ord as usize) else {
            return 0.0;
        };
        if concepts.is_empty() {
            return 1.0;
        }
        let title = &self.corpus.documents[indexed.document].meta.title;
        let title_terms: Vec<u32> = self
            .index
            .analyzer()
            .words(title)
            .iter()
            .filter_map(|w| self.index.vocabulary.term(&w.surface))
            .filter_map(|t| self.index.term_ids.get(t).copied())
            .collect();
        let has = |term: &String| {
            self.index.term_ids.get(term).is_some_and(|&id| {
                title_terms.contains(&id)
                    || indexed.heading_words.iter().any(|w| w.term == id)
                    || indexed.body.contains(id)
            })
        };
        let matched = concepts
            .iter()
            .filter(|c| c.alternatives.iter().any(|a| a.terms.iter().all(has)))
            .count();
        matched as f32 / concepts.len() as f32
    }

    /// The words a query's meaning is taken from: every word not excluded and not a stop
    /// word, a typo replaced by its correction when the model does not know the typed word
    /// whole. `None` when no word is at least three letters long and a whole piece of the
    /// model: random letters split into pieces that mean nothing, and ranking by them would
    /// return the nearest vectors to noise. Such queries rank by words alone.
    fn meaning_words(
        &self,
        parsed: &ParsedQuery,
        expansion: &expand::Expansion,
    ) -> Option<Vec<String>> {
        let model = self.semantic.model();
        let mut words = Vec::new();
        let mut known = false;
        for part in parsed.parts.iter().filter(|p| p.kind != PartKind::Exclude) {
            for word in &part.words {
                let surface = word.surface.as_str();
                let correction = expansion.corrections.iter().find(|c| c.typed == surface);
                let chosen = match correction {
                    Some(c) if !model.knows_whole(surface) => c.suggested.as_str(),
                    _ => surface,
                };
                known |= chosen.len() >= MIN_KNOWN_WORD_BYTES
                    && !stop_words::is_stop_word(chosen)
                    && model.knows_whole(chosen);
                // Stop words say little about meaning and blur a short query's vector.
                if !stop_words::is_stop_word(chosen) {
                    words.push(chosen.to_owned());
                }
            }
        }
        known.then_some(words)
    }

    /// The semantic list for a query: sections by cosine, within the request's filters. A
    /// query with a quoted phrase or an excluded word asks for exact words, so meaning then
    /// only reorders the sections the words found.
    pub(super) fn semantic_list(
        &self,
        parsed: &ParsedQuery,
        expansion: &expand::Expansion,
        request: &SearchRequest,
        lexical: &[(u32, f32)],
    ) -> Vec<(u32, f32)> {
        let Some(words) = self.meaning_words(parsed, expansion) else {
            return Vec::new();
        };
        let Some(query) = self.semantic.query_vector(words.iter().map(String::as_str)) else {
            return Vec::new();
        };
        let exact = parsed.parts.iter().any(|p| p.kind != PartKind::Words);
        let found: FxHashSet<u32> = lexical.iter().map(|&(ord, _)| ord).collect();
        self.semantic.rank(&query, &self.fusion, |ord| {
            let Some(indexed) = self.index.sections.get(ord as usize) else {
                return false;
            };
            let meta = &self.corpus.documents[indexed.document].meta;
            (!exact || found.contains(&ord))
                && request.category.is_none_or(|c| meta.category == c)
                && request.audience.is_none_or(|a| meta.audience.contains(&a))
                && request.nation.is_none_or(|n| self.applies_in(ord, n))
        })
    }
}
