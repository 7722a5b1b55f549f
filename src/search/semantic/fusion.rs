//! How the lexical and the semantic rankings become one: weighted reciprocal rank fusion.
//!
//! A section's fused score is `1 / (K + lexical rank) + w / (K + semantic rank)`, ranks from
//! 1, a list the section is not in adding nothing, in 32-bit floats; ties go to the lower
//! section ordinal. The semantic weight `w` depends on how well the words did: it is
//! `FLOOR + (W - FLOOR) × (1 - coverage)`, where coverage is the share of the query's
//! meaningful words (or known expressions) found in the best section by words. A query whose
//! words the guidance uses (the words found it all) keeps its lexical order; one in other
//! words ("video of me saying things I never said") leans on meaning. Ranks rather than scores are fused because BM25 scores and cosines live
//! on unrelated scales that move with every corpus; the constants were chosen on the
//! development query sets (`tools/semantic/REPORT.md`, BENCHMARKS.md). The browser engine
//! reads them from the bundle.

use rustc_hash::FxHashMap;

/// Rank offset `K`: larger values flatten the difference between the top ranks.
pub const RRF_K: f32 = 10.0;
/// Weight `W` of the semantic list against the lexical list's 1 when the words found nothing
/// of the query.
pub const SEMANTIC_WEIGHT: f32 = 2.0;
/// Weight of the semantic list when the best section by words has every word of the query.
pub const WEIGHT_FLOOR: f32 = 0.0;
/// Most sections the semantic list contributes.
pub const MAX_SEMANTIC: usize = 20;
/// Least cosine for a section to join the semantic list.
pub const MIN_COSINE: f32 = 0.2;

/// The fusion's constants: the defaults above unless a tool sweeps them (`eval --fusion`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fusion {
    /// Rank offset `K`.
    pub k: f32,
    /// Weight `W` of the semantic list.
    pub weight: f32,
    /// Its weight when the words covered the whole query.
    pub weight_floor: f32,
    /// Most sections the semantic list contributes.
    pub max_semantic: usize,
    /// Least cosine for a section to join the semantic list.
    pub min_cosine: f32,
}

impl Default for Fusion {
    fn default() -> Fusion {
        Fusion {
            k: RRF_K,
            weight: SEMANTIC_WEIGHT,
            weight_floor: WEIGHT_FLOOR,
            max_semantic: MAX_SEMANTIC,
            min_cosine: MIN_COSINE,
        }
    }
}

impl std::str::FromStr for Fusion {
    type Err = String;

    /// `k,weight,floor,max,min_cosine`, e.g. `10,0.75,0,20,0.3`.
    fn from_str(s: &str) -> Result<Fusion, String> {
        let parts: Vec<&str> = s.split(',').map(str::trim).collect();
        let [k, weight, floor, max, min] = parts[..] else {
            return Err(format!(
                "{s:?}: give k,weight,floor,max,min_cosine, e.g. 10,0.75,0,20,0.3"
            ));
        };
        let number = |v: &str| v.parse::<f32>().map_err(|e| format!("{v:?}: {e}"));
        let fusion = Fusion {
            k: number(k)?,
            weight: number(weight)?,
            weight_floor: number(floor)?,
            max_semantic: max.parse().map_err(|e| format!("{max:?}: {e}"))?,
            min_cosine: number(min)?,
        };
        if !(fusion.k >= 0.0
            && fusion.weight >= 0.0
            && fusion.weight_floor >= 0.0
            && fusion.min_cosine.is_finite())
        {
            return Err(format!("{s:?}: k and weight must be at least 0"));
        }
        Ok(fusion)
    }
}

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

impl Fusion {
    /// The contribution of rank `position` (from 0) with weight `weight`.
    fn share(&self, weight: f32, position: usize) -> f32 {
        weight / (self.k + (position + 1) as f32)
    }

    /// The semantic list's weight for a query whose best section by words covers
    /// `coverage` (0 to 1) of it.
    pub fn semantic_weight(&self, coverage: f32) -> f32 {
        self.weight_floor + (self.weight - self.weight_floor) * (1.0 - coverage)
    }

    /// Fuse two rankings of section ordinals (each best first) into one, best first, the
    /// semantic one weighing `weight`.
    pub fn fuse(
        &self,
        lexical: &[(u32, f32)],
        semantic: &[(u32, f32)],
        weight: f32,
    ) -> Vec<(u32, f32)> {
        let mut scores: FxHashMap<u32, f32> = FxHashMap::default();
        for (position, &(ord, _)) in lexical.iter().enumerate() {
            *scores.entry(ord).or_insert(0.0) += self.share(1.0, position);
        }
        if weight > 0.0 {
            for (position, &(ord, _)) in semantic.iter().enumerate() {
                *scores.entry(ord).or_insert(0.0) += self.share(weight, position);
            }
        }
        let mut fused: Vec<(u32, f32)> = scores.into_iter().collect();
        fused.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        fused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agreement_wins_and_each_list_counts() {
        let fusion = Fusion {
            k: 10.0,
            weight: 0.75,
            weight_floor: 0.0,
            max_semantic: 20,
            min_cosine: 0.0,
        };
        let lexical = [(7, 9.0), (3, 5.0), (4, 1.0)];
        let semantic = [(3, 0.9), (8, 0.8)];
        let fused = fusion.fuse(&lexical, &semantic, 0.75);
        let order: Vec<u32> = fused.iter().map(|h| h.0).collect();
        // 3 is second by words and first by meaning; 8, found by meaning alone (second),
        // comes after the third by words (1/13 against 0.75/12).
        assert_eq!(order, vec![3, 7, 4, 8]);
        assert_eq!(fused[1].1, 1.0 / 11.0);
        // Weight 0 (the words covered the whole query): the lexical order, nothing added.
        let kept: Vec<u32> = fusion
            .fuse(&lexical, &semantic, 0.0)
            .iter()
            .map(|h| h.0)
            .collect();
        assert_eq!(kept, vec![7, 3, 4]);
        assert!(fusion.fuse(&[], &[], 1.0).is_empty());
    }

    #[test]
    fn the_semantic_weight_falls_as_coverage_rises() {
        let fusion = Fusion {
            weight: 2.0,
            weight_floor: 0.5,
            ..Fusion::default()
        };
        assert_eq!(fusion.semantic_weight(0.0), 2.0);
        assert_eq!(fusion.semantic_weight(1.0), 0.5);
        assert_eq!(fusion.semantic_weight(0.5), 1.25);
        assert_eq!(
            "10,2,0.5,20,0.2"
                .parse::<Fusion>()
                .map(|f| f.semantic_weight(1.0)),
            Ok(0.5)
        );
        assert!("10,2,20,0.2".parse::<Fusion>().is_err());
        assert!("10,-1,0,20,0.2".parse::<Fusion>().is_err());
    }

    #[test]
    fn names_round_trip() {
        for r in Ranking::ALL {
            assert_eq!(r.as_str().parse::<Ranking>(), Ok(r));
        }
        assert!("bm25".parse::<Ranking>().is_err());
    }
}
