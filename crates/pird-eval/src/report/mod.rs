//! Reports of one alignment run: a self-contained HTML page (inline SVG plots drawn with
//! `plotters`, no script, no network) and a Markdown summary.
//!
//! A report shows, from what it is given:
//! - the run's settings (model, method, threshold, versions, inputs);
//! - metrics: those computed against gold here plus any `metrics` rows passed in;
//! - a histogram of pair scores, split into true and false pairs when gold is given;
//! - precision, recall and F1 against the threshold (with gold);
//! - a similarity heat map of one document pair with the chosen beads drawn over it;
//! - a table per bead type (count, scores and, with gold, precision);
//! - the lowest-scoring chosen pairs with their text, for a reader to check;
//! - with a control pair (two documents that tell different stories, e.g. a document against
//!   the most similar other one), its pairs reaching the threshold: each is a false confident
//!   pair, shown beside the recall of the gold pairs.
//!
//! True and false pairs are judged link by link, as `pird eval` judges mining: a bead `[1, 2]:[5]`
//! is the links `1–5` and `2–5`, each true when the gold beads contain that link.

mod html;
mod markdown;
mod plots;

use crate::bead::{Bead, ScoredPair};
use crate::bead_metrics::bead_scores;
use crate::mining::{link_candidates, link_gold, MiningCandidates, MiningScores};
use crate::rows::{MetricRow, RunLabel};
use std::collections::{BTreeMap, HashSet};

pub use plots::PlotError;

/// One predicted bead of the run, as the `alignments` table holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportBead {
    /// Source and target sentence ids.
    pub bead: Bead,
    /// Its score (calibrated probability, or margin when the run has no calibration).
    pub score: Option<f32>,
    /// The source sentences, joined.
    pub src_text: String,
    /// The target sentences, joined.
    pub tgt_text: String,
}

/// Sentence similarities of one document pair, for the heat map.
#[derive(Clone, Debug, PartialEq)]
pub struct Heatmap {
    /// What the values are (e.g. "centred cosine").
    pub measure: String,
    /// Source sentences (rows).
    pub rows: usize,
    /// Target sentences (columns).
    pub cols: usize,
    /// Row-major similarities, `rows × cols` values.
    pub values: Vec<f32>,
}

/// Everything a report is made from.
#[derive(Clone, Debug, Default)]
pub struct ReportInput {
    /// The page's title.
    pub title: String,
    /// Settings of the run, shown as a two-column table (name, value).
    pub settings: Vec<(String, String)>,
    /// The chosen beads of one document pair (or of several, when no gold or heat map is given).
    pub beads: Vec<ReportBead>,
    /// The name of the score column the beads carry ("score" or "margin").
    pub score_name: String,
    /// Pairs scoring at least this count as predicted (precision, recall, the heat map's path).
    pub threshold: f32,
    /// Gold beads of the same document pair, if known.
    pub gold: Option<Vec<Bead>>,
    /// Sentence similarities of the same document pair, if computed.
    pub heatmap: Option<Heatmap>,
    /// What the metrics computed here are about (dataset, method, model).
    pub label: RunLabel,
    /// Metrics computed elsewhere (e.g. `pird eval suite`), shown after those computed here.
    pub extra_metrics: Vec<MetricRow>,
    /// A document pair that tells two different stories, aligned the same way, if given.
    pub control: Option<ControlPair>,
}

/// The beads of a control pair: two documents that share no translation, so every pair that
/// reaches the threshold is a false confident pair.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ControlPair {
    /// What the pair is (e.g. its table's file name).
    pub name: String,
    /// Its beads with their scores.
    pub beads: Vec<ReportBead>,
}

/// A finished report: an HTML page and its Markdown summary.
#[derive(Clone, Debug)]
pub struct Report {
    /// The self-contained HTML page.
    pub html: String,
    /// The Markdown summary (settings, metrics, bead types, lowest-scoring pairs).
    pub markdown: String,
}

