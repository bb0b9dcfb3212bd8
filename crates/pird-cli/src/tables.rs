//! The tables pird reads and writes, their schemas, and their file formats.
//!
//! Every reader and writer goes through here, so that all commands agree on column names and
//! types. The format follows the path's extension: `.parquet`, `.csv`, `.tsv`, `.ndjson` or
//! `.jsonl`; any other extension is an error, not a guess.

use anyhow::{bail, Context, Result};
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
    /// The format named by `path`'s extension.
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
            _ => bail!(
                "{}: cannot tell the table format from the extension '{ext}': use .parquet, .csv, .tsv, .ndjson or .jsonl",
                path.display()
            ),
        })
    }
}

/// Writes `df` to `path` in the format its extension names, atomically: the rows go to a
/// temporary file in the same directory, which replaces `path` only once complete.
pub fn write_table(df: &mut DataFrame, path: &Path) -> Result<()> {
    let format = TableFormat::from_path(path)?;
    write_atomically(path, |file| {
        let mut writer = BufWriter::new(file);
        match format {
            TableFormat::Parquet => {
                ParquetWriter::new(&mut writer).finish(df)?;
            }
            TableFormat::Csv => CsvWriter::new(&mut writer).finish(df)?,
            TableFormat::Tsv => CsvWriter::new(&mut writer)
                .with_separator(b'\t')
                .finish(df)?,
            TableFormat::Ndjson => JsonWriter::new(&mut writer)
                .with_json_format(JsonFormat::JsonLines)
                .finish(df)?,
        }
        writer.flush()?;
        Ok(())
    })
}

/// Runs `write` on a temporary file beside `path`, then renames it to `path`.
pub fn write_atomically(path: &Path, write: impl FnOnce(&mut File) -> Result<()>) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).with_context(|| {
        format!(
            "{}: cannot create the directory {}",
            path.display(),
            dir.display()
        )
    })?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".pird-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| {
            format!(
                "{}: cannot create a temporary file in {}",
                path.display(),
                dir.display()
            )
        })?;
    write(tmp.as_file_mut()).with_context(|| format!("{}: writing failed", path.display()))?;
    tmp.as_file()
        .sync_all()
        .with_context(|| format!("{}: writing failed", path.display()))?;
    tmp.persist(path).with_context(|| {
        format!(
            "{}: cannot move the finished file into place",
            path.display()
        )
    })?;
    Ok(())
}

/// The `sentences` table: `doc_id, lang, sent_id, text, start, end`.
pub mod sentences {
    use super::*;

    /// Rows of the `sentences` table, gathered column by column.
    #[derive(Debug, Default)]
    pub struct SentenceRows {
        doc_id: Vec<String>,
        lang: Vec<&'static str>,
        sent_id: Vec<u32>,
        text: Vec<String>,
        start: Vec<u32>,
        end: Vec<u32>,
    }

    impl SentenceRows {
        /// Appends one sentence.
        pub fn push(
            &mut self,
            doc_id: &str,
            lang: &'static str,
            sent_id: u32,
            text: String,
            start: u32,
            end: u32,
        ) {
            self.doc_id.push(doc_id.to_string());
            self.lang.push(lang);
            self.sent_id.push(sent_id);
            self.text.push(text);
            self.start.push(start);
            self.end.push(end);
        }

        /// Number of rows so far.
        pub fn len(&self) -> usize {
            self.text.len()
        }

        /// The rows as a DataFrame with the table's schema.
        pub fn into_frame(self) -> Result<DataFrame> {
            let height = self.len();
            Ok(DataFrame::new(
                height,
                vec![
                    Column::new("doc_id".into(), self.doc_id),
                    Column::new("lang".into(), self.lang),
                    Column::new("sent_id".into(), self.sent_id),
                    Column::new("text".into(), self.text),
                    Column::new("start".into(), self.start),
                    Column::new("end".into(), self.end),
                ],
            )?)
        }
    }
}
