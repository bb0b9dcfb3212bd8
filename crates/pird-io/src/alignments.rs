//! The `alignments` table: one row per bead.
//!
//! `src_doc, tgt_doc, src_ids: list[u32], tgt_ids: list[u32], src_text, tgt_text, bead,
//! cosine: f32, margin: f32, score: f32 (null without a calibration), method, model`.

use crate::columns::{f32_values, id_lists, str_column, strings};
use crate::format::{row_count, TableFormat};
use crate::schema::{ColumnSpec, Kind, Schema};
use crate::{Error, Result};
use pird_eval::Bead;
use polars::prelude::*;
use std::path::Path;

const SRC_DOC: &str = "src_doc";
const TGT_DOC: &str = "tgt_doc";
const SRC_IDS: &str = "src_ids";
const TGT_IDS: &str = "tgt_ids";
const SRC_TEXT: &str = "src_text";
const TGT_TEXT: &str = "tgt_text";
const BEAD: &str = "bead";
const COSINE: &str = "cosine";
const MARGIN: &str = "margin";
const SCORE: &str = "score";
const METHOD: &str = "method";
const MODEL: &str = "model";

/// The table's columns. Reading needs only the documents and ids; the rest may be absent (a
/// gold or hand-made table).
pub const SCHEMA: Schema = Schema {
    table: "alignments",
    columns: &[
        ColumnSpec::required(SRC_DOC, Kind::Text),
        ColumnSpec::required(TGT_DOC, Kind::Text),
        ColumnSpec::required(SRC_IDS, Kind::IdList),
        ColumnSpec::required(TGT_IDS, Kind::IdList),
        ColumnSpec::optional(SRC_TEXT, Kind::Text),
        ColumnSpec::optional(TGT_TEXT, Kind::Text),
        ColumnSpec::optional(BEAD, Kind::Text),
        ColumnSpec::optional(COSINE, Kind::F32),
        ColumnSpec::optional(MARGIN, Kind::F32),
        ColumnSpec::optional(SCORE, Kind::F32),
        ColumnSpec::optional(METHOD, Kind::Text),
        ColumnSpec::optional(MODEL, Kind::Text),
    ],
};

/// Rows of the `alignments` table, gathered column by column.
#[derive(Debug, Default)]
pub struct AlignmentRows {
    src_doc: Vec<String>,
    tgt_doc: Vec<String>,
    src_ids: Vec<Series>,
    tgt_ids: Vec<Series>,
    src_text: Vec<String>,
    tgt_text: Vec<String>,
    bead: Vec<String>,
    cosine: Vec<f32>,
    margin: Vec<f32>,
    score: Vec<Option<f32>>,
}

/// One bead with everything the table records about it.
#[derive(Debug, Clone, PartialEq)]
pub struct AlignmentRow<'a> {
    /// Source document id.
    pub src_doc: &'a str,
    /// Target document id.
    pub tgt_doc: &'a str,
    /// Source sentence ids.
    pub src_ids: Vec<u32>,
    /// Target sentence ids.
    pub tgt_ids: Vec<u32>,
    /// Source sentences joined with a space.
    pub src_text: String,
    /// Target sentences joined with a space.
    pub tgt_text: String,
    /// Raw cosine of the two sides.
    pub cosine: f32,
    /// Ratio margin of the centred sides.
    pub margin: f32,
    /// Calibrated probability, if the model has a calibration.
    pub score: Option<f32>,
}

impl AlignmentRows {
    /// Appends one bead.
    pub fn push(&mut self, row: AlignmentRow<'_>) {
        self.bead
            .push(pird_eval::bead_kind(row.src_ids.len(), row.tgt_ids.len()));
        self.src_doc.push(row.src_doc.to_string());
        self.tgt_doc.push(row.tgt_doc.to_string());
        self.src_ids.push(Series::new("".into(), row.src_ids));
        self.tgt_ids.push(Series::new("".into(), row.tgt_ids));
        self.src_text.push(row.src_text);
        self.tgt_text.push(row.tgt_text);
        self.cosine.push(row.cosine);
        self.margin.push(row.margin);
        self.score.push(row.score);
    }

