//! The `metrics` table: `dataset, method, model, metric, value, n`, and its plain-text forms for
//! the terminal.

use crate::columns::{named_column, strings};
use crate::schema::{ColumnSpec, Kind, Schema};
use crate::{Error, Result};
use pird_eval::MetricRow;
use polars::prelude::*;
use std::path::Path;

const DATASET: &str = "dataset";
const METHOD: &str = "method";
const MODEL: &str = "model";
const METRIC: &str = "metric";
const VALUE: &str = "value";
const N: &str = "n";

/// The table's columns.
pub const SCHEMA: Schema = Schema {
    table: "metrics",
    columns: &[
        ColumnSpec::required(DATASET, Kind::Text),
        ColumnSpec::required(METHOD, Kind::Text),
        ColumnSpec::required(MODEL, Kind::Text),
        ColumnSpec::required(METRIC, Kind::Text),
        ColumnSpec::required(VALUE, Kind::F64),
        ColumnSpec::required(N, Kind::U64),
    ],
};

/// The rows as a DataFrame with the table's schema.
pub fn frame(rows: &[MetricRow]) -> PolarsResult<DataFrame> {
    let column = |name: &str, pick: fn(&MetricRow) -> &str| {
        Column::new(name.into(), rows.iter().map(pick).collect::<Vec<_>>())
    };
    DataFrame::new(
        rows.len(),
        vec![
            column(DATASET, |r| &r.dataset),
            column(METHOD, |r| &r.method),
            column(MODEL, |r| &r.model),
            column(METRIC, |r| &r.metric),
            Column::new(
                VALUE.into(),
                rows.iter().map(|r| r.value).collect::<Vec<_>>(),
            ),
            Column::new(N.into(), rows.iter().map(|r| r.n).collect::<Vec<_>>()),
        ],
    )
}

/// The rows of a `metrics` table read from `path` (e.g. written by `pird eval suite`).
pub fn read(path: &Path) -> Result<Vec<MetricRow>> {
    let table = SCHEMA.read(path)?;
    let number = |name: &str| -> Result<&Column> { named_column(&table, name, path) };
    let values = number(VALUE)?
        .f64()
        .map_err(|e| Error::table(path, "cannot read the table", e))?;
    let counts = number(N)?
        .u64()
        .map_err(|e| Error::table(path, "cannot read the table", e))?;
    let (dataset, method, model, metric) = (
        strings(&table, DATASET, path)?,
        strings(&table, METHOD, path)?,
        strings(&table, MODEL, path)?,
        strings(&table, METRIC, path)?,
    );
    Ok((0..table.height())
        .map(|i| MetricRow {
            dataset: dataset[i].clone(),
            method: method[i].clone(),
            model: model[i].clone(),
            metric: metric[i].clone(),
            value: values.get(i).unwrap_or(f64::NAN),
            n: counts.get(i).unwrap_or(0),
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
        width(|r| &r.dataset, DATASET),
        width(|r| &r.method, METHOD),
        width(|r| &r.metric, METRIC),
    );
    let mut out = format!(
        "{:d$}  {:m$}  {:k$}  {:>7}  {:>6}\n",
        DATASET, METHOD, METRIC, VALUE, N
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
    let (d, m, k) = (width(0, DATASET), width(1, METHOD), width(2, METRIC));
    let mut out = format!("{:d$}  {:m$}  {:k$}", DATASET, METHOD, METRIC);
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
