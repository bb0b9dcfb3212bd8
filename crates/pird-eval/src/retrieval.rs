//! Bitext retrieval: precision at 1 in both directions and the xSIM error rate, from a dense
//! similarity matrix.
//!
//! Definitions (as LASER's `xsim.py` and the NLLB paper use them on FLORES):
//!
//! - The input is a rows × cols similarity matrix (row i = source sentence i, column j = target
//!   sentence j; any score where higher is more similar: cosine, margin, …) and gold pairs
//!   `(row, col)`; FLORES gold is the diagonal, [`diagonal_gold`].
//! - The nearest target of a row is the column with the highest value; ties go to the lowest
//!   index and NaN values are never nearest (a row of NaN has no nearest target and counts as
//!   wrong). The nearest source of a column is found the same way down the column.
//! - **P@1 source→target** = the share of source rows named in gold whose nearest target is one
//!   of their gold targets. A row with several gold targets (e.g. duplicate sentences, which
//!   `xsim.py --eval_text` treats as equivalent) is right if any one is nearest; each row counts
//!   once. **P@1 target→source** is the same over columns.
//! - **xSIM error rate** = 1 − P@1 in the same direction (errors / sentences). With an empty
//!   gold, P@1 is 0 and n is 0.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::MetricError;
use crate::prf::ratio;

/// A rows × cols similarity matrix stored row-major, borrowed from its producer.
#[derive(Clone, Copy, Debug)]
pub struct SimilarityMatrix<'a> {
    values: &'a [f32],
    rows: usize,
    cols: usize,
}

impl<'a> SimilarityMatrix<'a> {
    /// Wraps row-major `values`; their count must be `rows * cols`.
    pub fn new(values: &'a [f32], rows: usize, cols: usize) -> Result<Self, MetricError> {
        if rows.checked_mul(cols) != Some(values.len()) {
            return Err(MetricError::MatrixShape {
                rows,
                cols,
                len: values.len(),
            });
        }
        Ok(Self { values, rows, cols })
    }

    /// Number of rows (source sentences).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns (target sentences).
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The value at (row, col).
    pub fn get(&self, row: usize, col: usize) -> f32 {
        self.values[row * self.cols + col]
    }

    /// The nearest column of every row (highest value, lowest index on ties, never NaN).
    pub fn nearest_cols(&self) -> Vec<Option<usize>> {
        (0..self.rows)
            .map(|r| {
                let row = &self.values[r * self.cols..(r + 1) * self.cols];
                let mut best: Option<(usize, f32)> = None;
                for (c, &v) in row.iter().enumerate() {
                    if !v.is_nan() && best.is_none_or(|(_, b)| v > b) {
                        best = Some((c, v));
                    }
                }
                best.map(|(c, _)| c)
            })
            .collect()
    }

    /// The nearest row of every column (highest value, lowest index on ties, never NaN).
    pub fn nearest_rows(&self) -> Vec<Option<usize>> {
        let mut best: Vec<Option<(usize, f32)>> = vec![None; self.cols];
        for r in 0..self.rows {
            let row = &self.values[r * self.cols..(r + 1) * self.cols];
            for (slot, &v) in best.iter_mut().zip(row) {
                if !v.is_nan() && slot.is_none_or(|(_, b)| v > b) {
                    *slot = Some((r, v));
                }
            }
        }
        best.into_iter().map(|b| b.map(|(r, _)| r)).collect()
    }
}

/// Retrieval counts in one direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DirectionCounts {
    /// Sentences whose nearest neighbour is a gold partner.
    pub correct: u64,
    /// Sentences judged (those named in gold).
    pub total: u64,
}

impl DirectionCounts {
    /// Precision at 1: correct / total (0 when total is 0).
    pub fn p_at_1(&self) -> f64 {
        ratio(self.correct, self.total)
    }

    /// xSIM error rate: 1 − P@1, i.e. errors / total (0 when total is 0).
    pub fn xsim_error(&self) -> f64 {
        ratio(self.total - self.correct, self.total)
    }
}

/// Retrieval counts in both directions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RetrievalScores {
    /// Source → target: each source row retrieves its nearest column.
    pub src_to_tgt: DirectionCounts,
    /// Target → source: each target column retrieves its nearest row.
    pub tgt_to_src: DirectionCounts,
}

