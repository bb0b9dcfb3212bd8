//! Held-out evaluation: how well the encoder retrieves translations it was not trained on.
//!
//! Each held-out set is scored on its own: P@1 both ways with plain cosine and with the ratio
//! margin over vectors centred on each language's mean (what pird's aligners use), plus the
//! InfoNCE loss over the set in fixed batches, the quantity training lowers.

use ndarray::ArrayView2;
use pird_align::{margin_matrix, CentredSide, RETRIEVAL_K};
use pird_eval::{diagonal_gold, retrieval_scores, MetricError, SimilarityMatrix};

/// Neighbourhood size of the held-out centred margin: pird's retrieval setting.
pub const MARGIN_K: usize = RETRIEVAL_K;

/// P@1 in both directions.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct BothWays {
    /// Sorani → Arabic.
    pub ckb_to_arb: f64,
    /// Arabic → Sorani.
    pub arb_to_ckb: f64,
}

impl BothWays {
    /// The weaker direction.
    pub fn min(&self) -> f64 {
        self.ckb_to_arb.min(self.arb_to_ckb)
    }
}

/// Scores of one held-out set.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HeldOutScores {
    /// The set's name.
    #[serde(rename = "set")]
    pub name: String,
    /// Its number of pairs.
    pub pairs: usize,
    /// Mean InfoNCE loss over its batches.
    pub loss: f64,
    /// P@1 with plain cosine.
    #[serde(rename = "cosine_p_at_1")]
    pub cosine: BothWays,
    /// P@1 with the ratio margin over centred vectors (k = [`MARGIN_K`]).
    #[serde(rename = "centred_margin_p_at_1")]
    pub centred_margin: BothWays,
}

/// P@1 both ways of row-aligned `ckb` and `arb` vectors, with cosine and with centred margin.
pub fn retrieval(
    ckb: ArrayView2<f32>,
    arb: ArrayView2<f32>,
) -> Result<(BothWays, BothWays), MetricError> {
    let n = ckb.nrows();
    let gold = diagonal_gold(n);
    let p_at_1 = |scores: ndarray::Array2<f32>| -> Result<BothWays, MetricError> {
        let values: Vec<f32> = scores.iter().copied().collect();
        let matrix = SimilarityMatrix::new(&values, n, arb.nrows())?;
        let counts = retrieval_scores(&matrix, &gold)?;
        Ok(BothWays {
            ckb_to_arb: counts.src_to_tgt.p_at_1(),
            arb_to_ckb: counts.tgt_to_src.p_at_1(),
        })
    };
    let cosine = p_at_1(ckb.dot(&arb.t()))?;
    let (ckb, arb) = (CentredSide::new(ckb), CentredSide::new(arb));
    let margin = p_at_1(margin_matrix(
        ckb.sentences.view(),
        arb.sentences.view(),
        MARGIN_K,
    ))?;
    Ok((cosine, margin))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn translations_nearest_each_other_score_one() {
        let ckb = array![[1.0f32, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
        let arb = array![[0.9f32, 0.1, 0.0], [0.0, 0.9, 0.1], [0.1, 0.0, 0.9]];
        let (cosine, margin) = retrieval(ckb.view(), arb.view()).unwrap();
        assert_eq!(cosine.min(), 1.0);
        assert_eq!(margin.min(), 1.0);
        let swapped = array![[0.0f32, 0.9, 0.1], [0.9, 0.1, 0.0], [0.1, 0.0, 0.9]];
        let (cosine, _) = retrieval(ckb.view(), swapped.view()).unwrap();
        assert!((cosine.ckb_to_arb - 1.0 / 3.0).abs() < 1e-9);
    }
}
