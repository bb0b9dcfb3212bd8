//! Readers for gold data: Vecalign bead files, line-parallel TSV, pairs of line-parallel text
//! files, and document TSVs.
//!
//! Files are UTF-8 (a leading byte-order mark is skipped; `\r\n` line ends are accepted). Every
//! error names the file and, where one is to blame, the 1-based line: `gold.tsv:12: …`.
//! Sentence ids are 0-based, as in the `sentences` table and in Vecalign's bead files, so line 1
//! of a line-parallel file is sentence 0.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::Path;

use crate::bead::{Alignment, Bead, SentId};
use crate::error::GoldError;

/// Reads a Vecalign-style bead file: one bead per line, `[0]:[0, 1]`, `[]:[3]`, `[1, 2]:[]`,
/// optionally followed by `:score` as Vecalign writes it. Blank lines are skipped.
pub fn read_bead_file(path: impl AsRef<Path>) -> Result<Alignment, GoldError> {
    let path = path.as_ref();
    let text = read_text(path)?;
    let mut beads = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bead = line
            .parse::<Bead>()
            .map_err(|e| malformed(path, index, e))?;
        beads.push(bead);
    }
    Ok(beads)
}

/// Sentences of two languages where sentence i of one translates sentence i of the other.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineParallel {
    /// Source-language sentences (ckb), in order.
    pub src: Vec<String>,
    /// Target-language sentences (arb), in order.
    pub tgt: Vec<String>,
}

impl LineParallel {
    /// Number of sentence pairs.
    pub fn len(&self) -> usize {
        self.src.len()
    }

    /// True when there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.src.is_empty()
    }

    /// The gold alignment: the 1-1 beads `[i]:[i]` for every line index i.
    pub fn gold_beads(&self) -> Alignment {
        (0..self.src.len())
            .map(|i| Bead::one_to_one(i as SentId, i as SentId))
            .collect()
    }
}

/// Reads a line-parallel TSV: `ckb<TAB>arb` per line, no header. Every line must have exactly
/// two tab-separated fields (either may be empty).
pub fn read_line_parallel_tsv(path: impl AsRef<Path>) -> Result<LineParallel, GoldError> {
    let path = path.as_ref();
    let text = read_text(path)?;
    let mut corpus = LineParallel::default();
    for (index, line) in text.lines().enumerate() {
        check_id_range(path, index)?;
        let fields: Vec<&str> = line.split('\t').collect();
        if fields.len() != 2 {
            return Err(malformed(
                path,
                index,
                format!(
                    "expected 2 tab-separated fields (source, target), found {}",
                    fields.len()
                ),
            ));
        }
        corpus.src.push(fields[0].to_owned());
        corpus.tgt.push(fields[1].to_owned());
    }
    Ok(corpus)
}

/// Reads two line-parallel text files (line i of one translates line i of the other; empty
/// lines are empty sentences). Differing line counts are an error naming both files.
pub fn read_parallel_files(
    src_path: impl AsRef<Path>,
    tgt_path: impl AsRef<Path>,
) -> Result<LineParallel, GoldError> {
    let (src_path, tgt_path) = (src_path.as_ref(), tgt_path.as_ref());
    let src = read_lines(src_path)?;
    let tgt = read_lines(tgt_path)?;
    if src.len() != tgt.len() {
        return Err(GoldError::LineCountMismatch {
            src_path: src_path.to_owned(),
            src_lines: src.len(),
            tgt_path: tgt_path.to_owned(),
            tgt_lines: tgt.len(),
        });
    }
    Ok(LineParallel { src, tgt })
}

/// One sentence of a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sentence {
    /// The sentence id within its document.
    pub id: SentId,
    /// The sentence text.
    pub text: String,
}

/// A document: its id and its sentences in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// The document id (`doc_id`).
    pub id: String,
    /// The sentences, ordered by id.
    pub sentences: Vec<Sentence>,
}

