//! Ratio margin scoring (Artetxe & Schwenk, 2019).
//!
//! `margin(x, y) = cos(x, y) / ((mean cos of x's k nearest targets + mean cos of y's k nearest
//! sources) / 2)`. A pair scores high when it is more similar than either side is to its usual
//! neighbours, which corrects for "hub" sentences that are close to everything.

use crate::similarity::{nearest_neighbours, Neighbours};
use ndarray::{Array1, Array2, ArrayView2};

/// Default neighbourhood size of the aligners' and the miner's margins.
pub const DEFAULT_K: usize = 4;

/// Neighbourhood size for one-to-one retrieval of translations (P@1): chosen on the adapter's
/// held-out split, where k = 2 matched or beat k = 4 on 17 of 18 figures (three models, three
/// sets, both ways).
pub const RETRIEVAL_K: usize = 2;

/// Margin scores between one set of source and one set of target vectors.
#[derive(Debug, Clone)]
pub struct MarginScorer {
    /// Mean cosine of each source's k nearest targets.
    pub source_neighbourhood: Array1<f32>,
    /// Mean cosine of each target's k nearest sources.
    pub target_neighbourhood: Array1<f32>,
    /// Each source's k nearest targets.
    pub source_neighbours: Neighbours,
    /// Each target's k nearest sources.
    pub target_neighbours: Neighbours,
}

impl MarginScorer {
    /// Computes both neighbourhoods of L2-normalised `sources` and `targets` with `k` neighbours.
    pub fn new(sources: ArrayView2<f32>, targets: ArrayView2<f32>, k: usize) -> Self {
        Self::with_pools(sources, targets, targets, sources, k)
    }

    /// Neighbourhoods of `sources` among `target_pool` and of `targets` among `source_pool`.
    ///
    /// Pools larger than the documents (the documents plus background sentences of each
    /// language) keep margins on one scale whatever the documents' length.
    pub fn with_pools(
        sources: ArrayView2<f32>,
        target_pool: ArrayView2<f32>,
        targets: ArrayView2<f32>,
        source_pool: ArrayView2<f32>,
        k: usize,
    ) -> Self {
        Self::from_neighbours(
            nearest_neighbours(sources, target_pool, k),
            nearest_neighbours(targets, source_pool, k),
        )
    }

    /// Margins from neighbour lists found elsewhere (e.g. in a band, or merged from two pools).
    pub fn from_neighbours(source_neighbours: Neighbours, target_neighbours: Neighbours) -> Self {
        Self {
            source_neighbourhood: source_neighbours.mean_scores(),
            target_neighbourhood: target_neighbours.mean_scores(),
            source_neighbours,
            target_neighbours,
        }
    }

    /// The ratio margin of source `i` and target `j` whose cosine is `cosine`.
    pub fn margin(&self, i: usize, j: usize, cosine: f32) -> f32 {
        ratio_margin(
            cosine,
            self.source_neighbourhood[i],
            self.target_neighbourhood[j],
        )
    }
}

/// Ratio margins of every source–target pair (`sources × targets`) of L2-normalised vectors,
/// with `k` neighbours on each side (fewer when a side has fewer rows).
pub fn margin_matrix(sources: ArrayView2<f32>, targets: ArrayView2<f32>, k: usize) -> Array2<f32> {
    let cosine = sources.dot(&targets.t());
    let k = k.min(sources.nrows()).min(targets.nrows()).max(1);
    let scorer = MarginScorer::new(sources, targets, k);
    Array2::from_shape_fn(cosine.dim(), |(i, j)| scorer.margin(i, j, cosine[[i, j]]))
}

/// The ratio margin of a pair with cosine `cosine` and neighbourhood means `source_mean`, `target_mean`.
pub fn ratio_margin(cosine: f32, source_mean: f32, target_mean: f32) -> f32 {
    let denominator = (source_mean + target_mean) / 2.0;
    if denominator.abs() < f32::EPSILON {
        return cosine;
    }
    cosine / denominator
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::similarity::normalize_rows;
    use ndarray::array;

    #[test]
    fn a_hub_target_loses_to_a_specific_match() {
        // Target 0 is a hub close to both sources; target 1 matches source 1 only.
        let mut sources = array![[1.0, 0.0, 0.0], [0.6, 0.8, 0.0]];
        let mut targets = array![[0.9, 0.45, 0.0], [0.55, 0.8, 0.2]];
        normalize_rows(&mut sources);
        normalize_rows(&mut targets);
        let scorer = MarginScorer::new(sources.view(), targets.view(), 1);
        let cos = crate::similarity::cosine_matrix(sources.view(), targets.view());
        let (hub, specific) = (
            scorer.margin(1, 0, cos[[1, 0]]),
            scorer.margin(1, 1, cos[[1, 1]]),
        );
        assert!(specific > hub, "specific {specific} hub {hub}");
    }

    #[test]
    fn ratio_margin_is_cosine_over_mean_neighbourhood() {
        assert!((ratio_margin(0.9, 0.8, 0.7) - 0.9 / 0.75).abs() < 1e-6);
    }
}
