//! Calibrated scores: the probability that a pair is a translation, from its margin and cosine.
//!
//! Raw cosines mean different things for different models (unrelated Sorani–Arabic pairs score
//! 0.75–0.80 with e5, translations 0.87–0.90), so a threshold on them does not transfer. A
//! logistic regression fitted on gold pairs and hard negatives maps (margin, cosine) to a
//! probability, so that one threshold (0.5) means the same for every model. The fitted
//! parameters live in the model directory (`pird-calibration.json`), never in code.

use crate::anchor_score::AnchorScorer;
use linfa::traits::Fit;
use linfa::Dataset;
use linfa_logistic::LogisticRegression;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// File name of a model's calibration inside its directory.
pub const CALIBRATION_FILE: &str = "pird-calibration.json";

/// Why a calibration could not be fitted, read or written.
#[derive(Debug, thiserror::Error)]
pub enum CalibrationError {
    /// Fitting needs both positive and negative examples.
    #[error("calibration needs positive and negative examples (got {positives} and {negatives})")]
    TooFewExamples {
        /// Positive examples given.
        positives: usize,
        /// Negative examples given.
        negatives: usize,
    },
    /// The optimiser failed.
    #[error("logistic regression failed: {0}")]
    Fit(String),
    /// The file could not be read or written.
    #[error("{}: {message}", path.display())]
    File {
        /// The calibration file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// Features of a candidate pair that the calibration reads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairFeatures {
    /// Ratio margin of the centred vectors (plus the anchor bonus when the calibration has anchors).
    pub margin: f32,
    /// Cosine of the raw vectors.
    pub cosine: f32,
}

/// What the document stage reads of a mined pair: its own features, and those of its diagonal
/// neighbour when one was mined too (see [`crate::mining::aligned_neighbours`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CandidateEvidence {
    /// The pair's margin and cosine.
    pub features: PairFeatures,
    /// The features of the pair mined right after or right before it on both sides, if any.
    pub neighbour: Option<PairFeatures>,
}

/// The candidates mined from one document pair, each marked correct or wrong by the gold: the
/// unit a calibration is fitted on, since a pair's score also reads its document pair's evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct MinedCase {
    /// Sentences of the source and target documents.
    pub sizes: (usize, usize),
    /// Each mined pair's evidence and whether it is a translation.
    pub pairs: Vec<(CandidateEvidence, bool)>,
    /// Cases of one group (e.g. built from one document) are held out together when the
    /// reliability is measured.
    pub group: usize,
}

impl MinedCase {
    /// The evidence of each mined pair, in order.
    pub fn evidence(&self) -> Vec<CandidateEvidence> {
        self.pairs.iter().map(|(e, _)| *e).collect()
    }
}

/// Weights of the document-pair evidence: how the pair's own logit and what the other mined
/// pairs of its document pair say combine into the final probability.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DocumentWeights {
    /// Weight of the pair's own logit (the pair-level calibration).
    pub pair_weight: f64,
    /// Weight of the support's share of the shorter document's other sentences, the support
    /// being the summed pair-level probabilities of the other mined pairs of the document pair.
    pub share_weight: f64,
    /// Weight of the pair-level probability of the mined diagonal neighbour (0 without one).
    pub neighbour_weight: f64,
    /// Weight of that probability times the share of the document pair's likely pairs (pair
    /// level ≥ 0.5) that have a mined diagonal neighbour: how much the two documents keep order.
    pub ordered_neighbour_weight: f64,
    /// Intercept.
    pub intercept: f64,
}

/// One bin of a reliability table: pairs whose predicted probability fell in `lower..upper`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    /// Lowest probability of the bin.
    pub lower: f32,
    /// Upper bound of the bin (exclusive, except 1.0).
    pub upper: f32,
    /// Pairs predicted in the bin.
    pub pairs: usize,
    /// Their mean predicted probability.
    pub predicted: f32,
    /// The share of them that are translations.
    pub observed: f32,
}

