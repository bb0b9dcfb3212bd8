//! The symmetric InfoNCE loss with in-batch negatives.
//!
//! For a batch of n pairs with L2-normalised vectors, the logits are the n × n cosine matrix over
//! the temperature; row i's target is column i (Sorani → Arabic) and column i's target is row i
//! (Arabic → Sorani). The loss is the mean of the two cross-entropies, as in LaBSE and e5's
//! contrastive pre-training.

use tch::{Kind, TchError, Tensor};

/// The symmetric InfoNCE loss of row-aligned, L2-normalised `ckb` and `arb` vectors (`n × d`).
pub fn symmetric_info_nce(
    ckb: &Tensor,
    arb: &Tensor,
    temperature: f64,
) -> Result<Tensor, TchError> {
    let n = ckb.size()[0];
    let logits = ckb.f_matmul(&arb.f_tr()?)?.f_div_scalar(temperature)?;
    let targets = Tensor::f_arange(n, (Kind::Int64, ckb.device()))?;
    let forward =
        logits.f_cross_entropy_loss::<&Tensor>(&targets, None, tch::Reduction::Mean, -100, 0.0)?;
    let backward = logits.f_tr()?.f_cross_entropy_loss::<&Tensor>(
        &targets,
        None,
        tch::Reduction::Mean,
        -100,
        0.0,
    )?;
    forward.f_add(&backward)?.f_div_scalar(2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalised(values: &[f32], rows: i64) -> Tensor {
        let t = Tensor::from_slice(values).view([rows, -1]);
        let norms = t.norm_scalaropt_dim(2, [1i64].as_slice(), true);
        t / norms
    }

    #[test]
    fn matches_the_formula_and_prefers_aligned_pairs() {
        let ckb = normalised(&[1.0, 0.0, 0.0, 1.0], 2);
        let arb = normalised(&[0.8, 0.6, 0.6, 0.8], 2);
        let t = 0.5;
        let loss = symmetric_info_nce(&ckb, &arb, t).unwrap().double_value(&[]);
        // Cosines [0.8, 0.6] and [0.6, 0.8]; both directions are the same by symmetry.
        let expected = -(0.8f64 / t - ((0.8f64 / t).exp() + (0.6f64 / t).exp()).ln());
        assert!((loss - expected).abs() < 1e-5, "{loss} vs {expected}");
        let swapped = Tensor::cat(&[arb.get(1).unsqueeze(0), arb.get(0).unsqueeze(0)], 0);
        let worse = symmetric_info_nce(&ckb, &swapped, t)
            .unwrap()
            .double_value(&[]);
        assert!(worse > loss);
    }
}
