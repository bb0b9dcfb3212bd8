//! The `sentences` table: `doc_id, lang, sent_id, text, start, end` (`start`, `end`: character
//! offsets in the document).

use crate::columns::{str_column, u32_column};
use crate::schema::{ColumnSpec, Kind, Schema};
use crate::{Error, Result};
use polars::prelude::*;
use std::path::Path;

const DOC_ID: &str = "doc_id";
const LANG: &str = "lang";
const SENT_ID: &str = "sent_id";
const TEXT: &str = "text";
const START: &str = "start";
const END: &str = "end";

/// The table's columns; `lang` and the offsets may be absent in a table made by hand.
pub const SCHEMA: Schema = Schema {
    table: "sentences",
    columns: &[
        ColumnSpec::required(DOC_ID, Kind::Text),
        ColumnSpec::optional(LANG, Kind::Text),
        ColumnSpec::required(SENT_ID, Kind::U32),
        ColumnSpec::required(TEXT, Kind::Text),
        ColumnSpec::optional(START, Kind::U32),
        ColumnSpec::optional(END, Kind::U32),
    ],
};

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

    /// True before the first row.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The rows as a DataFrame with the table's schema.
    pub fn into_frame(self) -> PolarsResult<DataFrame> {
        let height = self.len();
        DataFrame::new(
            height,
            vec![
                Column::new(DOC_ID.into(), self.doc_id),
                Column::new(LANG.into(), self.lang),
                Column::new(SENT_ID.into(), self.sent_id),
                Column::new(TEXT.into(), self.text),
                Column::new(START.into(), self.start),
                Column::new(END.into(), self.end),
            ],
        )
    }
}

/// One document of a `sentences` table read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentenceDocument {
    /// The document's id.
    pub doc_id: String,
    /// The language of its first row with a known `lang` code, where the table has the column.
    pub lang: Option<pird_text::Lang>,
    /// Its sentence ids, in table order.
    pub ids: Vec<u32>,
    /// Its sentences, in table order.
    pub texts: Vec<String>,
}

/// Reads the `sentences` table at `path`, grouped by document in order of first appearance;
/// an empty cell is an error naming the row.
pub fn read(path: &Path) -> Result<Vec<SentenceDocument>> {
    let df = SCHEMA.read(path)?;
    let doc_ids = str_column(&df, DOC_ID, path)?;
    let texts = str_column(&df, TEXT, path)?;
    let sent_ids = u32_column(&df, SENT_ID, path)?;
    let langs = df.column(LANG).ok().and_then(|c| c.str().ok().cloned());
    let mut docs: Vec<SentenceDocument> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for row in 0..df.height() {
        let missing = |column: &str| {
            Error::invalid(path, format!("row {}: '{column}' is empty (null)", row + 1))
        };
        let doc_id = doc_ids.get(row).ok_or_else(|| missing(DOC_ID))?;
        let slot = *index.entry(doc_id.to_string()).or_insert_with(|| {
            docs.push(SentenceDocument {
                doc_id: doc_id.to_string(),
                lang: None,
                ids: Vec::new(),
                texts: Vec::new(),
            });
            docs.len() - 1
        });
        let doc = &mut docs[slot];
        if doc.lang.is_none() {
            doc.lang = langs
                .as_ref()
                .and_then(|l| l.get(row))
                .and_then(|code| code.parse().ok());
        }
        doc.ids
            .push(sent_ids.get(row).ok_or_else(|| missing(SENT_ID))?);
        doc.texts
            .push(texts.get(row).ok_or_else(|| missing(TEXT))?.to_string());
    }
    Ok(docs)
}
