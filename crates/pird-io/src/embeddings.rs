//! The `embeddings` table: `doc_id, sent_id, model, vector` (vector: array of f32,
//! L2-normalised).

use crate::schema::{ColumnSpec, Kind, Schema};
use crate::{write_atomically, Result};
use ndarray::Array2;
use ndarray_npy::WriteNpyExt;
use polars::prelude::*;
use std::path::Path;

const DOC_ID: &str = "doc_id";
const SENT_ID: &str = "sent_id";
const MODEL: &str = "model";
const VECTOR: &str = "vector";

/// The table's columns.
pub const SCHEMA: Schema = Schema {
    table: "embeddings",
    columns: &[
        ColumnSpec::required(DOC_ID, Kind::Text),
        ColumnSpec::required(SENT_ID, Kind::U32),
        ColumnSpec::required(MODEL, Kind::Text),
        ColumnSpec::required(VECTOR, Kind::Vector),
    ],
};

/// The table of `vectors` (row i belongs to `doc_ids[i]`, `sent_ids[i]`) from `model`.
pub fn frame(
    doc_ids: Vec<String>,
    sent_ids: Vec<u32>,
    model: &str,
    vectors: &Array2<f32>,
) -> PolarsResult<DataFrame> {
    let (rows, dim) = vectors.dim();
    let flat: Vec<f32> = vectors.iter().copied().collect();
    let vector = Series::new(VECTOR.into(), flat)
        .reshape_array(&[ReshapeDimension::Infer, ReshapeDimension::new(dim as i64)])?;
    DataFrame::new(
        rows,
        vec![
            Column::new(DOC_ID.into(), doc_ids),
            Column::new(SENT_ID.into(), sent_ids),
            Column::new(MODEL.into(), vec![model; rows]),
            vector.into(),
        ],
    )
}

/// Writes `vectors` as a NumPy `.npy` matrix (rows × dim, f32), atomically.
pub fn write_npy(path: &Path, vectors: &Array2<f32>) -> Result<()> {
    write_atomically(path, |file| {
        vectors.write_npy(std::io::BufWriter::new(file))
    })
}
