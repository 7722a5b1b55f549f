//! The Tantivy index over the corpus, built in RAM: schema, analysis at index time, and
//! running an expanded query to a list of scored sections.
//!
//! One Tantivy document per section. Text fields are fed pre-analysed words (see
//! [`super::analysis`]), so the index, the vocabulary and the snippets all see the same words.

use std::collections::{BTreeMap, HashMap};

use rustc_hash::{FxHashMap, FxHashSet};
use sha2::Digest;
use std::sync::Arc;

use tantivy::collector::{DocSetCollector, TopDocs};
use tantivy::postings::Postings;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, Occur as TantivyOccur,
    PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{
    DocSet, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term,
};

use super::analysis::{Analyzer, INDEX_ANALYZER};
use super::expand::{AnalysedGroup, Concept, Expansion, Occur};
use super::snippet::{Highlight, TermSet, TextWord, WordIndex};
use super::term_scoring::{FieldTerms, Statistics};
use super::vocabulary::Vocabulary;
use crate::corpus::{Audience, Category, Corpus};

/// How much a match in each field counts, relative to the body.
pub const TITLE_BOOST: f32 = 2.0;
/// See [`TITLE_BOOST`].
pub const HEADING_BOOST: f32 = 1.5;
/// See [`TITLE_BOOST`].
pub const BODY_BOOST: f32 = 1.0;

/// Schema fields.
#[derive(Debug, Clone, Copy)]
struct Fields {
    title: Field,
    heading: Field,
    body: Field,
    slug: Field,
    anchor: Field,
    category: Field,
    audience: Field,
    ord: Field,
}

impl Fields {
    fn schema() -> (Schema, Fields) {
        let mut builder = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(INDEX_ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let fields = Fields {
            title: builder.add_text_field("title", text.clone()),
            heading: builder.add_text_field("heading", text.clone()),
            body: builder.add_text_field("body", text),
            slug: builder.add_text_field("slug", STRING),
            anchor: builder.add_text_field("anchor", STRING),
            category: builder.add_text_field("category", STRING),
            audience: builder.add_text_field("audience", STRING),
            ord: builder.add_u64_field("ord", FAST),
        };
        (builder.build(), fields)
    }

    fn weighted_text(&self) -> [(Field, f32); 3] {
        [
            (self.title, TITLE_BOOST),
            (self.heading, HEADING_BOOST),
            (self.body, BODY_BOOST),
        ]
    }
}

/// Everything the index holds for one text field, in section order, for the offline export.
#[derive(Debug, Clone)]
pub struct FieldPostings {
    /// Field name (`title`, `heading` or `body`).
    pub name: &'static str,
    /// How much a match in this field counts.
    pub boost: f32,
    /// Total number of tokens in the field over all sections (BM25's average length).
    pub total_tokens: u64,
    /// Tantivy's one-byte field-length code per section ordinal.
    pub fieldnorm_ids: Vec<u8>,
    /// Term → postings: `(section ordinal, term frequency, positions)` in ordinal order.
    pub postings: BTreeMap<String, Vec<(u32, u32, Vec<u32>)>>,
}

/// Where a section sits in the corpus, and its analysed heading and text.
#[derive(Debug, Clone)]
pub struct IndexedSection {
    /// Index of the document in `Corpus::documents`.
    pub document: usize,
    /// Index of the section in `Document::sections`.
    pub section: usize,
    /// Words of the heading shown for the section.
    pub heading_words: Vec<TextWord>,
    /// Words of the section text, indexed by term for snippets.
    pub body: WordIndex,
}

/// The built index and everything needed to query it.
pub struct SearchIndex {
    _index: Index,
    _reader: IndexReader,
    searcher: Searcher,
    fields: Fields,
    /// Sections in index order (the section ordinal is the position here).
    pub sections: Vec<IndexedSection>,
    /// Per segment: doc id → section ordinal.
    ordinals: Vec<Vec<u32>>,
    /// Surface form → term.
    pub vocabulary: Vocabulary,
    /// Term → small id, for snippets.
    pub term_ids: HashMap<String, u32>,
    /// Synonym groups as index terms.
    pub synonyms: Vec<AnalysedGroup>,
    /// Urgent intent terms, each as a sequence of index terms.
    pub urgent: Vec<Vec<String>>,
    /// Suicide and self-harm terms, each as a sequence of index terms.
    pub support: Vec<Vec<String>>,
    /// Per text field (title, heading, body): the terms it holds, each with its postings
    /// and BM25 weight, looked up once.
    prepared: [Arc<FieldTerms>; 3],
    analyzer: Analyzer,
    checksum: String,
}

fn checksum(corpus: &Corpus, sections: &[IndexedSection], vocabulary: &Vocabulary) -> String {
    let mut hasher = sha2::Sha256::new();
    for section in sections {
        let document = &corpus.documents[section.document];
        hasher.update(document.meta.slug.as_bytes());
        hasher.update(document.sections[section.section].anchor.as_bytes());
        for word in &section.body.words {
            hasher.update(word.term.to_le_bytes());
        }
    }
    for (surface, entry) in vocabulary.iter() {
        hasher.update(surface.as_bytes());
        hasher.update([0]);
        hasher.update(entry.term.as_bytes());
        hasher.update(entry.count.to_le_bytes());
    }
    hasher.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Heading shown for a section: its own, or the document title for the introduction.
pub fn display_heading<'a>(corpus: &'a Corpus, section: &IndexedSection) -> &'a str {
    let document = &corpus.documents[section.document];
    let heading = &document.sections[section.section].heading;
    if heading.is_empty() {
        &document.meta.title
    } else {
        heading
    }
}

