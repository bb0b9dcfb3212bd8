//! `pird eval suite`: the standard evaluation of one model on the data the project ships.
//!
//! Four tasks, each a module, all writing rows of one `metrics` table:
//! - [`retrieval`]: FLORES-200 dev P@1 and xSIM both ways, for each scoring method;
//! - [`parallel`]: Bible gospel chapters with synthetic merges and drops, strict/lax bead F1;
//! - [`comparable`]: TICO-19 and FLORES documents with 30 % of sentences dropped per side and the
//!   rest shuffled, mining precision/recall/F1 at the calibrated threshold;
//! - [`documents`]: one-to-one document alignment accuracy on FLORES and TICO-19.
//!
//! Alignment runs through the same code as `pird align` and `pird docalign` (the model's
//! background and calibration included), so the figures are what a user gets.

pub mod comparable;
pub mod data;
pub mod documents;
pub mod parallel;
pub mod retrieval;

use crate::embedding::OpenModel;
use indicatif::ProgressBar;
use pird_align::{AnchorEvidence, AnchorScorer, Background, Calibration};
use pird_eval::{MetricRow, RunLabel};
use pird_text::Lang;

/// What every task needs: the model, its background and calibration, and the shared settings.
pub struct Suite {
    /// The model being evaluated.
    pub model: OpenModel,
    /// The model's stored background (language means and margin neighbourhoods), if any.
    pub background: Option<Background>,
    /// The model's score calibration, if any.
    pub calibration: Option<Calibration>,
    /// Neighbourhood size of the retrieval margins.
    pub retrieval_k: usize,
    /// Weights of the anchor evidence in retrieval.
    pub anchors: AnchorScorer,
    /// Seed of the synthetic merges, drops and shuffles.
    pub seed: u64,
    /// Use only the first this many documents of each data set (quick runs).
    pub limit: Option<usize>,
    /// Progress over embedded texts.
    pub bar: ProgressBar,
    /// Rows written so far.
    pub rows: Vec<MetricRow>,
}

impl Suite {
    /// The label of rows for `dataset` and `method` with this model.
    pub fn label(&self, dataset: &str, method: &str) -> RunLabel {
        RunLabel::new(dataset, method, self.model.label.as_str())
    }

    /// The anchor evidence of a Sorani and an Arabic document, as `pird align` would use it
    /// with this model's calibration.
    pub fn anchor_evidence(&self, ckb: &[String], arb: &[String]) -> Option<AnchorEvidence> {
        self.calibration
            .as_ref()
            .and_then(|c| c.anchor_evidence((ckb, Lang::Ckb), (arb, Lang::Arb)))
    }

    /// At most `limit` items of `items`.
    pub fn limited<T>(&self, mut items: Vec<T>) -> Vec<T> {
        if let Some(limit) = self.limit {
            items.truncate(limit);
        }
        items
    }
}