/// A fitted logistic calibration. The pair-level probability is
/// `σ(w_margin · margin + w_cosine · cosine + b)`; with [`DocumentWeights`], a mined pair's
/// final probability also weighs the other pairs mined from its document pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Weight of the margin.
    pub margin_weight: f64,
    /// Weight of the cosine.
    pub cosine_weight: f64,
    /// Intercept.
    pub intercept: f64,
    /// The document-pair stage of mined pairs (absent: each pair is scored alone).
    #[serde(default)]
    pub document: Option<DocumentWeights>,
    /// What the calibration was fitted on (data set and method), for the record.
    pub fitted_on: String,
    /// Number of positive examples.
    pub positives: usize,
    /// Number of negative examples.
    pub negatives: usize,
    /// The anchor weights the margins were computed with (absent: fitted without anchors, and
    /// margins must then be computed without them too).
    #[serde(default)]
    pub anchors: Option<AnchorScorer>,
    /// How the embedded texts were prepared when it was fitted (the embedder's text form); a
    /// calibration whose background was embedded from another form no longer matches the model.
    #[serde(default)]
    pub text_form: Option<String>,
    /// Predicted against observed probability on documents held out of the fit (by fold).
    #[serde(default)]
    pub reliability: Vec<ReliabilityBin>,
}

/// Pair logits are clipped to this magnitude before the document stage (beyond it a pair's
/// own evidence is already decisive, and the fit stays well conditioned).
const LOGIT_CLIP: f64 = 20.0;

/// The support's share is read as if `.0` more sentences with a share of `.1` had been seen: a
/// pair of three-sentence documents says little about whether they tell one story.
const SHARE_PRIOR: (f64, f64) = (8.0, 0.5);

/// Bins of the reliability table.
const RELIABILITY_BINS: usize = 10;

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Fits `P(label) = σ(w · x + b)` by L2-light logistic regression.
fn fit_logistic(rows: &[Vec<f64>], labels: &[bool]) -> Result<(Vec<f64>, f64), CalibrationError> {
    let positives = labels.iter().filter(|&&l| l).count();
    if positives == 0 || positives == labels.len() {
        return Err(CalibrationError::TooFewExamples {
            positives,
            negatives: labels.len() - positives,
        });
    }
    let width = rows[0].len();
    let records = ndarray16::Array2::from_shape_vec((rows.len(), width), rows.concat())
        .expect("rows of one width");
    let dataset = Dataset::new(records, ndarray16::Array1::from(labels.to_vec()));
    let fitted = LogisticRegression::default()
        .alpha(1e-4)
        .max_iterations(500)
        .fit(&dataset)
        .map_err(|e| CalibrationError::Fit(e.to_string()))?;
    // linfa models the probability of its "positive" class, the more frequent label; turn it
    // into the probability of `true` (a translation) whichever that is.
    let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
    let weights = fitted.params().iter().map(|w| sign * w).collect();
    Ok((weights, sign * fitted.intercept()))
}

/// The document stage's inputs for each pair of one document pair: its clipped pair logit, the
/// support's share of the shorter document's other sentences, the pair-level probability of its
/// mined diagonal neighbour (0 without one), and that times the share of likely pairs with a
/// mined neighbour.
fn document_inputs(
    calibration: &Calibration,
    pair_logits: &[f64],
    pairs: &[CandidateEvidence],
    sizes: (usize, usize),
) -> Vec<[f64; 4]> {
    let probabilities: Vec<f64> = pair_logits.iter().map(|&z| sigmoid(z)).collect();
    let total: f64 = probabilities.iter().sum();
    let others = (sizes.0.min(sizes.1).max(1) - 1) as f64;
    let likely = probabilities.iter().filter(|&&p| p >= 0.5).count();
    let likely_with_neighbour = probabilities
        .iter()
        .zip(pairs)
        .filter(|(&p, pair)| p >= 0.5 && pair.neighbour.is_some())
        .count();
    let order = likely_with_neighbour as f64 / likely.max(1) as f64;
    pair_logits
        .iter()
        .zip(&probabilities)
        .zip(pairs)
        .map(|((&z, &p), pair)| {
            let support = (total - p).max(0.0);
            let neighbour = pair
                .neighbour
                .map_or(0.0, |n| sigmoid(calibration.pair_logit(n)));
            [
                z.clamp(-LOGIT_CLIP, LOGIT_CLIP),
                (support + SHARE_PRIOR.0 * SHARE_PRIOR.1) / (others + SHARE_PRIOR.0),
                neighbour,
                neighbour * order,
            ]
        })
        .collect()
}