/// A document in two languages: its id and the sentences of each side, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BilingualDocument {
    /// The document id.
    pub id: String,
    /// The sentences of the source column.
    pub source: Vec<String>,
    /// The sentences of the target column.
    pub target: Vec<String>,
}

/// Reads a bilingual document TSV (such as TICO-19's `ckb`/`arb` file or the gospels), taking
/// each document's sentences from the columns `source` and `target` (see
/// [`read_document_tsv_column`] for the layout).
pub fn read_bilingual_documents(
    path: impl AsRef<Path>,
    source: &str,
    target: &str,
) -> Result<Vec<BilingualDocument>, GoldError> {
    let path = path.as_ref();
    let texts =
        |doc: Document| -> Vec<String> { doc.sentences.into_iter().map(|s| s.text).collect() };
    let targets = read_document_tsv_column(path, target)?;
    Ok(read_document_tsv_column(path, source)?
        .into_iter()
        .zip(targets)
        .map(|(s, t)| BilingualDocument {
            id: s.id.clone(),
            source: texts(s),
            target: texts(t),
        })
        .collect())
}

/// FLORES-200 dev or devtest in `dir`: the line pairs of the files `SOURCE.dev` and
/// `TARGET.dev` (e.g. `ckb_Arab`, `arb_Arab`) grouped into the set's documents by
/// `metadata_dev.tsv` (consecutive lines sharing a source URL, the document's id). The one known
/// defect, a missing translation written as `nan` (ckb line 245), is dropped on both sides.
pub fn read_flores_documents(
    dir: impl AsRef<Path>,
    source: &str,
    target: &str,
) -> Result<Vec<BilingualDocument>, GoldError> {
    let dir = dir.as_ref();
    let lines = read_parallel_files(
        dir.join(format!("{source}.dev")),
        dir.join(format!("{target}.dev")),
    )?;
    let metadata = dir.join("metadata_dev.tsv");
    let text = read_text(&metadata)?;
    // The first column of each row after the header is the source URL.
    let urls: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|row| row.split('\t').next().unwrap_or_default())
        .collect();
    if urls.len() != lines.len() {
        return Err(malformed(
            &metadata,
            0,
            format!(
                "{} rows after the header for {} lines",
                urls.len(),
                lines.len()
            ),
        ));
    }
    let mut documents: Vec<BilingualDocument> = Vec::new();
    for (i, url) in urls.iter().enumerate() {
        if documents.last().is_none_or(|d| d.id != *url) {
            documents.push(BilingualDocument {
                id: url.to_string(),
                source: Vec::new(),
                target: Vec::new(),
            });
        }
        let missing = |line: &str| line.trim() == "nan";
        if !missing(&lines.src[i]) && !missing(&lines.tgt[i]) {
            let doc = documents.last_mut().expect("pushed above");
            doc.source.push(lines.src[i].clone());
            doc.target.push(lines.tgt[i].clone());
        }
    }
    documents.retain(|d| !d.source.is_empty());
    Ok(documents)
}

/// Reads a document TSV whose header names `doc_id` and `text` columns (see
/// [`read_document_tsv_column`]).
pub fn read_document_tsv(path: impl AsRef<Path>) -> Result<Vec<Document>, GoldError> {
    read_document_tsv_column(path, "text")
}

