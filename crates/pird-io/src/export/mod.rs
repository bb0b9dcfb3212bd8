//! Aligned pairs out for translators and MT training — TMX 1.4b, Moses parallel text or JSON
//! Lines — filtered, streamed slice by slice and written atomically; and TMX and JSONL exports
//! read back as pairs (`pird eval` and `pird report` take them as predictions).

pub mod filter;
pub mod jsonl;
pub mod moses;
pub mod tmx;

use crate::alignments::ReadAlignments;
use crate::atomic::write_atomically;
use crate::format::TableFormat;
use crate::{Error, Result};
use filter::{FilterConfig, FilterTally, PairFilter};
use pird_eval::Bead;
use pird_text::Lang;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// Rows read from the alignments table at a time: bounds memory for tables of any size.
const SLICE_ROWS: usize = 65_536;

/// One pair as the writers see it.
#[derive(Debug, Clone, Copy)]
pub struct ExportPair<'a> {
    /// Source document id.
    pub src_doc: &'a str,
    /// Target document id.
    pub tgt_doc: &'a str,
    /// Sentence ids of both sides.
    pub bead: &'a Bead,
    /// Source text.
    pub src_text: &'a str,
    /// Target text.
    pub tgt_text: &'a str,
    /// Calibrated score, when the alignment has one.
    pub score: Option<f32>,
}

/// What every format needs besides the pairs.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// Language tag of the source side (e.g. `ckb`).
    pub src_lang: String,
    /// Language tag of the target side (e.g. `ar`).
    pub tgt_lang: String,
    /// Write document and sentence ids with every pair.
    pub keep_doc_ids: bool,
    /// The alignment method, for provenance.
    pub method: String,
    /// The model, for provenance.
    pub model: String,
}

/// A format's writer: pairs in, then `finish` once.
pub trait PairWriter {
    /// Writes one pair.
    fn write_pair(&mut self, pair: &ExportPair<'_>) -> std::io::Result<()>;
    /// Writes what closes the file and flushes it.
    fn finish(&mut self) -> std::io::Result<()>;
}

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// TMX 1.4b translation memory for CAT tools (one `<tu>` per pair).
    Tmx,
    /// Two line-aligned text files, `OUT.<src-lang>` and `OUT.<tgt-lang>`.
    Moses,
    /// JSON Lines, one `{"translation": …}` object per pair.
    Jsonl,
}

/// One export: what to write, where, and which pairs to keep.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    /// The format.
    pub format: ExportFormat,
    /// The output file (for Moses, the stem the language tags are added to).
    pub output: PathBuf,
    /// Language tag of the source side.
    pub src_lang: String,
    /// Language tag of the target side.
    pub tgt_lang: String,
    /// Write document and sentence ids with every pair.
    pub keep_doc_ids: bool,
    /// Which pairs to keep.
    pub filter: FilterConfig,
}

/// What an export wrote.
#[derive(Debug, Clone)]
pub struct ExportDone {
    /// The files written.
    pub outputs: Vec<PathBuf>,
    /// How many pairs were kept and why the others were left out.
    pub tally: FilterTally,
}

impl ExportRequest {
    /// Checks the language tags: well-formed and different.
    pub fn check(&self) -> Result<()> {
        for tag in [&self.src_lang, &self.tgt_lang] {
            check_language_tag(tag)?;
        }
        if self.src_lang == self.tgt_lang {
            return Err(Error::SameLanguages {
                tag: self.src_lang.clone(),
            });
        }
        Ok(())
    }

    /// Exports the pairs of the `alignments` table at `alignments`, calling `progress` with the
    /// number of rows of each slice read; every output is written atomically.
    pub fn run(&self, alignments: &Path, mut progress: impl FnMut(usize)) -> Result<ExportDone> {
        self.check()?;
        let langs = (matching_lang(&self.src_lang), matching_lang(&self.tgt_lang));
        let mut pair_filter = PairFilter::new(self.filter.clone(), langs);
        // A TMX header names the method and model before any pair: read them from the first row.
        let first = ReadAlignments::read_first_row(alignments)?;
        let options = ExportOptions {
            src_lang: self.src_lang.clone(),
            tgt_lang: self.tgt_lang.clone(),
            keep_doc_ids: self.keep_doc_ids,
            method: first.method,
            model: first.model,
        };
        let mut export = |writer: &mut dyn PairWriter| -> Result<(), WriteFailure> {
            ReadAlignments::for_each_slice(alignments, SLICE_ROWS, |slice| {
                write_slice(&slice, &mut pair_filter, writer)?;
                progress(slice.beads.len());
                Ok::<(), WriteFailure>(())
            })?;
            Ok(writer.finish()?)
        };
        let outputs = match self.format {
            ExportFormat::Tmx => {
                write_atomically(&self.output, |file| {
                    export(&mut tmx::TmxWriter::new(
                        BufWriter::new(file),
                        options.clone(),
                    )?)
                })?;
                vec![self.output.clone()]
            }
            ExportFormat::Jsonl => {
                write_atomically(&self.output, |file| {
                    export(&mut jsonl::JsonlWriter::new(
                        BufWriter::new(file),
                        options.clone(),
                    ))
                })?;
                vec![self.output.clone()]
            }
            ExportFormat::Moses => {
                let (source, target) = (
                    with_suffix(&self.output, &self.src_lang),
                    with_suffix(&self.output, &self.tgt_lang),
                );
                write_atomically(&source, |source_file| {
                    write_atomically(&target, |target_file| {
                        export(&mut moses::MosesWriter::new(
                            BufWriter::new(source_file),
                            BufWriter::new(target_file),
                        ))
                    })
                })?;
                vec![source, target]
            }
        };
        Ok(ExportDone {
            outputs,
            tally: pair_filter.tally(),
        })
    }
}

