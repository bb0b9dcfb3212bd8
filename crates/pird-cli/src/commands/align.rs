//! `pird align`: two documents in, the `alignments` table out.

use crate::cli::{AlignArgs, AlignMode};
use crate::embedding::{open_model, OpenModel};
use crate::progress;
use crate::sentence_input::{read_one_doc, SentenceDoc, SplitMode};
use crate::tables::{self, alignments::AlignmentRow, alignments::AlignmentRows, TableFormat};
use anyhow::{bail, Result};
use pird_align::{
    align_parallel, mine_with_scorer, overlap_spans, Calibration, CostConfig, MiningConfig,
    Overlaps, PairFeatures, PairScorer, ParallelConfig, DEFAULT_K,
};
use std::ops::Range;

/// Aligns one document pair and writes its beads.
pub fn run(args: &AlignArgs, quiet: bool) -> Result<()> {
    TableFormat::from_path(&args.output)?;
    let bar = progress::bar(0, "sentences", quiet);
    let split = SplitMode::of(&args.sentences);
    let source = read_one_doc(&args.source, split, args.sentences.src_lang, &bar)?;
    let target = read_one_doc(&args.target, split, args.sentences.tgt_lang, &bar)?;
    if args.max_bead == 0 {
        bail!("--max-bead must be at least 1");
    }
    let mut model = open_model(&args.model)?;
    let calibration = Calibration::load(&model.dir.path)?;
    if calibration.is_none() {
        progress::warn(
            &bar,
            format!(
                "{} has no score calibration (pird-calibration.json): scores are left empty; run `pird model calibrate`",
                model.dir.path.display()
            ),
        );
    }
    let longest_run = match args.mode {
        AlignMode::Parallel => args.max_bead,
        AlignMode::Comparable => 2,
    };
    let (source_runs, target_runs) = embed_runs(&mut model, &source, &target, longest_run, &bar)?;
    bar.finish_and_clear();

    let background = crate::background::load(&model.dir.path, source.lang, target.lang)?;
    let scorer = match &background {
        Some(background) => {
            PairScorer::with_background(&source_runs, &target_runs, background, DEFAULT_K)
        }
        None => PairScorer::new(&source_runs, &target_runs, DEFAULT_K),
    };
    let score = |features: PairFeatures| calibration.as_ref().map(|c| c.probability(features));
    let mut rows = AlignmentRows::default();
    let mut push = |s: &Range<usize>, t: &Range<usize>| {
        let (cosine, margin) = scorer.score(s, t);
        let pick = |doc: &SentenceDoc, run: &Range<usize>| -> (Vec<u32>, String) {
            (
                doc.ids[run.clone()].to_vec(),
                doc.texts[run.clone()].join(" "),
            )
        };
        let (src_ids, src_text) = pick(&source, s);
        let (tgt_ids, tgt_text) = pick(&target, t);
        let both_sides = !s.is_empty() && !t.is_empty();
        let row_score = if both_sides {
            score(PairFeatures { margin, cosine })
        } else {
            None
        };
        rows.push(AlignmentRow {
            src_doc: &source.doc_id,
            tgt_doc: &target.doc_id,
            src_ids,
            tgt_ids,
            src_text,
            tgt_text,
            cosine,
            margin,
            score: row_score,
        });
        row_score
    };
    let method = match args.mode {
        AlignMode::Parallel => {
            let shapes = bead_shapes(args.max_bead);
            let config = ParallelConfig {
                shapes,
                cost: CostConfig {
                    deletion_percentile: args.deletion_percentile,
                    ..CostConfig::default()
                },
                ..ParallelConfig::default()
            };
            // The search compares centred runs: raw similarity is mostly language identity.
            let centred_source = source_runs.centred_on(scorer.centred_source.mean());
            let centred_target = target_runs.centred_on(scorer.centred_target.mean());
            let reference = background
                .as_ref()
                .map(|b| b.centred_on(scorer.centred_source.mean(), scorer.centred_target.mean()));
            for bead in align_parallel(
                &centred_source,
                &centred_target,
                &config,
                reference.as_ref(),
            ) {
                push(&bead.bead.source, &bead.bead.target);
            }
            "parallel-dp"
        }
        AlignMode::Comparable => {
            if calibration.is_none() {
                bail!("comparable mode keeps pairs by calibrated score; calibrate the model first (pird model calibrate)");
            }
            for pair in mine_with_scorer(
                &scorer,
                &source_runs,
                &target_runs,
                &MiningConfig::default(),
            ) {
                let (cosine, margin) = scorer.score(&pair.source, &pair.target);
                if score(PairFeatures { margin, cosine }).is_some_and(|p| p >= args.min_score) {
                    push(&pair.source, &pair.target);
                }
            }
            "comparable-margin"
        }
    };
    let beads = rows.len();
    let mut frame = rows.into_frame(method, &model.label)?;
    tables::write_table(&mut frame, &args.output)?;
    if !quiet {
        eprintln!(
            "pird: {} + {} sentences → {beads} beads ({method}) → {}",
            source.texts.len(),
            target.texts.len(),
            args.output.display()
        );
    }
    Ok(())
}

/// Every bead shape with at most `max` sentences a side and at most `max + 1` in all, plus deletions
/// (the default `max = 3` gives 1-0, 0-1, 1-1, 1-2, 2-1, 2-2, 1-3, 3-1).
fn bead_shapes(max: usize) -> Vec<(usize, usize)> {
    let mut shapes = vec![(1, 0), (0, 1)];
    for a in 1..=max {
        for b in 1..=max {
            if a + b <= max + 1 {
                shapes.push((a, b));
            }
        }
    }
    shapes
}

/// Embeds every run of up to `longest` sentences of both documents in one pass.
fn embed_runs(
    model: &mut OpenModel,
    source: &SentenceDoc,
    target: &SentenceDoc,
    longest: usize,
    bar: &indicatif::ProgressBar,
) -> Result<(Overlaps, Overlaps)> {
    let spans = |doc: &SentenceDoc| overlap_spans(doc.texts.len(), longest);
    let (source_spans, target_spans) = (spans(source), spans(target));
    let joined = |doc: &SentenceDoc, spans: &[(usize, usize)]| -> Vec<String> {
        spans
            .iter()
            .map(|&(start, len)| doc.texts[start..start + len].join(" "))
            .collect()
    };
    let mut texts = joined(source, &source_spans);
    texts.extend(joined(target, &target_spans));
    bar.set_length(texts.len() as u64);
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let (vectors, _) = model.embedder.embed(&refs, &mut |n| bar.inc(n as u64))?;
    let split = source_spans.len();
    let source_runs = Overlaps::from_spans(
        source.texts.len(),
        longest,
        vectors.slice(ndarray::s![..split, ..]),
    )?;
    let target_runs = Overlaps::from_spans(
        target.texts.len(),
        longest,
        vectors.slice(ndarray::s![split.., ..]),
    )?;
    Ok((source_runs, target_runs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_shapes_are_vecalign_s() {
        let mut shapes = bead_shapes(3);
        shapes.sort();
        assert_eq!(
            shapes,
            vec![
                (0, 1),
                (1, 0),
                (1, 1),
                (1, 2),
                (1, 3),
                (2, 1),
                (2, 2),
                (3, 1)
            ]
        );
    }
}