/// Reads a document TSV, taking sentence texts from the column `text_column`.
///
/// The first line is a header naming the columns; it must include `doc_id` and `text_column`,
/// and may include `sent_id`. A verse-aligned file with a `ref` column (`MAT 1:1`) instead of
/// `doc_id` is read with each chapter (`MAT 1`, the ref up to its last `:`) as one document.
/// Other columns are ignored, so a bilingual file such as `tuid doc_id source_url ckb arb eng`
/// can be read once per language. Each row must have as many
/// fields as the header. Documents come in the order of their first row. Without `sent_id`, a
/// document's sentences are numbered 0, 1, … in file order; with it, they carry those ids
/// (unique within the document) and are sorted by them.
pub fn read_document_tsv_column(
    path: impl AsRef<Path>,
    text_column: &str,
) -> Result<Vec<Document>, GoldError> {
    let path = path.as_ref();
    let text = read_text(path)?;
    let mut lines = text.lines().enumerate();
    let Some((_, header)) = lines.next() else {
        return Err(malformed(
            path,
            0,
            "the file is empty; expected a header line",
        ));
    };
    let columns: Vec<&str> = header.split('\t').map(str::trim).collect();
    let find = |name: &str| columns.iter().position(|c| *c == name);
    let missing = |name: &str| {
        malformed(
            path,
            0,
            format!(
                "the header has no {name:?} column (columns: {})",
                columns.join(", ")
            ),
        )
    };
    // Verse-aligned files name verses (`MAT 1:1`) instead of documents: a chapter is a document.
    let (doc_col, by_chapter) = match (find("doc_id"), find("ref")) {
        (Some(col), _) => (col, false),
        (None, Some(col)) => (col, true),
        (None, None) => return Err(missing("doc_id")),
    };
    let text_col = find(text_column).ok_or_else(|| missing(text_column))?;
    let sent_col = find("sent_id");

    let mut documents: Vec<Document> = Vec::new();
    let mut position: HashMap<String, usize> = HashMap::new();
    let mut seen_ids: HashSet<(usize, SentId)> = HashSet::new();
    for (index, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        if fields.len() != columns.len() {
            return Err(malformed(
                path,
                index,
                format!(
                    "expected {} tab-separated fields as in the header, found {}",
                    columns.len(),
                    fields.len()
                ),
            ));
        }
        let doc_id = fields[doc_col].trim();
        if doc_id.is_empty() {
            return Err(malformed(path, index, "the doc_id field is empty"));
        }
        let doc_id = if by_chapter {
            match doc_id.rsplit_once(':') {
                Some((chapter, _verse)) if !chapter.trim().is_empty() => chapter.trim(),
                _ => {
                    return Err(malformed(
                        path,
                        index,
                        format!("ref {doc_id:?} is not `BOOK chapter:verse`"),
                    ))
                }
            }
        } else {
            doc_id
        };
        let slot = *position.entry(doc_id.to_owned()).or_insert_with(|| {
            documents.push(Document {
                id: doc_id.to_owned(),
                sentences: Vec::new(),
            });
            documents.len() - 1
        });
        let document = &mut documents[slot];
        let id = match sent_col {
            Some(col) => {
                let raw = fields[col].trim();
                let id = raw.parse::<SentId>().map_err(|_| {
                    malformed(
                        path,
                        index,
                        format!("sent_id {raw:?} is not a sentence id (a number from 0)"),
                    )
                })?;
                if !seen_ids.insert((slot, id)) {
                    return Err(malformed(
                        path,
                        index,
                        format!("document {doc_id:?} already has a sentence {id}"),
                    ));
                }
                id
            }
            None => {
                check_id_range(path, document.sentences.len())?;
                document.sentences.len() as SentId
            }
        };
        document.sentences.push(Sentence {
            id,
            text: fields[text_col].to_owned(),
        });
    }
    if sent_col.is_some() {
        for document in &mut documents {
            document.sentences.sort_by_key(|s| s.id);
        }
    }
    Ok(documents)
}

fn read_lines(path: &Path) -> Result<Vec<String>, GoldError> {
    let text = read_text(path)?;
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    if let Some(last) = lines.len().checked_sub(1) {
        check_id_range(path, last)?;
    }
    Ok(lines)
}

