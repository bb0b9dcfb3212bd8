//! Sentences of input documents, however they arrive: `sentences` tables, directories of text
//! files, TSV/JSONL collections or single text files, segmented or taken line by line.

use crate::cli::LangChoice;
use crate::progress;
use anyhow::{bail, Context, Result};
use indicatif::ProgressBar;
use pird_io::{read_all_documents, Document, TableFormat};
use pird_text::{detect_language, Lang, SentenceSegmenter};
use std::path::{Path, PathBuf};

/// How the text of a document becomes sentences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitMode {
    /// Split with pird's sentence segmenter.
    Segment,
    /// One sentence per line; blank lines are kept as empty sentences when `keep_blank`.
    Lines {
        /// Keep blank lines as rows (so that row i is line i), or skip them.
        keep_blank: bool,
    },
}

impl SplitMode {
    /// The mode the `--lines` flag asks for (blank lines skipped).
    pub fn of(args: &crate::cli::SentenceArgs) -> Self {
        if args.lines {
            SplitMode::Lines { keep_blank: false }
        } else {
            SplitMode::Segment
        }
    }
}

/// The sentences of one document.
#[derive(Debug, Clone, PartialEq)]
pub struct SentenceDoc {
    /// The document's id.
    pub doc_id: String,
    /// Its language, when given or detected.
    pub lang: Option<Lang>,
    /// Sentence ids (0-based; line numbers in line mode).
    pub ids: Vec<u32>,
    /// Sentence texts.
    pub texts: Vec<String>,
}

/// Reads the documents of `path` and their sentences.
///
/// A table with `doc_id`, `sent_id` and `text` columns is taken as already segmented; a
/// directory contributes each file in it (sorted by name); anything else is read as documents
/// (`pird_io::documents`) and split by `mode`.
pub fn read_sentence_docs(
    path: &Path,
    mode: SplitMode,
    lang: LangChoice,
    bar: &ProgressBar,
) -> Result<Vec<SentenceDoc>> {
    if let Some(docs) = read_sentences_table(path, lang)? {
        return Ok(docs);
    }
    let files = if path.is_dir() {
        files_in(path)?
    } else {
        vec![path.to_path_buf()]
    };
    let segmenter = SentenceSegmenter::default();
    let mut out = Vec::new();
    for doc in read_all_documents(&files)? {
        let lang = match lang {
            LangChoice::Fixed(given) => {
                Some(document_language(&doc, LangChoice::Fixed(given), bar)?)
            }
            LangChoice::Auto => detect_language(&doc.text).lang,
        };
        let (ids, texts) = split(&doc.text, mode, &segmenter, &doc.origin)?;
        out.push(SentenceDoc {
            doc_id: doc.doc_id,
            lang,
            ids,
            texts,
        });
    }
    Ok(out)
}

/// Reads exactly one document's sentences from `path`.
pub fn read_one_doc(
    path: &Path,
    mode: SplitMode,
    lang: LangChoice,
    bar: &ProgressBar,
) -> Result<SentenceDoc> {
    let mut docs = read_sentence_docs(path, mode, lang, bar)?;
    match docs.len() {
        1 => Ok(docs.remove(0)),
        0 => bail!("{}: no document found", path.display()),
        n => bail!(
            "{}: holds {n} documents; align one pair at a time, or use pird batch",
            path.display()
        ),
    }
}

/// Longest sentence a checked document may hold, in characters: anything longer is not running
/// text (a binary dump, a table flattened into one line) and would only be cut by the model.
pub const MAX_SENTENCE_CHARS: usize = 10_000;

/// Reads one plain-text document (or one document of a `sentences` table) and refuses, with the
/// file named, what cannot be aligned: an empty document, one whose letters are not the language
/// it is given as (or neither Sorani nor Arabic), one mixing Sorani and Arabic paragraphs, and a
/// sentence over [`MAX_SENTENCE_CHARS`]. `pird batch` reads every document through here.
pub fn read_checked_doc(path: &Path, mode: SplitMode, lang: LangChoice) -> Result<SentenceDoc> {
    let hidden = ProgressBar::hidden();
    if TableFormat::from_path(path).is_ok() || path.is_dir() {
        return read_one_doc(path, mode, lang, &hidden);
    }
    let mut docs = read_all_documents(&[path.to_path_buf()])?;
    if docs.len() != 1 {
        bail!(
            "{}: holds {} documents; give one document a file",
            path.display(),
            docs.len()
        );
    }
    let doc = docs.remove(0);
    if doc.text.trim().is_empty() {
        bail!("{}: the document is empty", path.display());
    }
    let mix = pird_text::language_mix(&doc.text);
    if mix.is_mixed(0.2) {
        bail!(
            "{}: mixes Sorani ({:.0}% of letters) and Arabic ({:.0}%) paragraphs; give one language a file",
            path.display(),
            100.0 * mix.share(Lang::Ckb),
            100.0 * mix.share(Lang::Arb)
        );
    }
    let guess = detect_language(&doc.text);
    let lang = match (lang, guess.lang) {
        (LangChoice::Fixed(given), Some(seen)) if seen == given => given,
        (LangChoice::Fixed(given), Some(seen)) => bail!(
            "{}: given as {given} but reads as {seen} (Kurdish vowel letters {:.1}%, Arabic-only letters {:.1}%)",
            path.display(),
            100.0 * guess.kurdish_vowel_share,
            100.0 * guess.arabic_only_share
        ),
        (LangChoice::Auto, Some(seen)) => seen,
        (choice, None) => bail!(
            "{}: {} but reads as neither Sorani nor Arabic ({:.0}% of {} letters in Arabic script)",
            path.display(),
            match choice {
                LangChoice::Fixed(given) => format!("given as {given}"),
                LangChoice::Auto => "language to be detected".to_string(),
            },
            100.0 * guess.arabic_script_share,
            guess.letters
        ),
    };
    let (ids, texts) = split(&doc.text, mode, &SentenceSegmenter::default(), &doc.origin)?;
    if let Some((n, long)) = texts
        .iter()
        .enumerate()
        .find(|(_, t)| t.chars().count() > MAX_SENTENCE_CHARS)
    {
        bail!(
            "{}: sentence {} has {} characters (more than {MAX_SENTENCE_CHARS}): this is not running text",
            path.display(),
            ids[n],
            long.chars().count()
        );
    }
    Ok(SentenceDoc {
        doc_id: doc.doc_id,
        lang: Some(lang),
        ids,
        texts,
    })
}

