//! Cosine similarity by blocked matrix products, k-nearest neighbours, and language centring.
//!
//! Vectors are rows of L2-normalised matrices, so cosine is a dot product. Nothing here builds an
//! n×m matrix of a whole corpus: queries are processed in blocks, so memory stays bounded by
//! `block × m` floats however large the inputs are.

use ndarray::{s, Array1, Array2, ArrayView2, Axis};
use std::ops::Range;

/// Rows of queries multiplied at once; bounds memory at `QUERY_BLOCK × keys` floats.
const QUERY_BLOCK: usize = 512;

/// The `k` nearest keys of every query: indices and cosines, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbours {
    /// `queries × k` key indices, most similar first.
    pub indices: Array2<u32>,
    /// `queries × k` cosines matching `indices`.
    pub scores: Array2<f32>,
}

impl Neighbours {
    /// The `k` best of each query's neighbours here and in `other`, whose key indices are
    /// shifted by `offset` (e.g. neighbours among a document and among background sentences).
    pub fn merged_with(&self, other: &Neighbours, offset: u32, k: usize) -> Neighbours {
        let n = self.indices.nrows();
        let mut indices = Array2::<u32>::zeros((n, k));
        let mut scores = Array2::<f32>::zeros((n, k));
        let mut both: Vec<(f32, u32)> = Vec::new();
        for q in 0..n {
            both.clear();
            both.extend(
                self.scores
                    .row(q)
                    .iter()
                    .copied()
                    .zip(self.indices.row(q).iter().copied()),
            );
            both.extend(
                other
                    .scores
                    .row(q)
                    .iter()
                    .copied()
                    .zip(other.indices.row(q).iter().map(|&i| i + offset)),
            );
            both.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            both.dedup_by_key(|pair| pair.1);
            for slot in 0..k {
                let (score, index) = both[slot.min(both.len() - 1)];
                indices[[q, slot]] = index;
                scores[[q, slot]] = score;
            }
        }
        Neighbours { indices, scores }
    }

    /// The first (best) `k` neighbours of each query (all of them when there are fewer).
    pub fn first(&self, k: usize) -> Neighbours {
        let k = k.min(self.indices.ncols());
        Neighbours {
            indices: self.indices.slice(s![.., ..k]).to_owned(),
            scores: self.scores.slice(s![.., ..k]).to_owned(),
        }
    }

    /// Mean cosine of each query's `k` nearest keys (the margin's neighbourhood term).
    pub fn mean_scores(&self) -> Array1<f32> {
        self.scores
            .mean_axis(Axis(1))
            .unwrap_or_else(|| Array1::zeros(self.scores.nrows()))
    }
}

/// The cosine matrix of two sets of L2-normalised rows (`a.rows × b.rows`).
pub fn cosine_matrix(a: ArrayView2<f32>, b: ArrayView2<f32>) -> Array2<f32> {
    a.dot(&b.t())
}

/// The `k` nearest `keys` of every row of `queries` by cosine (exact, blocked).
///
/// With fewer than `k` keys, the missing neighbours are filled with the last real one, so that
/// means stay defined; ties go to the lower key index.
pub fn nearest_neighbours(queries: ArrayView2<f32>, keys: ArrayView2<f32>, k: usize) -> Neighbours {
    let all = 0..keys.nrows();
    nearest_in_windows(queries, keys, k, |_| all.clone())
}

/// The `k` nearest keys of every query among the keys within `window` of the query's own
/// relative position (query i of n looks near key i·m/n), as in a band around the diagonal of
/// two parallel documents. Time and memory grow with `(n + m) · window` instead of `n · m`.
pub fn nearest_neighbours_near_diagonal(
    queries: ArrayView2<f32>,
    keys: ArrayView2<f32>,
    k: usize,
    window: usize,
) -> Neighbours {
    let (n, m) = (queries.nrows().max(1), keys.nrows());
    nearest_in_windows(queries, keys, k, |block| {
        let low = (block.start * m / n).saturating_sub(window);
        let high = ((block.end * m).div_ceil(n) + window).min(m);
        low..high
    })
}

/// Exact k-NN of each block of queries among the keys in `window(block)`.
fn nearest_in_windows(
    queries: ArrayView2<f32>,
    keys: ArrayView2<f32>,
    k: usize,
    window: impl Fn(Range<usize>) -> Range<usize>,
) -> Neighbours {
    let n = queries.nrows();
    let mut indices = Array2::<u32>::zeros((n, k));
    let mut scores = Array2::<f32>::zeros((n, k));
    if keys.nrows() == 0 || k == 0 {
        return Neighbours { indices, scores };
    }
    let mut order: Vec<u32> = Vec::new();
    for start in (0..n).step_by(QUERY_BLOCK) {
        let end = (start + QUERY_BLOCK).min(n);
        let keys_seen = window(start..end);
        let first_key = keys_seen.start as u32;
        let block = queries
            .slice(s![start..end, ..])
            .dot(&keys.slice(s![keys_seen, ..]).t());
        for (offset, row) in block.outer_iter().enumerate() {
            order.clear();
            order.extend(0..row.len() as u32);
            let by_score =
                |a: &u32, b: &u32| row[*b as usize].total_cmp(&row[*a as usize]).then(a.cmp(b));
            let take = k.min(order.len());
            if take < order.len() {
                order.select_nth_unstable_by(take - 1, by_score);
            }
            order[..take].sort_unstable_by(by_score);
            for slot in 0..k {
                let key = order[slot.min(take - 1)];
                indices[[start + offset, slot]] = first_key + key;
                scores[[start + offset, slot]] = row[key as usize];
            }
        }
    }
    Neighbours { indices, scores }
}

