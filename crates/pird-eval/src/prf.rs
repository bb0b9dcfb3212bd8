//! Precision, recall and F1, with one convention for empty denominators.
//!
//! As in Vecalign's `score.py` (`value_for_div_by_0=0.0`), a ratio whose denominator is zero is
//! 0, and F1 is 0 when precision + recall is 0. So an empty prediction scores precision 0, and an
//! empty gold scores recall 0; the `n` of each metric row tells the two cases apart.

/// Precision, recall and their harmonic mean.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PrF1 {
    /// Correct predictions / predictions.
    pub precision: f64,
    /// Recovered gold items / gold items.
    pub recall: f64,
    /// 2·P·R / (P + R), or 0 when P + R = 0.
    pub f1: f64,
}

impl PrF1 {
    /// Combines a precision and a recall, computing F1.
    pub fn new(precision: f64, recall: f64) -> Self {
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        Self {
            precision,
            recall,
            f1,
        }
    }

    /// Precision = `correct / predicted`, recall = `correct / gold`, each 0 when its
    /// denominator is 0.
    pub fn from_counts(correct: u64, predicted: u64, gold: u64) -> Self {
        Self::new(ratio(correct, predicted), ratio(correct, gold))
    }
}

/// `num / den`, or 0 when `den` is 0.
pub fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn harmonic_mean() {
        let s = PrF1::new(0.5, 1.0);
        assert!((s.f1 - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn zero_denominators_give_zero() {
        assert_eq!(PrF1::from_counts(0, 0, 0), PrF1::default());
        assert_eq!(PrF1::new(0.0, 0.0).f1, 0.0);
        assert_eq!(ratio(3, 0), 0.0);
    }
}
