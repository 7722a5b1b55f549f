//! Search: analysis, the query grammar, expansion, the Tantivy index, scoring, folding by
//! document and snippets. The single source of truth for what a query means.

pub mod analysis;
pub mod expand;
pub mod grammar;
pub mod index;
pub mod intent;
pub mod semantic;
pub mod snippet;
pub mod stop_words;
pub mod term_scoring;
pub mod types;
pub mod vocabulary;

use std::path::Path;
use std::time::Instant;

pub use expand::Correction;
pub use grammar::{MAX_QUERY_BYTES, MAX_WORDS, QueryError};
pub use semantic::fusion::Ranking;
pub use types::{
    DEFAULT_LIMIT, DocumentHit, MAX_LIMIT, SECTIONS_PER_DOCUMENT, SearchError, SearchRequest,
    SearchResults, SectionHit,
};

use crate::corpus::{Corpus, CorpusError};
use grammar::{ParsedQuery, PartKind};
use index::{SearchIndex, display_heading};
use rustc_hash::FxHashSet;
use semantic::SemanticIndex;
use semantic::fusion::Fusion;
use semantic::model::ModelError;

/// Shortest word (in bytes) that lets a query rank by meaning (see `Guide::meaning_words`).
pub const MIN_KNOWN_WORD_BYTES: usize = 3;

