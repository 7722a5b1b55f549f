//! The static embedding model: a WordPiece vocabulary and one small vector per piece.
//!
//! A text's vector is the plain sum, in order, of the vectors of its words' pieces, in 32-bit
//! floats; a piece's vector is its `int8` row times its own scale (one `f32` multiply), so
//! the magnitude of a row is that piece's weight. The browser engine (`engine.js`) computes
//! exactly the same sums in the same order, so both sides get the same bits.
//!
//! # File format (version 1, little-endian)
//!
//! ```text
//! magic      8 bytes  "CSSTATIC"
//! version    u32      1
//! dims       u32      D
//! tokens     u32      N
//! vocab_len  u32      L
//! vocab      L bytes  N pieces, UTF-8, joined by "\n"; a continuation piece starts with "##"
//! scales     N × f32  per-piece scale
//! vectors    N × D    int8, row-major
//! ```
//!
//! The file is derived data: `tools/semantic/build_static.py` makes it from the registry
//! package named in `index/semantic/README.md`, and stores it compressed with brotli
//! (`static-model.bin.br`), the form browsers download; the binary carries that form only.

use rustc_hash::FxHashMap;

/// The model file built into this binary, compressed with brotli.
pub const EMBEDDED_MODEL_BROTLI: &[u8] =
    include_bytes!("../../../index/semantic/static-model.bin.br");

/// Longest word, in bytes, that is split into pieces (longer words are skipped).
pub const MAX_PIECE_WORD_BYTES: usize = 100;

const MAGIC: &[u8; 8] = b"CSSTATIC";
const VERSION: u32 = 1;
/// Header: magic, version, dims, tokens, vocabulary length.
const HEADER_BYTES: usize = 8 + 4 * 4;
/// Largest model file read (the shipped one is under 4 MB).
const MAX_MODEL_BYTES: usize = 64 << 20;

/// Why a model file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// The file does not start with the magic bytes.
    #[error("not a static model file (bad magic bytes)")]
    BadMagic,
    /// The file's format version is not one this binary reads.
    #[error("static model format version {0} is not supported (expected {VERSION})")]
    Version(u32),
    /// The file is shorter or longer than its header says.
    #[error("static model file has {actual} bytes, its header says {expected}")]
    Length {
        /// Bytes the header implies.
        expected: usize,
        /// Bytes present.
        actual: usize,
    },
    /// The vocabulary is not valid UTF-8 or does not hold as many pieces as the header says.
    #[error("static model vocabulary is malformed: {0}")]
    Vocabulary(String),
    /// The brotli stream could not be decompressed.
    #[error("static model file is not valid brotli: {0}")]
    Compression(String),
}

/// A loaded static model. Rows stay quantised; they are scaled as they are summed.
#[derive(Debug)]
pub struct StaticModel {
    dims: usize,
    /// Pieces that start a word → id.
    initial: FxHashMap<Box<str>, u32>,
    /// Continuation pieces (without their `##`) → id.
    continuation: FxHashMap<Box<str>, u32>,
    scales: Vec<f32>,
    /// The whole file; the quantised rows start at `rows_at`.
    bytes: Vec<u8>,
    rows_at: usize,
}

fn read_u32(bytes: &[u8], at: usize) -> Result<u32, ModelError> {
    bytes
        .get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes)
        .ok_or(ModelError::Length {
            expected: at + 4,
            actual: bytes.len(),
        })
}

