//! FLORES-200 dev retrieval: for each sentence, is its translation the best-scoring sentence of
//! the other language among all 996? P@1 and xSIM error both ways, for each scoring method:
//!
//! - `cosine`: the model's raw cosine;
//! - `margin`: ratio margin (k = `pird_align::RETRIEVAL_K`, or `--retrieval-k`) over raw vectors
//!   (Artetxe & Schwenk);
//! - `centred-margin`: ratio margin after removing each language's mean vector, taken from the
//!   input itself (what pird's aligners use);
//! - `centred-margin+anchors`: the same plus the anchor evidence of `pird_align::anchors`.

use super::data::{flores_documents, ParallelDoc};
use super::Suite;
use anyhow::Result;
use ndarray::Array2;
use pird_align::{margin_matrix, CentredSide};
use pird_eval::{diagonal_gold, retrieval_scores, SimilarityMatrix};
use pird_text::{Anchors, Lang};
use std::path::Path;

/// Adds the retrieval rows of FLORES-200 dev.
pub fn run(suite: &mut Suite, data: &Path) -> Result<()> {
    let documents = suite.limited(flores_documents(data)?);
    let (source, target) = suite.embed_sentences(&documents)?;
    let (source, target) = (source.view(), target.view());
    let n = source.nrows();

    let cosine = source.dot(&target.t());
    let centred_source = CentredSide::new(source);
    let centred_target = CentredSide::new(target);
    let k = suite.retrieval_k;
    let centred = margin_matrix(
        centred_source.sentences.view(),
        centred_target.sentences.view(),
        k,
    );
    let anchors = suite.anchors;
    let anchors_of = |pick: fn(&ParallelDoc) -> &Vec<String>, lang: Lang| -> Vec<Anchors> {
        documents
            .iter()
            .flat_map(|d| pick(d).iter().map(move |t| Anchors::extract(t, lang)))
            .collect()
    };
    let source_anchors = anchors_of(|d| &d.ckb, Lang::Ckb);
    let target_anchors = anchors_of(|d| &d.arb, Lang::Arb);
    let with_anchors = Array2::from_shape_fn((n, n), |(i, j)| {
        centred[[i, j]] + anchors.bonus(&source_anchors[i], &target_anchors[j])
    });
    let methods: [(&str, Array2<f32>); 4] = [
        ("cosine", cosine.clone()),
        ("margin", margin_matrix(source, target, k)),
        ("centred-margin", centred),
        ("centred-margin+anchors", with_anchors),
    ];
    let gold = diagonal_gold(n);
    for (method, scores) in methods {
        let values: Vec<f32> = scores.iter().copied().collect();
        let matrix = SimilarityMatrix::new(&values, n, n)?;
        let label = suite.label("flores200-dev", method);
        suite
            .rows
            .extend(retrieval_scores(&matrix, &gold)?.metric_rows(&label, "ckb", "arb"));
    }
    Ok(())
}
