//! The tables pird reads and writes, their schemas, and their file formats.
//!
//! Every reader and writer goes through here, so that all commands agree on column names and
//! types. The format follows the path's extension: `.parquet`, `.csv`, `.tsv`, `.ndjson` or
//! `.jsonl`; any other extension is an error, not a guess.

use anyhow::{anyhow, bail, Context, Result};
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
            TableFormat::Csv => CsvWriter::new(&mut writer).finish(&mut lists_as_text(df)?)?,
            TableFormat::Tsv => CsvWriter::new(&mut writer)
                .with_separator(b'\t')
                .finish(&mut lists_as_text(df)?)?,
            TableFormat::Ndjson => JsonWriter::new(&mut writer)
                .with_json_format(JsonFormat::JsonLines)
                .finish(df)?,
        }
        writer.flush()?;
        Ok(())
    })
}

/// A copy of `df` whose list columns are written as text like `[3, 4]` (the bead notation of
/// Vecalign), since CSV has no nested values.
fn lists_as_text(df: &DataFrame) -> Result<DataFrame> {
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

/// Reads a table from `path` in the format its extension names.
pub fn read_table(path: &Path) -> Result<DataFrame> {
    read_table_rows(path, None)
}

/// Reads `len` rows from row `offset` on (`Some((offset, len))`, fewer at the end) or all rows
/// (`None`) of the table at `path`. Parquet and CSV/TSV read only what is asked; NDJSON is read
/// whole and sliced.
pub fn read_table_rows(path: &Path, rows: Option<(usize, usize)>) -> Result<DataFrame> {
    let format = TableFormat::from_path(path)?;
    let open = || File::open(path).with_context(|| format!("{}: cannot open", path.display()));
    let df = match format {
        TableFormat::Parquet => ParquetReader::new(open()?).with_slice(rows).finish(),
        TableFormat::Csv | TableFormat::Tsv => {
            let separator = if format == TableFormat::Tsv {
                b'\t'
            } else {
                b','
            };
            CsvReadOptions::default()
                .with_has_header(true)
                .with_skip_rows_after_header(rows.map_or(0, |(offset, _)| offset))
                .with_n_rows(rows.map(|(_, len)| len))
                .with_parse_options(CsvParseOptions::default().with_separator(separator))
                .try_into_reader_with_file_path(Some(path.to_path_buf()))?
                .finish()
        }
        TableFormat::Ndjson => JsonReader::new(open()?)
            .with_json_format(JsonFormat::JsonLines)
            .finish()
            .map(|df| match rows {
                Some((offset, len)) => df.slice(offset as i64, len),
                None => df,
            }),
    };
    Context::with_context(df, || format!("{}: cannot read the table", path.display()))
}

/// The string column `name` of a table read from `path`, or an error naming both.
pub fn str_column<'a>(df: &'a DataFrame, name: &str, path: &Path) -> Result<&'a StringChunked> {
    let column = named_column(df, name, path)?;
    column.str().map_err(|_| {
        anyhow!(
            "{}: column '{name}' must be text, not {}",
            path.display(),
            column.dtype()
        )
    })
}

/// The unsigned integer column `name`, cast to u32, or an error naming the file and column.
pub fn u32_column(df: &DataFrame, name: &str, path: &Path) -> Result<UInt32Chunked> {
    let cast = named_column(df, name, path)?
        .strict_cast(&DataType::UInt32)
        .map_err(|_| {
            anyhow!(
                "{}: column '{name}' must hold non-negative integers",
                path.display()
            )
        })?;
    Ok(cast.u32()?.clone())
}

fn named_column<'a>(df: &'a DataFrame, name: &str, path: &Path) -> Result<&'a Column> {
    df.column(name).map_err(|_| {
        anyhow!(
            "{}: no '{name}' column (found: {})",
            path.display(),
            column_names(df)
        )
    })
}

