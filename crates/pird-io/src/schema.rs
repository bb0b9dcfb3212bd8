//! Declared table schemas: each of pird's tables names its columns and their types once, and is
//! read through its schema, so that CSV cells get the declared types (a `doc_id` of digits stays
//! text) and a missing or mistyped column is one clear error.

use crate::columns::named_column;
use crate::format::{read, CellTypes, TableFormat};
use crate::{Error, Result};
use polars::prelude::*;
use std::path::Path;

/// The type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text.
    Text,
    /// Unsigned 32-bit integers.
    U32,
    /// Unsigned 64-bit integers.
    U64,
    /// 32-bit floats.
    F32,
    /// 64-bit floats.
    F64,
    /// Lists of sentence ids (`[3, 4]` as text in CSV and TSV).
    IdList,
    /// Fixed-size arrays of f32 (Parquet and NDJSON only).
    Vector,
}

impl Kind {
    /// The polars type a cell of this kind is cast to when read as text, if any.
    fn cast_from_text(self) -> Option<DataType> {
        match self {
            Kind::U32 => Some(DataType::UInt32),
            Kind::U64 => Some(DataType::UInt64),
            Kind::F32 => Some(DataType::Float32),
            Kind::F64 => Some(DataType::Float64),
            Kind::Text | Kind::IdList | Kind::Vector => None,
        }
    }

    fn described(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::U32 | Kind::U64 => "non-negative integers",
            Kind::F32 | Kind::F64 => "numbers",
            Kind::IdList => "lists of sentence ids",
            Kind::Vector => "vectors",
        }
    }
}

/// One column of a schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnSpec {
    /// The column's name.
    pub name: &'static str,
    /// Its type.
    pub kind: Kind,
    /// Whether a table without it is refused (optional columns may be absent).
    pub required: bool,
}

impl ColumnSpec {
    /// A column every table of the schema has.
    pub const fn required(name: &'static str, kind: Kind) -> Self {
        Self {
            name,
            kind,
            required: true,
        }
    }

    /// A column a table of the schema may leave out.
    pub const fn optional(name: &'static str, kind: Kind) -> Self {
        Self {
            name,
            kind,
            required: false,
        }
    }
}

/// A table's declared columns, in the order pird writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schema {
    /// The table's name (`alignments`, `sentences`, …).
    pub table: &'static str,
    /// Its columns.
    pub columns: &'static [ColumnSpec],
}