/// The sentences of `text` by `mode`, with their ids.
fn split(
    text: &str,
    mode: SplitMode,
    segmenter: &SentenceSegmenter,
    origin: &str,
) -> Result<(Vec<u32>, Vec<String>)> {
    let id =
        |n: usize| u32::try_from(n).with_context(|| format!("{origin}: more than 4 G sentences"));
    let mut ids = Vec::new();
    let mut texts = Vec::new();
    match mode {
        SplitMode::Segment => {
            for (n, sentence) in segmenter.segment(text).into_iter().enumerate() {
                ids.push(id(n)?);
                texts.push(sentence.text.to_string());
            }
        }
        SplitMode::Lines { keep_blank } => {
            for (n, line) in text.lines().enumerate() {
                if keep_blank || !line.trim().is_empty() {
                    ids.push(id(n)?);
                    texts.push(line.to_string());
                }
            }
        }
    }
    Ok((ids, texts))
}

/// A `sentences` table at `path`, grouped by document in order of first appearance; `None`
/// when `path` is not a table with `doc_id`, `sent_id` and `text`.
fn read_sentences_table(path: &Path, lang: LangChoice) -> Result<Option<Vec<SentenceDoc>>> {
    let Ok(format) = TableFormat::from_path(path) else {
        return Ok(None);
    };
    if matches!(format, TableFormat::Tsv | TableFormat::Ndjson) && !has_sent_id_column(path)? {
        return Ok(None); // a TSV/JSONL collection of whole documents
    }
    let docs = pird_io::sentences::read(path)?
        .into_iter()
        .map(|doc| SentenceDoc {
            lang: match lang {
                LangChoice::Fixed(given) => Some(given),
                LangChoice::Auto => doc.lang,
            },
            doc_id: doc.doc_id,
            ids: doc.ids,
            texts: doc.texts,
        })
        .collect();
    Ok(Some(docs))
}

/// Whether the header (TSV) or first object (JSONL) of `path` names a `sent_id` column.
fn has_sent_id_column(path: &Path) -> Result<bool> {
    use std::io::BufRead;
    let file =
        std::fs::File::open(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let mut first = String::new();
    std::io::BufReader::new(file)
        .read_line(&mut first)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    Ok(first.contains("sent_id"))
}

/// The regular files of a directory, sorted by name (hidden files skipped).
fn files_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot list the directory", dir.display()))?
    {
        let path = entry
            .with_context(|| format!("{}: cannot list the directory", dir.display()))?
            .path();
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if path.is_file() && !hidden {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The language to record for `doc`: the given one (with a warning when the letters disagree) or the detected one.
pub fn document_language(doc: &Document, choice: LangChoice, bar: &ProgressBar) -> Result<Lang> {
    let guess = detect_language(&doc.text);
    match (choice, guess.lang) {
        (LangChoice::Fixed(given), Some(seen)) if seen != given => {
            progress::warn(
                bar,
                format!(
                    "{}: document '{}' was given as {given} but looks like {seen} (Kurdish vowel letters {:.1}%, Arabic-only letters {:.1}%)",
                    doc.origin,
                    doc.doc_id,
                    100.0 * guess.kurdish_vowel_share,
                    100.0 * guess.arabic_only_share
                ),
            );
            Ok(given)
        }
        (LangChoice::Fixed(given), None) => {
            progress::warn(
                bar,
                format!(
                    "{}: document '{}' was given as {given} but looks like neither Sorani nor Arabic ({:.0}% of {} letters in Arabic script)",
                    doc.origin,
                    doc.doc_id,
                    100.0 * guess.arabic_script_share,
                    guess.letters
                ),
            );
            Ok(given)
        }
        (LangChoice::Fixed(given), Some(_)) => Ok(given),
        (LangChoice::Auto, Some(seen)) => Ok(seen),
        (LangChoice::Auto, None) => bail!(
            "{}: cannot tell the language of document '{}' ({:.0}% of {} letters in Arabic script): give --lang ckb or --lang arb",
            doc.origin,
            doc.doc_id,
            100.0 * guess.arabic_script_share,
            guess.letters
        ),
    }
}