impl Calibration {
    /// Fits the pair-level calibration on positive (translation) and negative pairs.
    pub fn fit(
        positives: &[PairFeatures],
        negatives: &[PairFeatures],
        fitted_on: &str,
    ) -> Result<Self, CalibrationError> {
        if positives.is_empty() || negatives.is_empty() {
            return Err(CalibrationError::TooFewExamples {
                positives: positives.len(),
                negatives: negatives.len(),
            });
        }
        let rows: Vec<Vec<f64>> = positives
            .iter()
            .chain(negatives)
            .map(|f| vec![f64::from(f.margin), f64::from(f.cosine)])
            .collect();
        let labels: Vec<bool> = (0..rows.len()).map(|r| r < positives.len()).collect();
        let (weights, intercept) = fit_logistic(&rows, &labels)?;
        Ok(Self {
            margin_weight: weights[0],
            cosine_weight: weights[1],
            intercept,
            document: None,
            fitted_on: fitted_on.to_string(),
            positives: positives.len(),
            negatives: negatives.len(),
            anchors: None,
            text_form: None,
            reliability: Vec::new(),
        })
    }

    /// Fits both stages on mined document pairs: the pair-level calibration on every pair,
    /// then the document stage on each pair's logit and its document pair's support.
    pub fn fit_documents(cases: &[MinedCase], fitted_on: &str) -> Result<Self, CalibrationError> {
        let (positives, negatives): (Vec<_>, Vec<_>) = cases
            .iter()
            .flat_map(|c| c.pairs.iter())
            .partition(|(_, correct)| *correct);
        let features = |set: Vec<&(CandidateEvidence, bool)>| {
            set.into_iter().map(|(e, _)| e.features).collect::<Vec<_>>()
        };
        let mut calibration = Self::fit(&features(positives), &features(negatives), fitted_on)?;
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        for case in cases {
            let evidence = case.evidence();
            let logits: Vec<f64> = evidence
                .iter()
                .map(|e| calibration.pair_logit(e.features))
                .collect();
            let inputs = document_inputs(&calibration, &logits, &evidence, case.sizes);
            for (inputs, (_, correct)) in inputs.into_iter().zip(&case.pairs) {
                rows.push(inputs.to_vec());
                labels.push(*correct);
            }
        }
        let (weights, intercept) = fit_logistic(&rows, &labels)?;
        calibration.document = Some(DocumentWeights {
            pair_weight: weights[0],
            share_weight: weights[1],
            neighbour_weight: weights[2],
            ordered_neighbour_weight: weights[3],
            intercept,
        });
        Ok(calibration)
    }

    /// Predicted against observed probability of every pair of `cases`, each scored by a
    /// calibration fitted without its group (`folds` folds of groups).
    pub fn cross_fitted_reliability(
        cases: &[MinedCase],
        folds: usize,
    ) -> Result<Vec<ReliabilityBin>, CalibrationError> {
        let mut scored = Vec::new();
        for fold in 0..folds.max(2) {
            let held_out = |c: &&MinedCase| c.group % folds.max(2) == fold;
            let train: Vec<MinedCase> = cases.iter().filter(|c| !held_out(c)).cloned().collect();
            let calibration = Self::fit_documents(&train, "fold")?;
            for case in cases.iter().filter(held_out) {
                let evidence = case.evidence();
                let probabilities = calibration.document_probabilities(&evidence, case.sizes);
                scored.extend(
                    probabilities
                        .into_iter()
                        .zip(case.pairs.iter().map(|(_, c)| *c)),
                );
            }
        }
        Ok(reliability_bins(&scored))
    }

    /// The pair-level logit of a pair with these features.
    pub fn pair_logit(&self, features: PairFeatures) -> f64 {
        self.margin_weight * f64::from(features.margin)
            + self.cosine_weight * f64::from(features.cosine)
            + self.intercept
    }

    /// The probability that a pair with these features is a translation, from the pair alone.
    pub fn probability(&self, features: PairFeatures) -> f32 {
        sigmoid(self.pair_logit(features)) as f32
    }

