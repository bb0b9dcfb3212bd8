//! `pird export`: aligned pairs out for translators and MT training — TMX 1.4b, Moses parallel
//! text or JSON Lines — filtered, streamed slice by slice and written atomically. Also reads
//! TMX and JSONL exports back (`pird eval` and `pird report` take them as predictions).

pub mod filter;
pub mod jsonl;
pub mod moses;
pub mod tmx;

use crate::cli::{ExportArgs, ExportFormat};
use crate::progress;
use crate::tables::{alignments::ReadAlignments, write_atomically};
use anyhow::{bail, Result};
use filter::{FilterConfig, PairFilter};
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
    fn write_pair(&mut self, pair: &ExportPair<'_>) -> Result<()>;
    /// Writes what closes the file and flushes it.
    fn finish(&mut self) -> Result<()>;
}

/// Exports the pairs of an `alignments` table in the chosen format.
pub fn run(args: &ExportArgs, quiet: bool) -> Result<()> {
    for tag in [&args.src_lang, &args.tgt_lang] {
        check_language_tag(tag)?;
    }
    if args.src_lang == args.tgt_lang {
        bail!("--src-lang and --tgt-lang are both {:?}", args.src_lang);
    }
    let langs = (matching_lang(&args.src_lang), matching_lang(&args.tgt_lang));
    let mut pair_filter = PairFilter::new(FilterConfig {
        min_score: args.min_score,
        beads: args.beads.clone(),
        length_ratio: args.length_ratio,
        max_chars: args.max_chars,
        dedupe: args.dedupe,
        langs,
    });
    let bar = progress::bar(0, "pairs", quiet);
    // A TMX header names the method and model before any pair: read them from the first row.
    let first = ReadAlignments::read_first_row(&args.alignments)?;
    let options = ExportOptions {
        src_lang: args.src_lang.clone(),
        tgt_lang: args.tgt_lang.clone(),
        keep_doc_ids: args.keep_doc_ids,
        method: first.method,
        model: first.model,
    };
    let mut export = |writer: &mut dyn PairWriter| -> Result<()> {
        ReadAlignments::for_each_slice(&args.alignments, SLICE_ROWS, |slice| {
            for i in 0..slice.beads.len() {
                let bead = &slice.beads[i];
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
            bar.inc(slice.beads.len() as u64);
            Ok(())
        })?;
        writer.finish()
    };
    let outputs: Vec<PathBuf> = match args.format {
        ExportFormat::Tmx => {
            write_atomically(&args.output, |file| {
                export(&mut tmx::TmxWriter::new(
                    BufWriter::new(file),
                    options.clone(),
                )?)
            })?;
            vec![args.output.clone()]
        }
        ExportFormat::Jsonl => {
            write_atomically(&args.output, |file| {
                export(&mut jsonl::JsonlWriter::new(
                    BufWriter::new(file),
                    options.clone(),
                ))
            })?;
            vec![args.output.clone()]
        }
        ExportFormat::Moses => {
            let (source, target) = (
                with_suffix(&args.output, &args.src_lang),
                with_suffix(&args.output, &args.tgt_lang),
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
    bar.finish_and_clear();
    if !quiet {
        let names: Vec<String> = outputs.iter().map(|p| p.display().to_string()).collect();
        eprintln!(
            "pird: exported {} → {}",
            pair_filter.tally(),
            names.join(", ")
        );
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
    let ndjson = crate::tables::TableFormat::from_path(path)
        .is_ok_and(|f| f == crate::tables::TableFormat::Ndjson);
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
        bail!("{tag:?} is not a language tag like ckb, ar or ar-IQ");
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