impl Schema {
    /// The column names in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.columns.iter().map(|c| c.name).collect()
    }

    /// The spec of column `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnSpec> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Reads the whole table at `path` (see [`Schema::read_rows`]).
    pub fn read(&self, path: &Path) -> Result<DataFrame> {
        self.read_rows(path, None)
    }

    /// Reads rows of the table at `path` (`Some((offset, len))`, or all with `None`) and checks
    /// them against the schema: required columns must be there; CSV and TSV cells are read as
    /// text and cast to the declared types; text columns of other types (numbers in NDJSON) are
    /// cast to text. Columns the schema does not name are kept as read.
    pub fn read_rows(&self, path: &Path, rows: Option<(usize, usize)>) -> Result<DataFrame> {
        let delimited = TableFormat::from_path(path)?.is_delimited();
        let cells = if delimited {
            CellTypes::Text
        } else {
            CellTypes::Inferred
        };
        let df = read(path, rows, cells)?;
        self.conform(df, path)
    }

    /// `df`, read from `path`, with every declared column present in the declared type.
    pub fn conform(&self, mut df: DataFrame, path: &Path) -> Result<DataFrame> {
        for spec in self.columns {
            let Ok(column) = df.column(spec.name) else {
                if spec.required {
                    named_column(&df, spec.name, path)?;
                }
                continue;
            };
            let wrong = || {
                Error::invalid(
                    path,
                    format!(
                        "column '{}' must hold {}, not {}",
                        spec.name,
                        spec.kind.described(),
                        column.dtype()
                    ),
                )
            };
            let cast = match (spec.kind, column.dtype()) {
                (Kind::Text, DataType::String) | (Kind::IdList, DataType::String) => continue,
                (Kind::IdList, DataType::List(_)) | (Kind::Vector, DataType::Array(..)) => continue,
                (Kind::Text, DataType::Null) => column.cast(&DataType::String),
                (Kind::Text, dtype) if dtype.is_primitive_numeric() => {
                    column.cast(&DataType::String)
                }
                (kind, DataType::String | DataType::Null) => match kind.cast_from_text() {
                    Some(dtype) => column.strict_cast(&dtype),
                    None => return Err(wrong()),
                },
                (kind, dtype) if dtype.is_primitive_numeric() => match kind.cast_from_text() {
                    Some(target) => column.strict_cast(&target),
                    None => return Err(wrong()),
                },
                _ => return Err(wrong()),
            };
            let cast = cast.map_err(|_| wrong())?;
            df.with_column(cast)
                .map_err(|e| Error::table(path, "cannot read the table", e))?;
        }
        Ok(df)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAIRS: Schema = Schema {
        table: "test",
        columns: &[
            ColumnSpec::required("doc_id", Kind::Text),
            ColumnSpec::required("n", Kind::U32),
            ColumnSpec::optional("score", Kind::F32),
        ],
    };

    #[test]
    fn csv_cells_take_the_declared_types_and_digits_stay_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, "doc_id,n,score,extra\n007,3,0.5,x\n12,4,,y\n").unwrap();
        let df = PAIRS.read(&path).unwrap();
        let ids = df.column("doc_id").unwrap().str().unwrap();
        assert_eq!(ids.get(0), Some("007"));
        assert_eq!(df.column("n").unwrap().dtype(), &DataType::UInt32);
        assert_eq!(df.column("score").unwrap().f32().unwrap().get(1), None);
        let tsv = dir.path().join("t.tsv");
        std::fs::write(&tsv, "doc_id\tn\n1\t2\n").unwrap();
        assert_eq!(PAIRS.read(&tsv).unwrap().height(), 1);
    }

    #[test]
    fn a_missing_or_mistyped_column_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, "doc_id,score\na,0.5\n").unwrap();
        let error = PAIRS.read(&path).unwrap_err().to_string();
        assert!(
            error.ends_with("t.csv: no 'n' column (found: doc_id, score)"),
            "{error}"
        );
        std::fs::write(&path, "doc_id,n\na,three\n").unwrap();
        let error = PAIRS.read(&path).unwrap_err().to_string();
        assert!(
            error.contains("column 'n' must hold non-negative integers"),
            "{error}"
        );
        let json = dir.path().join("t.ndjson");
        std::fs::write(&json, "{\"doc_id\": 12, \"n\": 1}\n").unwrap();
        let df = PAIRS.read(&json).unwrap();
        assert_eq!(
            df.column("doc_id").unwrap().str().unwrap().get(0),
            Some("12")
        );
    }
}

#[cfg(test)]
mod declared_schemas {
    use crate::{doc_pairs, embeddings, metrics, sentences, summary, Schema};
    use polars::prelude::DataFrame;

    fn names(frame: &DataFrame) -> Vec<&str> {
        frame
            .get_column_names()
            .iter()
            .map(|c| c.as_str())
            .collect()
    }

    /// Every table's writer writes the columns its schema declares, in that order.
    #[test]
    fn writers_write_the_declared_columns() {
        let check = |frame: DataFrame, schema: Schema| assert_eq!(names(&frame), schema.names());
        check(
            sentences::SentenceRows::default().into_frame().unwrap(),
            sentences::SCHEMA,
        );
        check(metrics::frame(&[]).unwrap(), metrics::SCHEMA);
        check(summary::frame(&[]).unwrap(), summary::SCHEMA);
        check(doc_pairs::frame(&[]).unwrap(), doc_pairs::SCHEMA);
        let vectors = ndarray::Array2::<f32>::zeros((1, 2));
        let frame = embeddings::frame(vec!["d".into()], vec![0], "m", &vectors).unwrap();
        check(frame, embeddings::SCHEMA);
    }
}
