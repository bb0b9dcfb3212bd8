//! Reading input documents: plain text files and TSV/JSONL collections.
//!
//! A plain file is one document whose `doc_id` is the file stem. A `.tsv` collection has a
//! header naming `doc_id` and `text` columns; a `.jsonl`/`.ndjson` collection has one object per
//! line with `doc_id` and `text`. Every error names the file and the line or byte at fault.

use crate::{Error, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One input document: its id, its full original text, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The document's id (file stem, or the collection's `doc_id` field).
    pub doc_id: String,
    /// The original text, without a byte-order mark.
    pub text: String,
    /// The file, and for collections the line, it was read from (for messages).
    pub origin: String,
}

/// Reads the documents of one input file, choosing the layout by extension.
pub fn read_documents(path: &Path) -> Result<Vec<Document>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, "cannot read", e))?;
    let text = decode_text(path, &bytes)?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "tsv" => read_tsv_collection(path, text),
        "jsonl" | "ndjson" => read_jsonl_collection(path, text),
        _ => {
            let doc_id = path
                .file_stem()
                .and_then(|s| s.to_str())
                .ok_or_else(|| Error::invalid(path, "the file name is not valid UTF-8"))?;
            Ok(vec![Document {
                doc_id: doc_id.to_string(),
                text: text.to_string(),
                origin: path.display().to_string(),
            }])
        }
    }
}

/// Reads every input file, refusing two documents with the same id.
pub fn read_all_documents(paths: &[PathBuf]) -> Result<Vec<Document>> {
    let mut documents = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for path in paths {
        for doc in read_documents(path)? {
            if let Some(first) = seen.insert(doc.doc_id.clone(), doc.origin.clone()) {
                return Err(Error::invalid_at(
                    doc.origin,
                    format!("doc_id '{}' is used twice (first in {first})", doc.doc_id),
                ));
            }
            documents.push(doc);
        }
    }
    Ok(documents)
}

/// Checks that `bytes` are UTF-8 text and strips a byte-order mark.
pub fn decode_text<'b>(path: &Path, bytes: &'b [u8]) -> Result<&'b str> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
        Error::invalid(
            path,
            format!("not valid UTF-8 at byte {offset} (line {line}): pird reads UTF-8 text only; convert the file first (e.g. with iconv)"),
        )
    })?;
    if let Some(offset) = text.find('\0') {
        return Err(Error::invalid(
            path,
            format!("NUL byte at byte {offset}: this looks like a binary file, not text"),
        ));
    }
    Ok(text.strip_prefix('\u{FEFF}').unwrap_or(text))
}

/// Reads a TSV collection with a header naming `doc_id` and `text`.
fn read_tsv_collection(path: &Path, text: &str) -> Result<Vec<Document>> {
    let rows = read_plain_tsv(
        path,
        text,
        &["doc_id", "text"],
        "a TSV collection needs 'doc_id' and 'text'",
    )?;
    let mut documents = Vec::new();
    for (line, mut fields) in rows {
        let origin = format!("{}:{line}", path.display());
        let text = fields.pop().expect("two columns asked for");
        let doc_id = fields.pop().expect("two columns asked for");
        if doc_id.is_empty() {
            return Err(Error::invalid_at(origin, "empty doc_id"));
        }
        documents.push(Document {
            doc_id,
            text,
            origin,
        });
    }
    Ok(documents)
}

/// The `columns` of each row of a plain TSV `text` (header line first, no quoting, so a `"` is
/// just a character: the form of FLORES, TICO-19 and OPUS files), with each row's line number;
/// `need` ends the message when a column is missing.
pub fn read_plain_tsv(
    path: &Path,
    text: &str,
    columns: &[&str],
    need: &str,
) -> Result<Vec<(u64, Vec<String>)>> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .quoting(false)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| Error::invalid(path, format!("cannot read the header line: {e}")))?
        .clone();
    let positions = columns
        .iter()
        .map(|name| {
            headers
                .iter()
                .position(|h| h.trim() == *name)
                .ok_or_else(|| {
                    Error::invalid_at(
                        format!("{}:1", path.display()),
                        format!(
                            "the header has no '{name}' column (found: {}); {need}",
                            headers.iter().collect::<Vec<_>>().join(", ")
                        ),
                    )
                })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            Error::invalid_at(
                format!("{}:{line}", path.display()),
                format!("malformed row: {e}"),
            )
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let fields = positions
            .iter()
            .map(|&col| {
                record.get(col).map(str::to_string).ok_or_else(|| {
                    Error::invalid_at(
                        format!("{}:{line}", path.display()),
                        format!("missing column {}", col + 1),
                    )
                })
            })
            .collect::<Result<Vec<_>>>()?;
        rows.push((line, fields));
    }
    Ok(rows)
}