struct Builder {
    analyzer: Analyzer,
    /// Surface form → (term id, occurrences).
    surfaces: FxHashMap<String, (u32, u32)>,
    /// Term → term id.
    term_ids: HashMap<String, u32>,
    /// Term id → term.
    terms: Vec<String>,
}

impl Builder {
    /// The words of `text` for snippets, counting them for the vocabulary. (Tantivy analyses
    /// the same text with the same chain for the index, mapping words through the vocabulary.)
    fn analyse(&mut self, text: &str, count: bool) -> Vec<TextWord> {
        let words = self.analyzer.words(text);
        let mut text_words = Vec::with_capacity(words.len());
        for word in words {
            text_words.push(TextWord {
                start: u32::try_from(word.start).unwrap_or(u32::MAX),
                end: u32::try_from(word.end).unwrap_or(u32::MAX),
                term: self.term_id(&word.surface, u32::from(count)),
            });
        }
        text_words
    }

    /// The term id of a surface form, stemming it the first time it is seen.
    fn term_id(&mut self, surface: &str, count: u32) -> u32 {
        if let Some((id, seen)) = self.surfaces.get_mut(surface) {
            *seen += count;
            return *id;
        }
        let term = self.analyzer.stem(surface);
        let next_id = u32::try_from(self.terms.len()).unwrap_or(u32::MAX);
        let id = *self.term_ids.entry(term.clone()).or_insert_with(|| {
            self.terms.push(term);
            next_id
        });
        self.surfaces.insert(surface.to_owned(), (id, count));
        id
    }

    /// The terms of a synonym, or of any text, without counting its words.
    fn terms_of(&mut self, text: &str) -> Vec<String> {
        let words = self.analyzer.words(text);
        words
            .iter()
            .map(|w| {
                let id = self.term_id(&w.surface, 0);
                self.terms[id as usize].clone()
            })
            .collect()
    }

    fn vocabulary(&self) -> Vocabulary {
        let mut vocabulary = Vocabulary::default();
        for (surface, (id, count)) in &self.surfaces {
            vocabulary.insert(surface, &self.terms[*id as usize], *count);
        }
        vocabulary
    }
}

