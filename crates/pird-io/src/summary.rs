//! The `summary` table of a batch run: one row per document pair, also stored per pair as the
//! pair's status (JSON) while the run goes.

use crate::schema::{ColumnSpec, Kind, Schema};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

const PAIR_ID: &str = "pair_id";
const SRC: &str = "src";
const TGT: &str = "tgt";
const MODE: &str = "mode";
const SRC_SENTENCES: &str = "src_sentences";
const TGT_SENTENCES: &str = "tgt_sentences";
const BEADS: &str = "beads";
const MEAN_SCORE: &str = "mean_score";
const STATUS: &str = "status";
const ERROR: &str = "error";
const SECONDS: &str = "seconds";

/// The table's columns.
pub const SCHEMA: Schema = Schema {
    table: "summary",
    columns: &[
        ColumnSpec::required(PAIR_ID, Kind::Text),
        ColumnSpec::required(SRC, Kind::Text),
        ColumnSpec::required(TGT, Kind::Text),
        ColumnSpec::required(MODE, Kind::Text),
        ColumnSpec::required(SRC_SENTENCES, Kind::U32),
        ColumnSpec::required(TGT_SENTENCES, Kind::U32),
        ColumnSpec::required(BEADS, Kind::U32),
        ColumnSpec::required(MEAN_SCORE, Kind::F64),
        ColumnSpec::required(STATUS, Kind::Text),
        ColumnSpec::required(ERROR, Kind::Text),
        ColumnSpec::required(SECONDS, Kind::F64),
    ],
};

/// How a pair of a batch run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PairOutcome {
    /// Aligned, and its table written.
    Ok,
    /// Not aligned; the row's `error` says why.
    Failed,
}

impl PairOutcome {
    /// The word the table and the status files store: `ok` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            PairOutcome::Ok => "ok",
            PairOutcome::Failed => "failed",
        }
    }
}

/// One row of the run summary, also stored per pair as the pair's status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairStatus {
    /// The pair's id.
    pub pair_id: String,
    /// Source document.
    pub src: String,
    /// Target document.
    pub tgt: String,
    /// `parallel` or `comparable`.
    pub mode: String,
    /// Source sentences (0 when the pair failed before segmentation).
    pub src_sentences: u32,
    /// Target sentences.
    pub tgt_sentences: u32,
    /// Beads written.
    pub beads: u32,
    /// Mean calibrated score of the beads with one.
    pub mean_score: Option<f64>,
    /// How the pair ended.
    pub status: PairOutcome,
    /// Why the pair failed.
    pub error: Option<String>,
    /// Seconds spent reading, aligning and writing this pair (the shared embedding excluded).
    pub seconds: f64,
}

impl PairStatus {
    /// True for a pair that was aligned and written.
    pub fn is_ok(&self) -> bool {
        self.status == PairOutcome::Ok
    }
}

/// The rows as a DataFrame with the table's schema.
pub fn frame(pairs: &[PairStatus]) -> PolarsResult<DataFrame> {
    let text = |pick: fn(&PairStatus) -> &str| -> Vec<&str> { pairs.iter().map(pick).collect() };
    let count = |pick: fn(&PairStatus) -> u32| -> Vec<u32> { pairs.iter().map(pick).collect() };
    DataFrame::new(
        pairs.len(),
        vec![
            Column::new(PAIR_ID.into(), text(|p| &p.pair_id)),
            Column::new(SRC.into(), text(|p| &p.src)),
            Column::new(TGT.into(), text(|p| &p.tgt)),
            Column::new(MODE.into(), text(|p| &p.mode)),
            Column::new(SRC_SENTENCES.into(), count(|p| p.src_sentences)),
            Column::new(TGT_SENTENCES.into(), count(|p| p.tgt_sentences)),
            Column::new(BEADS.into(), count(|p| p.beads)),
            Column::new(
                MEAN_SCORE.into(),
                pairs.iter().map(|p| p.mean_score).collect::<Vec<_>>(),
            ),
            Column::new(STATUS.into(), text(|p| p.status.as_str())),
            Column::new(
                ERROR.into(),
                pairs.iter().map(|p| p.error.as_deref()).collect::<Vec<_>>(),
            ),
            Column::new(
                SECONDS.into(),
                pairs.iter().map(|p| p.seconds).collect::<Vec<_>>(),
            ),
        ],
    )
}
