//! Typed access to a table's columns, with errors that name the file, column and row.

use crate::{Error, Result};
use polars::prelude::*;
use std::path::Path;

/// The column `name` of a table read from `path`, or an error naming both and the columns found.
pub fn named_column<'a>(df: &'a DataFrame, name: &str, path: &Path) -> Result<&'a Column> {
    df.column(name).map_err(|_| Error::MissingColumn {
        path: path.to_path_buf(),
        column: name.to_string(),
        found: df
            .get_column_names()
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// The string column `name` of a table read from `path`, or an error naming both.
pub fn str_column<'a>(df: &'a DataFrame, name: &str, path: &Path) -> Result<&'a StringChunked> {
    let column = named_column(df, name, path)?;
    column.str().map_err(|_| {
        Error::invalid(
            path,
            format!("column '{name}' must be text, not {}", column.dtype()),
        )
    })
}

/// The values of string column `name`, nulls as empty strings.
pub fn strings(df: &DataFrame, name: &str, path: &Path) -> Result<Vec<String>> {
    Ok(str_column(df, name, path)?
        .iter()
        .map(|v| v.unwrap_or_default().to_string())
        .collect())
}

/// The unsigned integer column `name`, cast to u32, or an error naming the file and column.
pub fn u32_column(df: &DataFrame, name: &str, path: &Path) -> Result<UInt32Chunked> {
    let cast = named_column(df, name, path)?
        .strict_cast(&DataType::UInt32)
        .map_err(|_| {
            Error::invalid(
                path,
                format!("column '{name}' must hold non-negative integers"),
            )
        })?;
    Ok(cast
        .u32()
        .map_err(|e| Error::table(path, "cannot read the table", e))?
        .clone())
}

/// The values of number column `name` as f32 (nulls as `None`), or an error naming the column.
pub fn f32_values(df: &DataFrame, name: &str, path: &Path) -> Result<Vec<Option<f32>>> {
    let cast = named_column(df, name, path)?
        .cast(&DataType::Float32)
        .map_err(|_| Error::invalid(path, format!("column '{name}' must hold numbers")))?;
    Ok(cast
        .f32()
        .map_err(|e| Error::table(path, "cannot read the table", e))?
        .iter()
        .collect())
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
    let at = |row: usize| {
        format!(
            "{}: column '{name}', row {}",
            path.display(),
            first_row + row + 1
        )
    };
    if let DataType::List(_) = column.dtype() {
        let lists = column
            .list()
            .map_err(|e| Error::table(path, "cannot read the table", e))?;
        return (0..lists.len())
            .map(|row| {
                let values = lists.get_as_series(row).unwrap_or_default();
                let ids = values
                    .strict_cast(&DataType::UInt32)
                    .map_err(|_| Error::invalid_at(at(row), "ids must be non-negative integers"))?;
                Ok(ids
                    .u32()
                    .map_err(|e| Error::table(path, "cannot read the table", e))?
                    .into_no_null_iter()
                    .collect())
            })
            .collect();
    }
    let text = str_column(df, name, path)?;
    text.iter()
        .enumerate()
        .map(|(row, value)| {
            let value = value.unwrap_or("[]").trim();
            parse_id_list(value).map_err(|problem| {
                Error::invalid_at(
                    at(row),
                    match problem {
                        None => format!("{value:?} is not a list like [3, 4]"),
                        Some(part) => format!("{part:?} is not a sentence id"),
                    },
                )
            })
        })
        .collect()
}

/// The ids of a list written as `[3, 4]` (the bead notation of Vecalign, and the CSV form of the
/// `alignments` table); the error is `None` when `text` is not bracketed, else the part that is
/// not an id.
pub fn parse_id_list(text: &str) -> Result<Vec<u32>, Option<String>> {
    let inner = text
        .trim()
        .strip_prefix('[')
        .and_then(|v| v.strip_suffix(']'))
        .ok_or(None)?;
    inner
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| part.parse::<u32>().map_err(|_| Some(part.to_string())))
        .collect()
}

/// `[3, 4]`: ids in the notation [`parse_id_list`] reads.
pub fn format_id_list(ids: &[u32]) -> String {
    let ids: Vec<String> = ids.iter().map(u32::to_string).collect();
    format!("[{}]", ids.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_lists_round_trip_and_bad_ones_are_told_apart() {
        for ids in [vec![], vec![3], vec![3, 4, 10]] {
            assert_eq!(parse_id_list(&format_id_list(&ids)), Ok(ids));
        }
        assert_eq!(parse_id_list(" [ 1 ,2, ] "), Ok(vec![1, 2]));
        assert_eq!(parse_id_list("1, 2"), Err(None));
        assert_eq!(parse_id_list("[1, x]"), Err(Some("x".into())));
        assert_eq!(parse_id_list("[-1]"), Err(Some("-1".into())));
    }
}