impl SearchIndex {
    /// Build the index for `corpus` in RAM.
    pub fn build(corpus: &Corpus) -> tantivy::Result<SearchIndex> {
        // First pass: our own analysis, for the vocabulary and the snippets.
        let mut builder = Builder {
            analyzer: Analyzer::new(),
            surfaces: FxHashMap::default(),
            term_ids: HashMap::new(),
            terms: Vec::new(),
        };
        let mut sections = Vec::with_capacity(corpus.section_count());
        // Which terms each field holds (title, heading, body): the terms to prepare per field.
        let mut field_terms: [TermSet; 3] = Default::default();
        for (document_index, document) in corpus.documents.iter().enumerate() {
            let title_words = builder.analyse(&document.meta.title, true);
            field_terms[0].extend(title_words.iter().map(|w| w.term));
            for (section_index, section) in document.sections.iter().enumerate() {
                let heading_words = if section.heading.is_empty() {
                    title_words.clone()
                } else {
                    let words = builder.analyse(&section.heading, true);
                    field_terms[1].extend(words.iter().map(|w| w.term));
                    words
                };
                let body_words = builder.analyse(&section.text, true);
                field_terms[2].extend(body_words.iter().map(|w| w.term));
                sections.push(IndexedSection {
                    document: document_index,
                    section: section_index,
                    heading_words,
                    body: WordIndex::new(body_words),
                });
            }
        }

        // Second pass: Tantivy indexes the same words, mapped to terms through the vocabulary.
        let terms: FxHashMap<String, String> = builder
            .surfaces
            .iter()
            .map(|(surface, (id, _))| (surface.clone(), builder.terms[*id as usize].clone()))
            .collect();
        let (schema, fields) = Fields::schema();
        let index = Index::create_in_ram(schema);
        index
            .tokenizers()
            .register(INDEX_ANALYZER, Analyzer::for_index(Arc::new(terms)));
        let mut writer: IndexWriter<TantivyDocument> =
            index.writer_with_num_threads(1, 15_000_000)?;
        for (ord, indexed) in sections.iter().enumerate() {
            let document = &corpus.documents[indexed.document];
            let section = &document.sections[indexed.section];
            let mut doc = TantivyDocument::new();
            doc.add_text(fields.title, &document.meta.title);
            doc.add_text(fields.heading, &section.heading);
            doc.add_text(fields.body, &section.text);
            doc.add_text(fields.slug, &document.meta.slug);
            doc.add_text(fields.anchor, &section.anchor);
            doc.add_text(fields.category, document.meta.category.as_str());
            for audience in &document.meta.audience {
                doc.add_text(fields.audience, audience.as_str());
            }
            doc.add_u64(fields.ord, ord as u64);
            writer.add_document(doc)?;
        }
        writer.commit()?;
        writer.wait_merging_threads()?;

        let mut synonyms = Vec::with_capacity(corpus.synonyms.len());
        for group in &corpus.synonyms {
            let terms = group
                .terms
                .iter()
                .map(|text| builder.terms_of(text))
                .filter(|terms| !terms.is_empty())
                .fold(Vec::new(), |mut unique: Vec<Vec<String>>, terms| {
                    if !unique.contains(&terms) {
                        unique.push(terms);
                    }
                    unique
                });
            synonyms.push(AnalysedGroup { terms });
        }

        let mut sequences = |texts: &[String]| -> Vec<Vec<String>> {
            texts
                .iter()
                .map(|text| builder.terms_of(text))
                .filter(|terms| !terms.is_empty())
                .collect()
        };
        let urgent = sequences(&corpus.urgent_terms);
        let support = sequences(&corpus.support_terms);

        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let searcher = reader.searcher();
        let mut ordinals = Vec::with_capacity(searcher.segment_readers().len());
        for segment in searcher.segment_readers() {
            let column = segment.fast_fields().u64("ord")?;
            let map = (0..segment.max_doc())
                .map(|doc| column.first(doc).map_or(u32::MAX, |o| o as u32))
                .collect();
            ordinals.push(map);
        }
        let mut prepared = Vec::with_capacity(3);
        for ((field, _), present) in fields.weighted_text().into_iter().zip(&field_terms) {
            let terms = (0u32..)
                .zip(&builder.terms)
                .filter(|(id, _)| present.contains(*id))
                .map(|(id, text)| (id, text.as_str()));
            prepared.push(Arc::new(FieldTerms::build(&searcher, field, terms)?));
        }
        let prepared: [Arc<FieldTerms>; 3] = prepared
            .try_into()
            .map_err(|_| tantivy::TantivyError::InternalError("three text fields".into()))?;
        let vocabulary = builder.vocabulary();
        let checksum = checksum(corpus, &sections, &vocabulary);
        Ok(SearchIndex {
            _index: index,
            _reader: reader,
            searcher,
            fields,
            sections,
            ordinals,
            vocabulary,
            term_ids: builder.term_ids,
            synonyms,
            urgent,
            support,
            prepared,
            analyzer: builder.analyzer,
            checksum,
        })
    }

