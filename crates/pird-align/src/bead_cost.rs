//! The cost of a bead, after Vecalign (Thompson & Koehn, 2019).
//!
//! `cost(x, y) = (1 − cos(x, y)) · |x| · |y| / (d̄(x) + d̄(y))`, where `|x|` is the number of
//! sentences in run `x` and `d̄(x)` the mean of `1 − cos(x, y_s)` over sampled sentences `y_s`
//! of the other document: a pair costs little when it is much closer than its usual neighbours,
//! and many-sentence beads pay for their size. A sentence left unaligned (1-0, 0-1) costs the
//! deletion penalty, a low percentile of the costs of random sentence pairs.

use crate::overlap::Overlaps;
use crate::pair_score::Background;
use ndarray::{Array1, Array2, ArrayView2, Axis};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Sampling settings of the cost's normalisation and deletion penalty.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CostConfig {
    /// Sentences sampled from the other document for each run's normaliser.
    pub samples: usize,
    /// Percentile (0–1) of random-pair costs used as the per-sentence deletion penalty.
    pub deletion_percentile: f32,
    /// Seed of the sampling, so that runs are reproducible.
    pub seed: u64,
}

impl Default for CostConfig {
    fn default() -> Self {
        Self {
            samples: 100,
            deletion_percentile: 0.2,
            seed: 0x5eed,
        }
    }
}

/// Bead costs between two documents at one level of the search.
pub struct BeadCost<'a> {
    source: &'a Overlaps,
    target: &'a Overlaps,
    /// `source_norm[len - 1][start]`: mean dissimilarity of a source run to sampled targets.
    source_norm: Vec<Array1<f32>>,
    target_norm: Vec<Array1<f32>>,
    /// Cost of leaving one sentence unaligned.
    pub deletion: f32,
}

impl<'a> BeadCost<'a> {
    /// Prepares normalisers and the deletion penalty for `source` and `target`.
    ///
    /// Sampled sentences and random pairs come from `reference` (sentences of other texts in the
    /// same vector space) when given, else from the documents themselves; a reference keeps a
    /// short document's deletion penalty from being set by its own translations.
    pub fn new(
        source: &'a Overlaps,
        target: &'a Overlaps,
        config: CostConfig,
        reference: Option<&Background>,
    ) -> Self {
        let mut rng = StdRng::seed_from_u64(config.seed);
        let (source_pool, target_pool) = match reference {
            Some(r) => (r.source.view(), r.target.view()),
            None => (source.sentences(), target.sentences()),
        };
        let target_sample = sample_rows(target_pool, config.samples, &mut rng);
        let source_sample = sample_rows(source_pool, config.samples, &mut rng);
        let source_norm = (1..=source.max_len())
            .map(|len| mean_dissimilarity(source.runs(len), &target_sample))
            .collect();
        let target_norm = (1..=target.max_len())
            .map(|len| mean_dissimilarity(target.runs(len), &source_sample))
            .collect();
        let deletion = random_pair_percentile(
            (
                source_pool,
                &mean_dissimilarity(source_pool, &target_sample),
            ),
            (
                target_pool,
                &mean_dissimilarity(target_pool, &source_sample),
            ),
            config,
            &mut rng,
        );
        Self {
            source,
            target,
            source_norm,
            target_norm,
            deletion,
        }
    }

    /// The cost of the bead joining `a` source sentences from `i` with `b` target sentences from `j`.
    pub fn cost(&self, a: usize, b: usize, i: usize, j: usize) -> f32 {
        if a == 0 || b == 0 {
            return self.deletion * (a + b) as f32;
        }
        let cosine = self.source.get(i, a).dot(&self.target.get(j, b));
        let norm = self.source_norm[a - 1][i] + self.target_norm[b - 1][j];
        (1.0 - cosine) * (a * b) as f32 / norm.max(1e-6)
    }

    /// The cosine of the runs of a bead (0 for deletions).
    pub fn cosine(&self, a: usize, b: usize, i: usize, j: usize) -> f32 {
        if a == 0 || b == 0 {
            return 0.0;
        }
        self.source.get(i, a).dot(&self.target.get(j, b))
    }
}

/// Mean of `1 − cos` between each row of `runs` and the rows of `sample` (1 without a sample).
fn mean_dissimilarity(runs: ArrayView2<f32>, sample: &Array2<f32>) -> Array1<f32> {
    if sample.nrows() == 0 {
        return Array1::ones(runs.nrows());
    }
    runs.dot(&sample.t())
        .map_axis(Axis(1), |row| row.iter().map(|c| 1.0 - c).sum::<f32>())
        / sample.nrows() as f32
}

/// The `deletion_percentile` of the 1-1 costs of random pairs drawn from two pools of sentences,
/// each given with its normaliser.
fn random_pair_percentile(
    (sources, source_norm): (ArrayView2<f32>, &Array1<f32>),
    (targets, target_norm): (ArrayView2<f32>, &Array1<f32>),
    config: CostConfig,
    rng: &mut StdRng,
) -> f32 {
    let (n, m) = (sources.nrows(), targets.nrows());
    if n == 0 || m == 0 {
        return 1.0;
    }
    let draws = (config.samples * 10).max(1);
    let mut costs: Vec<f32> = (0..draws)
        .map(|_| {
            let (i, j) = (rng.random_range(0..n), rng.random_range(0..m));
            (1.0 - sources.row(i).dot(&targets.row(j)))
                / (source_norm[i] + target_norm[j]).max(1e-6)
        })
        .collect();
    costs.sort_by(f32::total_cmp);
    let rank =
        ((costs.len() - 1) as f32 * config.deletion_percentile.clamp(0.0, 1.0)).round() as usize;
    costs[rank]
}

/// Up to `count` rows of `rows`, sampled with replacement (all rows, in order, when there are fewer).
fn sample_rows(rows: ArrayView2<f32>, count: usize, rng: &mut StdRng) -> Array2<f32> {
    if rows.nrows() <= count {
        return rows.to_owned();
    }
    let picks: Vec<usize> = (0..count)
        .map(|_| rng.random_range(0..rows.nrows()))
        .collect();
    rows.select(Axis(0), &picks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    /// Twenty orthogonal sentences per side, target i translating source i.
    fn parallel() -> (Overlaps, Overlaps) {
        let eye = Array2::from_shape_fn((20, 20), |(i, j)| if i == j { 1.0 } else { 0.0 });
        (
            Overlaps::by_summing(eye.view(), 2),
            Overlaps::by_summing(eye.view(), 2),
        )
    }

    #[test]
    fn translations_cost_less_than_deletions_and_deletions_less_than_random_pairs() {
        let (s, t) = parallel();
        let cost = BeadCost::new(&s, &t, CostConfig::default(), None);
        assert!(cost.cost(1, 1, 2, 2) < cost.deletion);
        assert!(cost.deletion <= cost.cost(1, 1, 0, 3));
        assert_eq!(cost.cost(1, 0, 4, 0), cost.deletion);
        assert_eq!(cost.cost(0, 2, 0, 3), 2.0 * cost.deletion);
    }

    #[test]
    fn bigger_beads_pay_for_their_size() {
        let (s, t) = parallel();
        let cost = BeadCost::new(&s, &t, CostConfig::default(), None);
        // Source run 0..2 against target run 0..2 is a perfect 2-2 match, yet two 1-1 beads are cheaper.
        assert!(cost.cost(1, 1, 0, 0) + cost.cost(1, 1, 1, 1) < cost.cost(2, 2, 0, 0));
    }
}