    /// The probability of each pair mined from one document pair of `sizes` sentences: its own
    /// evidence weighed with the other mined pairs' (with no document stage, each pair alone).
    pub fn document_probabilities(
        &self,
        pairs: &[CandidateEvidence],
        sizes: (usize, usize),
    ) -> Vec<f32> {
        let logits: Vec<f64> = pairs.iter().map(|e| self.pair_logit(e.features)).collect();
        let Some(stage) = self.document else {
            return logits.into_iter().map(|z| sigmoid(z) as f32).collect();
        };
        document_inputs(self, &logits, pairs, sizes)
            .into_iter()
            .map(|[z, share, neighbour, ordered_neighbour]| {
                sigmoid(
                    stage.pair_weight * z
                        + stage.share_weight * share
                        + stage.neighbour_weight * neighbour
                        + stage.ordered_neighbour_weight * ordered_neighbour
                        + stage.intercept,
                ) as f32
            })
            .collect()
    }

    /// Reads the calibration stored in a model directory, if there is one.
    pub fn load(model_dir: &Path) -> Result<Option<Self>, CalibrationError> {
        let path = model_dir.join(CALIBRATION_FILE);
        if !path.is_file() {
            return Ok(None);
        }
        let error = |message: String| CalibrationError::File {
            path: path.clone(),
            message,
        };
        let text = std::fs::read_to_string(&path).map_err(|e| error(e.to_string()))?;
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| error(format!("not a pird calibration: {e}")))
    }

    /// The calibration as the JSON text of [`CALIBRATION_FILE`], which [`Calibration::load`]
    /// reads (pird-io writes it atomically).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a calibration serialises") + "\n"
    }
}

