//! One document pair aligned end to end: the parallel search or the comparable miner, and every
//! bead's raw cosine, centred margin and calibrated score.
//!
//! `pird align`, the evaluation suite and batch runs all align a pair through [`align_pair`], so
//! that a figure measured by the suite is the figure a user gets.

use crate::anchor_score::AnchorEvidence;
use crate::bead_cost::CostConfig;
use crate::bead_search::{align_parallel, Bead, ParallelConfig};
use crate::calibration::{Calibration, PairFeatures};
use crate::margin::DEFAULT_K;
use crate::mining::{mine_with_scorer, MiningConfig};
use crate::overlap::Overlaps;
use crate::pair_score::{mean_row, Background, NeighbourSearch, PairScorer};
use crate::two_step::{align_two_step, anchor_chain};
use ndarray::{Array1, ArrayView1};
use std::ops::Range;

/// Sentences searched on each side of the diagonal for a parallel pair's margin neighbourhoods
/// (documents up to about twice this long are searched whole).
pub const PARALLEL_NEIGHBOUR_WINDOW: usize = 1024;

/// Weight, in sentences, of the background's language mean against a parallel document's own
/// mean (measured on the Bible gospels: 4 gives strict/lax F1 .882/.965 against .825/.932 with
/// the background's mean alone, and keeps five-sentence documents centred sensibly).
pub const BACKGROUND_MEAN_WEIGHT: f32 = 4.0;

/// How a document pair is aligned.
#[derive(Debug, Clone, PartialEq)]
pub enum PairMode {
    /// Translations: a monotone path of beads covering every sentence.
    Parallel {
        /// Largest number of sentences on one side of a bead.
        max_bead: usize,
        /// Deletion penalty as a percentile of random-pair costs.
        deletion_percentile: f32,
        /// One bead search over the whole pair, or confident 1-1 pairs first.
        strategy: ParallelStrategy,
    },
    /// Comparable texts: the shared sentence pairs whose calibrated score reaches `min_score`.
    Comparable {
        /// Lowest calibrated score kept.
        min_score: f32,
    },
}

impl PairMode {
    /// The longest sentence run whose vector the mode reads (runs of up to this many sentences
    /// must be in the [`Overlaps`] given to [`align_pair`]).
    pub fn longest_run(&self) -> usize {
        match self {
            PairMode::Parallel { max_bead, .. } => *max_bead,
            PairMode::Comparable { .. } => 2,
        }
    }

    /// The `method` recorded in the alignments table.
    pub fn method(&self) -> &'static str {
        match self {
            PairMode::Parallel {
                strategy: ParallelStrategy::TwoStep,
                ..
            } => "parallel-two-step",
            PairMode::Parallel { .. } => "parallel-dp",
            PairMode::Comparable { .. } => "comparable-margin",
        }
    }
}

/// How the parallel aligner searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ParallelStrategy {
    /// Vecalign: one coarse-to-fine dynamic programme over the whole pair.
    #[default]
    Dp,
    /// Bertalign: mutual-best 1-1 pairs on a monotone chain first, then the dynamic programme in
    /// each gap between them (see [`crate::two_step`]).
    TwoStep,
}

/// One aligned bead with its scores.
#[derive(Debug, Clone, PartialEq)]
pub struct AlignedBead {
    /// Source sentence indices.
    pub source: Range<usize>,
    /// Target sentence indices.
    pub target: Range<usize>,
    /// Cosine of the raw vectors of the two runs (0 for a deletion).
    pub cosine: f32,
    /// Ratio margin of the centred runs (0 for a deletion).
    pub margin: f32,
    /// Calibrated probability that the runs are translations (`None` for deletions or without
    /// a calibration).
    pub score: Option<f32>,
}

/// Why a pair could not be aligned.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PairError {
    /// The mode needs runs the overlaps do not hold.
    #[error(
        "the mode reads runs of {needed} sentences but the vectors hold runs of at most {held}"
    )]
    RunsTooShort {
        /// Longest run the mode reads.
        needed: usize,
        /// Longest run given.
        held: usize,
    },
    /// Comparable mining keeps pairs by calibrated score.
    #[error("comparable mode keeps pairs by calibrated score; calibrate the model first (pird model calibrate)")]
    NoCalibration,
    /// A bead size of zero.
    #[error("the largest bead must have at least 1 sentence a side")]
    EmptyBead,
}

