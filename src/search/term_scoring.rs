//! Term queries whose lookups and BM25 weights are worked out when the index is built.
//!
//! Tantivy's `TermQuery` looks every term up twice per query (once for its document
//! frequency, once for its postings) and builds, for every term in every field, a textual
//! explanation of its weight and a 256-entry table of length factors. A query here is short
//! but expands into dozens of term-field pairs (synonyms, typo corrections, completions),
//! and that set-up was a fifth of its time. [`FieldTerms`] keeps, per term of one field, the
//! address of its postings in each segment and shares one weight per document frequency;
//! [`PreparedTermQuery`] opens the postings from there. Scores are those of `TermQuery`,
//! bit for bit: the weights come from the same Tantivy functions and the same statistics
//! (the searcher's document count, the field's token count and the term's document
//! frequency), and [`PreparedTermScorer`] scores with `Bm25Weight::score` as Tantivy's
//! (crate-private) term scorer does.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::index::SegmentId;
use tantivy::postings::TermInfo;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::{
    Bm25StatisticsProvider, Bm25Weight, EmptyScorer, EnableScoring, Explanation, Query, Scorer,
    Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, Searcher, SegmentReader, TantivyError, Term};

/// One text field's terms: where each term's postings are and what a match weighs.
pub struct FieldTerms {
    field: Field,
    /// The field's token count over all documents.
    total_tokens: u64,
    /// Per segment: term id → its postings' address.
    segments: Vec<(SegmentId, FxHashMap<u32, TermInfo>)>,
    /// Term id → document frequency over all segments.
    doc_freqs: FxHashMap<u32, u32>,
    /// BM25 weight by document frequency (only the frequencies some term has).
    weights: Vec<Option<Bm25Weight>>,
}

impl FieldTerms {
    /// Look up `terms` (`(id, text)`) in `field` of every segment the searcher holds.
    pub fn build<'a>(
        searcher: &Searcher,
        field: Field,
        terms: impl Iterator<Item = (u32, &'a str)>,
    ) -> tantivy::Result<FieldTerms> {
        let terms: Vec<(u32, Term)> = terms
            .map(|(id, text)| (id, Term::from_field_text(field, text)))
            .collect();
        let mut segments = Vec::with_capacity(searcher.segment_readers().len());
        let mut doc_freqs: FxHashMap<u32, u32> = FxHashMap::default();
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(field)?;
            let mut infos = FxHashMap::default();
            for (id, term) in &terms {
                if let Some(info) = inverted.get_term_info(term)? {
                    *doc_freqs.entry(*id).or_default() += info.doc_freq;
                    infos.insert(*id, info);
                }
            }
            segments.push((segment.segment_id(), infos));
        }
        // The statistics Tantivy's own term query would read from the searcher.
        let total_docs = Bm25StatisticsProvider::total_num_docs(searcher)?;
        let total_tokens = Bm25StatisticsProvider::total_num_tokens(searcher, field)?;
        let average_length = total_tokens as Score / total_docs.max(1) as Score;
        let most = doc_freqs.values().copied().max().unwrap_or(0) as usize;
        let mut weights: Vec<Option<Bm25Weight>> = vec![None; most + 1];
        for &doc_freq in doc_freqs.values() {
            weights[doc_freq as usize].get_or_insert_with(|| {
                Bm25Weight::for_one_term_without_explain(
                    u64::from(doc_freq),
                    total_docs,
                    average_length,
                )
            });
        }
        Ok(FieldTerms {
            field,
            total_tokens,
            segments,
            doc_freqs,
            weights,
        })
    }

    /// Whether the field holds term `id`.
    pub fn holds(&self, id: u32) -> bool {
        self.doc_freqs.contains_key(&id)
    }

    /// A query for term `id` (spelled `text`), or `None` if the field does not hold it.
    pub fn query(self: &Arc<FieldTerms>, id: u32, text: &str) -> Option<PreparedTermQuery> {
        let doc_freq = *self.doc_freqs.get(&id)?;
        let weight = self.weights.get(doc_freq as usize)?.clone()?;
        Some(PreparedTermQuery {
            terms: Arc::clone(self),
            id,
            term: Term::from_field_text(self.field, text),
            weight,
        })
    }
}