    /// Number of rows so far.
    pub fn len(&self) -> usize {
        self.bead.len()
    }

    /// True before the first row.
    pub fn is_empty(&self) -> bool {
        self.bead.is_empty()
    }

    /// The rows as a DataFrame with the table's schema, recording `method` and `model`.
    pub fn into_frame(self, method: &str, model: &str) -> PolarsResult<DataFrame> {
        let height = self.len();
        let ids = |name: &str, lists: Vec<Series>| -> Column {
            let column = if lists.is_empty() {
                Series::new_empty(name.into(), &DataType::List(Box::new(DataType::UInt32)))
            } else {
                Series::new(name.into(), lists)
            };
            column.into()
        };
        DataFrame::new(
            height,
            vec![
                Column::new(SRC_DOC.into(), self.src_doc),
                Column::new(TGT_DOC.into(), self.tgt_doc),
                ids(SRC_IDS, self.src_ids),
                ids(TGT_IDS, self.tgt_ids),
                Column::new(SRC_TEXT.into(), self.src_text),
                Column::new(TGT_TEXT.into(), self.tgt_text),
                Column::new(BEAD.into(), self.bead),
                Column::new(COSINE.into(), self.cosine),
                Column::new(MARGIN.into(), self.margin),
                Column::new(SCORE.into(), self.score),
                Column::new(METHOD.into(), vec![method; height]),
                Column::new(MODEL.into(), vec![model; height]),
            ],
        )
    }
}

/// An `alignments` table read back: its beads, scores and texts, row by row.
#[derive(Debug, Clone, Default)]
pub struct ReadAlignments {
    /// Source document of each row.
    pub src_doc: Vec<String>,
    /// Target document of each row.
    pub tgt_doc: Vec<String>,
    /// Each row's bead.
    pub beads: Vec<Bead>,
    /// Each row's calibrated score (all `None` without a calibration).
    pub scores: Vec<Option<f32>>,
    /// Each row's ratio margin, where the table has the column.
    pub margins: Vec<Option<f32>>,
    /// Source sentences of each row, joined.
    pub src_text: Vec<String>,
    /// Target sentences of each row, joined.
    pub tgt_text: Vec<String>,
    /// The `method` of the first row ("" when absent).
    pub method: String,
    /// The `model` of the first row ("" when absent).
    pub model: String,
}

impl ReadAlignments {
    /// Reads the `alignments` table at `path` in any table format; errors name the file,
    /// column and row.
    pub fn read(path: &Path) -> Result<Self> {
        Self::from_table(&SCHEMA.read(path)?, path, 0)
    }

    /// Calls `each` with consecutive slices of at most `rows` rows of the table at `path`:
    /// Parquet is read slice by slice, so that memory stays bounded; other formats are read
    /// whole and handed over in slices.
    pub fn for_each_slice<E: From<Error>>(
        path: &Path,
        rows: usize,
        mut each: impl FnMut(Self) -> Result<(), E>,
    ) -> Result<(), E> {
        let rows = rows.max(1);
        if TableFormat::from_path(path)? != TableFormat::Parquet {
            let table = SCHEMA.read(path)?;
            for offset in (0..table.height()).step_by(rows) {
                each(Self::from_table(
                    &table.slice(offset as i64, rows),
                    path,
                    offset,
                )?)?;
            }
            return Ok(());
        }
        for offset in (0..row_count(path)?).step_by(rows) {
            let slice = SCHEMA.read_rows(path, Some((offset, rows)))?;
            each(Self::from_table(&slice, path, offset)?)?;
        }
        Ok(())
    }

