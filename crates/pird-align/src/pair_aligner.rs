//! One document pair aligned end to end: the parallel search or the comparable miner, and every
//! bead's raw cosine, centred margin and calibrated score.
//!
//! [`PairAligner`] is the only path from two documents' run vectors to scored beads: `pird
//! align`, `pird batch`, the evaluation suite and `pird model calibrate` all go through it, so
//! that the calibration describes the miner users run and a figure measured by the suite is the
//! figure a user gets.

use crate::anchor_score::{AnchorEvidence, AnchorScorer};
use crate::bead_cost::CostConfig;
use crate::bead_search::{align_parallel, Bead, ParallelConfig};
use crate::calibration::{Calibration, CandidateEvidence, PairFeatures};
use crate::margin::DEFAULT_K;
use crate::mining::{aligned_neighbours, mine_with_scorer, MiningConfig};
use crate::overlap::Overlaps;
use crate::pair_score::{mean_row, Background, NeighbourSearch, PairScorer};
use crate::two_step::{align_two_step, anchor_chain};
use ndarray::{Array1, ArrayView1};
use pird_text::Lang;
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

/// Why a pair could not be aligned, or an aligner not built.
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
    /// A document has no sentences: there is nothing to align.
    #[error("the {side} document has no sentences")]
    EmptyDocument {
        /// `source` or `target`.
        side: &'static str,
    },
    /// Vectors of different dimensions met (the two documents, a document and the model's
    /// background, or the background's two languages).
    #[error(
        "vectors of {expected} dimensions met vectors of {found}: were they embedded by one model?"
    )]
    Dimension {
        /// The first dimension (the source document's, or the background's source side).
        expected: usize,
        /// The other dimension.
        found: usize,
    },
    /// A side's texts do not match its vectors.
    #[error("the {side} document has {texts} texts but {vectors} sentence vectors")]
    TextsAndVectors {
        /// `source` or `target`.
        side: &'static str,
        /// Texts given.
        texts: usize,
        /// Sentence vectors given.
        vectors: usize,
    },
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

/// One document of a pair: its run vectors, and its sentences and language for anchors.
#[derive(Debug, Clone, Copy)]
pub struct PairSide<'a> {
    /// Vectors of every run of up to [`PairAligner::longest_run`] sentences.
    pub runs: &'a Overlaps,
    /// The sentences (anchors are read from them when the language is known).
    pub texts: &'a [String],
    /// The document's language, if known.
    pub lang: Option<Lang>,
}

/// A pair the comparable miner proposes, with its scores before any threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct MinedCandidate {
    /// Source sentence indices.
    pub source: Range<usize>,
    /// Target sentence indices.
    pub target: Range<usize>,
    /// Raw cosine and centred margin (with the anchor bonus) of the two runs, and those of its
    /// mined diagonal neighbour.
    pub evidence: CandidateEvidence,
}

/// Aligns document pairs in one mode with one model's background, calibration and anchor
/// weights; built once, checked when built, and used for every pair.
#[derive(Debug, Clone)]
pub struct PairAligner {
    mode: PairMode,
    background: Option<Background>,
    calibration: Option<Calibration>,
    anchors: Option<AnchorScorer>,
}

impl PairAligner {
    /// An aligner in `mode` with the model's `background` (language means and margin
    /// neighbourhoods) and `calibration` (scores, and the anchor weights its margins include).
    pub fn new(
        mode: PairMode,
        background: Option<Background>,
        calibration: Option<Calibration>,
    ) -> Result<Self, PairError> {
        match &mode {
            PairMode::Parallel { max_bead: 0, .. } => return Err(PairError::EmptyBead),
            PairMode::Comparable { .. } if calibration.is_none() => {
                return Err(PairError::NoCalibration)
            }
            _ => {}
        }
        if let Some(b) = &background {
            if b.source.ncols() != b.target.ncols() {
                return Err(PairError::Dimension {
                    expected: b.source.ncols(),
                    found: b.target.ncols(),
                });
            }
        }
        let anchors = calibration.as_ref().and_then(|c| c.anchors);
        Ok(Self {
            mode,
            background,
            calibration,
            anchors,
        })
    }