/// Why a guide could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum GuideError {
    /// The corpus has problems; each is a `path:line: message`.
    #[error("{0}")]
    Corpus(#[from] CorpusError),
    /// The index could not be built.
    #[error("could not build the search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// The static model built into the binary could not be read.
    #[error("could not read the semantic model: {0}")]
    Model(#[from] ModelError),
}

/// The guidance corpus with its search index: what the server, the CLI and tests use.
pub struct Guide {
    corpus: Corpus,
    index: SearchIndex,
    semantic: SemanticIndex,
    fusion: Fusion,
}

impl Guide {
    /// The corpus embedded in this binary, indexed.
    pub fn embedded() -> Result<Guide, GuideError> {
        Guide::new(Corpus::embedded()?)
    }

    /// A corpus read from `dir` (see [`Corpus::from_dir`]), indexed.
    pub fn from_dir(dir: &Path) -> Result<Guide, GuideError> {
        Guide::new(Corpus::from_dir(dir)?)
    }

    /// Index an already validated corpus.
    pub fn new(corpus: Corpus) -> Result<Guide, GuideError> {
        let index = SearchIndex::build(&corpus)?;
        let semantic = SemanticIndex::build(
            semantic::embedded_model()?,
            &corpus,
            &index.sections,
            &mut index.analyzer(),
        );
        Ok(Guide {
            corpus,
            index,
            semantic,
            fusion: Fusion::default(),
        })
    }

    /// The same guide with other fusion constants (for tools that sweep them).
    pub fn with_fusion(mut self, fusion: Fusion) -> Guide {
        self.fusion = fusion;
        self
    }

    /// The fusion constants in use.
    pub fn fusion(&self) -> &Fusion {
        &self.fusion
    }

    /// The corpus.
    pub fn corpus(&self) -> &Corpus {
        &self.corpus
    }

    /// The index (for tools that inspect analysis, such as the offline export).
    pub fn index(&self) -> &SearchIndex {
        &self.index
    }

    /// Every section's vector (for tools such as the offline export).
    pub fn semantic(&self) -> &SemanticIndex {
        &self.semantic
    }

    /// The nations an indexed section applies to.
    fn section_nations(&self, indexed: &index::IndexedSection) -> crate::corpus::Nations {
        self.corpus.documents[indexed.document].sections[indexed.section].nations
    }

    /// Whether section `ord` applies in `nation`.
    fn applies_in(&self, ord: u32, nation: crate::corpus::Nation) -> bool {
        self.index
            .sections
            .get(ord as usize)
            .is_some_and(|s| self.section_nations(s).includes(nation))
    }

    /// The share of the query that section `ord` has: of the query's meaningful concepts
    /// (excluded words aside; a word the corpus does not know counts, unmatched), those with
    /// an alternative whose terms all occur in the section's document title, heading or text.
    /// 1 for a query with no such concept.
    fn coverage(&self, expansion: &expand::Expansion, ord: u32) -> f32 {
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
        let mut present: FxHashSet<u32> = FxHashSet::default();
        for word in self.index.analyzer().words(title) {
            if let Some(id) = self
                .index
                .vocabulary
                .term(&word.surface)
                .and_then(|t| self.index.term_ids.get(t))
            {
                present.insert(*id);
            }
        }
        present.extend(indexed.heading_words.iter().map(|w| w.term));
        present.extend(indexed.body.words.iter().map(|w| w.term));
        let has = |term: &String| {
            self.index
                .term_ids
                .get(term)
                .is_some_and(|id| present.contains(id))
        };
        let matched = concepts
            .iter()
            .filter(|c| c.alternatives.iter().any(|a| a.terms.iter().all(has)))
            .count();
        matched as f32 / concepts.len() as f32
    }

    /// The words a query's meaning is taken from: every word not excluded and not a stop
    /// word, a typo replaced by its correction when the model does not know the typed word
    /// whole. `None` when no
    /// word is meaningful (not a stop word), at least three letters long and a whole piece
    /// of the model: random letters split into pieces that mean nothing, and ranking by them
    /// would return the nearest vectors to noise. Such queries rank by words alone.
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
    fn semantic_list(
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

    /// Run a search.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults, SearchError> {
        let started = Instant::now();
        let mut analyzer = self.index.analyzer();
        let parsed = grammar::parse(&request.query, &mut analyzer)?;
        let expansion = expand::expand(&parsed, &self.index.vocabulary, &self.index.synonyms);
        let mut lexical = self
            .index
            .run(&expansion, request.category, request.audience)?;
        if let Some(nation) = request.nation {
            // Leave out what was written for other nations; scores are unchanged, as BM25's
            // statistics are the whole corpus's either way (the offline engine does the same).
            lexical.retain(|&(ord, _)| self.applies_in(ord, nation));
        }
        let by_meaning = match request.ranking {
            Ranking::Lexical => Vec::new(),
            Ranking::Semantic | Ranking::Fused => {
                self.semantic_list(&parsed, &expansion, request, &lexical)
            }
        };
        let hits = match request.ranking {
            Ranking::Lexical => lexical.clone(),
            Ranking::Semantic => by_meaning.clone(),
            Ranking::Fused => {
                let coverage = lexical
                    .first()
                    .map_or(0.0, |&(ord, _)| self.coverage(&expansion, ord));
                let weight = self.fusion.semantic_weight(coverage);
                self.fusion.fuse(&lexical, &by_meaning, weight)
            }
        };
        // Sections found by meaning alone: no query word to show, so their opening lines.
        let matched_by_words: FxHashSet<u32> = lexical.iter().map(|&(ord, _)| ord).collect();
        let highlight = self.index.highlight_terms(&expansion);
        let support = intent::is_urgent(&parsed, &self.index.vocabulary, &self.index.support);
        let urgent =
            support || intent::is_urgent(&parsed, &self.index.vocabulary, &self.index.urgent);

        // Fold sections under their documents, keeping document order by best section.
        let mut documents: Vec<DocumentHit> = Vec::new();
        let mut slots: Vec<Option<usize>> = vec![None; self.corpus.documents.len()];
        let limit = request.limit.clamp(1, MAX_LIMIT);
        for &(ord, score) in &hits {
            let Some(indexed) = self.index.sections.get(ord as usize) else {
                continue;
            };
            let slot = match slots[indexed.document] {
                Some(slot) => slot,
                None => {
                    let document = &self.corpus.documents[indexed.document];
                    let meta = &document.meta;
                    documents.push(DocumentHit {
                        slug: meta.slug.clone(),
                        title: meta.title.clone(),
                        summary: meta.summary.clone(),
                        category: meta.category,
                        audience: meta.audience.clone(),
                        url: format!("/guidance/{}", meta.slug),
                        score,
                        sections: Vec::new(),
                        matched_sections: 0,
                    });
                    slots[indexed.document] = Some(documents.len() - 1);
                    documents.len() - 1
                }
            };
            let hit = &mut documents[slot];
            hit.matched_sections += 1;
            if hit.sections.len() < SECTIONS_PER_DOCUMENT && slot < limit {
                let document = &self.corpus.documents[indexed.document];
                let section = &document.sections[indexed.section];
                let heading = display_heading(&self.corpus, indexed);
                hit.sections.push(SectionHit {
                    heading: heading.to_owned(),
                    heading_html: if matched_by_words.contains(&ord) {
                        snippet::highlight_all(heading, &indexed.heading_words, &highlight)
                    } else {
                        snippet::escape(heading)
                    },
                    anchor: section.anchor.clone(),
                    snippet_html: if matched_by_words.contains(&ord) {
                        snippet::snippet(&section.text, &indexed.body, &highlight)
                    } else {
                        snippet::opening(&section.text, &indexed.body)
                    },
                    score,
                    nations: section.nations,
                });
            }
        }
        let total_documents = documents.len();
        documents.truncate(limit);

        let suggestion = (!expansion.corrections.is_empty()).then(|| {
            let mut text = parsed.cleaned.clone();
            let mut words: Vec<_> = parsed.parts.iter().flat_map(|p| &p.words).collect();
            words.sort_by_key(|w| std::cmp::Reverse(w.start));
            for word in words {
                if let Some(c) = expansion
                    .corrections
                    .iter()
                    .find(|c| c.typed == word.surface)
                {
                    text.replace_range(word.start..word.end, &c.suggested);
                }
            }
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        });
        Ok(SearchResults {
            query: request.query.clone(),
            total_sections: hits.len(),
            total_documents,
            documents,
            corrections: expansion.corrections,
            suggestion,
            urgent,
            support,
            ranking: request.ranking,
            took_us: u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        })
    }
}
