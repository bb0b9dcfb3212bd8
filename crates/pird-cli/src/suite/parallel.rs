//! Parallel alignment on the Bible gospels: each chapter a document pair, rewritten with random
//! merges of 2–3 consecutive verses on one side and ~3 % dropped verses
//! ([`pird_eval::merge_and_drop`]), aligned as `pird align --mode parallel` aligns, and scored with
//! Vecalign's strict and lax bead precision/recall/F1 pooled over all chapters.

use super::data::{bible_chapters, ParallelDoc};
use super::Suite;
use crate::embedding::embed_runs;
use anyhow::Result;
use pird_align::{align_pair, CostConfig, PairMode};
use pird_eval::{merge_and_drop, pooled_bead_scores, Bead, MergeDrop, SentId};
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::ops::Range;
use std::path::Path;

/// Largest bead the aligner considers (the default of `pird align`).
const MAX_BEAD: usize = 3;

/// Adds the strict and lax bead scores of the gospels.
pub fn run(suite: &mut Suite, data: &Path) -> Result<()> {
    let chapters = suite.limited(bible_chapters(data)?);
    let mut rng = StdRng::seed_from_u64(suite.seed);
    let mut sides: Vec<Vec<String>> = Vec::new();
    let mut golds: Vec<Vec<Bead>> = Vec::new();
    for chapter in &chapters {
        let case = merge_and_drop(chapter.ckb.len(), &MergeDrop::default(), &mut rng);
        sides.push(joined(chapter, &case.source, |d| &d.ckb));
        sides.push(joined(chapter, &case.target, |d| &d.arb));
        golds.push(case.gold);
    }
    let documents: Vec<&[String]> = sides.iter().map(Vec::as_slice).collect();
    let runs = embed_runs(&mut suite.model, &documents, MAX_BEAD, &suite.bar)?;
    let mode = PairMode::Parallel {
        max_bead: MAX_BEAD,
        deletion_percentile: CostConfig::default().deletion_percentile,
    };
    let mut predictions: Vec<Vec<Bead>> = Vec::new();
    for (d, pair) in runs.chunks(2).enumerate() {
        let beads = align_pair(
            &pair[0],
            &pair[1],
            suite.anchor_evidence(&sides[2 * d], &sides[2 * d + 1]),
            suite.background.as_ref(),
            suite.calibration.as_ref(),
            &mode,
        )?;
        predictions.push(
            beads
                .iter()
                .map(|b| Bead::new(ids(&b.source), ids(&b.target)))
                .collect(),
        );
    }
    let scores = pooled_bead_scores(
        predictions
            .iter()
            .zip(&golds)
            .map(|(p, g)| (p.as_slice(), g.as_slice())),
    );
    let label = suite.label("bible-gospels-merged", mode.method());
    suite.rows.extend(scores.metric_rows(&label));
    Ok(())
}

/// The sentences of one side: each run of original verses joined with a space.
fn joined(
    chapter: &ParallelDoc,
    runs: &[Range<usize>],
    side: fn(&ParallelDoc) -> &Vec<String>,
) -> Vec<String> {
    runs.iter()
        .map(|run| side(chapter)[run.clone()].join(" "))
        .collect()
}

/// Sentence ids of a run.
fn ids(run: &Range<usize>) -> Vec<SentId> {
    run.clone().map(|i| i as SentId).collect()
}
