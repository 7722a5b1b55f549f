//! Search: analysis, the query grammar, expansion, the Tantivy index, scoring, folding by
//! document and snippets. The single source of truth for what a query means.

pub mod analysis;
pub mod expand;
pub mod grammar;
pub mod index;
pub mod intent;
pub mod snippet;
pub mod stop_words;
pub mod term_scoring;
pub mod types;
pub mod vocabulary;

use std::path::Path;
use std::time::Instant;

pub use expand::Correction;
pub use grammar::{MAX_QUERY_BYTES, MAX_WORDS, QueryError};
pub use types::{
    DEFAULT_LIMIT, DocumentHit, MAX_LIMIT, SECTIONS_PER_DOCUMENT, SearchError, SearchRequest,
    SearchResults, SectionHit,
};

use crate::corpus::{Corpus, CorpusError};
use index::{SearchIndex, display_heading};

/// Why a guide could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum GuideError {
    /// The corpus has problems; each is a `path:line: message`.
    #[error("{0}")]
    Corpus(#[from] CorpusError),
    /// The index could not be built.
    #[error("could not build the search index: {0}")]
    Index(#[from] tantivy::TantivyError),
}

/// The guidance corpus with its search index: what the server, the CLI and tests use.
pub struct Guide {
    corpus: Corpus,
    index: SearchIndex,
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
        Ok(Guide { corpus, index })
    }

    /// The corpus.
    pub fn corpus(&self) -> &Corpus {
        &self.corpus
    }

    /// The index (for tools that inspect analysis, such as the offline export).
    pub fn index(&self) -> &SearchIndex {
        &self.index
    }

    /// The nations an indexed section applies to.
    fn section_nations(&self, indexed: &index::IndexedSection) -> crate::corpus::Nations {
        self.corpus.documents[indexed.document].sections[indexed.section].nations
    }

    /// Run a search.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults, SearchError> {
        let started = Instant::now();
        let mut analyzer = self.index.analyzer();
        let parsed = grammar::parse(&request.query, &mut analyzer)?;
        let expansion = expand::expand(&parsed, &self.index.vocabulary, &self.index.synonyms);
        let mut hits = self
            .index
            .run(&expansion, request.category, request.audience)?;
        if let Some(nation) = request.nation {
            // Leave out what was written for other nations; scores are unchanged, as BM25's
            // statistics are the whole corpus's either way (the offline engine does the same).
            hits.retain(|&(ord, _)| {
                self.index
                    .sections
                    .get(ord as usize)
                    .is_some_and(|s| self.section_nations(s).includes(nation))
            });
        }
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
                    heading_html: snippet::highlight_all(
                        heading,
                        &indexed.heading_words,
                        &highlight,
                    ),
                    anchor: section.anchor.clone(),
                    snippet_html: snippet::snippet(&section.text, &indexed.body, &highlight),
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
            took_us: u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        })
    }
}