/// P@1 both ways over `sim` for the gold pairs `(row, col)` (see the module documentation).
pub fn retrieval_scores(
    sim: &SimilarityMatrix<'_>,
    gold: &[(usize, usize)],
) -> Result<RetrievalScores, MetricError> {
    let mut row_gold: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    let mut col_gold: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for &(row, col) in gold {
        if row >= sim.rows || col >= sim.cols {
            return Err(MetricError::GoldOutOfRange {
                row,
                col,
                rows: sim.rows,
                cols: sim.cols,
            });
        }
        row_gold.entry(row).or_default().insert(col);
        col_gold.entry(col).or_default().insert(row);
    }
    Ok(RetrievalScores {
        src_to_tgt: judge(&row_gold, &sim.nearest_cols()),
        tgt_to_src: judge(&col_gold, &sim.nearest_rows()),
    })
}

fn judge(gold: &BTreeMap<usize, BTreeSet<usize>>, nearest: &[Option<usize>]) -> DirectionCounts {
    let correct = gold
        .iter()
        .filter(|(&i, partners)| nearest[i].is_some_and(|n| partners.contains(&n)))
        .count();
    DirectionCounts {
        correct: correct as u64,
        total: gold.len() as u64,
    }
}

/// The gold of `n` line-parallel sentences: `(i, i)` for i in 0..n.
pub fn diagonal_gold(n: usize) -> Vec<(usize, usize)> {
    (0..n).map(|i| (i, i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_is_checked() {
        let values = [0.0; 6];
        assert!(SimilarityMatrix::new(&values, 2, 3).is_ok());
        assert_eq!(
            SimilarityMatrix::new(&values, 2, 2).unwrap_err(),
            MetricError::MatrixShape {
                rows: 2,
                cols: 2,
                len: 6
            }
        );
    }

    #[test]
    fn hand_computed_both_directions() {
        // Row 0 → col 0 ✓; row 1 → col 0 ✗; row 2 → col 2 ✓.
        // Col 0 → row 1 ✗ (0.9); col 1 → row 1 ✓ (0.7); col 2 → row 2 ✓.
        #[rustfmt::skip]
        let values = [
            0.8, 0.1, 0.0,
            0.9, 0.7, 0.2,
            0.1, 0.3, 0.6,
        ];
        let sim = SimilarityMatrix::new(&values, 3, 3).unwrap();
        let s = retrieval_scores(&sim, &diagonal_gold(3)).unwrap();
        assert_eq!(
            s.src_to_tgt,
            DirectionCounts {
                correct: 2,
                total: 3
            }
        );
        assert_eq!(
            s.tgt_to_src,
            DirectionCounts {
                correct: 2,
                total: 3
            }
        );
        assert!((s.src_to_tgt.xsim_error() - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn ties_go_to_the_lowest_index_and_nan_is_never_nearest() {
        let values = [0.5, 0.5, f32::NAN, 0.2, f32::NAN, f32::NAN];
        let sim = SimilarityMatrix::new(&values, 3, 2).unwrap();
        assert_eq!(sim.nearest_cols(), vec![Some(0), Some(1), None]);
        assert_eq!(sim.nearest_rows(), vec![Some(0), Some(0)]);
        let s = retrieval_scores(&sim, &[(0, 1), (1, 1), (2, 0)]).unwrap();
        // Rows: 0 picks col 0 (tie) ✗, 1 ✓, 2 has no neighbour ✗.
        assert_eq!(s.src_to_tgt.correct, 1);
        // Cols: col 1's gold rows {0, 1}, nearest row 0 ✓; col 0's gold row 2, nearest 0 ✗.
        assert_eq!(
            s.tgt_to_src,
            DirectionCounts {
                correct: 1,
                total: 2
            }
        );
    }

    #[test]
    fn rectangular_and_partial_gold() {
        // Two sources, four targets; only source 1 has gold.
        let values = [0.1, 0.9, 0.0, 0.0, 0.0, 0.2, 0.3, 0.8];
        let sim = SimilarityMatrix::new(&values, 2, 4).unwrap();
        let s = retrieval_scores(&sim, &[(1, 3)]).unwrap();
        assert_eq!(s.src_to_tgt.p_at_1(), 1.0);
        assert_eq!(s.tgt_to_src.p_at_1(), 1.0);
    }

    #[test]
    fn empty_gold_and_out_of_range_gold() {
        let values = [1.0];
        let sim = SimilarityMatrix::new(&values, 1, 1).unwrap();
        let s = retrieval_scores(&sim, &[]).unwrap();
        assert_eq!(s.src_to_tgt.p_at_1(), 0.0);
        assert_eq!(s.src_to_tgt.total, 0);
        assert!(matches!(
            retrieval_scores(&sim, &[(0, 1)]),
            Err(MetricError::GoldOutOfRange { .. })
        ));
    }

    #[test]
    fn empty_matrix() {
        let sim = SimilarityMatrix::new(&[], 0, 5).unwrap();
        assert_eq!(sim.nearest_rows(), vec![None; 5]);
        assert!(sim.nearest_cols().is_empty());
    }
}