impl StaticModel {
    /// Read a model file compressed with brotli. The header is decompressed first, so the
    /// file is read into a buffer of exactly its size (no growing, no copies).
    pub fn from_brotli(compressed: &[u8]) -> Result<StaticModel, ModelError> {
        use std::io::Read;
        let broken = |e: std::io::Error| ModelError::Compression(e.to_string());
        let mut reader = brotli::Decompressor::new(compressed, 64 * 1024);
        let mut header = [0u8; HEADER_BYTES];
        reader.read_exact(&mut header).map_err(broken)?;
        let (dims, tokens, vocab_len) = (
            read_u32(&header, 12)? as usize,
            read_u32(&header, 16)? as usize,
            read_u32(&header, 20)? as usize,
        );
        // Bounded, so a damaged header cannot ask for an absurd allocation.
        let size = vocab_len
            .checked_add(tokens.saturating_mul(4 + dims))
            .filter(|&n| n <= MAX_MODEL_BYTES)
            .ok_or(ModelError::Length {
                expected: usize::MAX,
                actual: compressed.len(),
            })?;
        let mut bytes = Vec::with_capacity(HEADER_BYTES + size);
        bytes.extend_from_slice(&header);
        reader
            .take(size as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(broken)?;
        StaticModel::parse(bytes)
    }

    /// Read a model file.
    pub fn parse(bytes: Vec<u8>) -> Result<StaticModel, ModelError> {
        if bytes.get(..8) != Some(MAGIC.as_slice()) {
            return Err(ModelError::BadMagic);
        }
        let version = read_u32(&bytes, 8)?;
        if version != VERSION {
            return Err(ModelError::Version(version));
        }
        let dims = read_u32(&bytes, 12)? as usize;
        let tokens = read_u32(&bytes, 16)? as usize;
        let vocab_len = read_u32(&bytes, 20)? as usize;
        let expected = HEADER_BYTES
            .checked_add(vocab_len)
            .and_then(|n| n.checked_add(tokens.checked_mul(4)?))
            .and_then(|n| n.checked_add(tokens.checked_mul(dims)?))
            .ok_or(ModelError::Length {
                expected: usize::MAX,
                actual: bytes.len(),
            })?;
        if bytes.len() != expected || dims == 0 {
            return Err(ModelError::Length {
                expected,
                actual: bytes.len(),
            });
        }
        let vocab_end = HEADER_BYTES + vocab_len;
        let vocab = std::str::from_utf8(&bytes[HEADER_BYTES..vocab_end])
            .map_err(|e| ModelError::Vocabulary(e.to_string()))?;
        let mut initial = FxHashMap::default();
        let mut continuation = FxHashMap::default();
        let mut count = 0usize;
        for (id, piece) in vocab.split('\n').enumerate() {
            count += 1;
            let id = u32::try_from(id).map_err(|e| ModelError::Vocabulary(e.to_string()))?;
            match piece.strip_prefix("##") {
                Some(rest) if !rest.is_empty() => continuation.insert(rest.into(), id),
                _ => initial.insert(piece.into(), id),
            };
        }
        if count != tokens {
            return Err(ModelError::Vocabulary(format!(
                "{count} pieces, the header says {tokens}"
            )));
        }
        let scales_end = vocab_end + tokens * 4;
        let scales = bytes[vocab_end..scales_end]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        Ok(StaticModel {
            dims,
            initial,
            continuation,
            scales,
            bytes,
            rows_at: scales_end,
        })
    }

    /// The model file, uncompressed (what the browser engine reads).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Dimensions of every vector.
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// Number of pieces in the vocabulary.
    pub fn pieces_len(&self) -> usize {
        self.scales.len()
    }

    /// Whether `word` is one whole piece of the vocabulary (a word the model knows as such).
    pub fn knows_whole(&self, word: &str) -> bool {
        self.initial.contains_key(word)
    }

    /// Split one word (lowercased, ASCII-folded) into piece ids, greedy longest match first,
    /// appending them to `out`. A word with a character outside `a-z0-9`, longer than
    /// [`MAX_PIECE_WORD_BYTES`], or with a stretch no piece matches adds nothing.
    pub fn pieces(&self, word: &str, out: &mut Vec<u32>) {
        if word.is_empty()
            || word.len() > MAX_PIECE_WORD_BYTES
            || !word
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            return;
        }
        let before = out.len();
        let mut start = 0;
        while start < word.len() {
            let table = if start == 0 {
                &self.initial
            } else {
                &self.continuation
            };
            // ASCII only, so every byte offset is a character boundary.
            let found = (start + 1..=word.len())
                .rev()
                .find_map(|end| table.get(&word[start..end]).map(|&id| (end, id)));
            match found {
                Some((end, id)) => {
                    out.push(id);
                    start = end;
                }
                None => {
                    out.truncate(before);
                    return;
                }
            }
        }
    }

    /// Add piece `id`'s vector to `sum` (one multiply and one add per dimension, in order).
    pub fn add_piece(&self, id: u32, sum: &mut [f32]) {
        let id = id as usize;
        let Some(&scale) = self.scales.get(id) else {
            return;
        };
        let at = self.rows_at + id * self.dims;
        let row = &self.bytes[at..at + self.dims];
        for (acc, &q) in sum.iter_mut().zip(row) {
            *acc += f32::from(i8::from_le_bytes([q])) * scale;
        }
    }

    /// The sum of the vectors of every piece of `words`, in order; `None` when no word has a
    /// piece (the text means nothing to the model).
    pub fn embed<'a>(&self, words: impl IntoIterator<Item = &'a str>) -> Option<Vec<f32>> {
        let mut ids = Vec::new();
        for word in words {
            self.pieces(word, &mut ids);
        }
        if ids.is_empty() {
            return None;
        }
        let mut sum = vec![0.0f32; self.dims];
        for id in ids {
            self.add_piece(id, &mut sum);
        }
        Some(sum)
    }
}

