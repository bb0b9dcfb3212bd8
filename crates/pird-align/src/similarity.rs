//! Cosine similarity by blocked matrix products, k-nearest neighbours, and language centring.
//!
//! Vectors are rows of L2-normalised matrices, so cosine is a dot product. Nothing here builds an
//! n×m matrix of a whole corpus: queries are processed in blocks, so memory stays bounded by
//! `block × m` floats however large the inputs are.

use ndarray::{s, Array1, Array2, ArrayView2, Axis};

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
    let n = queries.nrows();
    let mut indices = Array2::<u32>::zeros((n, k));
    let mut scores = Array2::<f32>::zeros((n, k));
    if keys.nrows() == 0 || k == 0 {
        return Neighbours { indices, scores };
    }
    let mut order: Vec<u32> = Vec::new();
    for start in (0..n).step_by(QUERY_BLOCK) {
        let end = (start + QUERY_BLOCK).min(n);
        let block = queries.slice(s![start..end, ..]).dot(&keys.t());
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
                indices[[start + offset, slot]] = key;
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
pub fn center(vectors: &mut Array2<f32>) {
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
    fn centring_removes_the_shared_direction() {
        // Three sentences that share a dominant "language" direction (the first axis).
        let mut v = unit(array![[1.0, 0.1, 0.0], [1.0, -0.1, 0.05], [1.0, 0.0, -0.1]]);
        let before = cosine_matrix(v.view(), v.view());
        center(&mut v);
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
