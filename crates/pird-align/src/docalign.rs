//! Document alignment: which document of one collection is the counterpart of which in the other.
//!
//! A document is represented by the mean of its centred sentence vectors (each collection
//! centred on its own language mean), pairs are scored by ratio margin, and a one-to-one
//! assignment maximising the total score is found with the Hungarian algorithm.

use crate::margin::MarginScorer;
use crate::pair_score::mean_row;
use crate::pair_score::Background;
use crate::similarity::normalize_rows;
use ndarray::{Array2, ArrayView1, ArrayView2, Axis};
use pathfinding::prelude::{kuhn_munkres, Matrix};

/// A document pair in the assignment, with its score and rank among the source's candidates.
#[derive(Debug, Clone, PartialEq)]
pub struct DocPair {
    /// Source document index.
    pub source: usize,
    /// Target document index.
    pub target: usize,
    /// Ratio margin of the two document vectors.
    pub score: f32,
    /// 1 when the target is the source's best candidate by score, 2 for the second, and so on.
    pub rank: u32,
}

/// One vector per document: the normalised mean of its sentence vectors after centring the
/// whole collection on its mean sentence.
pub fn document_vectors(
    sentences: ArrayView2<f32>,
    documents: &[std::ops::Range<usize>],
) -> Array2<f32> {
    // One sentence has no mean to remove (as in `similarity::centre`).
    let mean = match sentences.nrows() {
        0 | 1 => ndarray::Array1::zeros(sentences.ncols()),
        _ => sentences.mean_axis(Axis(0)).expect("rows exist"),
    };
    document_vectors_around(sentences, documents, mean.view())
}

/// One vector per document, centred on the mean of `background` (sentences of the same language
/// from other texts) when given, else on the collection's own mean.
pub fn document_vectors_with(
    sentences: ArrayView2<f32>,
    documents: &[std::ops::Range<usize>],
    background: Option<ArrayView2<f32>>,
) -> Array2<f32> {
    match background {
        Some(background) => {
            document_vectors_around(sentences, documents, mean_row(background).view())
        }
        None => document_vectors(sentences, documents),
    }
}

/// One vector per document, centring on a given language mean (e.g. the model's background),
/// which a collection of a few documents is too small to estimate.
pub fn document_vectors_around(
    sentences: ArrayView2<f32>,
    documents: &[std::ops::Range<usize>],
    mean: ArrayView1<f32>,
) -> Array2<f32> {
    let mut centred = &sentences - &mean;
    normalize_rows(&mut centred);
    let mut out = Array2::zeros((documents.len(), sentences.ncols()));
    for (d, rows) in documents.iter().enumerate() {
        if !rows.is_empty() {
            let mean = centred
                .slice(ndarray::s![rows.clone(), ..])
                .mean_axis(Axis(0))
                .expect("rows exist");
            out.row_mut(d).assign(&mean);
        }
    }
    normalize_rows(&mut out);
    out
}

/// For each source document, the most similar target document other than its own partner (the
/// target at the same index): the same-topic control of comparable mining, where a document is
/// mined against another story that reads most like its own. Document vectors as
/// [`document_vectors_with`] gives them; `None` where there is no other target.
pub fn most_similar_other(source: ArrayView2<f32>, target: ArrayView2<f32>) -> Vec<Option<usize>> {
    let cosine = source.dot(&target.t());
    cosine
        .outer_iter()
        .enumerate()
        .map(|(i, row)| {
            row.iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map(|(j, _)| j)
        })
        .collect()
}

/// [`most_similar_other`] for two parallel collections given as their sentence vectors, the
/// documents one after another (`lengths[d]` sentences each, the same on both sides): each
/// document is the mean of its sentence vectors centred on the background's language means
/// (on each side's own mean without a background).
pub fn most_similar_other_documents(
    source: ArrayView2<f32>,
    target: ArrayView2<f32>,
    lengths: &[usize],
    background: Option<&Background>,
) -> Vec<Option<usize>> {
    let mut spans: Vec<std::ops::Range<usize>> = Vec::with_capacity(lengths.len());
    for &length in lengths {
        let start = spans.last().map_or(0, |r| r.end);
        spans.push(start..start + length);
    }
    let source = document_vectors_with(source, &spans, background.map(|b| b.source.view()));
    let target = document_vectors_with(target, &spans, background.map(|b| b.target.view()));
    most_similar_other(source.view(), target.view())
}