/// Why writing an export stopped: the input could not be read or the output not written.
#[derive(Debug, thiserror::Error)]
enum WriteFailure {
    #[error(transparent)]
    Input(#[from] Error),
    #[error(transparent)]
    Output(#[from] std::io::Error),
}

/// Writes the pairs of `slice` that `pair_filter` keeps.
fn write_slice(
    slice: &ReadAlignments,
    pair_filter: &mut PairFilter,
    writer: &mut dyn PairWriter,
) -> std::io::Result<()> {
    for (i, bead) in slice.beads.iter().enumerate() {
        let (src_text, tgt_text) = (&slice.src_text[i], &slice.tgt_text[i]);
        let sizes = (bead.src().len(), bead.tgt().len());
        if pair_filter.keep(sizes, slice.scores[i], src_text, tgt_text) {
            writer.write_pair(&ExportPair {
                src_doc: &slice.src_doc[i],
                tgt_doc: &slice.tgt_doc[i],
                bead,
                src_text,
                tgt_text,
                score: slice.scores[i],
            })?;
        }
    }
    Ok(())
}

/// Aligned pairs from `path`: a TMX or JSONL file written by `pird export --keep-doc-ids`, or
/// else an `alignments` table (what `pird eval --pred` and `pird report` accept).
pub fn read_pairs(path: &Path) -> Result<ReadAlignments> {
    let tmx = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tmx"));
    if tmx {
        return tmx::read(path);
    }
    let ndjson = TableFormat::from_path(path).is_ok_and(|f| f == TableFormat::Ndjson);
    match ndjson && jsonl::is_export(path)? {
        true => jsonl::read(path),
        false => ReadAlignments::read(path),
    }
}

/// `OUT` + `.lang` (`corpus` → `corpus.ckb`), keeping any extension `OUT` already has.
fn with_suffix(path: &Path, lang: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(lang);
    PathBuf::from(name)
}

/// The language whose normalisation `--dedupe` uses for a tag: Sorani for `ckb…`, Arabic's
/// (letters kept as they are) for anything else.
fn matching_lang(tag: &str) -> Lang {
    match tag.parse::<Lang>() {
        Ok(lang) => lang,
        Err(_) if tag.to_ascii_lowercase().starts_with("ckb") => Lang::Ckb,
        Err(_) => Lang::Arb,
    }
}

/// A BCP 47-shaped tag: letters, then `-`-separated parts of letters and digits (`ckb`, `ar`,
/// `ar-IQ`, `ckb-Arab`), since TMX, file names and JSON keys all carry it.
fn check_language_tag(tag: &str) -> Result<()> {
    let mut parts = tag.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
    let rest_ok =
        parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if !(first_ok && rest_ok) {
        return Err(Error::LanguageTag {
            tag: tag.to_string(),
        });
    }
    Ok(())
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags_and_moses_names() {
        for good in ["ckb", "ar", "ar-IQ", "ckb-Arab"] {
            assert!(check_language_tag(good).is_ok(), "{good}");
        }
        for bad in ["", "a", "ar IQ", "ar/../x", "ckb-"] {
            assert!(check_language_tag(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            with_suffix(Path::new("out/corpus"), "ckb"),
            PathBuf::from("out/corpus.ckb")
        );
        assert_eq!(
            with_suffix(Path::new("c.train"), "ar"),
            PathBuf::from("c.train.ar")
        );
        assert_eq!(matching_lang("ckb-Arab"), Lang::Ckb);
        assert_eq!(matching_lang("ar"), Lang::Arb);
    }
}