    /// A short hash of what was indexed: every section's place and words, and the vocabulary.
    pub fn checksum(&self) -> &str {
        &self.checksum
    }

    /// Number of indexed sections (BM25's document count).
    pub fn section_count(&self) -> usize {
        self.sections.len()
    }

    /// The postings, field lengths and token totals of every text field, read back from the
    /// Tantivy index itself, so an export scores exactly as the server does.
    pub fn field_postings(&self) -> tantivy::Result<Vec<FieldPostings>> {
        let names = ["title", "heading", "body"];
        let mut out = Vec::with_capacity(3);
        for ((field, boost), name) in self.fields.weighted_text().into_iter().zip(names) {
            let mut export = FieldPostings {
                name,
                boost,
                total_tokens: 0,
                fieldnorm_ids: vec![0; self.sections.len()],
                postings: BTreeMap::new(),
            };
            for (segment_ord, segment) in self.searcher.segment_readers().iter().enumerate() {
                let ordinals = &self.ordinals[segment_ord];
                let norms = segment.get_fieldnorms_reader(field)?;
                for (doc, &ord) in ordinals.iter().enumerate() {
                    if let Some(slot) = export.fieldnorm_ids.get_mut(ord as usize) {
                        *slot = norms.fieldnorm_id(doc as u32);
                    }
                }
                let inverted = segment.inverted_index(field)?;
                export.total_tokens += inverted.total_num_tokens();
                let mut terms = inverted.terms().stream()?;
                while terms.advance() {
                    let term = String::from_utf8_lossy(terms.key()).into_owned();
                    let mut postings = inverted.read_postings_from_terminfo(
                        terms.value(),
                        IndexRecordOption::WithFreqsAndPositions,
                    )?;
                    let list = export.postings.entry(term).or_default();
                    let mut positions = Vec::new();
                    while postings.doc() != tantivy::TERMINATED {
                        let ord = ordinals
                            .get(postings.doc() as usize)
                            .copied()
                            .unwrap_or(u32::MAX);
                        positions.clear();
                        postings.positions(&mut positions);
                        list.push((ord, postings.term_freq(), positions.clone()));
                        postings.advance();
                    }
                    list.sort_by_key(|p| p.0);
                }
            }
            out.push(export);
        }
        Ok(out)
    }

    /// A fresh analyzer for query parsing.
    pub fn analyzer(&self) -> Analyzer {
        self.analyzer.clone()
    }

    /// Term ids of every term that can make a section match, for highlighting.
    pub fn highlight_terms(&self, expansion: &Expansion) -> Highlight {
        expansion
            .meaningful()
            .filter(|c| c.occur != Occur::MustNot)
            .flat_map(|c| &c.alternatives)
            .flat_map(|a| &a.terms)
            .filter_map(|t| self.term_ids.get(t).copied())
            .collect()
    }