/// Subtracts the mean row and L2-normalises every row again, in place.
///
/// The model's similarity is dominated by language identity: every Sorani sentence is close to
/// every other. Removing each language's mean vector (taken from the input itself) leaves what
/// the sentences say, and lifts margin P@1 on FLORES from about 0.91/0.94 to 0.97.
pub fn centre(vectors: &mut Array2<f32>) {
    if vectors.nrows() < 2 {
        return;
    }
    let mean = vectors.mean_axis(Axis(0)).expect("at least one row");
    *vectors -= &mean;
    normalize_rows(vectors);
}

/// L2-normalises every row in place (rows of zeros stay zero).
pub fn normalize_rows(vectors: &mut Array2<f32>) {
    for mut row in vectors.outer_iter_mut() {
        let norm = row.dot(&row).sqrt();
        if norm > 0.0 {
            row /= norm;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn unit(rows: Array2<f32>) -> Array2<f32> {
        let mut rows = rows;
        normalize_rows(&mut rows);
        rows
    }

    #[test]
    fn neighbours_are_the_most_similar_keys_best_first() {
        let queries = unit(array![[1.0, 0.0], [0.0, 1.0]]);
        let keys = unit(array![[0.0, 1.0], [1.0, 0.1], [1.0, 1.0], [1.0, 0.0]]);
        let nn = nearest_neighbours(queries.view(), keys.view(), 2);
        assert_eq!(nn.indices.row(0).to_vec(), vec![3, 1]);
        assert_eq!(nn.indices.row(1).to_vec(), vec![0, 2]);
        assert!((nn.scores[[0, 0]] - 1.0).abs() < 1e-6);
        assert!((nn.mean_scores()[1] - (1.0 + 0.5f32.sqrt()) / 2.0).abs() < 1e-6);
    }

    #[test]
    fn fewer_keys_than_k_repeat_the_last() {
        let queries = unit(array![[1.0, 0.0]]);
        let keys = unit(array![[1.0, 0.0]]);
        let nn = nearest_neighbours(queries.view(), keys.view(), 3);
        assert_eq!(nn.indices.row(0).to_vec(), vec![0, 0, 0]);
    }

    #[test]
    fn blocks_give_the_same_answer_as_the_full_matrix() {
        let n = QUERY_BLOCK + 37;
        let queries = unit(Array2::from_shape_fn((n, 3), |(i, j)| {
            ((i * 7 + j * 3) % 11) as f32 - 5.0
        }));
        let keys = unit(Array2::from_shape_fn((50, 3), |(i, j)| {
            ((i * 5 + j * 2) % 13) as f32 - 6.0
        }));
        let nn = nearest_neighbours(queries.view(), keys.view(), 1);
        let full = cosine_matrix(queries.view(), keys.view());
        for i in 0..n {
            let best = full.row(i).iter().cloned().fold(f32::MIN, f32::max);
            assert!((nn.scores[[i, 0]] - best).abs() < 1e-6);
        }
    }

    #[test]
    fn a_wide_band_is_exhaustive_and_a_narrow_one_stays_near_the_diagonal() {
        let n = 1200;
        let rows = |seed: usize| {
            unit(Array2::from_shape_fn((n, 4), |(i, j)| {
                (((i + seed) * 7919 + j * 104_729) % 1000) as f32 / 500.0 - 1.0
            }))
        };
        let (queries, keys) = (rows(0), rows(3));
        let exact = nearest_neighbours(queries.view(), keys.view(), 4);
        assert_eq!(
            nearest_neighbours_near_diagonal(queries.view(), keys.view(), 4, n),
            exact
        );
        let banded = nearest_neighbours_near_diagonal(queries.view(), keys.view(), 4, 100);
        for (q, row) in banded.indices.outer_iter().enumerate() {
            let block = q / QUERY_BLOCK * QUERY_BLOCK;
            for &key in row {
                let key = key as usize;
                assert!(
                    key + 100 >= block && key < block + QUERY_BLOCK + 100,
                    "{q} {key}"
                );
            }
        }
    }

    #[test]
    fn merged_neighbours_keep_the_best_of_both() {
        let a = Neighbours {
            indices: array![[0u32, 1]],
            scores: array![[0.9f32, 0.5]],
        };
        let b = Neighbours {
            indices: array![[0u32, 1]],
            scores: array![[0.7f32, 0.6]],
        };
        let merged = a.merged_with(&b, 10, 3);
        assert_eq!(merged.indices, array![[0u32, 10, 11]]);
        assert_eq!(merged.scores, array![[0.9f32, 0.7, 0.6]]);
    }

    #[test]
    fn centring_removes_the_shared_direction() {
        // Three sentences that share a dominant "language" direction (the first axis).
        let mut v = unit(array![[1.0, 0.1, 0.0], [1.0, -0.1, 0.05], [1.0, 0.0, -0.1]]);
        let before = cosine_matrix(v.view(), v.view());
        centre(&mut v);
        let after = cosine_matrix(v.view(), v.view());
        assert!(
            before[[0, 1]] > 0.9 && after[[0, 1]] < 0.0,
            "{before} {after}"
        );
        for row in v.outer_iter() {
            assert!((row.dot(&row) - 1.0).abs() < 1e-5);
        }
    }
}
