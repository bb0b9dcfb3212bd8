//! Candidate segments for bead alignment: every run of 1..=max consecutive sentences.
//!
//! Vecalign embeds each run as one text (the sentences joined) so that a 2-1 bead is scored by
//! the vector of both source sentences together. [`overlap_spans`] lists the runs for the caller
//! to embed; [`Overlaps`] holds the vectors. Without embedded runs, [`Overlaps::by_summing`]
//! approximates a run by the normalised sum of its sentence vectors.

use crate::similarity::normalize_rows;
use ndarray::{s, Array2, ArrayView1, ArrayView2, Axis};

/// The runs `(start, len)` of a document of `n` sentences, by length then start:
/// `len` in `1..=max_len`, `start` in `0..=n-len`.
pub fn overlap_spans(n: usize, max_len: usize) -> Vec<(usize, usize)> {
    (1..=max_len.min(n))
        .flat_map(|len| (0..=n - len).map(move |start| (start, len)))
        .collect()
}

/// Why overlap vectors do not fit together.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("overlap vectors: {0}")]
pub struct OverlapError(String);

/// The vectors of every run of up to `max_len` consecutive sentences of one document.
#[derive(Debug, Clone)]
pub struct Overlaps {
    /// `by_len[len - 1]` has one row per start `0..=n-len`.
    by_len: Vec<Array2<f32>>,
    n: usize,
}

impl Overlaps {
    /// Builds from vectors given in [`overlap_spans`] order (`rows == overlap_spans(n, max_len).len()`).
    pub fn from_spans(
        n: usize,
        max_len: usize,
        vectors: ArrayView2<f32>,
    ) -> Result<Self, OverlapError> {
        let expected = overlap_spans(n, max_len).len();
        if vectors.nrows() != expected {
            return Err(OverlapError(format!(
                "{} rows given for {n} sentences and runs up to {max_len}, expected {expected}",
                vectors.nrows()
            )));
        }
        let mut by_len = Vec::new();
        let mut offset = 0;
        // The single sentences are always there, even none of them (they carry the dimension).
        for len in 1..=max_len.min(n).max(1) {
            let rows = (n + 1).saturating_sub(len);
            by_len.push(vectors.slice(s![offset..offset + rows, ..]).to_owned());
            offset += rows;
        }
        Ok(Self { by_len, n })
    }

    /// Approximates runs by the normalised sum of their sentence vectors.
    pub fn by_summing(sentences: ArrayView2<f32>, max_len: usize) -> Self {
        let n = sentences.nrows();
        let mut by_len = vec![sentences.to_owned()];
        for len in 2..=max_len.min(n) {
            let previous = &by_len[len - 2];
            let mut runs = previous.slice(s![..n - len + 1, ..]).to_owned();
            runs.zip_mut_with(&sentences.slice(s![len - 1.., ..]), |a, b| *a += b);
            by_len.push(runs);
        }
        for runs in by_len.iter_mut().skip(1) {
            normalize_rows(runs);
        }
        Self { by_len, n }
    }

    /// Every run with `mean` subtracted and normalised again (see `similarity::centre`).
    pub fn centred_on(&self, mean: ArrayView1<f32>) -> Self {
        let by_len = self
            .by_len
            .iter()
            .map(|runs| {
                let mut centred = runs - &mean;
                normalize_rows(&mut centred);
                centred
            })
            .collect();
        Self { by_len, n: self.n }
    }

    /// Number of sentences.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether the document has no sentences.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Dimension of the vectors.
    pub fn dim(&self) -> usize {
        self.by_len[0].ncols()
    }

    /// Longest run held.
    pub fn max_len(&self) -> usize {
        self.by_len.len()
    }

    /// The vector of the run of `len` sentences from `start`.
    pub fn get(&self, start: usize, len: usize) -> ArrayView1<'_, f32> {
        self.by_len[len - 1].row(start)
    }

    /// All runs of `len` sentences, one row per start.
    pub fn runs(&self, len: usize) -> ArrayView2<'_, f32> {
        self.by_len[len - 1].view()
    }

    /// The single-sentence vectors.
    pub fn sentences(&self) -> ArrayView2<'_, f32> {
        self.by_len[0].view()
    }

    /// The runs that lie within sentences `range` (a part of the document, renumbered from 0).
    pub fn sub(&self, range: std::ops::Range<usize>) -> Self {
        let n = range.len();
        let by_len = self
            .by_len
            .iter()
            .enumerate()
            .map(|(l, runs)| (l + 1, runs))
            .take_while(|&(len, _)| len <= n.max(1))
            .map(|(len, runs)| {
                runs.slice(s![range.start..range.end + 1 - len, ..])
                    .to_owned()
            })
            .collect();
        Self { by_len, n }
    }

    /// Averages consecutive pairs of sentences (a document half as long), for coarse search.
    pub fn halved(&self) -> Array2<f32> {
        let sentences = self.sentences();
        let half = self.n.div_ceil(2);
        let mut out = Array2::zeros((half, sentences.ncols()));
        for (i, mut row) in out.axis_iter_mut(Axis(0)).enumerate() {
            row.assign(&sentences.row(2 * i));
            if 2 * i + 1 < self.n {
                row += &sentences.row(2 * i + 1);
            }
        }
        normalize_rows(&mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    #[test]
    fn spans_list_every_run_by_length() {
        assert_eq!(
            overlap_spans(3, 2),
            vec![(0, 1), (1, 1), (2, 1), (0, 2), (1, 2)]
        );
        assert_eq!(overlap_spans(1, 3), vec![(0, 1)]);
        assert!(overlap_spans(0, 3).is_empty());
    }

    #[test]
    fn spans_and_vectors_line_up() {
        let vectors = array![[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.5, 0.5], [0.2, 0.8]];
        let overlaps = Overlaps::from_spans(3, 2, vectors.view()).unwrap();
        assert_eq!(overlaps.get(2, 1).to_vec(), vec![1.0, 1.0]);
        assert_eq!(overlaps.get(1, 2).to_vec(), vec![0.2, 0.8]);
        assert!(Overlaps::from_spans(3, 3, vectors.view()).is_err());
    }

    #[test]
    fn summed_runs_are_unit_vectors_between_their_sentences() {
        let overlaps = Overlaps::by_summing(array![[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]].view(), 3);
        let pair = overlaps.get(0, 2);
        assert!((pair[0] - pair[1]).abs() < 1e-6 && (pair.dot(&pair) - 1.0).abs() < 1e-6);
        assert_eq!(overlaps.max_len(), 3);
        assert_eq!(overlaps.halved().nrows(), 2);
        let tail = overlaps.sub(1..3);
        assert_eq!((tail.len(), tail.max_len()), (2, 2));
        assert_eq!(tail.get(0, 2), overlaps.get(1, 2));
        assert!(overlaps.sub(2..2).is_empty());
        assert_eq!(overlaps.sub(2..2).dim(), 2);
        let none = Overlaps::from_spans(0, 2, Array2::<f32>::zeros((0, 5)).view()).unwrap();
        assert_eq!(
            (none.len(), none.dim(), none.sentences().nrows()),
            (0, 5, 0)
        );
    }
}