    /// A comparable miner without a calibration, whose margins include `anchors`: the
    /// candidates [`Self::mine_candidates`] gives are the examples a calibration is fitted on.
    pub fn uncalibrated_miner(background: Option<Background>, anchors: AnchorScorer) -> Self {
        Self {
            mode: PairMode::Comparable { min_score: 0.0 },
            background,
            calibration: None,
            anchors: Some(anchors),
        }
    }

    /// The mode pairs are aligned in.
    pub fn mode(&self) -> &PairMode {
        &self.mode
    }

    /// The longest sentence run whose vector the aligner reads: the runs of up to this many
    /// sentences that each [`PairSide`] must hold.
    pub fn longest_run(&self) -> usize {
        self.mode.longest_run()
    }

    /// Aligns one document pair: the parallel path, or the comparable pairs whose calibrated
    /// score reaches the mode's `min_score`, best first.
    pub fn align(
        &self,
        source: PairSide<'_>,
        target: PairSide<'_>,
    ) -> Result<Vec<AlignedBead>, PairError> {
        match &self.mode {
            PairMode::Parallel {
                max_bead,
                deletion_percentile,
                strategy,
            } => {
                let scorer = self.scorer(source, target)?;
                let config = ParallelConfig {
                    shapes: bead_shapes(*max_bead),
                    cost: CostConfig {
                        deletion_percentile: *deletion_percentile,
                        ..CostConfig::default()
                    },
                    ..ParallelConfig::default()
                };
                let beads =
                    self.parallel_path(&scorer, (source.runs, target.runs), &config, *strategy);
                Ok(beads
                    .into_iter()
                    .map(|b| {
                        let (cosine, margin) = scorer.score(&b.source, &b.target);
                        let score = (!b.source.is_empty() && !b.target.is_empty())
                            .then_some(self.calibration.as_ref())
                            .flatten()
                            .map(|c| c.probability(PairFeatures { margin, cosine }));
                        AlignedBead {
                            source: b.source,
                            target: b.target,
                            cosine,
                            margin,
                            score,
                        }
                    })
                    .collect())
            }
            PairMode::Comparable { min_score } => {
                let calibration = self.calibration.as_ref().ok_or(PairError::NoCalibration)?;
                let candidates = self.mine_candidates(source, target)?;
                let evidence: Vec<CandidateEvidence> =
                    candidates.iter().map(|c| c.evidence).collect();
                let scores = calibration
                    .document_probabilities(&evidence, (source.runs.len(), target.runs.len()));
                Ok(candidates
                    .into_iter()
                    .zip(scores)
                    .filter(|(_, p)| *p >= *min_score)
                    .map(|(c, p)| AlignedBead {
                        source: c.source,
                        target: c.target,
                        cosine: c.evidence.features.cosine,
                        margin: c.evidence.features.margin,
                        score: Some(p),
                    })
                    .collect())
            }
        }
    }

    /// Every pair the comparable miner proposes for a document pair, best margin first, with
    /// the features its calibrated score is computed from (any mode's aligner mines the same).
    pub fn mine_candidates(
        &self,
        source: PairSide<'_>,
        target: PairSide<'_>,
    ) -> Result<Vec<MinedCandidate>, PairError> {
        let scorer = self.scorer(source, target)?;
        let mined = mine_with_scorer(&scorer, source.runs, target.runs, &MiningConfig::default());
        let features = |k: usize| PairFeatures {
            margin: mined[k].margin,
            cosine: mined[k].cosine,
        };
        Ok(aligned_neighbours(&mined)
            .into_iter()
            .enumerate()
            .map(|(k, neighbour)| MinedCandidate {
                source: mined[k].source.clone(),
                target: mined[k].target.clone(),
                evidence: CandidateEvidence {
                    features: features(k),
                    neighbour: neighbour.map(features),
                },
            })
            .collect())
    }