/// Reads a JSONL collection of `{"doc_id": …, "text": …}` objects; blank lines are skipped.
fn read_jsonl_collection(path: &Path, text: &str) -> Result<Vec<Document>> {
    #[derive(serde::Deserialize)]
    struct Row {
        doc_id: serde_json::Value,
        text: String,
    }
    let mut documents = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let origin = format!("{}:{}", path.display(), index + 1);
        if line.trim().is_empty() {
            continue;
        }
        let row: Row = serde_json::from_str(line).map_err(|e| {
            Error::invalid_at(
                &origin,
                format!("not a JSON object with string fields 'doc_id' and 'text': {e}"),
            )
        })?;
        let doc_id = match row.doc_id {
            serde_json::Value::String(s) if !s.is_empty() => s,
            serde_json::Value::Number(n) => n.to_string(),
            other => {
                return Err(Error::invalid_at(
                    origin,
                    format!("doc_id must be a non-empty string or a number, not {other}"),
                ))
            }
        };
        documents.push(Document {
            doc_id,
            text: row.text,
            origin,
        });
    }
    Ok(documents)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file_with(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::File::create(&path)
            .unwrap()
            .write_all(bytes)
            .unwrap();
        (dir, path)
    }

    #[test]
    fn plain_file_is_one_document_named_by_its_stem_without_bom() {
        let (_dir, path) = file_with("news.ckb.txt", "\u{FEFF}سڵاو.\r\nباشم.".as_bytes());
        let docs = read_documents(&path).unwrap();
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].doc_id, "news.ckb");
        assert_eq!(docs[0].text, "سڵاو.\r\nباشم.");
    }

    #[test]
    fn invalid_utf8_names_file_byte_and_line() {
        let (_dir, path) = file_with("bad.txt", b"ok\nfine \xff here");
        let err = format!("{:#}", read_documents(&path).unwrap_err());
        assert!(
            err.contains("bad.txt") && err.contains("byte 8") && err.contains("line 2"),
            "{err}"
        );
    }

    #[test]
    fn binary_files_are_refused() {
        let (_dir, path) = file_with("blob.txt", b"ab\0cd");
        let err = format!("{:#}", read_documents(&path).unwrap_err());
        assert!(err.contains("binary") && err.contains("byte 2"), "{err}");
    }

    #[test]
    fn tsv_collection_reads_rows_and_names_bad_lines() {
        let (_dir, path) = file_with("c.tsv", "doc_id\ttext\na\tیەک \"دوو\".\nb\tسێ\n".as_bytes());
        let docs = read_documents(&path).unwrap();
        assert_eq!(
            docs.iter().map(|d| d.doc_id.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(docs[0].text, "یەک \"دوو\".");
        let (_dir, bad) = file_with("d.tsv", b"doc_id\ttext\na\tx\nb\n");
        let err = format!("{:#}", read_documents(&bad).unwrap_err());
        assert!(err.contains("d.tsv:3"), "{err}");
        let (_dir, no_text) = file_with("e.tsv", b"id\tbody\n");
        assert!(
            format!("{:#}", read_documents(&no_text).unwrap_err()).contains("no 'doc_id' column")
        );
    }

    #[test]
    fn jsonl_collection_reads_rows_and_names_bad_lines() {
        let (_dir, path) = file_with(
            "c.jsonl",
            b"{\"doc_id\": 7, \"text\": \"x\"}\n\n{\"doc_id\": \"b\", \"text\": \"y\"}\n",
        );
        let docs = read_documents(&path).unwrap();
        assert_eq!(docs[0].doc_id, "7");
        assert_eq!(docs[1].origin, format!("{}:3", path.display()));
        let (_dir, bad) = file_with(
            "d.jsonl",
            b"{\"doc_id\": \"a\", \"text\": \"x\"}\n{\"doc_id\": \"b\"}\n",
        );
        assert!(format!("{:#}", read_documents(&bad).unwrap_err()).contains("d.jsonl:2"));
    }

    #[test]
    fn duplicate_doc_ids_across_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        std::fs::create_dir(&a).unwrap();
        std::fs::write(a.join("x.txt"), "یەک").unwrap();
        std::fs::write(dir.path().join("x.txt"), "دوو").unwrap();
        let err = read_all_documents(&[a.join("x.txt"), dir.path().join("x.txt")]).unwrap_err();
        assert!(format!("{err:#}").contains("used twice"));
    }
}
