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

use crate::anchor_score::AnchorEvidence;
use crate::margin::{ratio_margin, MarginScorer};
use crate::overlap::Overlaps;
use crate::similarity::{nearest_neighbours, nearest_neighbours_near_diagonal, Neighbours};
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
    /// as in [`crate::similarity::centre`]).
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

/// Both sides' sentence vectors centred as the aligner compares them: on the background's
/// language means when there is a background, else each on its own mean.
pub fn centre_pair(
    source: ArrayView2<f32>,
    target: ArrayView2<f32>,
    background: Option<&Background>,
) -> (CentredSide, CentredSide) {
    match background {
        Some(b) => (
            CentredSide::with_mean(source, mean_row(b.source.view())),
            CentredSide::with_mean(target, mean_row(b.target.view())),
        ),
        None => (CentredSide::new(source), CentredSide::new(target)),
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
    /// Nearest neighbours of each side within the other document (see [`Self::candidates`]).
    candidates: (Neighbours, Neighbours),
    /// Anchor evidence added to every margin, if any.
    anchors: Option<AnchorEvidence>,
}

/// Neighbours kept per sentence within the other document: candidates for mining, of which
/// the first k also form the margin neighbourhood.
pub const CANDIDATES: usize = 16;

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

/// Where a sentence's margin neighbours are searched among the other document's sentences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeighbourSearch {
    /// Among all of them (comparable texts: a partner can be anywhere).
    Exhaustive,
    /// Among those within `window` of the sentence's relative position (parallel texts, whose
    /// partners lie near the diagonal): time grows linearly with document length.
    NearDiagonal {
        /// Sentences searched on each side of the diagonal position.
        window: usize,
    },
}

impl<'a> PairScorer<'a> {
    /// Centres both sides on their own means and computes `k`-nearest-neighbour neighbourhoods
    /// within the two documents.
    pub fn new(source: &'a Overlaps, target: &'a Overlaps, k: usize) -> Self {
        Self::build(source, target, None, k, NeighbourSearch::Exhaustive)
    }

    /// Centres each side on its language's background mean and searches neighbourhoods among
    /// the other document plus that language's background sentences.
    pub fn with_background(
        source: &'a Overlaps,
        target: &'a Overlaps,
        background: &Background,
        k: usize,
    ) -> Self {
        Self::build(
            source,
            target,
            Some(background),
            k,
            NeighbourSearch::Exhaustive,
        )
    }

    /// Centres each side (on the background's language means when given, else on its own mean)
    /// and finds each sentence's `k` nearest neighbours among the other document (searched as
    /// `search` says) plus the other language's background sentences.
    pub fn build(
        source: &'a Overlaps,
        target: &'a Overlaps,
        background: Option<&Background>,
        k: usize,
        search: NeighbourSearch,
    ) -> Self {
        let (centred_source, centred_target) =
            centre_pair(source.sentences(), target.sentences(), background);
        let (n, m) = (source.len(), target.len());
        let find = |queries: &Array2<f32>, keys: &Array2<f32>, k: usize| match search {
            NeighbourSearch::Exhaustive => nearest_neighbours(queries.view(), keys.view(), k),
            NeighbourSearch::NearDiagonal { window } => {
                nearest_neighbours_near_diagonal(queries.view(), keys.view(), k, window)
            }
        };
        // One search gives both the candidates and (their first k) the margin neighbourhoods.
        let wide = CANDIDATES.max(k);
        let candidates = (
            find(
                &centred_source.sentences,
                &centred_target.sentences,
                wide.min(m),
            ),
            find(
                &centred_target.sentences,
                &centred_source.sentences,
                wide.min(n),
            ),
        );
        let margins = match background {
            None => {
                let k = k.min(n).min(m).max(1);
                MarginScorer::from_neighbours(candidates.0.first(k), candidates.1.first(k))
            }
            Some(b) => {
                let extra = |doc: &CentredSide, sentences: &Array2<f32>| {
                    CentredSide::with_mean(sentences.view(), doc.mean.clone()).sentences
                };
                let (extra_source, extra_target) = (
                    extra(&centred_source, &b.source),
                    extra(&centred_target, &b.target),
                );
                let k = k
                    .min(n + extra_source.nrows())
                    .min(m + extra_target.nrows())
                    .max(1);
                // Background keys are numbered after the other document's sentences.
                let pooled = |queries: &Array2<f32>,
                              in_doc: &Neighbours,
                              doc_rows: usize,
                              extra: &Array2<f32>| {
                    let in_doc = in_doc.first(k.min(in_doc.indices.ncols()));
                    let in_extra =
                        nearest_neighbours(queries.view(), extra.view(), k.min(extra.nrows()));
                    match (in_doc.indices.ncols(), extra.nrows()) {
                        (0, _) => in_extra,
                        (_, 0) => in_doc,
                        _ => in_doc.merged_with(&in_extra, doc_rows as u32, k),
                    }
                };
                MarginScorer::from_neighbours(
                    pooled(&centred_source.sentences, &candidates.0, m, &extra_target),
                    pooled(&centred_target.sentences, &candidates.1, n, &extra_source),
                )
            }
        };
        Self {
            source,
            target,
            centred_source,
            centred_target,
            margins,
            candidates,
            anchors: None,
        }
    }

