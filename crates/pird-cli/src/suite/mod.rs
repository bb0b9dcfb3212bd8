//! `pird eval suite`: the standard evaluation of one model on the data the project ships.
//!
//! Five tasks, each a module, all writing rows of one `metrics` table:
//! - [`retrieval`]: FLORES-200 dev P@1 and xSIM both ways, for each scoring method;
//! - [`parallel`]: Bible gospel chapters with synthetic merges and drops, strict/lax bead F1;
//! - [`comparable`]: TICO-19 and FLORES documents with 30 % of sentences dropped per side and the
//!   rest shuffled, mining precision/recall/F1 at the calibrated threshold;
//! - [`comparable_hard`]: the same documents each mined against the most similar other document
//!   too (same topic, another story): false confident pairs per document pair beside recall;
//! - [`documents`]: one-to-one document alignment accuracy on FLORES and TICO-19.
//!
//! Alignment runs through the same code as `pird align` and `pird docalign` (the model's
//! background and calibration included), so the figures are what a user gets.

pub mod comparable;
pub mod comparable_hard;
pub mod data;
pub mod documents;
pub mod parallel;
pub mod retrieval;

use crate::embedding::{embed_runs, OpenModel};
use anyhow::Result;
use data::ParallelDoc;
use indicatif::ProgressBar;
use ndarray::Array2;
use pird_align::{
    AlignedBead, AnchorScorer, Background, Calibration, PairAligner, PairMode, PairSide,
    ParallelStrategy,
};
use pird_eval::{MetricRow, RunLabel, SentId};
use pird_text::Lang;
use std::ops::Range;

/// What every task needs: the model, its background and calibration, and the shared settings.
pub struct Suite {
    /// The model being evaluated.
    pub model: OpenModel,
    /// The model's stored background (language means and margin neighbourhoods), if any.
    pub background: Option<Background>,
    /// The model's score calibration, if any.
    pub calibration: Option<Calibration>,
    /// Search strategy of the parallel task.
    pub strategy: ParallelStrategy,
    /// Deletion penalty of the parallel task.
    pub deletion_percentile: f32,
    /// Neighbourhood size of the retrieval margins.
    pub retrieval_k: usize,
    /// Weights of the anchor evidence in retrieval.
    pub anchors: AnchorScorer,
    /// Seed of the synthetic merges, drops and shuffles.
    pub seed: u64,
    /// Use only the first this many documents of each data set (quick runs).
    pub limit: Option<usize>,
    /// Progress over embedded texts.
    pub bar: ProgressBar,
    /// Rows written so far.
    pub rows: Vec<MetricRow>,
}

impl Suite {
    /// The label of rows for `dataset` and `method` with this model.
    pub fn label(&self, dataset: &str, method: &str) -> RunLabel {
        RunLabel::new(dataset, method, self.model.label.as_str())
    }

    /// Embeds the Sorani sentences of `documents`, then the Arabic ones (each in document order).
    pub fn embed_sentences(
        &mut self,
        documents: &[ParallelDoc],
    ) -> Result<(Array2<f32>, Array2<f32>)> {
        let side = |pick: fn(&ParallelDoc) -> &Vec<String>| -> Vec<&str> {
            documents
                .iter()
                .flat_map(|d| pick(d).iter().map(String::as_str))
                .collect()
        };
        let mut texts = side(|d| &d.ckb);
        let split = texts.len();
        texts.extend(side(|d| &d.arb));
        self.bar.inc_length(texts.len() as u64);
        let bar = self.bar.clone();
        let (vectors, _) = self
            .model
            .embedder
            .embed(&texts, &mut |k| bar.inc(k as u64))?;
        Ok((
            vectors.slice(ndarray::s![..split, ..]).to_owned(),
            vectors.slice(ndarray::s![split.., ..]).to_owned(),
        ))
    }

    /// Aligns document pairs given as `(Sorani sentences, Arabic sentences)` the way
    /// `pird align` does in `mode`; a pair with an empty side gets no beads.
    pub fn align_pairs(
        &mut self,
        pairs: &[(Vec<String>, Vec<String>)],
        mode: &PairMode,
    ) -> Result<Vec<Vec<AlignedBead>>> {
        let documents: Vec<&[String]> = pairs
            .iter()
            .flat_map(|(ckb, arb)| [ckb.as_slice(), arb.as_slice()])
            .collect();
        let aligner = PairAligner::new(
            mode.clone(),
            self.background.clone(),
            self.calibration.clone(),
        )?;
        let runs = embed_runs(&mut self.model, &documents, mode.longest_run(), &self.bar)?;
        let mut aligned = Vec::with_capacity(pairs.len());
        for ((ckb, arb), runs) in pairs.iter().zip(runs.chunks(2)) {
            if ckb.is_empty() || arb.is_empty() {
                aligned.push(Vec::new());
                continue;
            }
            aligned.push(aligner.align(
                PairSide {
                    runs: &runs[0],
                    texts: ckb,
                    lang: Some(Lang::Ckb),
                },
                PairSide {
                    runs: &runs[1],
                    texts: arb,
                    lang: Some(Lang::Arb),
                },
            )?);
        }
        Ok(aligned)
    }

    /// At most `limit` items of `items`.
    pub fn limited<T>(&self, mut items: Vec<T>) -> Vec<T> {
        if let Some(limit) = self.limit {
            items.truncate(limit);
        }
        items
    }
}

/// The sentence ids of a run.
pub fn sent_ids(run: &Range<usize>) -> Vec<SentId> {
    run.clone().map(|i| i as SentId).collect()
}
