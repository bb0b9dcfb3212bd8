//! `pird align`: two documents in, the `alignments` table out.

use crate::cli::{AlignArgs, AlignMode};
use crate::embedding::{embed_runs, open_model};
use crate::progress;
use crate::sentence_input::{read_one_doc, SentenceDoc, SplitMode};
use crate::tables::{self, alignments::AlignmentRow, alignments::AlignmentRows, TableFormat};
use anyhow::Result;
use pird_align::{align_pair, Calibration, PairMode};

/// Aligns one document pair and writes its beads.
pub fn run(args: &AlignArgs, quiet: bool) -> Result<()> {
    TableFormat::from_path(&args.output)?;
    let bar = progress::bar(0, "sentences", quiet);
    let split = SplitMode::of(&args.sentences);
    let source = read_one_doc(&args.source, split, args.sentences.src_lang, &bar)?;
    let target = read_one_doc(&args.target, split, args.sentences.tgt_lang, &bar)?;
    let mode = match args.mode {
        AlignMode::Parallel => PairMode::Parallel {
            max_bead: args.max_bead,
            deletion_percentile: args.search.deletion_percentile,
            strategy: args.search.strategy.into(),
        },
        AlignMode::Comparable => PairMode::Comparable {
            min_score: args.min_score,
        },
    };
    if args.max_bead == 0 {
        anyhow::bail!("--max-bead must be at least 1");
    }
    let mut model = open_model(&args.model)?;
    let calibration = Calibration::load(&model.dir.path)?;
    if calibration.is_none() {
        if matches!(mode, PairMode::Comparable { .. }) {
            anyhow::bail!(pird_align::PairError::NoCalibration);
        }
        progress::warn(
            &bar,
            format!(
                "{} has no score calibration (pird-calibration.json): scores are left empty; run `pird model calibrate`",
                model.dir.path.display()
            ),
        );
    }
    let mut runs = embed_runs(
        &mut model,
        &[&source.texts, &target.texts],
        mode.longest_run(),
        &bar,
    )?;
    let target_runs = runs.pop().expect("two documents");
    let source_runs = runs.pop().expect("two documents");
    bar.finish_and_clear();
    let background = crate::background::load(&model.dir.path, source.lang, target.lang)?;
    // Anchors need both languages (month names and word keys depend on them).
    let anchors = calibration
        .as_ref()
        .zip(source.lang.zip(target.lang))
        .and_then(|(c, (sl, tl))| c.anchor_evidence((&source.texts, sl), (&target.texts, tl)));
    let beads = align_pair(
        &source_runs,
        &target_runs,
        anchors,
        background.as_ref(),
        calibration.as_ref(),
        &mode,
    )?;

    let mut rows = AlignmentRows::default();
    for bead in &beads {
        let pick = |doc: &SentenceDoc, run: &std::ops::Range<usize>| -> (Vec<u32>, String) {
            (
                doc.ids[run.clone()].to_vec(),
                doc.texts[run.clone()].join(" "),
            )
        };
        let (src_ids, src_text) = pick(&source, &bead.source);
        let (tgt_ids, tgt_text) = pick(&target, &bead.target);
        rows.push(AlignmentRow {
            src_doc: &source.doc_id,
            tgt_doc: &target.doc_id,
            src_ids,
            tgt_ids,
            src_text,
            tgt_text,
            cosine: bead.cosine,
            margin: bead.margin,
            score: bead.score,
        });
    }
    let method = mode.method();
    let mut frame = rows.into_frame(method, &model.label)?;
    tables::write_table(&mut frame, &args.output)?;
    if !quiet {
        eprintln!(
            "pird: {} + {} sentences → {} beads ({method}) → {}",
            source.texts.len(),
            target.texts.len(),
            beads.len(),
            args.output.display()
        );
    }
    Ok(())
}