/// Every bead shape with at most `max` sentences a side and at most `max + 1` in all, plus
/// deletions (the default `max = 3` gives 1-0, 0-1, 1-1, 1-2, 2-1, 2-2, 1-3, 3-1).
pub fn bead_shapes(max: usize) -> Vec<(usize, usize)> {
    let mut shapes = vec![(1, 0), (0, 1)];
    for a in 1..=max {
        for b in 1..=max {
            if a + b <= max + 1 {
                shapes.push((a, b));
            }
        }
    }
    shapes
}

/// Aligns one document pair.
///
/// `background` (the model's sentences of each language from other texts) sets the language
/// means and margin neighbourhoods when given; otherwise each side is centred on its own mean.
/// `anchors` adds its bonus to every margin (and so to the miner's choices and the calibrated
/// scores); the parallel search itself compares vectors only.
pub fn align_pair(
    source: &Overlaps,
    target: &Overlaps,
    anchors: Option<AnchorEvidence>,
    background: Option<&Background>,
    calibration: Option<&Calibration>,
    mode: &PairMode,
) -> Result<Vec<AlignedBead>, PairError> {
    let needed = mode.longest_run();
    if let PairMode::Parallel { max_bead: 0, .. } = mode {
        return Err(PairError::EmptyBead);
    }
    // A document shorter than the longest run has no such runs to hold.
    for side in [source, target] {
        if side.max_len() < needed.min(side.len()) {
            return Err(PairError::RunsTooShort {
                needed,
                held: side.max_len(),
            });
        }
    }
    if matches!(mode, PairMode::Comparable { .. }) && calibration.is_none() {
        return Err(PairError::NoCalibration);
    }
    let search = match mode {
        // Translations' partners lie near the diagonal: a band keeps the time linear.
        PairMode::Parallel { .. } => NeighbourSearch::NearDiagonal {
            window: PARALLEL_NEIGHBOUR_WINDOW,
        },
        PairMode::Comparable { .. } => NeighbourSearch::Exhaustive,
    };
    let mut scorer = PairScorer::build(source, target, background, DEFAULT_K, search);
    if let Some(anchors) = anchors {
        scorer = scorer.with_anchors(anchors);
    }
    let bead = |s: Range<usize>, t: Range<usize>| {
        let (cosine, margin) = scorer.score(&s, &t);
        let score = (!s.is_empty() && !t.is_empty())
            .then_some(calibration)
            .flatten()
            .map(|c| c.probability(PairFeatures { margin, cosine }));
        AlignedBead {
            source: s,
            target: t,
            cosine,
            margin,
            score,
        }
    };
    Ok(match mode {
        PairMode::Parallel {
            max_bead,
            deletion_percentile,
            strategy,
        } => {
            let config = ParallelConfig {
                shapes: bead_shapes(*max_bead),
                cost: CostConfig {
                    deletion_percentile: *deletion_percentile,
                    ..CostConfig::default()
                },
                ..ParallelConfig::default()
            };
            // The search compares centred runs: raw similarity is mostly language identity. A
            // translation's own sentences estimate its language means best (the background may
            // be another genre); a short one borrows from the background's.
            let source_mean = shrunk_mean(source, scorer.centred_source.mean(), background);
            let target_mean = shrunk_mean(target, scorer.centred_target.mean(), background);
            let centred_source = source.centred_on(source_mean.view());
            let centred_target = target.centred_on(target_mean.view());
            let reference =
                background.map(|b| b.centred_on(source_mean.view(), target_mean.view()));
            let beads: Vec<Bead> = match strategy {
                ParallelStrategy::Dp => align_parallel(
                    &centred_source,
                    &centred_target,
                    &config,
                    reference.as_ref(),
                )
                .into_iter()
                .map(|scored| scored.bead)
                .collect(),
                ParallelStrategy::TwoStep => align_two_step(
                    &centred_source,
                    &centred_target,
                    &anchor_chain(&scorer),
                    &config,
                    reference.as_ref(),
                ),
            };
            beads
                .into_iter()
                .map(|b| bead(b.source, b.target))
                .collect()
        }
        PairMode::Comparable { min_score } => {
            mine_with_scorer(&scorer, source, target, &MiningConfig::default())
                .into_iter()
                .map(|pair| bead(pair.source, pair.target))
                .filter(|b| b.score.is_some_and(|p| p >= *min_score))
                .collect()
        }
    })
}

