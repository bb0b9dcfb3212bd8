//! The `doc_pairs` table of `pird docalign`: `src_doc, tgt_doc, score: f32, rank: u32`, one row
//! per document paired one to one.

use crate::schema::{ColumnSpec, Kind, Schema};
use polars::prelude::*;

const SRC_DOC: &str = "src_doc";
const TGT_DOC: &str = "tgt_doc";
const SCORE: &str = "score";
const RANK: &str = "rank";

/// The table's columns.
pub const SCHEMA: Schema = Schema {
    table: "doc_pairs",
    columns: &[
        ColumnSpec::required(SRC_DOC, Kind::Text),
        ColumnSpec::required(TGT_DOC, Kind::Text),
        ColumnSpec::required(SCORE, Kind::F32),
        ColumnSpec::required(RANK, Kind::U32),
    ],
};

/// One row: two documents and how sure the pairing is.
#[derive(Debug, Clone, PartialEq)]
pub struct DocPairRow {
    /// Source document id.
    pub src_doc: String,
    /// Target document id.
    pub tgt_doc: String,
    /// Ratio margin of the two document vectors.
    pub score: f32,
    /// The target's rank among the source's candidates (1 = best).
    pub rank: u32,
}

/// The rows as a DataFrame with the table's schema.
pub fn frame(rows: &[DocPairRow]) -> PolarsResult<DataFrame> {
    DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                SRC_DOC.into(),
                rows.iter().map(|r| r.src_doc.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                TGT_DOC.into(),
                rows.iter().map(|r| r.tgt_doc.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                SCORE.into(),
                rows.iter().map(|r| r.score).collect::<Vec<_>>(),
            ),
            Column::new(RANK.into(), rows.iter().map(|r| r.rank).collect::<Vec<_>>()),
        ],
    )
}
