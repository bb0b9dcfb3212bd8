//! Table files: the format an extension names, and reading and writing a table in it.

use crate::atomic::write_atomically;
use crate::{Error, Result};
use polars::prelude::*;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// A file format for tables, chosen by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// Apache Parquet.
    Parquet,
    /// Comma-separated values with a header.
    Csv,
    /// Tab-separated values with a header.
    Tsv,
    /// Newline-delimited JSON, one object per row.
    Ndjson,
}

impl TableFormat {
    /// The format named by `path`'s extension (`.parquet`/`.pq`, `.csv`, `.tsv`,
    /// `.ndjson`/`.jsonl`); any other extension is an error, not a guess.
    pub fn from_path(path: &Path) -> Result<Self> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        Ok(match ext.as_str() {
            "parquet" | "pq" => TableFormat::Parquet,
            "csv" => TableFormat::Csv,
            "tsv" => TableFormat::Tsv,
            "ndjson" | "jsonl" => TableFormat::Ndjson,
            _ => {
                return Err(Error::UnknownFormat {
                    path: path.to_path_buf(),
                    ext,
                })
            }
        })
    }

    /// True for the formats whose cells are text (CSV, TSV).
    pub fn is_delimited(self) -> bool {
        matches!(self, TableFormat::Csv | TableFormat::Tsv)
    }
}

/// Writes `df` to `path` in the format its extension names, atomically: the rows go to a
/// temporary file in the same directory, which replaces `path` only once complete. In CSV and
/// TSV, list columns are written as text like `[3, 4]` (the bead notation of Vecalign).
pub fn write_table(df: &mut DataFrame, path: &Path) -> Result<()> {
    let format = TableFormat::from_path(path)?;
    let mut delimited = match format.is_delimited() {
        true => {
            Some(lists_as_text(df).map_err(|e| Error::table(path, "cannot write the table", e))?)
        }
        false => None,
    };
    write_atomically(path, |file| -> PolarsResult<()> {
        let mut writer = BufWriter::new(file);
        match (format, delimited.as_mut()) {
            (TableFormat::Csv, Some(text)) => CsvWriter::new(&mut writer).finish(text)?,
            (TableFormat::Tsv, Some(text)) => CsvWriter::new(&mut writer)
                .with_separator(b'\t')
                .finish(text)?,
            (TableFormat::Ndjson, _) => JsonWriter::new(&mut writer)
                .with_json_format(JsonFormat::JsonLines)
                .finish(df)?,
            _ => {
                ParquetWriter::new(&mut writer).finish(df)?;
            }
        }
        writer.flush()?;
        Ok(())
    })
}

/// A copy of `df` whose list columns are text like `[3, 4]`, since CSV has no nested values.
fn lists_as_text(df: &DataFrame) -> PolarsResult<DataFrame> {
    let mut out = df.clone();
    for name in df.get_column_names_owned() {
        let column = df.column(&name)?;
        let DataType::List(_) = column.dtype() else {
            continue;
        };
        let lists = column.list()?;
        let text: Vec<Option<String>> = (0..lists.len())
            .map(|row| {
                lists.get_as_series(row).map(|values| {
                    let parts: Vec<String> = values.iter().map(|v| v.to_string()).collect();
                    format!("[{}]", parts.join(", "))
                })
            })
            .collect();
        out.replace(&name, Column::new(name.clone(), text))?;
    }
    Ok(out)
}

/// Reads a table from `path` in the format its extension names, letting polars infer the types
/// of CSV cells (a table with a declared schema is read with [`crate::Schema::read`] instead).
pub fn read_table(path: &Path) -> Result<DataFrame> {
    read_table_rows(path, None)
}

/// Reads `len` rows from row `offset` on (`Some((offset, len))`, fewer at the end) or all rows
/// (`None`) of the table at `path`, CSV cell types inferred. Parquet and CSV/TSV read only what
/// is asked; NDJSON is read whole and sliced.
pub fn read_table_rows(path: &Path, rows: Option<(usize, usize)>) -> Result<DataFrame> {
    read(path, rows, CellTypes::Inferred)
}

/// How CSV and TSV cells get their types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CellTypes {
    /// Guessed by polars from the first rows.
    Inferred,
    /// All text, to be cast by a schema.
    Text,
}

pub(crate) fn read(
    path: &Path,
    rows: Option<(usize, usize)>,
    cells: CellTypes,
) -> Result<DataFrame> {
    let format = TableFormat::from_path(path)?;
    let open = || File::open(path).map_err(|e| Error::io(path, "cannot open", e));
    let df = match format {
        TableFormat::Parquet => ParquetReader::new(open()?).with_slice(rows).finish(),
        TableFormat::Csv | TableFormat::Tsv => {
            let separator = if format == TableFormat::Tsv {
                b'\t'
            } else {
                b','
            };
            let options = CsvReadOptions::default()
                .with_has_header(true)
                .with_skip_rows_after_header(rows.map_or(0, |(offset, _)| offset))
                .with_n_rows(rows.map(|(_, len)| len))
                .with_parse_options(CsvParseOptions::default().with_separator(separator));
            let options = match cells {
                CellTypes::Inferred => options,
                CellTypes::Text => options.with_infer_schema_length(Some(0)),
            };
            options
                .try_into_reader_with_file_path(Some(path.to_path_buf()))
                .and_then(|reader| reader.finish())
        }
        TableFormat::Ndjson => JsonReader::new(open()?)
            .with_json_format(JsonFormat::JsonLines)
            .finish()
            .map(|df| match rows {
                Some((offset, len)) => df.slice(offset as i64, len),
                None => df,
            }),
    };
    df.map_err(|e| Error::table(path, "cannot read the table", e))
}

/// The number of rows of the table at `path`, from the file's metadata for Parquet and by
/// reading it for the other formats.
pub fn row_count(path: &Path) -> Result<usize> {
    match TableFormat::from_path(path)? {
        TableFormat::Parquet => {
            let file = File::open(path).map_err(|e| Error::io(path, "cannot open", e))?;
            ParquetReader::new(file)
                .num_rows()
                .map_err(|e| Error::table(path, "cannot read the table", e))
        }
        _ => Ok(read_table(path)?.height()),
    }
}