/// Pairs `(predicted, correct)` in [`RELIABILITY_BINS`] equal-width bins of the prediction
/// (empty bins left out).
pub fn reliability_bins(scored: &[(f32, bool)]) -> Vec<ReliabilityBin> {
    let mut bins = Vec::new();
    for b in 0..RELIABILITY_BINS {
        let lower = b as f32 / RELIABILITY_BINS as f32;
        let upper = (b + 1) as f32 / RELIABILITY_BINS as f32;
        let last = b + 1 == RELIABILITY_BINS;
        let inside: Vec<&(f32, bool)> = scored
            .iter()
            .filter(|(p, _)| *p >= lower && (*p < upper || (last && *p <= upper)))
            .collect();
        if inside.is_empty() {
            continue;
        }
        let n = inside.len() as f32;
        bins.push(ReliabilityBin {
            lower,
            upper,
            pairs: inside.len(),
            predicted: inside.iter().map(|(p, _)| p).sum::<f32>() / n,
            observed: inside.iter().filter(|(_, c)| *c).count() as f32 / n,
        });
    }
    bins
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(margin: f32, cosine: f32) -> PairFeatures {
        PairFeatures { margin, cosine }
    }

    #[test]
    fn overlapping_scores_give_graded_probabilities() {
        // Positives have margins 1.0–1.4, negatives 0.8–1.2: the classes overlap around 1.1.
        let positives: Vec<_> = (0..50)
            .map(|i| pair(1.0 + i as f32 * 0.008, 0.85))
            .collect();
        // Twice as many negatives as positives, as `pird model calibrate` gives.
        let negatives: Vec<_> = (0..100)
            .map(|i| pair(0.8 + i as f32 * 0.004, 0.85))
            .collect();
        let calibration = Calibration::fit(&positives, &negatives, "synthetic").unwrap();
        assert!(calibration.probability(pair(1.4, 0.85)) > 0.9);
        assert!(calibration.probability(pair(0.8, 0.85)) < 0.1);
        let middle = calibration.probability(pair(1.1, 0.85));
        assert!(middle > 0.3 && middle < 0.7, "{middle}");
    }

    #[test]
    fn stored_next_to_the_model_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Calibration::load(dir.path()).unwrap(), None);
        let calibration = Calibration {
            margin_weight: 12.5,
            cosine_weight: 3.0,
            intercept: -15.0,
            fitted_on: "test".into(),
            positives: 1,
            negatives: 1,
            anchors: Some(AnchorScorer::default()),
            text_form: Some("test form".into()),
            document: Some(DocumentWeights {
                pair_weight: 1.0,
                share_weight: 2.0,
                neighbour_weight: 1.0,
                ordered_neighbour_weight: 0.5,
                intercept: -1.0,
            }),
            reliability: reliability_bins(&[(0.9, true), (0.1, false)]),
        };
        std::fs::write(dir.path().join(CALIBRATION_FILE), calibration.to_json()).unwrap();
        assert_eq!(Calibration::load(dir.path()).unwrap(), Some(calibration));
        std::fs::write(dir.path().join(CALIBRATION_FILE), "{}").unwrap();
        assert!(Calibration::load(dir.path()).is_err());
    }

    fn evidence(margin: f32) -> CandidateEvidence {
        CandidateEvidence {
            features: pair(margin, 0.85),
            neighbour: None,
        }
    }

    /// One story: 6 of 8 sentences pair up strongly, the rest weakly; another story on the
    /// same topic: one pair looks as strong as a translation, the others are weak.
    fn cases() -> Vec<MinedCase> {
        let mut cases = Vec::new();
        for group in 0..20 {
            let jitter = group as f32 * 0.002;
            let mut one_story: Vec<(CandidateEvidence, bool)> = (0..6)
                .map(|i| (evidence(1.3 + jitter + i as f32 * 0.01), true))
                .collect();
            one_story.push((evidence(1.05 + jitter), false));
            one_story.push((evidence(1.0 + jitter), false));
            cases.push(MinedCase {
                sizes: (8, 8),
                pairs: one_story,
                group,
            });
            let mut two_stories = vec![(evidence(1.3 + jitter), false)];
            two_stories.extend((0..6).map(|i| (evidence(1.0 + jitter + i as f32 * 0.01), false)));
            // A few true pairs between loosely related documents keep the classes overlapping.
            two_stories.push((evidence(1.31 + jitter), group % 4 == 0));
            cases.push(MinedCase {
                sizes: (8, 8),
                pairs: two_stories,
                group,
            });
        }
        cases
    }

    #[test]
    fn the_document_pair_tells_one_story_from_two() {
        let cases = cases();
        let calibration = Calibration::fit_documents(&cases, "synthetic").unwrap();
        let stage = calibration.document.expect("a document stage");
        assert!(stage.share_weight > 0.0, "{stage:?}");
        // The same strong pair scores high among strong pairs and low among weak ones.
        let strong = evidence(1.33);
        let among = |others: f32| {
            let mut pairs = vec![strong];
            pairs.extend((0..5).map(|_| evidence(others)));
            calibration.document_probabilities(&pairs, (8, 8))[0]
        };
        let alone = calibration.probability(pair(1.33, 0.85));
        assert!(
            among(1.33) > alone && among(1.0) < alone / 10.0,
            "{} {alone} {}",
            among(1.33),
            among(1.0)
        );
        // Held out by group, the probabilities still track the observed rates.
        let bins = Calibration::cross_fitted_reliability(&cases, 2).unwrap();
        let pairs: usize = bins.iter().map(|b| b.pairs).sum();
        assert_eq!(pairs, cases.iter().map(|c| c.pairs.len()).sum::<usize>());
        for bin in bins.iter().filter(|b| b.pairs >= 20) {
            assert!((bin.predicted - bin.observed).abs() < 0.2, "{bin:?}");
        }
    }

    #[test]
    fn reliability_bins_average_each_tenth() {
        let bins = reliability_bins(&[(0.05, false), (0.95, true), (0.91, false), (1.0, true)]);
        assert_eq!(bins.len(), 2);
        assert_eq!((bins[0].pairs, bins[0].observed), (1, 0.0));
        assert_eq!(bins[1].pairs, 3);
        assert!((bins[1].observed - 2.0 / 3.0).abs() < 1e-6);
        assert!((bins[1].predicted - 0.9533).abs() < 1e-3);
    }

    #[test]
    fn no_negatives_is_an_error() {
        assert!(Calibration::fit(&[pair(1.0, 0.9)], &[], "x").is_err());
    }
}
