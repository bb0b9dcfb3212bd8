//! Parallel alignment on the Bible gospels: each chapter a document pair, rewritten with random
//! merges of 2–3 consecutive verses on one side and ~3 % dropped verses
//! ([`pird_eval::merge_and_drop`]), aligned as `pird align --mode parallel` aligns, and scored with
//! Vecalign's strict and lax bead precision/recall/F1 pooled over all chapters, and over the
//! Gospel of John alone (held out from the shipped adapter's training).

use super::data::{bible_chapters, is_heldout, ParallelDoc};
use super::{sent_ids, Suite};
use anyhow::Result;
use pird_align::PairMode;
use pird_eval::{merge_and_drop, pooled_bead_scores, Bead, MergeDrop};
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
    let mut pairs: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    let mut golds: Vec<Vec<Bead>> = Vec::new();
    for chapter in &chapters {
        let case = merge_and_drop(chapter.ckb.len(), &MergeDrop::default(), &mut rng);
        pairs.push((
            joined(chapter, &case.source, |d| &d.ckb),
            joined(chapter, &case.target, |d| &d.arb),
        ));
        golds.push(case.gold);
    }
    let mode = PairMode::Parallel {
        max_bead: MAX_BEAD,
        deletion_percentile: suite.deletion_percentile,
        strategy: suite.strategy,
    };
    let predictions: Vec<Vec<Bead>> = suite
        .align_pairs(&pairs, &mode)?
        .iter()
        .map(|beads| {
            beads
                .iter()
                .map(|b| Bead::new(sent_ids(&b.source), sent_ids(&b.target)))
                .collect()
        })
        .collect();
    // All gospels, then John alone: the part the shipped adapter never saw.
    for (dataset, only_heldout) in [("bible-gospels-merged", false), ("bible-john-merged", true)] {
        let scores = pooled_bead_scores(
            predictions
                .iter()
                .zip(&golds)
                .zip(&chapters)
                .filter(|(_, chapter)| !only_heldout || is_heldout(chapter))
                .map(|((p, g), _)| (p.as_slice(), g.as_slice())),
        );
        let label = suite.label(dataset, mode.method());
        suite.rows.extend(scores.metric_rows(&label));
    }
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
