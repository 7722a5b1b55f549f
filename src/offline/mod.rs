//! The offline search bundle: what the browser engine (`assets/static/engine.js`) needs to
//! search exactly as the server does, in a compact JSON form.
//!
//! No analysis of its own: every number comes from [`crate::search`]. The vocabulary maps each
//! word form of the corpus, the synonyms and the intents to its index term, so the browser
//! needs no stemmer. The browser rebuilds the postings from the section texts it needs
//! anyway for snippets (split into words like the server, each word mapped through the
//! vocabulary), which keeps the bundle small; it then checks its index against the server's
//! own statistics shipped here (per field: token totals, the number of postings and each
//! section's length code) and refuses to search offline if anything differs.
//!
//! # Format (version 1)
//!
//! ```text
//! format          1
//! version         corpus version; checksum: the index checksum
//! params          every constant of the search: BM25 k1 and b, field names and boosts,
//!                 alternative weights, query limits, typo and prefix rules, folding limits
//! fieldnorms      256 numbers: the field length of each one-byte length code (Tantivy's table)
//! sections        number of sections (BM25's document count)
//! totalTokens     per field: tokens over all sections (average length = total / sections)
//! postingCounts   per field: number of (term, section) postings, for the self-check
//! norms           per field: the length code of each section, by section ordinal
//! terms           every index term, sorted
//! words           every known word form (lowercased, ASCII-folded), sorted by bytes;
//!                 wordTerms: its term index; wordCounts: occurrences in the corpus
//! fold            lowercased corpus words whose folded form differs (e.g. "café" → "cafe")
//! synonyms        groups, each a list of term-index sequences (more than one = a phrase)
//! urgent          intent term-index sequences (see index/intents.toml)
//! support         suicide and self-harm term-index sequences (the same file)
//! documents       [slug, title, summary, category, [audience…]] in corpus order
//! sectionData     [document index, heading, anchor, text, nations] by section ordinal; the
//!                 fields indexed for a section are its document's title, its heading and its
//!                 text; nations is a bit mask (1 England, 2 Wales, 4 Scotland, 8 Northern
//!                 Ireland; 0: every nation)
//! semantic        ranking by meaning: the model file's dims, pieces and sha256 (first 16 hex
//!                 digits); checksum: the server's section vectors (see
//!                 `SemanticIndex::checksum`); k, weight, weightFloor, maxSemantic, minCosine: the fusion
//!                 constants; minKnownWordBytes: the word gate's shortest word; the rest
//!                 constants. The model file itself is fetched separately, after the bundle.
//! ```

pub mod parity;

use std::collections::BTreeMap;

use serde_json::{Value, json};
use tantivy::fieldnorm::FieldNormReader;

use crate::search::Guide;
use crate::search::{analysis, expand, grammar, index, snippet, types, vocabulary};

/// Version of the bundle format.
pub const FORMAT: u32 = 1;

/// Build the bundle for `guide`.
pub fn bundle(guide: &Guide) -> tantivy::Result<Value> {
    let corpus = guide.corpus();
    let search = guide.index();
    let fields = search.field_postings()?;

    // Every term: those in the index and those only reachable through the vocabulary.
    let mut term_set: BTreeMap<&str, usize> = BTreeMap::new();
    for field in &fields {
        for term in field.postings.keys() {
            term_set.insert(term, 0);
        }
    }
    for (_, entry) in search.vocabulary.iter() {
        term_set.insert(&entry.term, 0);
    }
    for (position, slot) in term_set.values_mut().enumerate() {
        *slot = position;
    }
    let term_index = |term: &str| term_set.get(term).copied();
    let terms: Vec<&str> = term_set.keys().copied().collect();

    let (words, word_terms, word_counts): (Vec<&str>, Vec<usize>, Vec<u32>) = search
        .vocabulary
        .iter()
        .filter_map(|(surface, entry)| Some((surface, term_index(&entry.term)?, entry.count)))
        .fold(
            (Vec::new(), Vec::new(), Vec::new()),
            |mut acc, (w, t, c)| {
                acc.0.push(w);
                acc.1.push(t);
                acc.2.push(c);
                acc
            },
        );

    let sequences = |list: &[Vec<String>]| -> Vec<Vec<usize>> {
        list.iter()
            .map(|terms| terms.iter().filter_map(|t| term_index(t)).collect())
            .collect()
    };
    let synonyms: Vec<Vec<Vec<usize>>> = search
        .synonyms
        .iter()
        .map(|g| sequences(&g.terms))
        .collect();

    let mut analyzer = search.analyzer();
    let mut fold: BTreeMap<String, String> = BTreeMap::new();
    let mut record_folds = |text: &str| {
        for word in analyzer.words(text) {
            let lower = text[word.start..word.end].to_lowercase();
            if lower != word.surface {
                fold.insert(lower, word.surface);
            }
        }
    };
    for document in &corpus.documents {
        record_folds(&document.meta.title);
        for section in &document.sections {
            record_folds(&section.heading);
            record_folds(&section.text);
        }
    }

    let documents: Vec<Value> = corpus
        .documents
        .iter()
        .map(|d| {
            json!([
                d.meta.slug,
                d.meta.title,
                d.meta.summary,
                d.meta.category,
                d.meta.audience
            ])
        })
        .collect();
    let section_data: Vec<Value> = search
        .sections
        .iter()
        .map(|s| {
            let section = &corpus.documents[s.document].sections[s.section];
            json!([
                s.document,
                section.heading,
                section.anchor,
                section.text,
                section.nations.bits()
            ])
        })
        .collect();

    Ok(json!({
        "format": FORMAT,
        "version": corpus.version,
        "checksum": search.checksum(),
        "params": params(),
        "fieldnorms": (0..=255u8).map(FieldNormReader::id_to_fieldnorm).collect::<Vec<_>>(),
        "sections": search.section_count(),
        "totalTokens": fields.iter().map(|f| f.total_tokens).collect::<Vec<_>>(),
        "postingCounts": fields.iter().map(|f| f.postings.values().map(Vec::len).sum::<usize>()).collect::<Vec<_>>(),
        "norms": fields.iter().map(|f| f.fieldnorm_ids.clone()).collect::<Vec<_>>(),
        "terms": terms,
        "words": words,
        "wordTerms": word_terms,
        "wordCounts": word_counts,
        "fold": fold,
        "synonyms": synonyms,
        "urgent": sequences(&search.urgent),
        "support": sequences(&search.support),
        "documents": documents,
        "sectionData": section_data,
        "semantic": semantic(guide),
    }))
}

