//! The same-topic control of comparable mining: each document, its sides thinned and shuffled as
//! in the [`super::comparable`] task, is mined once against its own translation (the true pairs'
//! recall and precision at the calibrated threshold) and once against the most similar other
//! document of its collection (same topic, another story: every confident pair there is false).
//! The most similar other document is the nearest by the mean of centred sentence vectors,
//! Sorani side against Arabic side, as a user's mismatched pair would be.
//!
//! Rows: `mining_recall@0.5` and `mining_precision@0.5` of the true pairs,
//! `false_confident_per_pair@0.5` (confident pairs per control pair, `n` control pairs),
//! `pairs_with_false_confident@0.5` (share of control pairs with any) and the same two at 0.9.
//! TICO-19: every document is about COVID-19; the default model's calibration is fitted on
//! FLORES-200 dev, the Gospel of John and the 7 TICO-19 documents held out from the adapter, so
//! the other 24 (`tico19-uncalibrated-…`) are the ones it never saw.

use super::data::{bible_chapters, is_heldout, tico_documents, ParallelDoc, HELDOUT_GOSPEL};
use super::{sent_ids, Suite};
use anyhow::Result;
use pird_align::{most_similar_other_documents, PairMode};
use pird_eval::{drop_and_shuffle, link_candidates, link_gold, MiningCandidates, ScoredPair};
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::path::Path;

/// Share of sentences each side loses (as in the comparable task).
const DROP_RATE: f64 = 0.3;

/// Calibrated scores a confident pair reaches: `pird align --min-score`'s default, and a strict one.
const THRESHOLDS: [f32; 2] = [0.5, 0.9];

/// The method recorded in the rows.
const METHOD: &str = "comparable-margin-same-topic";

/// Adds the control's rows for TICO-19 (all documents, the 24 the calibration never saw and the
/// 7 held out from the adapter, which calibrate it) and the Gospel of John.
pub fn run(suite: &mut Suite, data: &Path) -> Result<()> {
    let tico = suite.limited(tico_documents(data)?);
    let mined = control(suite, &tico)?;
    let heldout: Vec<bool> = tico.iter().map(is_heldout).collect();
    rows(suite, "tico19-same-topic", &mined, |_| true);
    rows(suite, "tico19-uncalibrated-same-topic", &mined, |d| {
        !heldout[d]
    });
    rows(suite, "tico19-heldout-same-topic", &mined, |d| heldout[d]);
    let john: Vec<ParallelDoc> = bible_chapters(data)?
        .into_iter()
        .filter(|c| c.id.split_whitespace().next() == Some(HELDOUT_GOSPEL))
        .collect();
    let john = suite.limited(john);
    let mined = control(suite, &john)?;
    rows(suite, "bible-john-same-topic", &mined, |_| true);
    Ok(())
}

/// What one document gave: its pair with its translation (scored links and gold links) and the
/// scores of the pairs mined against its most similar other document, if it has one.
struct Mined {
    candidates: Vec<ScoredPair>,
    gold: Vec<pird_eval::Bead>,
    control: Option<Vec<f32>>,
}

/// Mines every document against its translation and against its most similar other document.
fn control(suite: &mut Suite, documents: &[ParallelDoc]) -> Result<Vec<Mined>> {
    if documents.len() < 2 {
        return Ok(Vec::new());
    }
    let nearest = nearest_other_documents(suite, documents)?;
    let mut rng = StdRng::seed_from_u64(suite.seed);
    let cases: Vec<_> = documents
        .iter()
        .map(|doc| drop_and_shuffle(doc.ckb.len(), DROP_RATE, &mut rng))
        .collect();
    let kept = |doc: &ParallelDoc, units: &[usize], arb: bool| -> Vec<String> {
        let side = if arb { &doc.arb } else { &doc.ckb };
        units.iter().map(|&u| side[u].clone()).collect()
    };
    let mut pairs = Vec::new();
    let mut controls = Vec::new();
    for (d, (doc, case)) in documents.iter().zip(&cases).enumerate() {
        let source = kept(doc, &case.source, false);
        pairs.push((source.clone(), kept(doc, &case.target, true)));
        if let Some(other) = nearest[d] {
            controls.push((source, kept(&documents[other], &cases[other].target, true)));
        }
    }
    let mode = PairMode::Comparable {
        min_score: f32::NEG_INFINITY,
    };
    let own = suite.align_pairs(&pairs, &mode)?;
    let mut others = suite.align_pairs(&controls, &mode)?.into_iter();
    let scores = |beads: &[pird_align::AlignedBead]| -> Vec<f32> {
        beads.iter().map(|b| b.score.unwrap_or(f32::NAN)).collect()
    };
    Ok(own
        .iter()
        .zip(&cases)
        .zip(&nearest)
        .map(|((beads, case), other)| Mined {
            candidates: beads
                .iter()
                .map(|b| {
                    let score = b.score.unwrap_or(f32::NAN);
                    ScoredPair::new(sent_ids(&b.source), sent_ids(&b.target), score)
                })
                .collect(),
            gold: case.gold.clone(),
            control: other
                .and_then(|_| others.next())
                .map(|beads| scores(&beads)),
        })
        .collect())
}

/// The rows of the documents `keep` selects (by index).
fn rows(suite: &mut Suite, dataset: &str, mined: &[Mined], keep: impl Fn(usize) -> bool) {
    let chosen: Vec<&Mined> = (0..mined.len())
        .filter(|&d| keep(d))
        .map(|d| &mined[d])
        .collect();
    if chosen.is_empty() {
        return;
    }
    let label = suite.label(dataset, METHOD);
    let mut candidates = MiningCandidates::new();
    for m in &chosen {
        candidates.add_document(&link_candidates(&m.candidates), &link_gold(&m.gold));
    }
    suite.rows.extend(
        candidates
            .at_threshold(THRESHOLDS[0])
            .metric_rows(&label)
            .into_iter()
            .filter(|r| {
                r.metric.starts_with("mining_recall") || r.metric.starts_with("mining_precision")
            }),
    );
    let controls: Vec<&Vec<f32>> = chosen.iter().filter_map(|m| m.control.as_ref()).collect();
    let n = controls.len() as u64;
    for threshold in THRESHOLDS {
        let confident: Vec<usize> = controls
            .iter()
            .map(|scores| scores.iter().filter(|&&s| s >= threshold).count())
            .collect();
        let total: usize = confident.iter().sum();
        let with_any = confident.iter().filter(|&&c| c > 0).count();
        suite.rows.push(label.row(
            format!("false_confident_per_pair@{threshold}"),
            total as f64 / n.max(1) as f64,
            n,
        ));
        suite.rows.push(label.row(
            format!("pairs_with_false_confident@{threshold}"),
            with_any as f64 / n.max(1) as f64,
            n,
        ));
    }
}

/// For each document, the most similar other one: document vectors are the mean of centred
/// sentence vectors (centred on the background's language means when the model has one).
fn nearest_other_documents(
    suite: &mut Suite,
    documents: &[ParallelDoc],
) -> Result<Vec<Option<usize>>> {
    let (ckb, arb) = suite.embed_sentences(documents)?;
    let lengths: Vec<usize> = documents.iter().map(|d| d.ckb.len()).collect();
    Ok(most_similar_other_documents(
        ckb.view(),
        arb.view(),
        &lengths,
        suite.background.as_ref(),
    ))
}
