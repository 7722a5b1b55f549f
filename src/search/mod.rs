//! Search: analysis, the query grammar, expansion, the Tantivy index, scoring, folding by
//! document and snippets. The single source of truth for what a query means.

pub mod analysis;
pub mod expand;
pub mod grammar;
pub mod index;
pub mod intent;
mod meaning;
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

    /// Run a search.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults, SearchError> {
        let started = Instant::now();
        let mut analyzer = self.index.analyzer();
        let parsed = grammar::parse(&request.query, &mut analyzer)?;
        let expansion = expand::expand(&parsed, &self.index.vocabulary, &self.index.synonyms);
        let (hits, matched_by_words) = self.rank(request, &parsed, &expansion)?;
        let support = intent::is_urgent(&parsed, &self.index.vocabulary, &self.index.support);
        let urgent =
            support || intent::is_urgent(&parsed, &self.index.vocabulary, &self.index.urgent);
        let limit = request.limit.clamp(1, MAX_LIMIT);
        let highlight = self.index.highlight_terms(&expansion);
        let mut documents = self.fold(&hits, &matched_by_words, &highlight, limit);
        let total_documents = documents.len();
        documents.truncate(limit);
        let suggestion = suggestion(&parsed, &expansion);
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

    /// Every result section as `(ordinal, score)`, best first, by the request's ranking, and
    /// the sections the words matched (the others were found by meaning alone).
    fn rank(
        &self,
        request: &SearchRequest,
        parsed: &grammar::ParsedQuery,
        expansion: &expand::Expansion,
    ) -> Result<(Hits, FxHashSet<u32>), SearchError> {
        let mut lexical = self
            .index
            .run(expansion, request.category, request.audience)?;
        if let Some(nation) = request.nation {
            // Leave out what was written for other nations; scores are unchanged, as BM25's
            // statistics are the whole corpus's either way (the offline engine does the same).
            lexical.retain(|&(ord, _)| self.applies_in(ord, nation));
        }
        let matched_by_words: FxHashSet<u32> = lexical.iter().map(|&(ord, _)| ord).collect();
        let hits = match request.ranking {
            Ranking::Lexical => lexical,
            Ranking::Semantic => self.semantic_list(parsed, expansion, request, &lexical),
            Ranking::Fused => {
                let coverage = lexical
                    .first()
                    .map_or(0.0, |&(ord, _)| self.coverage(expansion, ord));
                let weight = self.fusion.semantic_weight(coverage);
                // Weight 0 (the words covered the whole query): the lexical order as it is.
                let by_meaning = if weight > 0.0 {
                    self.semantic_list(parsed, expansion, request, &lexical)
                } else {
                    Vec::new()
                };
                self.fusion.fuse(&lexical, &by_meaning, weight)
            }
        };
        Ok((hits, matched_by_words))
    }

    /// Fold sections under their documents, keeping document order by best section; the first
    /// `limit` documents get up to [`SECTIONS_PER_DOCUMENT`] sections each, with snippets.
    fn fold(
        &self,
        hits: &[(u32, f32)],
        matched_by_words: &FxHashSet<u32>,
        highlight: &snippet::Highlight,
        limit: usize,
    ) -> Vec<DocumentHit> {
        let mut documents: Vec<DocumentHit> = Vec::new();
        let mut slots: Vec<Option<usize>> = vec![None; self.corpus.documents.len()];
        for &(ord, score) in hits {
            let Some(indexed) = self.index.sections.get(ord as usize) else {
                continue;
            };
            let slot = *slots[indexed.document].get_or_insert_with(|| {
                let meta = &self.corpus.documents[indexed.document].meta;
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
                documents.len() - 1
            });
            let hit = &mut documents[slot];
            hit.matched_sections += 1;
            if hit.sections.len() < SECTIONS_PER_DOCUMENT && slot < limit {
                hit.sections.push(self.section_hit(
                    indexed,
                    score,
                    matched_by_words.contains(&ord),
                    highlight,
                ));
            }
        }
        documents
    }

    /// A result section. One the words did not match (found by meaning alone) has no query
    /// word to show, so its opening lines, with nothing marked.
    fn section_hit(
        &self,
        indexed: &index::IndexedSection,
        score: f32,
        by_words: bool,
        highlight: &snippet::Highlight,
    ) -> SectionHit {
        let section = &self.corpus.documents[indexed.document].sections[indexed.section];
        let heading = display_heading(&self.corpus, indexed);
        SectionHit {
            heading: heading.to_owned(),
            heading_html: if by_words {
                snippet::highlight_all(heading, &indexed.heading_words, highlight)
            } else {
                snippet::escape(heading)
            },
            anchor: section.anchor.clone(),
            snippet_html: if by_words {
                snippet::snippet(&section.text, &indexed.body, highlight)
            } else {
                snippet::opening(&section.text, &indexed.body)
            },
            score,
            nations: section.nations,
        }
    }
}

/// Sections as `(ordinal, score)`, best first.
type Hits = Vec<(u32, f32)>;

/// The query with each corrected word replaced, for "searched for", if any was corrected.
fn suggestion(parsed: &grammar::ParsedQuery, expansion: &expand::Expansion) -> Option<String> {
    (!expansion.corrections.is_empty()).then(|| {
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
    })
}