    /// The first row of the table at `path` (or nothing, for an empty table), read without
    /// the rest when the table is Parquet or CSV/TSV.
    pub fn read_first_row(path: &Path) -> Result<Self> {
        Self::from_table(&SCHEMA.read_rows(path, Some((0, 1)))?, path, 0)
    }

    /// The rows of `table`, read from `path` through [`SCHEMA`], whose first row is row
    /// `offset` of the file.
    fn from_table(table: &DataFrame, path: &Path, offset: usize) -> Result<Self> {
        let sources = id_lists(table, SRC_IDS, path, offset)?;
        let targets = id_lists(table, TGT_IDS, path, offset)?;
        let optional_strings = |name: &str| -> Result<Vec<String>> {
            match table.column(name) {
                Ok(_) => strings(table, name, path),
                Err(_) => Ok(vec![String::new(); table.height()]),
            }
        };
        let floats = |name: &str| -> Result<Vec<Option<f32>>> {
            match table.column(name) {
                Ok(_) => f32_values(table, name, path),
                Err(_) => Ok(vec![None; table.height()]),
            }
        };
        let first = |name: &str| -> String {
            str_column(table, name, path)
                .ok()
                .and_then(|c| c.get(0).map(str::to_string))
                .unwrap_or_default()
        };
        Ok(Self {
            src_doc: strings(table, SRC_DOC, path)?,
            tgt_doc: strings(table, TGT_DOC, path)?,
            beads: sources
                .into_iter()
                .zip(targets)
                .map(|(s, t)| Bead::new(s, t))
                .collect(),
            scores: floats(SCORE)?,
            margins: floats(MARGIN)?,
            src_text: optional_strings(SRC_TEXT)?,
            tgt_text: optional_strings(TGT_TEXT)?,
            method: first(METHOD),
            model: first(MODEL),
        })
    }

    /// The one document pair all rows belong to, or an error naming the file; `None` for
    /// an empty table.
    pub fn single_pair(&self, path: &Path) -> Result<Option<(String, String)>> {
        for (side, docs) in [(SRC_DOC, &self.src_doc), (TGT_DOC, &self.tgt_doc)] {
            if docs.iter().any(|d| d != &docs[0]) {
                return Err(Error::invalid(
                    path,
                    format!(
                        "rows of more than one document pair (column {side}); give one pair's rows"
                    ),
                ));
            }
        }
        Ok(self
            .src_doc
            .first()
            .cloned()
            .zip(self.tgt_doc.first().cloned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_table_reads_back_in_every_format() {
        let dir = tempfile::tempdir().unwrap();
        let mut rows = AlignmentRows::default();
        for (src, tgt, score) in [(vec![0], vec![0], Some(0.9)), (vec![1, 2], vec![], None)] {
            rows.push(AlignmentRow {
                src_doc: "12",
                tgt_doc: "d.arb",
                src_ids: src,
                tgt_ids: tgt,
                src_text: "یەک".into(),
                tgt_text: "واحد".into(),
                cosine: 0.5,
                margin: 1.1,
                score,
            });
        }
        let mut frame = rows.into_frame("m", "e5").unwrap();
        let names: Vec<&str> = frame
            .get_column_names()
            .iter()
            .map(|c| c.as_str())
            .collect();
        assert_eq!(names, SCHEMA.names());
        for ext in ["parquet", "csv", "tsv", "ndjson"] {
            let path = dir.path().join(format!("a.{ext}"));
            crate::write_table(&mut frame, &path).unwrap();
            let read = ReadAlignments::read(&path).unwrap();
            assert_eq!(
                read.src_doc,
                ["12", "12"],
                "{ext}: a doc_id of digits stays text"
            );
            assert_eq!(read.beads[1], Bead::new(vec![1, 2], vec![]), "{ext}");
            assert_eq!(read.scores, [Some(0.9), None], "{ext}");
            assert_eq!(
                (read.method.as_str(), read.model.as_str()),
                ("m", "e5"),
                "{ext}"
            );
        }
    }
}
