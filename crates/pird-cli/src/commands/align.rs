//! `pird align`: two documents in, the `alignments` table out.

use crate::cli::AlignArgs;
use crate::embedding::{embed_runs, open_model};
use crate::pair_alignment::{align_pair, alignment_frame, build_aligner};
use crate::progress;
use crate::sentence_input::{read_one_doc, SplitMode};
use anyhow::Result;
use pird_align::{PairError, PairMode};
use pird_io::TableFormat;

/// Aligns one document pair and writes its beads.
pub fn run(args: &AlignArgs, quiet: bool) -> Result<()> {
    TableFormat::from_path(&args.output)?;
    let bar = progress::bar(0, "sentences", quiet);
    let split = SplitMode::of(&args.sentences);
    let source = read_one_doc(&args.source, split, args.sentences.src_lang, &bar)?;
    let target = read_one_doc(&args.target, split, args.sentences.tgt_lang, &bar)?;
    let mode = args.pairing.pair_mode(args.pairing.mode)?;
    let mut model = open_model(&args.model)?;
    let calibration = crate::embedding::load_calibration(&model.dir)?;
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
    let method = mode.method();
    let aligner = build_aligner(
        &model.dir.path,
        calibration.as_ref(),
        mode,
        (source.lang, target.lang),
    )?;
    let beads = match align_pair(&aligner, (&source, &source_runs), (&target, &target_runs)) {
        Ok(beads) => beads,
        // Nothing to align is not a failure of the run: an empty table says so.
        Err(PairError::EmptyDocument { side }) => {
            let path = if side == "source" {
                &args.source
            } else {
                &args.target
            };
            progress::warn(
                &bar,
                format!("{}: no sentences; the alignment is empty", path.display()),
            );
            Vec::new()
        }
        Err(error) => return Err(error.into()),
    };
    let mut frame = alignment_frame(&source, &target, &beads, method, &model.label)?;
    pird_io::write_table(&mut frame, &args.output)?;
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