fn column_names(df: &DataFrame) -> String {
    df.get_column_names()
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The id lists of column `name`, whether stored as lists (Parquet, NDJSON) or as text like
/// `[3, 4]` (CSV, TSV), or an error naming the file, column and row.
/// `first_row` is the 0-based row of the file that `df`'s first row is (for slices).
pub fn id_lists(
    df: &DataFrame,
    name: &str,
    path: &Path,
    first_row: usize,
) -> Result<Vec<Vec<u32>>> {
    let column = named_column(df, name, path)?;
    if let DataType::List(_) = column.dtype() {
        let lists = column.list()?;
        return (0..lists.len())
            .map(|row| {
                let values = lists.get_as_series(row).unwrap_or_default();
                let ids = values.strict_cast(&DataType::UInt32).map_err(|_| {
                    anyhow!(
                        "{}: column '{name}', row {}: ids must be non-negative integers",
                        path.display(),
                        first_row + row + 1
                    )
                })?;
                Ok(ids.u32()?.into_no_null_iter().collect())
            })
            .collect();
    }
    let text = str_column(df, name, path)?;
    text.iter()
        .enumerate()
        .map(|(row, value)| {
            let value = value.unwrap_or("[]").trim();
            let inner = value
                .strip_prefix('[')
                .and_then(|v| v.strip_suffix(']'))
                .ok_or_else(|| {
                    anyhow!(
                        "{}: column '{name}', row {}: {value:?} is not a list like [3, 4]",
                        path.display(),
                        first_row + row + 1
                    )
                })?;
            inner
                .split(',')
                .map(str::trim)
                .filter(|part| !part.is_empty())
                .map(|part| {
                    part.parse::<u32>().map_err(|_| {
                        anyhow!(
                            "{}: column '{name}', row {}: {part:?} is not a sentence id",
                            path.display(),
                            first_row + row + 1
                        )
                    })
                })
                .collect()
        })
        .collect()
}

/// The `embeddings` table: `doc_id, sent_id, model, vector` (vector: array of f32, L2-normalised).
pub mod embeddings {
    use super::*;
    use ndarray::Array2;

    /// The table of `vectors` (row i belongs to `doc_ids[i]`, `sent_ids[i]`) from `model`.
    pub fn frame(
        doc_ids: Vec<String>,
        sent_ids: Vec<u32>,
        model: &str,
        vectors: &Array2<f32>,
    ) -> Result<DataFrame> {
        let (rows, dim) = vectors.dim();
        let flat: Vec<f32> = vectors.iter().copied().collect();
        let vector = Series::new("vector".into(), flat)
            .reshape_array(&[ReshapeDimension::Infer, ReshapeDimension::new(dim as i64)])?;
        Ok(DataFrame::new(
            rows,
            vec![
                Column::new("doc_id".into(), doc_ids),
                Column::new("sent_id".into(), sent_ids),
                Column::new("model".into(), vec![model; rows]),
                vector.into(),
            ],
        )?)
    }
}

/// The `alignments` table: one row per bead.
///
/// `src_doc, tgt_doc, src_ids: list[u32], tgt_ids: list[u32], src_text, tgt_text, bead,
/// cosine: f32, margin: f32, score: f32 (null without a calibration), method, model`.
pub mod alignments {
    use super::*;

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
                .push(format!("{}-{}", row.src_ids.len(), row.tgt_ids.len()));
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

        /// The rows as a DataFrame with the table's schema, recording `method` and `model`.
        pub fn into_frame(self, method: &str, model: &str) -> Result<DataFrame> {
            let height = self.len();
            let ids = |name: &str, lists: Vec<Series>| -> Result<Column> {
                let column = if lists.is_empty() {
                    Series::new_empty(name.into(), &DataType::List(Box::new(DataType::UInt32)))
                } else {
                    Series::new(name.into(), lists)
                };
                Ok(column.into())
            };
            Ok(DataFrame::new(
                height,
                vec![
                    Column::new("src_doc".into(), self.src_doc),
                    Column::new("tgt_doc".into(), self.tgt_doc),
                    ids("src_ids", self.src_ids)?,
                    ids("tgt_ids", self.tgt_ids)?,
                    Column::new("src_text".into(), self.src_text),
                    Column::new("tgt_text".into(), self.tgt_text),
                    Column::new("bead".into(), self.bead),
                    Column::new("cosine".into(), self.cosine),
                    Column::new("margin".into(), self.margin),
                    Column::new("score".into(), self.score),
                    Column::new("method".into(), vec![method; height]),
                    Column::new("model".into(), vec![model; height]),
                ],
            )?)
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
        pub beads: Vec<pird_eval::Bead>,
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
            Self::from_table(&read_table(path)?, path, 0)
        }

        /// Calls `each` with consecutive slices of at most `rows` rows of the table at `path`:
        /// Parquet is read slice by slice, so that memory stays bounded; other formats are read
        /// whole and handed over in slices.
        pub fn for_each_slice(
            path: &Path,
            rows: usize,
            mut each: impl FnMut(Self) -> Result<()>,
        ) -> Result<()> {
            let rows = rows.max(1);
            if TableFormat::from_path(path)? != TableFormat::Parquet {
                let table = read_table(path)?;
                for offset in (0..table.height()).step_by(rows) {
                    each(Self::from_table(
                        &table.slice(offset as i64, rows),
                        path,
                        offset,
                    )?)?;
                }
                return Ok(());
            }
            let total = ParquetReader::new(
                File::open(path).with_context(|| format!("{}: cannot open", path.display()))?,
            )
            .num_rows()
            .map_err(|e| anyhow!("{}: cannot read the table: {e}", path.display()))?;
            for offset in (0..total).step_by(rows) {
                let slice = read_table_rows(path, Some((offset, rows)))?;
                each(Self::from_table(&slice, path, offset)?)?;
            }
            Ok(())
        }

        /// The first row of the table at `path` (or nothing, for an empty table), read without
        /// the rest when the table is Parquet or CSV/TSV.
        pub fn read_first_row(path: &Path) -> Result<Self> {
            Self::from_table(&read_table_rows(path, Some((0, 1)))?, path, 0)
        }

        /// The rows of `table`, read from `path`, whose first row is row `offset` of the file.
        fn from_table(table: &DataFrame, path: &Path, offset: usize) -> Result<Self> {
            let sources = id_lists(table, "src_ids", path, offset)?;
            let targets = id_lists(table, "tgt_ids", path, offset)?;
            let strings = |name: &str| -> Result<Vec<String>> {
                Ok(str_column(table, name, path)?
                    .iter()
                    .map(|v| v.unwrap_or_default().to_string())
                    .collect())
            };
            let optional_strings = |name: &str| -> Result<Vec<String>> {
                match table.column(name) {
                    Ok(_) => strings(name),
                    Err(_) => Ok(vec![String::new(); table.height()]),
                }
            };
            let floats = |name: &str| -> Result<Vec<Option<f32>>> {
                match table.column(name) {
                    Ok(column) => Ok(column
                        .cast(&DataType::Float32)
                        .map_err(|_| {
                            anyhow!("{}: column '{name}' must hold numbers", path.display())
                        })?
                        .f32()?
                        .iter()
                        .collect()),
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
                src_doc: strings("src_doc")?,
                tgt_doc: strings("tgt_doc")?,
                beads: sources
                    .into_iter()
                    .zip(targets)
                    .map(|(s, t)| pird_eval::Bead::new(s, t))
                    .collect(),
                scores: floats("score")?,
                margins: floats("margin")?,
                src_text: optional_strings("src_text")?,
                tgt_text: optional_strings("tgt_text")?,
                method: first("method"),
                model: first("model"),
            })
        }

        /// The one document pair all rows belong to, or an error naming the file; `None` for
        /// an empty table.
        pub fn single_pair(&self, path: &Path) -> Result<Option<(String, String)>> {
            for (side, docs) in [("src_doc", &self.src_doc), ("tgt_doc", &self.tgt_doc)] {
                if docs.iter().any(|d| d != &docs[0]) {
                    bail!(
                        "{}: rows of more than one document pair (column {side}); give one pair's rows",
                        path.display()
                    );
                }
            }
            Ok(self
                .src_doc
                .first()
                .cloned()
                .zip(self.tgt_doc.first().cloned()))
        }
    }
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

/// The `metrics` table: `dataset, method, model, metric, value, n`.
pub mod metrics {
    use anyhow::Result;
    use pird_eval::MetricRow;
    use polars::prelude::*;

    /// The rows as a DataFrame with the table's schema.
    pub fn frame(rows: &[MetricRow]) -> Result<DataFrame> {
        let column = |name: &str, pick: fn(&MetricRow) -> &str| {
            Column::new(name.into(), rows.iter().map(pick).collect::<Vec<_>>())
        };
        Ok(DataFrame::new(
            rows.len(),
            vec![
                column("dataset", |r| &r.dataset),
                column("method", |r| &r.method),
                column("model", |r| &r.model),
                column("metric", |r| &r.metric),
                Column::new(
                    "value".into(),
                    rows.iter().map(|r| r.value).collect::<Vec<_>>(),
                ),
                Column::new("n".into(), rows.iter().map(|r| r.n).collect::<Vec<_>>()),
            ],
        )?)
    }

    /// The rows of a `metrics` table read from `path` (e.g. written by `pird eval suite`).
    pub fn read(path: &std::path::Path) -> Result<Vec<MetricRow>> {
        let table = super::read_table(path)?;
        let text = |name: &str| -> Result<Vec<String>> {
            Ok(super::str_column(&table, name, path)?
                .iter()
                .map(|v| v.unwrap_or_default().to_string())
                .collect())
        };
        let number = |name: &str, dtype: DataType| -> Result<Column> {
            super::named_column(&table, name, path)?
                .strict_cast(&dtype)
                .map_err(|_| {
                    anyhow::anyhow!("{}: column '{name}' must hold numbers", path.display())
                })
        };
        let values = number("value", DataType::Float64)?;
        let counts = number("n", DataType::UInt64)?;
        let (dataset, method, model, metric) = (
            text("dataset")?,
            text("method")?,
            text("model")?,
            text("metric")?,
        );
        Ok((0..table.height())
            .map(|i| MetricRow {
                dataset: dataset[i].clone(),
                method: method[i].clone(),
                model: model[i].clone(),
                metric: metric[i].clone(),
                value: values.f64().ok().and_then(|v| v.get(i)).unwrap_or(f64::NAN),
                n: counts.u64().ok().and_then(|v| v.get(i)).unwrap_or(0),
            })
            .collect())
    }

    /// The rows as an aligned plain-text table for the terminal.
    pub fn to_text(rows: &[MetricRow]) -> String {
        let width = |pick: fn(&MetricRow) -> &str, title: &str| {
            rows.iter()
                .map(|r| pick(r).chars().count())
                .max()
                .unwrap_or(0)
                .max(title.len())
        };
        let (d, m, k) = (
            width(|r| &r.dataset, "dataset"),
            width(|r| &r.method, "method"),
            width(|r| &r.metric, "metric"),
        );
        let mut out = format!(
            "{:d$}  {:m$}  {:k$}  {:>7}  {:>6}\n",
            "dataset", "method", "metric", "value", "n"
        );
        for r in rows {
            out += &format!(
                "{:d$}  {:m$}  {:k$}  {:>7.4}  {:>6}\n",
                r.dataset, r.method, r.metric, r.value, r.n
            );
        }
        out
    }

    /// The rows of several models side by side: one line per dataset, method and metric, one
    /// value column per model in `models` order (`-` where a model has no such row).
    pub fn to_text_by_model(rows: &[MetricRow], models: &[String]) -> String {
        let mut keys: Vec<(&str, &str, &str)> = Vec::new();
        let mut values: std::collections::HashMap<(&str, &str, &str, &str), f64> =
            std::collections::HashMap::new();
        for r in rows {
            let key = (r.dataset.as_str(), r.method.as_str(), r.metric.as_str());
            if !keys.contains(&key) {
                keys.push(key);
            }
            values.insert((key.0, key.1, key.2, r.model.as_str()), r.value);
        }
        let width = |part: usize, title: &str| {
            keys.iter()
                .map(|k| [k.0, k.1, k.2][part].chars().count())
                .max()
                .unwrap_or(0)
                .max(title.len())
        };
        let (d, m, k) = (width(0, "dataset"), width(1, "method"), width(2, "metric"));
        let mut out = format!("{:d$}  {:m$}  {:k$}", "dataset", "method", "metric");
        for model in models {
            out += &format!("  {:>w$}", model, w = model.len().max(7));
        }
        out.push('\n');
        for key in keys {
            out += &format!("{:d$}  {:m$}  {:k$}", key.0, key.1, key.2);
            for model in models {
                let w = model.len().max(7);
                match values.get(&(key.0, key.1, key.2, model.as_str())) {
                    Some(v) => out += &format!("  {v:>w$.4}"),
                    None => out += &format!("  {:>w$}", "-"),
                }
            }
            out.push('\n');
        }
        out
    }
}