    /// Every matching section as `(ordinal, score)`, best first (ties in corpus order).
    pub fn run(
        &self,
        expansion: &Expansion,
        category: Option<Category>,
        audience: Option<Audience>,
    ) -> tantivy::Result<Vec<(u32, f32)>> {
        let Some(query) = self.query(expansion, category, audience) else {
            return Ok(Vec::new());
        };
        let limit = self.sections.len().max(1);
        let statistics = Statistics {
            searcher: &self.searcher,
            term_ids: &self.term_ids,
            fields: &self.prepared,
        };
        let found = self.searcher.search_with_statistics_provider(
            &query,
            &TopDocs::with_limit(limit).order_by_score(),
            &statistics,
        )?;
        let mut hits: Vec<(u32, f32)> = found
            .into_iter()
            .filter_map(|(score, address)| {
                let ord = *self
                    .ordinals
                    .get(address.segment_ord as usize)?
                    .get(address.doc_id as usize)?;
                (ord != u32::MAX).then_some((ord, score))
            })
            .collect();
        hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        if expansion.sets_aside_stop_words() {
            let meaningful = self.matching_meaningful(expansion)?;
            hits.retain(|(ord, _)| meaningful.contains(ord));
        }
        Ok(hits)
    }

    /// The sections that match at least one meaningful word of the query (see
    /// [`Expansion::sets_aside_stop_words`]).
    fn matching_meaningful(&self, expansion: &Expansion) -> tantivy::Result<FxHashSet<u32>> {
        let clauses: Vec<(TantivyOccur, Box<dyn Query>)> = expansion
            .meaningful()
            .filter(|c| c.occur != Occur::MustNot)
            .filter_map(|c| self.concept_query(c))
            .map(|q| (TantivyOccur::Should, q))
            .collect();
        let found = self
            .searcher
            .search(&BooleanQuery::new(clauses), &DocSetCollector)?;
        Ok(found
            .into_iter()
            .filter_map(|address| {
                self.ordinals
                    .get(address.segment_ord as usize)?
                    .get(address.doc_id as usize)
                    .copied()
            })
            .collect())
    }

    /// The Tantivy query for an expansion, or `None` if nothing can match.
    fn query(
        &self,
        expansion: &Expansion,
        category: Option<Category>,
        audience: Option<Audience>,
    ) -> Option<Box<dyn Query>> {
        let mut clauses: Vec<(TantivyOccur, Box<dyn Query>)> = Vec::new();
        let mut positive = false;
        for concept in &expansion.concepts {
            let query = self.concept_query(concept);
            match (concept.occur, query) {
                (Occur::Should, Some(q)) => {
                    positive = true;
                    clauses.push((TantivyOccur::Should, q));
                }
                (Occur::Should, None) | (Occur::MustNot, None) => {}
                (Occur::Must, Some(q)) => {
                    positive = true;
                    clauses.push((TantivyOccur::Must, q));
                }
                (Occur::Must, None) => return None,
                (Occur::MustNot, Some(q)) => clauses.push((TantivyOccur::MustNot, q)),
            }
        }
        if !positive {
            return None;
        }
        let filter = |field: Field, value: &str| -> Box<dyn Query> {
            let term = TermQuery::new(
                Term::from_field_text(field, value),
                IndexRecordOption::Basic,
            );
            Box::new(ConstScoreQuery::new(Box::new(term), 0.0))
        };
        if let Some(category) = category {
            clauses.push((
                TantivyOccur::Must,
                filter(self.fields.category, category.as_str()),
            ));
        }
        if let Some(audience) = audience {
            clauses.push((
                TantivyOccur::Must,
                filter(self.fields.audience, audience.as_str()),
            ));
        }
        Some(Box::new(BooleanQuery::new(clauses)))
    }