    /// Checks the two sides and builds their scorer (margins with anchors when the aligner
    /// weighs anchors and both languages are known).
    fn scorer<'s>(
        &self,
        source: PairSide<'s>,
        target: PairSide<'s>,
    ) -> Result<PairScorer<'s>, PairError> {
        let needed = self.longest_run();
        let dimension = source.runs.dim();
        for (side, name) in [(source, "source"), (target, "target")] {
            if side.runs.is_empty() {
                return Err(PairError::EmptyDocument { side: name });
            }
            if side.texts.len() != side.runs.len() {
                return Err(PairError::TextsAndVectors {
                    side: name,
                    texts: side.texts.len(),
                    vectors: side.runs.len(),
                });
            }
            // A document shorter than the longest run has no such runs to hold.
            if side.runs.max_len() < needed.min(side.runs.len()) {
                return Err(PairError::RunsTooShort {
                    needed,
                    held: side.runs.max_len(),
                });
            }
        }
        for other in [
            Some(target.runs.dim()),
            self.background.as_ref().map(|b| b.source.ncols()),
        ]
        .into_iter()
        .flatten()
        {
            if other != dimension {
                return Err(PairError::Dimension {
                    expected: dimension,
                    found: other,
                });
            }
        }
        let search = match self.mode {
            // Translations' partners lie near the diagonal: a band keeps the time linear.
            PairMode::Parallel { .. } => NeighbourSearch::NearDiagonal {
                window: PARALLEL_NEIGHBOUR_WINDOW,
            },
            PairMode::Comparable { .. } => NeighbourSearch::Exhaustive,
        };
        let mut scorer = PairScorer::build(
            source.runs,
            target.runs,
            self.background.as_ref(),
            DEFAULT_K,
            search,
        );
        // Anchors need both languages (month names and word keys depend on them).
        if let (Some(weights), Some(source_lang), Some(target_lang)) =
            (self.anchors, source.lang, target.lang)
        {
            scorer = scorer.with_anchors(AnchorEvidence::new(
                (source.texts, source_lang),
                (target.texts, target_lang),
                weights,
            ));
        }
        Ok(scorer)
    }

    /// The parallel search's beads over centred runs.
    fn parallel_path(
        &self,
        scorer: &PairScorer<'_>,
        (source, target): (&Overlaps, &Overlaps),
        config: &ParallelConfig,
        strategy: ParallelStrategy,
    ) -> Vec<Bead> {
        let background = self.background.as_ref();
        // The search compares centred runs: raw similarity is mostly language identity. A
        // translation's own sentences estimate its language means best (the background may be
        // another genre); a short one borrows from the background's.
        let source_mean = shrunk_mean(source, scorer.centred_source.mean(), background);
        let target_mean = shrunk_mean(target, scorer.centred_target.mean(), background);
        let centred_source = source.centred_on(source_mean.view());
        let centred_target = target.centred_on(target_mean.view());
        let reference = background.map(|b| b.centred_on(source_mean.view(), target_mean.view()));
        match strategy {
            ParallelStrategy::Dp => {
                align_parallel(&centred_source, &centred_target, config, reference.as_ref())
                    .into_iter()
                    .map(|scored| scored.bead)
                    .collect()
            }
            ParallelStrategy::TwoStep => align_two_step(
                &centred_source,
                &centred_target,
                &anchor_chain(scorer),
                config,
                reference.as_ref(),
            ),
        }
    }
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

    fn texts(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("sentence {i}")).collect()
    }

    fn side<'a>(runs: &'a Overlaps, texts: &'a [String]) -> PairSide<'a> {
        PairSide {
            runs,
            texts,
            lang: None,
        }
    }

    fn parallel(max_bead: usize, strategy: ParallelStrategy) -> PairMode {
        PairMode::Parallel {
            max_bead,
            deletion_percentile: 0.2,
            strategy,
        }
    }

    /// A calibration that grows with the margin (as fitted ones do).
    fn calibration() -> Calibration {
        Calibration {
            margin_weight: 10.0,
            cosine_weight: 0.0,
            intercept: -10.0,
            document: None,
            fitted_on: "test".into(),
            positives: 1,
            negatives: 1,
            anchors: None,
            text_form: None,
            reliability: Vec::new(),
        }
    }

    #[test]
    fn parallel_pair_covers_every_sentence_in_order() {
        let source = unit_rows(&[[1., 0., 0., 0.], [0., 1., 0., 0.], [0., 0., 1., 0.]]);
        let target = unit_rows(&[[1., 0.1, 0., 0.], [0., 1., 0.1, 0.], [0.1, 0., 1., 0.]]);
        let (s, t) = (
            Overlaps::by_summing(source.view(), 3),
            Overlaps::by_summing(target.view(), 3),
        );
        let aligner = PairAligner::new(parallel(3, ParallelStrategy::Dp), None, None).unwrap();
        let beads = aligner
            .align(side(&s, &texts(3)), side(&t, &texts(3)))
            .unwrap();
        let covered: Vec<usize> = beads.iter().flat_map(|b| b.source.clone()).collect();
        assert_eq!(covered, vec![0, 1, 2]);
        assert!(beads.iter().all(|b| b.score.is_none()));
    }

    #[test]
    fn an_empty_document_is_an_error_in_both_modes() {
        let some = unit_rows(&[[1., 0., 0., 0.], [0., 1., 0., 0.]]);
        let some = Overlaps::by_summing(some.view(), 3);
        let none = Overlaps::by_summing(Array2::<f32>::zeros((0, 4)).view(), 3);
        for mode in [
            parallel(3, ParallelStrategy::Dp),
            PairMode::Comparable { min_score: 0.5 },
        ] {
            let aligner = PairAligner::new(mode, None, Some(calibration())).unwrap();
            assert_eq!(
                aligner.align(side(&some, &texts(2)), side(&none, &[])),
                Err(PairError::EmptyDocument { side: "target" })
            );
            assert_eq!(
                aligner.align(side(&none, &[]), side(&some, &texts(2))),
                Err(PairError::EmptyDocument { side: "source" })
            );
        }
    }

    #[test]
    fn the_aligner_is_checked_when_built() {
        assert_eq!(
            PairAligner::new(PairMode::Comparable { min_score: 0.5 }, None, None).unwrap_err(),
            PairError::NoCalibration
        );
        assert_eq!(
            PairAligner::new(parallel(0, ParallelStrategy::Dp), None, None).unwrap_err(),
            PairError::EmptyBead
        );
        let background = Background {
            source: Array2::zeros((2, 4)),
            target: Array2::zeros((2, 3)),
        };
        assert!(matches!(
            PairAligner::new(parallel(2, ParallelStrategy::Dp), Some(background), None),
            Err(PairError::Dimension { .. })
        ));
    }

    #[test]
    fn comparable_reads_runs_of_two_and_texts_must_match() {
        let one = unit_rows(&[[1., 0., 0., 0.], [0., 1., 0., 0.]]);
        let single = Overlaps::by_summing(one.view(), 1);
        let pairs = Overlaps::by_summing(one.view(), 2);
        let lone = Overlaps::by_summing(one.slice(ndarray::s![..1, ..]), 2);
        let miner = PairAligner::new(
            PairMode::Comparable { min_score: 0.5 },
            None,
            Some(calibration()),
        )
        .unwrap();
        assert_eq!(
            miner.align(side(&single, &texts(2)), side(&single, &texts(2))),
            Err(PairError::RunsTooShort { needed: 2, held: 1 })
        );
        assert!(matches!(
            miner.align(side(&pairs, &texts(3)), side(&pairs, &texts(2))),
            Err(PairError::TextsAndVectors { side: "source", .. })
        ));
        // A one-sentence document has no runs of two, and needs none.
        let aligner = PairAligner::new(parallel(2, ParallelStrategy::TwoStep), None, None).unwrap();
        assert_eq!(
            aligner
                .align(side(&lone, &texts(1)), side(&pairs, &texts(2)))
                .unwrap()
                .len(),
            2
        );
        assert!(miner
            .align(side(&lone, &texts(1)), side(&pairs, &texts(2)))
            .is_ok());
    }
}