/// The searcher's BM25 statistics, answered from [`FieldTerms`] where they hold the
/// answer (phrase queries ask for every word's document frequency), else from the searcher.
pub struct Statistics<'a> {
    /// The searcher the fields were built from.
    pub searcher: &'a Searcher,
    /// Term text → id.
    pub term_ids: &'a HashMap<String, u32>,
    /// The prepared text fields.
    pub fields: &'a [Arc<FieldTerms>],
}

impl Statistics<'_> {
    fn field(&self, field: Field) -> Option<&FieldTerms> {
        self.fields.iter().find(|f| f.field == field).map(|f| &**f)
    }
}

impl Bm25StatisticsProvider for Statistics<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        match self.field(field) {
            Some(terms) => Ok(terms.total_tokens),
            None => Bm25StatisticsProvider::total_num_tokens(self.searcher, field),
        }
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Bm25StatisticsProvider::total_num_docs(self.searcher)
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        let known = self.field(term.field()).and_then(|terms| {
            let id = self.term_ids.get(term.value().as_str()?)?;
            Some(terms.doc_freqs.get(id).copied().unwrap_or(0))
        });
        match known {
            Some(doc_freq) => Ok(u64::from(doc_freq)),
            None => self.searcher.doc_freq(term),
        }
    }
}

/// A single-term query scored by BM25 with a weight prepared by [`FieldTerms`].
#[derive(Clone)]
pub struct PreparedTermQuery {
    terms: Arc<FieldTerms>,
    id: u32,
    term: Term,
    weight: Bm25Weight,
}

impl fmt::Debug for PreparedTermQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedTermQuery")
            .field("term", &self.term)
            .finish()
    }
}

impl Query for PreparedTermQuery {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        visitor(&self.term, false);
    }
}

impl PreparedTermQuery {
    fn term_scorer(
        &self,
        reader: &SegmentReader,
        boost: Score,
    ) -> tantivy::Result<Option<PreparedTermScorer>> {
        let segment = reader.segment_id();
        let Some((_, infos)) = self.terms.segments.iter().find(|(id, _)| *id == segment) else {
            return Ok(None);
        };
        let Some(info) = infos.get(&self.id) else {
            return Ok(None);
        };
        let postings = reader
            .inverted_index(self.term.field())?
            .read_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?;
        let norms = reader.get_fieldnorms_reader(self.term.field())?;
        Ok(Some(PreparedTermScorer {
            postings,
            norms,
            weight: self.weight.boost_by(boost),
        }))
    }
}

impl Weight for PreparedTermQuery {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(match self.term_scorer(reader, boost)? {
            Some(scorer) => Box::new(scorer),
            None => Box::new(EmptyScorer),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let not_matched =
            || TantivyError::InvalidArgument(format!("document {doc} does not match"));
        let mut scorer = self.term_scorer(reader, 1.0)?.ok_or_else(not_matched)?;
        if scorer.doc() > doc || scorer.seek(doc) != doc {
            return Err(not_matched());
        }
        let (length, frequency) = (scorer.norms.fieldnorm_id(doc), scorer.postings.term_freq());
        Ok(scorer.weight.explain(length, frequency))
    }
}

/// Scores a term's postings in one segment: BM25 of its frequency and the field's length.
pub struct PreparedTermScorer {
    postings: SegmentPostings,
    norms: FieldNormReader,
    weight: Bm25Weight,
}

impl DocSet for PreparedTermScorer {
    fn advance(&mut self) -> DocId {
        self.postings.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.postings.seek(target)
    }

    fn doc(&self) -> DocId {
        self.postings.doc()
    }

    fn size_hint(&self) -> u32 {
        self.postings.size_hint()
    }
}

impl Scorer for PreparedTermScorer {
    fn score(&mut self) -> Score {
        let length = self.norms.fieldnorm_id(self.postings.doc());
        self.weight.score(length, self.postings.term_freq())
    }
}
