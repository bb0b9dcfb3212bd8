//! Scores of a candidate pair of sentence runs: raw cosine, and ratio margin after centring.
//!
//! Both the miner and the parallel aligner report, for each bead, the cosine of the raw vectors
//! (the model's own similarity) and the ratio margin of vectors centred on each side's mean
//! sentence (the language-independent evidence). This module computes both consistently.
//!
//! With a [`Background`] (sentences of each language from other texts, stored with the model),
//! the language means come from it and each sentence's margin neighbourhood is searched among
//! the other document plus the background, so that a margin means the same for a ten-sentence
//! news story as for a thousand-sentence corpus, and one calibration serves both.

use crate::margin::{ratio_margin, MarginScorer};
use crate::overlap::Overlaps;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use std::ops::Range;

/// One side's sentence vectors centred on their mean, and the mean itself.
pub struct CentredSide {
    /// Centred, L2-normalised sentence vectors.
    pub sentences: Array2<f32>,
    mean: Array1<f32>,
}

impl CentredSide {
    /// Centres `vectors` on their mean row (a single row has no mean to remove and stays as it is,
    /// as in [`crate::similarity::center`]).
    pub fn new(vectors: ArrayView2<f32>) -> Self {
        let mean = if vectors.nrows() < 2 {
            Array1::zeros(vectors.ncols())
        } else {
            mean_row(vectors)
        };
        Self::with_mean(vectors, mean)
    }

    /// Centres `vectors` on a given mean (e.g. the language mean of a background).
    pub fn with_mean(vectors: ArrayView2<f32>, mean: Array1<f32>) -> Self {
        let mut sentences = &vectors - &mean;
        crate::similarity::normalize_rows(&mut sentences);
        Self { sentences, mean }
    }

    /// The mean this side is centred on.
    pub fn mean(&self) -> ndarray::ArrayView1<'_, f32> {
        self.mean.view()
    }

    /// Any vector of this side (e.g. a joined run) centred with the side's mean and normalised.
    pub fn centre(&self, vector: ArrayView1<f32>) -> Array1<f32> {
        let mut v = &vector - &self.mean;
        let norm = v.dot(&v).sqrt();
        if norm > 0.0 {
            v /= norm;
        }
        v
    }
}

/// Scores pairs of runs of two documents.
pub struct PairScorer<'a> {
    source: &'a Overlaps,
    target: &'a Overlaps,
    /// The source side, centred.
    pub centred_source: CentredSide,
    /// The target side, centred.
    pub centred_target: CentredSide,
    /// Margin neighbourhoods of the centred single sentences.
    pub margins: MarginScorer,
}

/// Sentences of each language from other texts: language means and margin neighbourhoods.
#[derive(Debug, Clone)]
pub struct Background {
    /// L2-normalised sentence vectors in the source language.
    pub source: Array2<f32>,
    /// L2-normalised sentence vectors in the target language.
    pub target: Array2<f32>,
}

impl Background {
    /// The background centred on each side's mean (the space `PairScorer` compares in).
    pub fn centred_on(
        &self,
        source_mean: ArrayView1<f32>,
        target_mean: ArrayView1<f32>,
    ) -> Background {
        Background {
            source: CentredSide::with_mean(self.source.view(), source_mean.to_owned()).sentences,
            target: CentredSide::with_mean(self.target.view(), target_mean.to_owned()).sentences,
        }
    }
}

impl<'a> PairScorer<'a> {
    /// Centres both sides on their own means and computes `k`-nearest-neighbour neighbourhoods
    /// within the two documents.
    pub fn new(source: &'a Overlaps, target: &'a Overlaps, k: usize) -> Self {
        let centred_source = CentredSide::new(source.sentences());
        let centred_target = CentredSide::new(target.sentences());
        let k = k.min(source.len()).min(target.len()).max(1);
        let margins = MarginScorer::new(
            centred_source.sentences.view(),
            centred_target.sentences.view(),
            k,
        );
        Self {
            source,
            target,
            centred_source,
            centred_target,
            margins,
        }
    }

    /// Centres each side on its language's background mean and searches neighbourhoods among
    /// the other document plus that language's background sentences.
    pub fn with_background(
        source: &'a Overlaps,
        target: &'a Overlaps,
        background: &Background,
        k: usize,
    ) -> Self {
        let centred_source =
            CentredSide::with_mean(source.sentences(), mean_row(background.source.view()));
        let centred_target =
            CentredSide::with_mean(target.sentences(), mean_row(background.target.view()));
        let pool = |doc: &CentredSide, extra: &Array2<f32>| {
            let extra = CentredSide::with_mean(extra.view(), doc.mean.clone());
            ndarray::concatenate(Axis(0), &[doc.sentences.view(), extra.sentences.view()])
                .expect("same width")
        };
        let source_pool = pool(&centred_source, &background.source);
        let target_pool = pool(&centred_target, &background.target);
        let k = k.min(source_pool.nrows()).min(target_pool.nrows()).max(1);
        let margins = MarginScorer::with_pools(
            centred_source.sentences.view(),
            target_pool.view(),
            centred_target.sentences.view(),
            source_pool.view(),
            k,
        );
        Self {
            source,
            target,
            centred_source,
            centred_target,
            margins,
        }
    }

    /// Centred cosines of all single-sentence pairs (`source × target`).
    pub fn centred_cosines(&self) -> Array2<f32> {
        self.centred_source
            .sentences
            .dot(&self.centred_target.sentences.t())
    }

    /// `(raw cosine, centred ratio margin)` of a bead; deletions score `(0, 0)`.
    ///
    /// A run's neighbourhood is the mean of its sentences' neighbourhoods.
    pub fn score(&self, source: &Range<usize>, target: &Range<usize>) -> (f32, f32) {
        if source.is_empty() || target.is_empty() {
            return (0.0, 0.0);
        }
        let raw_source = self.source.get(source.start, source.len());
        let raw_target = self.target.get(target.start, target.len());
        let centred = self
            .centred_source
            .centre(raw_source)
            .dot(&self.centred_target.centre(raw_target));
        let mean = |values: &Array1<f32>, run: &Range<usize>| {
            run.clone().map(|i| values[i]).sum::<f32>() / run.len() as f32
        };
        let margin = ratio_margin(
            centred,
            mean(&self.margins.source_neighbourhood, source),
            mean(&self.margins.target_neighbourhood, target),
        );
        (raw_source.dot(&raw_target), margin)
    }
}

/// The mean of the rows (zeros for no rows).
fn mean_row(vectors: ArrayView2<f32>) -> Array1<f32> {
    vectors
        .mean_axis(Axis(0))
        .unwrap_or_else(|| Array1::zeros(vectors.ncols()))
}
