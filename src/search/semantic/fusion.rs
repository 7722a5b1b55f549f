//! How the lexical and the semantic rankings become one: weighted reciprocal rank fusion.
//!
//! A section's fused score is `1 / (K + lexical rank) + W / (K + semantic rank)`, ranks from
//! 1, a list the section is not in adding nothing, in 32-bit floats; ties go to the lower
//! section ordinal. Ranks rather than scores are fused because BM25 scores and cosines live
//! on unrelated scales that move with every corpus; the constants were chosen on the
//! development query sets (`tools/semantic/REPORT.md`, BENCHMARKS.md). The browser engine
//! reads them from the bundle.

use rustc_hash::FxHashMap;

/// Rank offset `K`: larger values flatten the difference between the top ranks.
pub const RRF_K: f32 = 10.0;
/// Weight `W` of the semantic list against the lexical list's 1.
pub const SEMANTIC_WEIGHT: f32 = 0.75;
/// Most sections the semantic list contributes.
pub const MAX_SEMANTIC: usize = 20;
/// Least cosine for a section to join the semantic list.
pub const MIN_COSINE: f32 = 0.3;

/// Which rankings a search uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ranking {
    /// Words only (BM25 with synonyms, typos and prefixes).
    Lexical,
    /// Meaning only: sections by cosine to the query's vector.
    Semantic,
    /// Both, fused (the default).
    #[default]
    Fused,
}

impl Ranking {
    /// Every ranking, for tools that compare them.
    pub const ALL: [Ranking; 3] = [Ranking::Lexical, Ranking::Semantic, Ranking::Fused];

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Ranking::Lexical => "lexical",
            Ranking::Semantic => "semantic",
            Ranking::Fused => "fused",
        }
    }
}

impl std::str::FromStr for Ranking {
    type Err = String;

    fn from_str(s: &str) -> Result<Ranking, String> {
        Ranking::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown ranking {s:?}: use lexical, semantic or fused"))
    }
}

/// The contribution of rank `position` (from 0) with weight `weight`.
fn share(weight: f32, position: usize) -> f32 {
    weight / (RRF_K + (position + 1) as f32)
}

/// Fuse two rankings of section ordinals (each best first) into one, best first.
pub fn fuse(lexical: &[(u32, f32)], semantic: &[(u32, f32)]) -> Vec<(u32, f32)> {
    let mut scores: FxHashMap<u32, f32> = FxHashMap::default();
    for (position, &(ord, _)) in lexical.iter().enumerate() {
        *scores.entry(ord).or_insert(0.0) += share(1.0, position);
    }
    for (position, &(ord, _)) in semantic.iter().enumerate() {
        *scores.entry(ord).or_insert(0.0) += share(SEMANTIC_WEIGHT, position);
    }
    let mut fused: Vec<(u32, f32)> = scores.into_iter().collect();
    fused.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    fused
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agreement_wins_and_each_list_counts() {
        let lexical = [(7, 9.0), (3, 5.0), (4, 1.0)];
        let semantic = [(3, 0.9), (8, 0.8)];
        let fused = fuse(&lexical, &semantic);
        let order: Vec<u32> = fused.iter().map(|h| h.0).collect();
        // 3 is second lexically and first by meaning; 8 is found by meaning alone.
        assert_eq!(order, vec![3, 7, 8, 4]);
        assert_eq!(fused[1].1, 1.0 / 11.0);
        assert!(fuse(&[], &[]).is_empty());
        assert_eq!(
            fuse(&lexical, &[]).iter().map(|h| h.0).collect::<Vec<_>>(),
            vec![7, 3, 4]
        );
    }

    #[test]
    fn names_round_trip() {
        for r in Ranking::ALL {
            assert_eq!(r.as_str().parse::<Ranking>(), Ok(r));
        }
        assert!("bm25".parse::<Ranking>().is_err());
    }
}