    /// One concept: the best of its alternatives, each summed over the weighted fields.
    fn concept_query(&self, concept: &Concept) -> Option<Box<dyn Query>> {
        let mut alternatives: Vec<Box<dyn Query>> = Vec::with_capacity(concept.alternatives.len());
        for alternative in &concept.alternatives {
            let ids: Option<Vec<u32>> = alternative
                .terms
                .iter()
                .map(|t| self.term_ids.get(t).copied())
                .collect();
            let Some(ids) = ids.filter(|ids| !ids.is_empty()) else {
                continue;
            };
            // Only fields that hold every term can match; leave the others out of the query.
            let per_field: Vec<(TantivyOccur, Box<dyn Query>)> = self
                .fields
                .weighted_text()
                .into_iter()
                .zip(&self.prepared)
                .filter(|(_, prepared)| ids.iter().all(|id| prepared.holds(*id)))
                .filter_map(|((field, boost), prepared)| {
                    let query: Box<dyn Query> = match (alternative.terms.as_slice(), ids.as_slice())
                    {
                        ([term], [id]) => Box::new(prepared.query(*id, term)?),
                        (terms, _) => Box::new(PhraseQuery::new(
                            terms
                                .iter()
                                .map(|t| Term::from_field_text(field, t))
                                .collect(),
                        )),
                    };
                    Some((
                        TantivyOccur::Should,
                        Box::new(BoostQuery::new(query, boost)) as Box<dyn Query>,
                    ))
                })
                .collect();
            if per_field.is_empty() {
                continue;
            }
            alternatives.push(Box::new(BoostQuery::new(
                Box::new(BooleanQuery::new(per_field)),
                alternative.weight,
            )));
        }
        match alternatives.len() {
            0 => None,
            1 => alternatives.pop(),
            _ => Some(Box::new(DisjunctionMaxQuery::new(alternatives))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Corpus;

    /// Every `(doc, score)` a query matches, in doc order.
    fn scored(
        index: &SearchIndex,
        query: &dyn Query,
        statistics: Option<&Statistics>,
    ) -> Vec<(u32, u32)> {
        let collector = TopDocs::with_limit(index.sections.len() + 10).order_by_score();
        let found = match statistics {
            Some(statistics) => index
                .searcher
                .search_with_statistics_provider(query, &collector, statistics),
            None => index.searcher.search(query, &collector),
        }
        .unwrap_or_default();
        let mut out: Vec<(u32, u32)> = found
            .into_iter()
            .map(|(score, address)| (address.doc_id, score.to_bits()))
            .collect();
        out.sort_unstable();
        out
    }

    /// Prepared term queries and cached statistics score exactly as Tantivy's own term query
    /// and the searcher's statistics do, for every term of every text field.
    #[test]
    fn prepared_scoring_is_tantivys_bit_for_bit() {
        let corpus = Corpus::embedded().unwrap_or_else(|e| panic!("embedded corpus: {e}"));
        let index = SearchIndex::build(&corpus).unwrap_or_else(|e| panic!("index: {e}"));
        let statistics = Statistics {
            searcher: &index.searcher,
            term_ids: &index.term_ids,
            fields: &index.prepared,
        };
        let mut compared = 0;
        for (text, &id) in &index.term_ids {
            for ((field, boost), prepared) in index
                .fields
                .weighted_text()
                .into_iter()
                .zip(&index.prepared)
            {
                let term = Term::from_field_text(field, text);
                let theirs = BoostQuery::new(
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)),
                    boost,
                );
                let Some(ours) = prepared.query(id, text) else {
                    assert!(!prepared.holds(id), "{text:?} is in the field");
                    assert!(scored(&index, &theirs, None).is_empty(), "{text:?}");
                    continue;
                };
                let ours = BoostQuery::new(Box::new(ours), boost);
                let expected = scored(&index, &theirs, None);
                assert!(!expected.is_empty(), "{text:?}");
                assert_eq!(scored(&index, &ours, None), expected, "{text:?}");
                compared += 1;
            }
        }
        assert!(compared > 1000, "only {compared} terms compared");

        let mut phrases_matched = 0;
        for phrase in [["two", "factor"], ["home", "address"], ["call", "999"]] {
            for (field, _) in index.fields.weighted_text() {
                let query = PhraseQuery::new(
                    phrase
                        .iter()
                        .map(|t| Term::from_field_text(field, t))
                        .collect(),
                );
                let expected = scored(&index, &query, None);
                phrases_matched += usize::from(!expected.is_empty());
                assert_eq!(
                    scored(&index, &query, Some(&statistics)),
                    expected,
                    "{phrase:?}"
                );
            }
        }
        assert!(
            phrases_matched >= 3,
            "only {phrases_matched} phrase-field pairs matched"
        );
    }
}
