//! Ranking by meaning: every section's vector from the static model (built with the index),
//! the query's vector, and the semantic list of sections by cosine, which [`fusion`] merges
//! with the lexical ranking.
//!
//! Any corpus works the same way (an organiser's own documents included): sections are
//! embedded here, in Rust, from the static model built into the binary; nothing is
//! downloaded and no other model runs. The browser engine embeds the same section texts with
//! the same model file and checks its vectors against [`SemanticIndex::checksum`].

pub mod fusion;
pub mod model;

use std::sync::OnceLock;

use crate::corpus::Corpus;

use super::analysis::Analyzer;
use super::index::IndexedSection;
use model::{ModelError, StaticModel, dot, norm};

/// The model built into the binary, read once.
pub fn embedded_model() -> Result<&'static StaticModel, ModelError> {
    static MODEL: OnceLock<Result<StaticModel, ModelError>> = OnceLock::new();
    MODEL
        .get_or_init(|| StaticModel::from_brotli(model::EMBEDDED_MODEL_BROTLI))
        .as_ref()
        .map_err(Clone::clone)
}

/// The text of a section as it is embedded: its document's title, its heading and its text,
/// one per line (the browser engine joins the bundle's fields the same way).
pub fn section_text(title: &str, heading: &str, text: &str) -> String {
    let mut out = String::with_capacity(title.len() + heading.len() + text.len() + 2);
    out.push_str(title);
    out.push('\n');
    out.push_str(heading);
    out.push('\n');
    out.push_str(text);
    out
}

/// A query's vector and its length.
#[derive(Debug, Clone)]
pub struct QueryVector {
    vector: Vec<f32>,
    norm: f32,
}

/// Every section's vector, by section ordinal.
pub struct SemanticIndex {
    model: &'static StaticModel,
    /// `dims` numbers per section; all zero for a section with no known word.
    vectors: Vec<f32>,
    norms: Vec<f32>,
}

impl SemanticIndex {
    /// Embed every section of `sections` (in ordinal order) with `model`.
    pub fn build(
        model: &'static StaticModel,
        corpus: &Corpus,
        sections: &[IndexedSection],
        analyzer: &mut Analyzer,
    ) -> SemanticIndex {
        let dims = model.dims();
        let mut vectors = Vec::with_capacity(sections.len() * dims);
        let mut norms = Vec::with_capacity(sections.len());
        for indexed in sections {
            let document = &corpus.documents[indexed.document];
            let section = &document.sections[indexed.section];
            let text = section_text(&document.meta.title, &section.heading, &section.text);
            let words = analyzer.words(&text);
            let vector = model
                .embed(words.iter().map(|w| w.surface.as_str()))
                .unwrap_or_else(|| vec![0.0; dims]);
            norms.push(norm(&vector));
            vectors.extend_from_slice(&vector);
        }
        SemanticIndex {
            model,
            vectors,
            norms,
        }
    }

    /// The model.
    pub fn model(&self) -> &'static StaticModel {
        self.model
    }

    /// The vector of a query's words, if any of them has pieces.
    pub fn query_vector<'a>(
        &self,
        words: impl IntoIterator<Item = &'a str>,
    ) -> Option<QueryVector> {
        let vector = self.model.embed(words)?;
        let norm = norm(&vector);
        (norm > 0.0).then_some(QueryVector { vector, norm })
    }

    /// Cosine between the query and section `ord` (0 for a section without a vector).
    pub fn cosine(&self, query: &QueryVector, ord: u32) -> f32 {
        let ord = ord as usize;
        let dims = self.model.dims();
        let (Some(&section_norm), Some(vector)) = (
            self.norms.get(ord),
            self.vectors.get(ord * dims..(ord + 1) * dims),
        ) else {
            return 0.0;
        };
        if section_norm == 0.0 {
            return 0.0;
        }
        dot(&query.vector, vector) / (query.norm * section_norm)
    }

    /// The semantic list: sections `allowed` lets through with cosine at least
    /// `fusion.min_cosine`, best first (ties to the lower ordinal), at most
    /// `fusion.max_semantic`.
    pub fn rank(
        &self,
        query: &QueryVector,
        fusion: &fusion::Fusion,
        allowed: impl Fn(u32) -> bool,
    ) -> Vec<(u32, f32)> {
        let mut list: Vec<(u32, f32)> = (0..self.norms.len() as u32)
            .filter(|&ord| allowed(ord))
            .map(|ord| (ord, self.cosine(query, ord)))
            .filter(|&(_, cosine)| cosine >= fusion.min_cosine)
            .collect();
        list.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        list.truncate(fusion.max_semantic);
        list
    }

    /// A checksum of every section vector's bits (32-bit FNV-1a over the little-endian
    /// bytes, as 8 hex digits), which the browser engine compares with its own.
    pub fn checksum(&self) -> String {
        let mut hash: u32 = 0x811c_9dc5;
        for value in &self.vectors {
            for byte in value.to_bits().to_le_bytes() {
                hash ^= u32::from(byte);
                hash = hash.wrapping_mul(0x0100_0193);
            }
        }
        format!("{hash:08x}")
    }
}