/// Pairs source and target documents one to one, maximising the total margin.
///
/// With unequal counts, the larger side keeps some documents unpaired.
pub fn match_documents(source: ArrayView2<f32>, target: ArrayView2<f32>, k: usize) -> Vec<DocPair> {
    let (n, m) = (source.nrows(), target.nrows());
    if n == 0 || m == 0 {
        return Vec::new();
    }
    let scorer = MarginScorer::new(source, target, k.min(n).min(m).max(1));
    let cosine = source.dot(&target.t());
    let score = Array2::from_shape_fn((n, m), |(i, j)| scorer.margin(i, j, cosine[[i, j]]));
    // kuhn_munkres wants integer weights and no more rows than columns.
    let transposed = n > m;
    let weights = if transposed {
        score.t().to_owned()
    } else {
        score.clone()
    };
    let scaled: Vec<i64> = weights
        .iter()
        .map(|&s| (s as f64 * 1e6).round() as i64)
        .collect();
    let matrix =
        Matrix::from_vec(weights.nrows(), weights.ncols(), scaled).expect("the shape matches");
    let (_, assignment) = kuhn_munkres(&matrix);
    let mut pairs: Vec<DocPair> = assignment
        .into_iter()
        .enumerate()
        .map(|(row, column)| {
            let (i, j) = if transposed {
                (column, row)
            } else {
                (row, column)
            };
            let rank = 1 + score.row(i).iter().filter(|&&s| s > score[[i, j]]).count() as u32;
            DocPair {
                source: i,
                target: j,
                score: score[[i, j]],
                rank,
            }
        })
        .collect();
    pairs.sort_by_key(|p| p.source);
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;

    #[test]
    fn the_most_similar_other_document_skips_the_partner() {
        let source = ndarray::array![[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]];
        let target = ndarray::array![[1.0, 0.0], [0.0, 1.0], [0.8, 0.6]];
        assert_eq!(
            most_similar_other(source.view(), target.view()),
            vec![Some(2), Some(2), Some(1)]
        );
        assert_eq!(
            most_similar_other(
                source.slice(ndarray::s![..1, ..]),
                target.slice(ndarray::s![..1, ..])
            ),
            vec![None]
        );
    }
    use rand::{Rng, SeedableRng};

    #[test]
    fn documents_find_their_counterparts_one_to_one() {
        let mut rng = StdRng::seed_from_u64(7);
        let dim = 48;
        // Five documents of three sentences; the target collection holds noisy translations in another order.
        let mut source = Array2::from_shape_fn((15, dim), |_| rng.random_range(-1.0f32..1.0));
        normalize_rows(&mut source);
        let order = [3, 0, 4, 1, 2];
        let mut target = Array2::zeros((15, dim));
        for (d, &to) in order.iter().enumerate() {
            for s in 0..3 {
                let noise = Array2::from_shape_fn((1, dim), |_| rng.random_range(-0.3f32..0.3));
                target
                    .row_mut(to * 3 + s)
                    .assign(&(&source.row(d * 3 + s) + &noise.row(0)));
            }
        }
        normalize_rows(&mut target);
        let docs: Vec<_> = (0..5).map(|d| d * 3..d * 3 + 3).collect();
        let pairs = match_documents(
            document_vectors(source.view(), &docs).view(),
            document_vectors(target.view(), &docs).view(),
            4,
        );
        assert_eq!(
            pairs
                .iter()
                .map(|p| (p.source, p.target))
                .collect::<Vec<_>>(),
            vec![(0, 3), (1, 0), (2, 4), (3, 1), (4, 2)]
        );
        assert!(pairs.iter().all(|p| p.rank == 1));
    }

    #[test]
    fn the_larger_side_keeps_documents_unpaired() {
        let source = ndarray::array![[1.0, 0.0], [0.0, 1.0], [0.7, 0.7]];
        let target = ndarray::array![[0.0, 1.0]];
        let pairs = match_documents(source.view(), target.view(), 1);
        assert_eq!(pairs.len(), 1);
        assert_eq!((pairs[0].source, pairs[0].target), (1, 0));
    }
}