/// The mean a parallel document is centred on: its own mean sentence, pulled towards the
/// background's language mean `background_mean` with the weight of [`BACKGROUND_MEAN_WEIGHT`]
/// sentences (without a background, the scorer's mean is already the document's own).
fn shrunk_mean(
    doc: &Overlaps,
    background_mean: ArrayView1<f32>,
    background: Option<&Background>,
) -> Array1<f32> {
    let n = doc.len() as f32;
    if background.is_none() || doc.is_empty() {
        return background_mean.to_owned();
    }
    (mean_row(doc.sentences()) * n + &background_mean * BACKGROUND_MEAN_WEIGHT)
        / (n + BACKGROUND_MEAN_WEIGHT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn default_shapes_are_vecalign_s() {
        let mut shapes = bead_shapes(3);
        shapes.sort();
        assert_eq!(
            shapes,
            vec![
                (0, 1),
                (1, 0),
                (1, 1),
                (1, 2),
                (1, 3),
                (2, 1),
                (2, 2),
                (3, 1)
            ]
        );
    }

    fn unit_rows(rows: &[[f32; 4]]) -> Array2<f32> {
        let mut a = Array2::from_shape_fn((rows.len(), 4), |(i, j)| rows[i][j]);
        crate::similarity::normalize_rows(&mut a);
        a
    }

    #[test]
    fn parallel_pair_covers_every_sentence_in_order() {
        let source = unit_rows(&[[1., 0., 0., 0.], [0., 1., 0., 0.], [0., 0., 1., 0.]]);
        let target = unit_rows(&[[1., 0.1, 0., 0.], [0., 1., 0.1, 0.], [0.1, 0., 1., 0.]]);
        let (s, t) = (
            Overlaps::by_summing(source.view(), 3),
            Overlaps::by_summing(target.view(), 3),
        );
        let mode = PairMode::Parallel {
            max_bead: 3,
            deletion_percentile: 0.2,
            strategy: ParallelStrategy::Dp,
        };
        let beads = align_pair(&s, &t, None, None, None, &mode).unwrap();
        let covered: Vec<usize> = beads.iter().flat_map(|b| b.source.clone()).collect();
        assert_eq!(covered, vec![0, 1, 2]);
        assert!(beads.iter().all(|b| b.score.is_none()));
    }

    #[test]
    fn an_empty_side_gives_deletions_or_nothing() {
        let some = unit_rows(&[[1., 0., 0., 0.], [0., 1., 0., 0.]]);
        let none = Array2::<f32>::zeros((0, 4));
        let (some, none) = (
            Overlaps::by_summing(some.view(), 3),
            Overlaps::by_summing(none.view(), 3),
        );
        let parallel = PairMode::Parallel {
            max_bead: 3,
            deletion_percentile: 0.2,
            strategy: ParallelStrategy::Dp,
        };
        let beads = align_pair(&some, &none, None, None, None, &parallel).unwrap();
        assert!(beads.iter().all(|b| b.target.is_empty()));
        assert_eq!(beads.iter().map(|b| b.source.len()).sum::<usize>(), 2);
    }

    #[test]
    fn comparable_needs_a_calibration_and_runs_of_two() {
        let one = unit_rows(&[[1., 0., 0., 0.], [0., 1., 0., 0.]]);
        let single = Overlaps::by_summing(one.view(), 1);
        let pairs = Overlaps::by_summing(one.view(), 2);
        let lone = Overlaps::by_summing(one.slice(ndarray::s![..1, ..]), 2);
        let mode = PairMode::Comparable { min_score: 0.5 };
        assert_eq!(
            align_pair(&pairs, &pairs, None, None, None, &mode),
            Err(PairError::NoCalibration)
        );
        assert_eq!(
            align_pair(&single, &single, None, None, None, &mode),
            Err(PairError::RunsTooShort { needed: 2, held: 1 })
        );
        // A one-sentence document has no runs of two, and needs none.
        assert_eq!(
            align_pair(
                &lone,
                &pairs,
                None,
                None,
                None,
                &PairMode::Parallel {
                    max_bead: 2,
                    deletion_percentile: 0.2,
                    strategy: ParallelStrategy::TwoStep,
                }
            )
            .unwrap()
            .len(),
            2
        );
    }
}
