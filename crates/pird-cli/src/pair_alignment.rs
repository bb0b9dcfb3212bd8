//! One document pair from sentences and run vectors to `alignments` rows, shared by `pird align`
//! and `pird batch` so that a batch run gives exactly what aligning each pair alone gives.

use crate::sentence_input::SentenceDoc;
use anyhow::Result;
use pird_align::{AlignedBead, Calibration, Overlaps, PairAligner, PairError, PairMode, PairSide};
use pird_io::{AlignmentRow, AlignmentRows};
use pird_text::Lang;
use polars::prelude::DataFrame;
use std::path::Path;

/// The aligner for pairs of `languages` in `mode`, with the model's calibration and its
/// background for those languages (when it has one).
pub fn build_aligner(
    model_dir: &Path,
    calibration: Option<&Calibration>,
    mode: PairMode,
    languages: (Option<Lang>, Option<Lang>),
) -> Result<PairAligner> {
    let background = pird_io::background::load(model_dir, languages.0, languages.1)?;
    Ok(PairAligner::new(mode, background, calibration.cloned())?)
}

/// Aligns two documents from their run vectors (anchor evidence from their sentences when both
/// languages are known and the calibration weighs anchors).
pub fn align_pair(
    aligner: &PairAligner,
    source: (&SentenceDoc, &Overlaps),
    target: (&SentenceDoc, &Overlaps),
) -> Result<Vec<AlignedBead>, PairError> {
    aligner.align(side(source), side(target))
}

/// A document and its run vectors as the aligner reads them.
fn side<'a>((doc, runs): (&'a SentenceDoc, &'a Overlaps)) -> PairSide<'a> {
    PairSide {
        runs,
        texts: &doc.texts,
        lang: doc.lang,
    }
}

/// The `alignments` table of one pair's beads.
pub fn alignment_frame(
    source: &SentenceDoc,
    target: &SentenceDoc,
    beads: &[AlignedBead],
    method: &str,
    model: &str,
) -> Result<DataFrame> {
    let mut rows = AlignmentRows::default();
    for bead in beads {
        let pick = |doc: &SentenceDoc, run: &std::ops::Range<usize>| -> (Vec<u32>, String) {
            (
                doc.ids[run.clone()].to_vec(),
                doc.texts[run.clone()].join(" "),
            )
        };
        let (src_ids, src_text) = pick(source, &bead.source);
        let (tgt_ids, tgt_text) = pick(target, &bead.target);
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
    Ok(rows.into_frame(method, model)?)
}
