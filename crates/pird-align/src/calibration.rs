//! Calibrated scores: the probability that a pair is a translation, from its margin and cosine.
//!
//! Raw cosines mean different things for different models (unrelated Sorani–Arabic pairs score
//! 0.75–0.80 with e5, translations 0.87–0.90), so a threshold on them does not transfer. A
//! logistic regression fitted on gold pairs and hard negatives maps (margin, cosine) to a
//! probability, so that one threshold (0.5) means the same for every model. The fitted
//! parameters live in the model directory (`pird-calibration.json`), never in code.

use crate::anchor_score::{AnchorEvidence, AnchorScorer};
use linfa::traits::Fit;
use linfa::Dataset;
use linfa_logistic::LogisticRegression;
use pird_text::Lang;
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

/// A fitted logistic calibration: `P = σ(w_margin · margin + w_cosine · cosine + b)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Weight of the margin.
    pub margin_weight: f64,
    /// Weight of the cosine.
    pub cosine_weight: f64,
    /// Intercept.
    pub intercept: f64,
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
}

impl Calibration {
    /// Fits the calibration on positive (translation) and negative pairs.
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
        let rows = positives.len() + negatives.len();
        let features: Vec<f64> = positives
            .iter()
            .chain(negatives)
            .flat_map(|f| [f64::from(f.margin), f64::from(f.cosine)])
            .collect();
        let labels: Vec<bool> = (0..rows).map(|r| r < positives.len()).collect();
        let records =
            ndarray16::Array2::from_shape_vec((rows, 2), features).expect("two features a row");
        let dataset = Dataset::new(records, ndarray16::Array1::from(labels));
        let fitted = LogisticRegression::default()
            .alpha(1e-4)
            .max_iterations(500)
            .fit(&dataset)
            .map_err(|e| CalibrationError::Fit(e.to_string()))?;
        // linfa models the probability of its "positive" class, the more frequent label; turn it
        // into the probability of `true` (a translation) whichever that is.
        let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
        let params = fitted.params().mapv(|w| sign * w);
        let intercept = sign * fitted.intercept();
        Ok(Self {
            margin_weight: params[0],
            cosine_weight: params[1],
            intercept,
            fitted_on: fitted_on.to_string(),
            positives: positives.len(),
            negatives: negatives.len(),
            anchors: None,
            text_form: None,
        })
    }

    /// The probability that a pair with these features is a translation.
    pub fn probability(&self, features: PairFeatures) -> f32 {
        let z = self.margin_weight * f64::from(features.margin)
            + self.cosine_weight * f64::from(features.cosine)
            + self.intercept;
        (1.0 / (1.0 + (-z).exp())) as f32
    }

    /// The anchor evidence of a document pair, when this calibration was fitted with anchors
    /// (its margins must then include the same bonus).
    pub fn anchor_evidence(
        &self,
        source: (&[String], Lang),
        target: (&[String], Lang),
    ) -> Option<AnchorEvidence> {
        self.anchors
            .map(|scorer| AnchorEvidence::new(source, target, scorer))
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

    /// Stores the calibration in a model directory (written to a temporary file, then renamed).
    pub fn save(&self, model_dir: &Path) -> Result<(), CalibrationError> {
        let path = model_dir.join(CALIBRATION_FILE);
        let tmp = model_dir.join(format!(".{CALIBRATION_FILE}.tmp"));
        let error = |message: String| CalibrationError::File {
            path: path.clone(),
            message,
        };
        let json = serde_json::to_string_pretty(self).map_err(|e| error(e.to_string()))?;
        std::fs::write(&tmp, json + "\n").map_err(|e| error(e.to_string()))?;
        std::fs::rename(&tmp, &path).map_err(|e| error(e.to_string()))
    }
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
        };
        calibration.save(dir.path()).unwrap();
        assert_eq!(Calibration::load(dir.path()).unwrap(), Some(calibration));
        std::fs::write(dir.path().join(CALIBRATION_FILE), "{}").unwrap();
        assert!(Calibration::load(dir.path()).is_err());
    }

    #[test]
    fn no_negatives_is_an_error() {
        assert!(Calibration::fit(&[pair(1.0, 0.9)], &[], "x").is_err());
    }
}
