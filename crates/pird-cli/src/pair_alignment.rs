//! One document pair from sentences and run vectors to `alignments` rows, shared by `pird align`
//! and `pird batch` so that a batch run gives exactly what aligning each pair alone gives.

use crate::sentence_input::SentenceDoc;
use crate::tables::alignments::{AlignmentRow, AlignmentRows};
use anyhow::Result;
use pird_align::{align_pair, AlignedBead, Background, Calibration, Overlaps, PairMode};
use polars::prelude::DataFrame;

/// What aligning a pair needs besides the pair: the model's calibration and language background.
pub struct PairContext<'a> {
    /// The model's score calibration (comparable mode needs it).
    pub calibration: Option<&'a Calibration>,
    /// The model's background sentences for the pair's two languages.
    pub background: Option<&'a Background>,
}

/// Aligns two documents from their run vectors, with anchor evidence when both languages are
/// known and the calibration weighs anchors.
pub fn align_documents(
    context: &PairContext<'_>,
    source: (&SentenceDoc, &Overlaps),
    target: (&SentenceDoc, &Overlaps),
    mode: &PairMode,
) -> Result<Vec<AlignedBead>> {
    // Anchors need both languages (month names and word keys depend on them).
    let anchors = context
        .calibration
        .zip(source.0.lang.zip(target.0.lang))
        .and_then(|(c, (sl, tl))| c.anchor_evidence((&source.0.texts, sl), (&target.0.texts, tl)));
    Ok(align_pair(
        source.1,
        target.1,
        anchors,
        context.background,
        context.calibration,
        mode,
    )?)
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
    rows.into_frame(method, model)
}