/// Euclidean length, summed in order in 32-bit floats.
pub fn norm(vector: &[f32]) -> f32 {
    let mut sum = 0.0f32;
    for &x in vector {
        sum += x * x;
    }
    sum.sqrt()
}

/// Dot product, summed in order in 32-bit floats.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut sum = 0.0f32;
    for (&x, &y) in a.iter().zip(b) {
        sum += x * y;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model file with the given pieces, each row `[i, -i, ...]` with scale 0.5.
    fn file(pieces: &[&str], dims: usize) -> Vec<u8> {
        let vocab = pieces.join("\n");
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        for n in [
            VERSION,
            dims as u32,
            pieces.len() as u32,
            vocab.len() as u32,
        ] {
            out.extend_from_slice(&n.to_le_bytes());
        }
        out.extend_from_slice(vocab.as_bytes());
        for _ in pieces {
            out.extend_from_slice(&0.5f32.to_le_bytes());
        }
        for i in 0..pieces.len() {
            for d in 0..dims {
                let v = if d % 2 == 0 { i as i8 } else { -(i as i8) };
                out.push(v as u8);
            }
        }
        out
    }

    #[test]
    fn splits_greedily_longest_first() {
        let model = StaticModel::parse(file(
            &["x", "un", "unhappy", "happy", "##happy", "##ly", "##h"],
            2,
        ))
        .unwrap();
        let mut ids = Vec::new();
        model.pieces("unhappyly", &mut ids);
        assert_eq!(ids, vec![2, 5]);
        ids.clear();
        model.pieces("unhhappy", &mut ids);
        assert_eq!(ids, vec![1, 6, 4]);
        ids.clear();
        // "q" matches nothing: the whole word is dropped.
        model.pieces("unq", &mut ids);
        assert!(ids.is_empty());
        model.pieces("café", &mut ids);
        assert!(ids.is_empty());
        assert!(model.knows_whole("happy"));
        assert!(!model.knows_whole("ly"));
    }

    #[test]
    fn sums_scaled_rows_in_order() {
        let model = StaticModel::parse(file(&["a", "b", "c"], 3)).unwrap();
        let v = model.embed(["b", "c", "zz"]).unwrap();
        assert_eq!(v, vec![1.5, -1.5, 1.5]);
        assert!(model.embed(["zz"]).is_none());
        assert_eq!(norm(&[3.0, 4.0]), 5.0);
        assert_eq!(dot(&[1.0, 2.0], &[3.0, 4.0]), 11.0);
    }

    #[test]
    fn refuses_malformed_files() {
        let good = file(&["a", "b"], 4);
        assert_eq!(
            StaticModel::parse(b"nope".to_vec()).unwrap_err(),
            ModelError::BadMagic
        );
        let mut short = good.clone();
        short.pop();
        assert!(matches!(
            StaticModel::parse(short),
            Err(ModelError::Length { .. })
        ));
        let mut version = good.clone();
        version[8] = 9;
        assert_eq!(
            StaticModel::parse(version).unwrap_err(),
            ModelError::Version(9)
        );
        let mut huge = good;
        huge[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(StaticModel::parse(huge).is_err());
    }

    #[test]
    fn compressed_files_are_read_whole_or_refused() {
        let plain = file(&["a", "b", "##c"], 4);
        let mut compressed = Vec::new();
        brotli::BrotliCompress(&mut &plain[..], &mut compressed, &Default::default()).unwrap();
        assert_eq!(
            StaticModel::from_brotli(&compressed).unwrap().bytes(),
            &plain[..]
        );
        assert!(matches!(
            StaticModel::from_brotli(b"not brotli at all"),
            Err(ModelError::Compression(_))
        ));
        // A stream with a trailing byte too many: the header's sizes no longer add up.
        let mut longer = plain.clone();
        longer.push(0);
        let mut compressed = Vec::new();
        brotli::BrotliCompress(&mut &longer[..], &mut compressed, &Default::default()).unwrap();
        assert!(matches!(
            StaticModel::from_brotli(&compressed),
            Err(ModelError::Length { .. })
        ));
    }

    #[test]
    fn embedded_model_loads() {
        let model = StaticModel::from_brotli(EMBEDDED_MODEL_BROTLI).unwrap();
        assert!(model.dims() >= 32);
        assert!(model.pieces_len() > 10_000);
        for c in ('a'..='z').chain('0'..='9') {
            let mut ids = Vec::new();
            model.pieces(&format!("{c}{c}{c}"), &mut ids);
            assert!(!ids.is_empty(), "{c}{c}{c} has no pieces");
        }
    }
}
