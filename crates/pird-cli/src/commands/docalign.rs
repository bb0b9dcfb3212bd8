//! `pird docalign`: two collections of documents in, the one-to-one `doc_pairs` table out.

use crate::cli::DocalignArgs;
use crate::embedding::{open_model, OpenModel};
use crate::progress;
use crate::sentence_input::{read_sentence_docs, SentenceDoc, SplitMode};
use anyhow::{bail, Result};
use pird_align::{document_vectors_with, match_documents, DocPair, DEFAULT_K};
use pird_io::doc_pairs::DocPairRow;
use pird_io::TableFormat;
use std::ops::Range;

/// Pairs the documents of the two collections and writes `doc_pairs`.
pub fn run(args: &DocalignArgs, quiet: bool) -> Result<()> {
    TableFormat::from_path(&args.output)?;
    let bar = progress::bar(0, "sentences", quiet);
    let split = SplitMode::of(&args.sentences);
    let source = read_sentence_docs(&args.source, split, args.sentences.src_lang, &bar)?;
    let target = read_sentence_docs(&args.target, split, args.sentences.tgt_lang, &bar)?;
    if source.is_empty() || target.is_empty() {
        bail!(
            "both collections need at least one document ({} and {} found)",
            source.len(),
            target.len()
        );
    }
    let mut model = open_model(&args.model)?;
    let pairs = pair_collections(&mut model, &source, &target, &bar)?;
    bar.finish_and_clear();
    let rows: Vec<DocPairRow> = pairs
        .iter()
        .map(|p| DocPairRow {
            src_doc: source[p.source].doc_id.clone(),
            tgt_doc: target[p.target].doc_id.clone(),
            score: p.score,
            rank: p.rank,
        })
        .collect();
    let mut frame = pird_io::doc_pairs::frame(&rows)?;
    pird_io::write_table(&mut frame, &args.output)?;
    if !quiet {
        eprintln!(
            "pird: {} × {} documents → {} pairs ({}) → {}",
            source.len(),
            target.len(),
            pairs.len(),
            model.label,
            args.output.display()
        );
    }
    Ok(())
}

/// Pairs two collections one to one by their documents' mean centred sentence vectors (the
/// model's background gives the language means, since a few documents are too few to estimate
/// them); `pird batch` pairs files whose names do not match the same way.
pub fn pair_collections(
    model: &mut OpenModel,
    source: &[SentenceDoc],
    target: &[SentenceDoc],
    bar: &indicatif::ProgressBar,
) -> Result<Vec<DocPair>> {
    let (source_texts, source_rows) = flatten(source);
    let (target_texts, target_rows) = flatten(target);
    let mut texts = source_texts;
    let split_at = texts.len();
    texts.extend(target_texts);
    bar.set_length(bar.length().unwrap_or(0) + texts.len() as u64);
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let (vectors, _) = model.embedder.embed(&refs, &mut |n| bar.inc(n as u64))?;
    let langs = |docs: &[SentenceDoc]| docs.first().and_then(|d| d.lang);
    let background = pird_io::background::load(&model.dir.path, langs(source), langs(target))?;
    let source_docs = document_vectors_with(
        vectors.slice(ndarray::s![..split_at, ..]),
        &source_rows,
        background.as_ref().map(|b| b.source.view()),
    );
    let target_docs = document_vectors_with(
        vectors.slice(ndarray::s![split_at.., ..]),
        &target_rows,
        background.as_ref().map(|b| b.target.view()),
    );
    Ok(match_documents(
        source_docs.view(),
        target_docs.view(),
        DEFAULT_K,
    ))
}

/// All sentences of the documents in order, and each document's rows among them.
fn flatten(docs: &[SentenceDoc]) -> (Vec<String>, Vec<Range<usize>>) {
    let mut texts = Vec::new();
    let mut rows = Vec::new();
    for doc in docs {
        let start = texts.len();
        texts.extend(doc.texts.iter().cloned());
        rows.push(start..texts.len());
    }
    (texts, rows)
}
