//! Document alignment on FLORES-200 dev (281 documents) and TICO-19 (31): the Sorani documents
//! and the Arabic documents are paired one to one as `pird docalign` pairs them, and the
//! assignment is scored against the true pairs (accuracy = share of documents paired correctly).

use super::data::{flores_documents, tico_documents, ParallelDoc};
use super::Suite;
use anyhow::Result;
use pird_align::{document_vectors_with, match_documents, DEFAULT_K};
use pird_eval::doc_alignment_scores;
use std::ops::Range;
use std::path::Path;

/// The `method` of these rows.
const METHOD: &str = "docalign-mean-margin";

/// Adds the document-alignment rows of FLORES-200 dev and TICO-19.
pub fn run(suite: &mut Suite, data: &Path) -> Result<()> {
    let flores = suite.limited(flores_documents(data)?);
    pair_documents(suite, "flores200-dev-documents", &flores)?;
    let tico = suite.limited(tico_documents(data)?);
    pair_documents(suite, "tico19-documents", &tico)
}

fn pair_documents(suite: &mut Suite, dataset: &str, documents: &[ParallelDoc]) -> Result<()> {
    let rows = |side: fn(&ParallelDoc) -> &Vec<String>| -> Vec<Range<usize>> {
        let mut start = 0;
        documents
            .iter()
            .map(|d| {
                let end = start + side(d).len();
                let rows = start..end;
                start = end;
                rows
            })
            .collect()
    };
    let (ckb_rows, arb_rows) = (rows(|d| &d.ckb), rows(|d| &d.arb));
    let (source, target) = suite.embed_sentences(documents)?;
    let (source, target) = (source.view(), target.view());
    // As `pird docalign`: centred on the model's language means when it has a background.
    let background = suite.background.as_ref();
    let source = document_vectors_with(source, &ckb_rows, background.map(|b| b.source.view()));
    let target = document_vectors_with(target, &arb_rows, background.map(|b| b.target.view()));
    let predicted: Vec<(&str, &str)> = match_documents(source.view(), target.view(), DEFAULT_K)
        .iter()
        .map(|p| {
            (
                documents[p.source].id.as_str(),
                documents[p.target].id.as_str(),
            )
        })
        .collect();
    let gold: Vec<(&str, &str)> = documents
        .iter()
        .map(|d| (d.id.as_str(), d.id.as_str()))
        .collect();
    let label = suite.label(dataset, METHOD);
    suite
        .rows
        .extend(doc_alignment_scores(&predicted, &gold)?.metric_rows(&label));
    Ok(())
}