/// Compressed sizes: the bundle against the plain text of the corpus it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SizeReport {
    /// The bundle as JSON.
    pub bundle_bytes: usize,
    /// The bundle compressed with brotli (quality 11).
    pub bundle_brotli: usize,
    /// The corpus as plain text: titles, summaries, headings and section texts.
    pub text_bytes: usize,
    /// That text compressed with brotli (quality 11).
    pub text_brotli: usize,
}

impl SizeReport {
    /// Compressed bundle size over compressed text size.
    pub fn ratio(&self) -> f64 {
        self.bundle_brotli as f64 / self.text_brotli.max(1) as f64
    }
}

/// Measure the bundle's compressed size against the corpus text's.
pub fn size_report(guide: &Guide, bundle: &[u8]) -> SizeReport {
    let mut text = String::new();
    for document in &guide.corpus().documents {
        text.push_str(&document.meta.title);
        text.push('\n');
        text.push_str(&document.meta.summary);
        text.push('\n');
        for section in &document.sections {
            text.push_str(&section.heading);
            text.push('\n');
            text.push_str(&section.text);
            text.push('\n');
        }
    }
    SizeReport {
        bundle_bytes: bundle.len(),
        bundle_brotli: brotli_size(bundle),
        text_bytes: text.len(),
        text_brotli: brotli_size(text.as_bytes()),
    }
}

fn brotli_size(bytes: &[u8]) -> usize {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        ..Default::default()
    };
    let mut input = bytes;
    match brotli::BrotliCompress(&mut input, &mut out, &params) {
        Ok(_) => out.len(),
        Err(_) => bytes.len(),
    }
}

/// What the browser engine needs to rank by meaning as the server does, besides the model.
fn semantic(guide: &Guide) -> Value {
    use sha2::{Digest, Sha256};
    let fusion = guide.fusion();
    let model = guide.semantic().model();
    let sha: String = Sha256::digest(model.bytes())[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    json!({
        "dims": model.dims(),
        "pieces": model.pieces_len(),
        "modelSha": sha,
        "checksum": guide.semantic().checksum(),
        "k": fusion.k,
        "weight": fusion.weight,
        "weightFloor": fusion.weight_floor,
        "maxSemantic": fusion.max_semantic,
        "minCosine": fusion.min_cosine,
        "minKnownWordBytes": crate::search::MIN_KNOWN_WORD_BYTES,
    })
}

/// Every constant the browser engine needs to behave like the server.
fn params() -> Value {
    json!({
        "k1": 1.2,
        "b": 0.75,
        "fields": ["title", "heading", "body"],
        "boosts": [index::TITLE_BOOST, index::HEADING_BOOST, index::BODY_BOOST],
        "weights": {
            "exact": expand::EXACT,
            "synonym": expand::SYNONYM,
            "fuzzy": expand::FUZZY,
            "prefix": expand::PREFIX,
            "expression": expand::EXPRESSION,
        },
        "maxQueryBytes": grammar::MAX_QUERY_BYTES,
        "maxWords": grammar::MAX_WORDS,
        "maxWordBytes": analysis::MAX_WORD_BYTES,
        "oneEditMinChars": vocabulary::ONE_EDIT_MIN_CHARS,
        "twoEditsMinChars": vocabulary::TWO_EDITS_MIN_CHARS,
        "maxFuzzyTerms": vocabulary::MAX_FUZZY_TERMS,
        "minPrefixChars": vocabulary::MIN_PREFIX_CHARS,
        "maxPrefixTerms": vocabulary::MAX_PREFIX_TERMS,
        "sectionsPerDocument": types::SECTIONS_PER_DOCUMENT,
        "defaultLimit": types::DEFAULT_LIMIT,
        "maxLimit": types::MAX_LIMIT,
        "snippetWindow": snippet::WINDOW_WORDS,
        "stopWords": crate::search::stop_words::STOP_WORDS,
        "nations": crate::corpus::Nation::ALL.map(crate::corpus::Nation::as_str),
    })
}