/// Reads a whole file as UTF-8, naming the line of the first invalid byte if there is one.
fn read_text(path: &Path) -> Result<String, GoldError> {
    let bytes = fs::read(path).map_err(|source| GoldError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let index = valid.iter().filter(|&&b| b == b'\n').count();
        malformed(path, index, "the line is not valid UTF-8")
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

fn check_id_range(path: &Path, index: usize) -> Result<(), GoldError> {
    if SentId::try_from(index).is_err() {
        return Err(malformed(
            path,
            index,
            "too many sentences: ids must fit in 32 bits",
        ));
    }
    Ok(())
}

/// A malformed-line error for the 0-based line `index`.
fn malformed(path: &Path, index: usize, message: impl ToString) -> GoldError {
    GoldError::Malformed {
        path: path.to_owned(),
        line: index + 1,
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(contents: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(contents).unwrap();
        f
    }

    fn message(err: GoldError, f: &tempfile::NamedTempFile) -> String {
        err.to_string()
            .replace(&f.path().display().to_string(), "FILE")
    }

    #[test]
    fn bead_file() {
        let f = file(b"[0]:[0, 1]\n[]:[2]\n\n[1, 2]:[]\n[3]:[3]:0.52\n");
        let beads = read_bead_file(f.path()).unwrap();
        assert_eq!(
            beads,
            vec![
                Bead::new(vec![0], vec![0, 1]),
                Bead::new(vec![], vec![2]),
                Bead::new(vec![1, 2], vec![]),
                Bead::new(vec![3], vec![3]),
            ]
        );
    }

    #[test]
    fn bead_file_error_names_file_and_line() {
        let f = file(b"[0]:[0]\n[1]-[1]\n");
        let err = read_bead_file(f.path()).unwrap_err();
        let msg = message(err, &f);
        assert!(msg.starts_with("FILE:2: expected a bead"), "{msg}");
    }

    #[test]
    fn missing_file_is_named() {
        let err = read_bead_file("/nonexistent/gold.beads").unwrap_err();
        assert!(err
            .to_string()
            .starts_with("/nonexistent/gold.beads: cannot read"));
    }

    #[test]
    fn line_parallel_tsv() {
        let f = file("\u{feff}یەک\tواحد\r\nدوو\tاثنان\n\tفارغ\n".as_bytes());
        let corpus = read_line_parallel_tsv(f.path()).unwrap();
        assert_eq!(corpus.src, vec!["یەک", "دوو", ""]);
        assert_eq!(corpus.tgt, vec!["واحد", "اثنان", "فارغ"]);
        assert_eq!(
            corpus.gold_beads(),
            vec![
                Bead::one_to_one(0, 0),
                Bead::one_to_one(1, 1),
                Bead::one_to_one(2, 2)
            ]
        );
    }

    #[test]
    fn line_parallel_tsv_wrong_field_count() {
        let f = file(b"a\tb\nc\td\te\n");
        let msg = message(read_line_parallel_tsv(f.path()).unwrap_err(), &f);
        assert_eq!(
            msg,
            "FILE:2: expected 2 tab-separated fields (source, target), found 3"
        );
        let f = file(b"a\tb\n\nc\td\n");
        let msg = message(read_line_parallel_tsv(f.path()).unwrap_err(), &f);
        assert!(msg.starts_with("FILE:2: expected 2"), "{msg}");
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let f = file(b"a\tb\nc\t\xff\n");
        let msg = message(read_line_parallel_tsv(f.path()).unwrap_err(), &f);
        assert_eq!(msg, "FILE:2: the line is not valid UTF-8");
    }

    #[test]
    fn parallel_files() {
        let src = file(b"one\n\nthree\n");
        let tgt = file(b"un\ndeux\ntrois");
        let corpus = read_parallel_files(src.path(), tgt.path()).unwrap();
        assert_eq!(corpus.src, vec!["one", "", "three"]);
        assert_eq!(corpus.tgt, vec!["un", "deux", "trois"]);
        assert_eq!(corpus.len(), 3);
    }

    #[test]
    fn parallel_files_count_mismatch_names_both() {
        let src = file(b"one\ntwo\n");
        let tgt = file(b"un\n");
        let msg = read_parallel_files(src.path(), tgt.path())
            .unwrap_err()
            .to_string();
        assert_eq!(
            msg,
            format!(
                "{} has 2 lines but {} has 1; line i of one must translate line i of the other",
                src.path().display(),
                tgt.path().display()
            )
        );
    }

    #[test]
    fn document_tsv_groups_in_order() {
        let f = file(b"doc_id\ttext\nA\ta0\nB\tb0\nA\ta1\n");
        let docs = read_document_tsv(f.path()).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].id, "A");
        let a: Vec<_> = docs[0]
            .sentences
            .iter()
            .map(|s| (s.id, s.text.as_str()))
            .collect();
        assert_eq!(a, vec![(0, "a0"), (1, "a1")]);
        assert_eq!(docs[1].sentences[0].text, "b0");
    }

    #[test]
    fn document_tsv_with_sent_id_and_other_columns() {
        let f = file(b"url\tsent_id\tdoc_id\ttext\nu\t2\tA\tc\nu\t0\tA\ta\nu\t1\tA\tb\n");
        let docs = read_document_tsv(f.path()).unwrap();
        let ids: Vec<_> = docs[0].sentences.iter().map(|s| s.id).collect();
        let texts: Vec<_> = docs[0].sentences.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(ids, vec![0, 1, 2]);
        assert_eq!(texts, vec!["a", "b", "c"]);
    }

    #[test]
    fn document_tsv_named_column() {
        let f = file(b"tuid\tdoc_id\tckb\tarb\nX:1\tX\tk1\ta1\nX:2\tX\tk2\ta2\n");
        let ckb = read_document_tsv_column(f.path(), "ckb").unwrap();
        let arb = read_document_tsv_column(f.path(), "arb").unwrap();
        assert_eq!(ckb[0].sentences[1].text, "k2");
        assert_eq!(arb[0].sentences[1].text, "a2");
    }

    #[test]
    fn verse_tsv_groups_by_chapter() {
        let f = file(b"ref\tckb\tarb\nMAT 1:1\tk1\ta1\nMAT 1:2\tk2\ta2\nMAT 2:1\tk3\ta3\n");
        let ckb = read_document_tsv_column(f.path(), "ckb").unwrap();
        let ids: Vec<&str> = ckb.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["MAT 1", "MAT 2"]);
        assert_eq!(ckb[0].sentences.len(), 2);
        let bad = file(b"ref\tckb\nMAT 1\tk1\n");
        let msg = message(
            read_document_tsv_column(bad.path(), "ckb").unwrap_err(),
            &bad,
        );
        assert_eq!(msg, "FILE:2: ref \"MAT 1\" is not `BOOK chapter:verse`");
    }

    #[test]
    fn document_tsv_errors() {
        let f = file(b"doc\ttext\nA\ta\n");
        let msg = message(read_document_tsv(f.path()).unwrap_err(), &f);
        assert_eq!(
            msg,
            "FILE:1: the header has no \"doc_id\" column (columns: doc, text)"
        );

        let f = file(b"doc_id\ttext\nA\ta\nB\n");
        let msg = message(read_document_tsv(f.path()).unwrap_err(), &f);
        assert_eq!(
            msg,
            "FILE:3: expected 2 tab-separated fields as in the header, found 1"
        );

        let f = file(b"doc_id\tsent_id\ttext\nA\t0\ta\nA\tx\tb\n");
        let msg = message(read_document_tsv(f.path()).unwrap_err(), &f);
        assert!(msg.starts_with("FILE:3: sent_id \"x\""), "{msg}");

        let f = file(b"doc_id\tsent_id\ttext\nA\t0\ta\nA\t0\tb\n");
        let msg = message(read_document_tsv(f.path()).unwrap_err(), &f);
        assert_eq!(msg, "FILE:3: document \"A\" already has a sentence 0");

        let f = file(b"");
        let msg = message(read_document_tsv(f.path()).unwrap_err(), &f);
        assert!(msg.starts_with("FILE:1: the file is empty"), "{msg}");
    }
}