    /// Each source sentence's nearest target sentences and each target's nearest sources by
    /// centred cosine (at most [`CANDIDATES`] each, best first): the miner's candidates.
    pub fn candidates(&self) -> (&Neighbours, &Neighbours) {
        (&self.candidates.0, &self.candidates.1)
    }

    /// Each source sentence's best target and each target sentence's best source by
    /// [`Self::sentence_margin`] among its [`Self::candidates`] (the first on ties); candidates
    /// come from exact blocked k-NN, so memory grows with n + m, not n·m, as in LASER-style
    /// mining with k-NN lists.
    pub fn best_partners(&self) -> (Vec<usize>, Vec<usize>) {
        let (source, target) = (
            &self.centred_source.sentences,
            &self.centred_target.sentences,
        );
        let margin =
            |i: usize, j: usize| self.sentence_margin(i, j, source.row(i).dot(&target.row(j)));
        let best = |candidates: ArrayView1<u32>, score: &dyn Fn(usize) -> f32| -> usize {
            let mut top = (candidates[0] as usize, f32::NEG_INFINITY);
            for &candidate in candidates {
                let value = score(candidate as usize);
                if value > top.1 {
                    top = (candidate as usize, value);
                }
            }
            top.0
        };
        let (forward, backward) = self.candidates();
        let best_target = (0..forward.indices.nrows())
            .map(|i| best(forward.indices.row(i), &|j| margin(i, j)))
            .collect();
        let best_source = (0..backward.indices.nrows())
            .map(|j| best(backward.indices.row(j), &|i| margin(i, j)))
            .collect();
        (best_target, best_source)
    }

    /// Adds the anchor evidence of the two documents to every margin this scorer gives.
    pub fn with_anchors(mut self, anchors: AnchorEvidence) -> Self {
        self.anchors = Some(anchors);
        self
    }

    /// The margin of single sentences `i` and `j` whose centred cosine is `centred_cosine`,
    /// with the anchor bonus when the scorer has anchors.
    pub fn sentence_margin(&self, i: usize, j: usize, centred_cosine: f32) -> f32 {
        self.margins.margin(i, j, centred_cosine) + self.anchor_bonus(&(i..i + 1), &(j..j + 1))
    }

    fn anchor_bonus(&self, source: &Range<usize>, target: &Range<usize>) -> f32 {
        self.anchors
            .as_ref()
            .map_or(0.0, |a| a.bonus(source, target))
    }

    /// `(raw cosine, centred ratio margin)` of a bead; deletions score `(0, 0)`.
    ///
    /// A run's neighbourhood is the mean of its sentences' neighbourhoods; the margin includes
    /// the anchor bonus when the scorer has anchors.
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
        (
            raw_source.dot(&raw_target),
            margin + self.anchor_bonus(source, target),
        )
    }
}

/// The mean of the rows (zeros for no rows).
pub fn mean_row(vectors: ArrayView2<f32>) -> Array1<f32> {
    vectors
        .mean_axis(Axis(0))
        .unwrap_or_else(|| Array1::zeros(vectors.ncols()))
}
