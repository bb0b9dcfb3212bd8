//! JSON Lines for MT training: `{"translation": {"ckb": …, "ar": …}, "score": …, "bead": …}` per
//! line, the shape Hugging Face `datasets` loads as a translation data set; with
//! `--keep-doc-ids` also `src_lang`, `tgt_lang`, `src_doc`, `tgt_doc`, `src_ids`, `tgt_ids`, which
//! let pird read the file back as predictions or gold.

use super::{ExportOptions, ExportPair, PairWriter};
use crate::alignments::ReadAlignments;
use crate::{Error, Result};
use pird_eval::Bead;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::Path;

/// One line of the file.
#[derive(Debug, Serialize, Deserialize)]
struct Record {
    translation: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    score: Option<f32>,
    #[serde(default)]
    bead: String,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    provenance: Option<Provenance>,
}

/// Where a pair comes from (written with `--keep-doc-ids`).
#[derive(Debug, Serialize, Deserialize)]
struct Provenance {
    src_lang: String,
    tgt_lang: String,
    src_doc: String,
    tgt_doc: String,
    src_ids: Vec<u32>,
    tgt_ids: Vec<u32>,
}

/// Writes one JSON object per line.
pub struct JsonlWriter<W: Write> {
    out: W,
    options: ExportOptions,
}

impl<W: Write> JsonlWriter<W> {
    /// Writes to `out`.
    pub fn new(out: W, options: ExportOptions) -> Self {
        Self { out, options }
    }
}

impl<W: Write> PairWriter for JsonlWriter<W> {
    fn write_pair(&mut self, pair: &ExportPair<'_>) -> std::io::Result<()> {
        let options = &self.options;
        let record = Record {
            translation: BTreeMap::from([
                (options.src_lang.clone(), pair.src_text.to_string()),
                (options.tgt_lang.clone(), pair.tgt_text.to_string()),
            ]),
            score: pair.score,
            bead: pair.bead.kind(),
            provenance: options.keep_doc_ids.then(|| Provenance {
                src_lang: options.src_lang.clone(),
                tgt_lang: options.tgt_lang.clone(),
                src_doc: pair.src_doc.to_string(),
                tgt_doc: pair.tgt_doc.to_string(),
                src_ids: pair.bead.src().to_vec(),
                tgt_ids: pair.bead.tgt().to_vec(),
            }),
        };
        serde_json::to_writer(&mut self.out, &record)?;
        self.out.write_all(b"\n")?;
        Ok(())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.out.flush()?;
        Ok(())
    }
}

/// True when the first non-empty line of `path` is an object with a `translation` field: an
/// export, not an `alignments` table in NDJSON.
pub fn is_export(path: &Path) -> Result<bool> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, "cannot open", e))?;
    for line in std::io::BufReader::new(file).lines() {
        let Ok(line) = line else {
            return Ok(false);
        };
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = match serde_json::from_str(&line) {
            Ok(value) => value,
            Err(_) => return Ok(false),
        };
        return Ok(value.get("translation").is_some());
    }
    Ok(false)
}

/// Reads a JSONL file written by `pird export --keep-doc-ids` back into pairs with their ids.
pub fn read(path: &Path) -> Result<ReadAlignments> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, "cannot open", e))?;
    read_from(std::io::BufReader::new(file), path)
}

fn read_from(input: impl BufRead, path: &Path) -> Result<ReadAlignments> {
    let mut pairs = ReadAlignments::default();
    for (index, line) in input.lines().enumerate() {
        let at = format!("{}:{}", path.display(), index + 1);
        let line =
            line.map_err(|e| Error::invalid_at(&at, format!("cannot read the line: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        let record: Record = serde_json::from_str(&line)
            .map_err(|e| Error::invalid_at(&at, format!("not a pird export line: {e}")))?;
        let provenance = record.provenance.ok_or_else(|| {
            Error::invalid_at(
                &at,
                "no src_ids/tgt_ids; export with --keep-doc-ids to read pairs back",
            )
        })?;
        let text =
            |lang: &str| -> Result<String> {
                record.translation.get(lang).cloned().ok_or_else(|| {
                    Error::invalid_at(&at, format!("no {lang:?} in \"translation\""))
                })
            };
        pairs.src_text.push(text(&provenance.src_lang)?);
        pairs.tgt_text.push(text(&provenance.tgt_lang)?);
        pairs.src_doc.push(provenance.src_doc);
        pairs.tgt_doc.push(provenance.tgt_doc);
        pairs
            .beads
            .push(Bead::new(provenance.src_ids, provenance.tgt_ids));
        pairs.scores.push(record.score);
        pairs.margins.push(None);
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_have_the_datasets_shape_and_read_back() {
        let mut out = Vec::new();
        let options = ExportOptions {
            src_lang: "ckb".into(),
            tgt_lang: "ar".into(),
            keep_doc_ids: true,
            method: String::new(),
            model: String::new(),
        };
        let mut writer = JsonlWriter::new(&mut out, options);
        let bead = Bead::new([2, 3], [1]);
        writer
            .write_pair(&ExportPair {
                src_doc: "d1",
                tgt_doc: "d2",
                bead: &bead,
                src_text: "\"یەک\"\nدوو",
                tgt_text: "واحد",
                score: Some(0.25),
            })
            .unwrap();
        writer.finish().unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "{\"translation\":{\"ar\":\"واحد\",\"ckb\":\"\\\"یەک\\\"\\nدوو\"},\"score\":0.25,\"bead\":\"2-1\",\"src_lang\":\"ckb\",\"tgt_lang\":\"ar\",\"src_doc\":\"d1\",\"tgt_doc\":\"d2\",\"src_ids\":[2,3],\"tgt_ids\":[1]}\n"
        );
        let read = read_from(text.as_bytes(), Path::new("x.jsonl")).unwrap();
        assert_eq!(read.beads, [bead]);
        assert_eq!(read.src_text, ["\"یەک\"\nدوو"]);
        assert_eq!(read.tgt_text, ["واحد"]);
        assert_eq!(read.scores, [Some(0.25)]);
        assert_eq!(
            (read.src_doc[0].as_str(), read.tgt_doc[0].as_str()),
            ("d1", "d2")
        );
    }

    #[test]
    fn lines_without_ids_or_not_json_are_named() {
        let plain = "{\"translation\":{\"ckb\":\"a\",\"ar\":\"b\"},\"bead\":\"1-1\"}\n";
        let error = read_from(plain.as_bytes(), Path::new("x.jsonl")).unwrap_err();
        assert!(
            error.to_string().contains("x.jsonl:1: no src_ids"),
            "{error}"
        );
        let error = read_from(
            "\n{\"translation\": oops}\n".as_bytes(),
            Path::new("x.jsonl"),
        )
        .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("x.jsonl:2: not a pird export line"),
            "{error}"
        );
    }
}