/// Counts and scores of one bead type (`1-1`, `2-1`, `1-0`, …).
#[derive(Clone, Debug, PartialEq)]
pub struct BeadTypeRow {
    /// The bead type, source sentences first.
    pub kind: String,
    /// Beads of this type.
    pub count: usize,
    /// Mean score of those with a score.
    pub mean_score: Option<f64>,
    /// Lowest score.
    pub min_score: Option<f32>,
    /// Beads of this type found exactly among the gold beads (with gold).
    pub correct: Option<usize>,
}

/// Link-level candidates of the beads with a score, judged against gold.
fn link_level(beads: &[ReportBead], gold: &[Bead]) -> MiningCandidates {
    let scored: Vec<ScoredPair> = beads
        .iter()
        .filter(|b| b.bead.is_link())
        .filter_map(|b| {
            b.score.map(|score| ScoredPair {
                bead: b.bead.clone(),
                score,
            })
        })
        .collect();
    MiningCandidates::from_document(&link_candidates(&scored), &link_gold(gold))
}

/// Metrics of predicted beads against the gold beads of one document pair: strict and lax bead
/// precision/recall/F1, and, when the beads carry scores, link-level mining precision/recall/F1
/// at `threshold`, best F1 and average precision (the rows `pird eval` writes).
pub fn alignment_metrics(
    predicted: &[Bead],
    scores: &[Option<f32>],
    gold: &[Bead],
    threshold: f32,
    label: &RunLabel,
) -> Vec<MetricRow> {
    let mut rows = bead_scores(predicted, gold).metric_rows(label);
    if scores.iter().any(Option::is_some) {
        let scored: Vec<ScoredPair> = predicted
            .iter()
            .zip(scores)
            .filter(|(bead, _)| bead.is_link())
            .map(|(bead, score)| ScoredPair {
                bead: bead.clone(),
                score: score.unwrap_or(f32::NAN),
            })
            .collect();
        let candidates =
            MiningCandidates::from_document(&link_candidates(&scored), &link_gold(gold));
        rows.extend(candidates.at_threshold(threshold).metric_rows(label));
        rows.extend(candidates.summary_rows(label));
    }
    rows
}

/// One row per bead type, most frequent first (ties by type).
pub fn bead_type_rows(beads: &[ReportBead], gold: Option<&[Bead]>) -> Vec<BeadTypeRow> {
    let gold: Option<HashSet<&Bead>> = gold.map(|g| g.iter().collect());
    let mut by_kind: BTreeMap<String, Vec<&ReportBead>> = BTreeMap::new();
    for bead in beads {
        by_kind.entry(bead.bead.kind()).or_default().push(bead);
    }
    let mut rows: Vec<BeadTypeRow> = by_kind
        .into_iter()
        .map(|(kind, members)| {
            let scores: Vec<f32> = members.iter().filter_map(|b| b.score).collect();
            BeadTypeRow {
                kind,
                count: members.len(),
                mean_score: (!scores.is_empty()).then(|| {
                    scores.iter().map(|&s| f64::from(s)).sum::<f64>() / scores.len() as f64
                }),
                min_score: scores.iter().copied().reduce(f32::min),
                correct: gold
                    .as_ref()
                    .map(|g| members.iter().filter(|b| g.contains(&b.bead)).count()),
            }
        })
        .collect();
    rows.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.kind.cmp(&b.kind)));
    rows
}

/// The `n` lowest-scoring beads with sentences on both sides and a score of at least
/// `threshold` (the chosen pairs a reader should check first), lowest first.
pub fn weakest_pairs(beads: &[ReportBead], threshold: f32, n: usize) -> Vec<&ReportBead> {
    let mut chosen: Vec<&ReportBead> = beads
        .iter()
        .filter(|b| b.bead.is_link() && b.score.is_some_and(|s| s >= threshold))
        .collect();
    chosen.sort_by(|a, b| {
        a.score
            .partial_cmp(&b.score)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    chosen.truncate(n);
    chosen
}

/// What the report computes once and both renderings show.
struct Findings<'a> {
    metrics: Vec<MetricRow>,
    bead_types: Vec<BeadTypeRow>,
    weakest: Vec<&'a ReportBead>,
    /// Link-level (score, is_true) pairs with gold; scores alone without.
    labelled: Option<MiningCandidates>,
    curve: Vec<MiningScores>,
    /// The control pair's beads reaching the threshold (false confident pairs), best first.
    false_confident: Vec<&'a ReportBead>,
}

impl<'a> Findings<'a> {
    fn of(input: &'a ReportInput) -> Self {
        let gold = input.gold.as_deref();
        let mut metrics = Vec::new();
        let mut labelled = None;
        let mut curve = Vec::new();
        if let Some(gold) = gold {
            let predicted: Vec<Bead> = input.beads.iter().map(|b| b.bead.clone()).collect();
            let scores: Vec<Option<f32>> = input.beads.iter().map(|b| b.score).collect();
            metrics = alignment_metrics(&predicted, &scores, gold, input.threshold, &input.label);
            let candidates = link_level(&input.beads, gold);
            curve = candidates.pr_curve();
            labelled = Some(candidates);
        }
        let mut false_confident: Vec<&ReportBead> = input
            .control
            .iter()
            .flat_map(|c| &c.beads)
            .filter(|b| b.bead.is_link() && b.score.is_some_and(|s| s >= input.threshold))
            .collect();
        false_confident.sort_by(|a, b| {
            b.score
                .partial_cmp(&a.score)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        if let Some(control) = &input.control {
            let label = RunLabel::new(&control.name, &input.label.method, &input.label.model);
            metrics.push(label.row(
                format!("false_confident_per_pair@{}", input.threshold),
                false_confident.len() as f64,
                1,
            ));
        }
        metrics.extend(input.extra_metrics.iter().cloned());
        Findings {
            metrics,
            bead_types: bead_type_rows(&input.beads, gold),
            weakest: weakest_pairs(&input.beads, input.threshold, 10),
            labelled,
            curve,
            false_confident,
        }
    }
}

/// Builds the HTML page and the Markdown summary.
pub fn build_report(input: &ReportInput) -> Result<Report, PlotError> {
    let findings = Findings::of(input);
    let histogram = match &findings.labelled {
        Some(candidates) => {
            let scores_where = |wanted: bool| -> Vec<f32> {
                candidates
                    .labelled()
                    .iter()
                    .filter(|(_, ok)| *ok == wanted)
                    .map(|(score, _)| *score)
                    .collect()
            };
            plots::score_histogram(
                &[
                    ("true pairs", scores_where(true)),
                    ("false pairs", scores_where(false)),
                ],
                &input.score_name,
                input.threshold,
            )?
        }
        None => plots::score_histogram(
            &[(
                "pairs (no gold given)",
                input.beads.iter().filter_map(|b| b.score).collect(),
            )],
            &input.score_name,
            input.threshold,
        )?,
    };
    let curve = match findings.curve.is_empty() {
        true => None,
        false => Some(plots::threshold_curve(
            &findings.curve,
            &input.score_name,
            input.threshold,
        )?),
    };
    let heatmap = match &input.heatmap {
        Some(map) => {
            let path: Vec<&Bead> = input
                .beads
                .iter()
                .filter(|b| b.bead.is_link() && b.score.is_none_or(|s| s >= input.threshold))
                .map(|b| &b.bead)
                .collect();
            let gold: Vec<&Bead> = input
                .gold
                .iter()
                .flatten()
                .filter(|b| b.is_link())
                .collect();
            Some(plots::heatmap(map, &path, &gold)?)
        }
        None => None,
    };
    let figures = html::Figures {
        histogram,
        curve,
        heatmap,
    };
    Ok(Report {
        html: html::page(input, &findings, &figures),
        markdown: markdown::summary(input, &findings),
    })
}

#[cfg(test)]
mod tests;
