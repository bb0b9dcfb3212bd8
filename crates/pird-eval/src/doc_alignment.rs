//! Document-alignment accuracy: predicted one-to-one document pairs against gold pairs.
//!
//! Definitions, with repeated pairs counted once on each side:
//!
//! - A predicted pair `(src_doc, tgt_doc)` is correct when the same pair is in gold.
//! - **Accuracy** = correct / gold pairs: the share of gold pairs the assignment recovers (a
//!   gold source document left unassigned counts as wrong).
//! - **Precision** = correct / predicted pairs, which differs from accuracy when the prediction
//!   leaves documents out (a partial assignment) or pairs documents that have no gold partner.
//! - Both sides must be one-to-one: a document in two distinct pairs of the same side is an error.
//!   Ratios with a zero denominator are 0.

use std::collections::HashSet;

use crate::error::MetricError;
use crate::prf::ratio;

/// Document-alignment counts and scores.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DocAlignmentScores {
    /// Predicted pairs that are gold pairs.
    pub correct: u64,
    /// Distinct predicted pairs.
    pub predicted: u64,
    /// Distinct gold pairs.
    pub gold: u64,
    /// correct / gold.
    pub accuracy: f64,
    /// correct / predicted.
    pub precision: f64,
}

/// Scores predicted document pairs `(src_doc, tgt_doc)` against gold pairs.
pub fn doc_alignment_scores<S: AsRef<str>>(
    predicted: &[(S, S)],
    gold: &[(S, S)],
) -> Result<DocAlignmentScores, MetricError> {
    let predicted = one_to_one(predicted, "predicted")?;
    let gold = one_to_one(gold, "gold")?;
    let correct = predicted.intersection(&gold).count() as u64;
    let (n_predicted, n_gold) = (predicted.len() as u64, gold.len() as u64);
    Ok(DocAlignmentScores {
        correct,
        predicted: n_predicted,
        gold: n_gold,
        accuracy: ratio(correct, n_gold),
        precision: ratio(correct, n_predicted),
    })
}

fn one_to_one<'a, S: AsRef<str>>(
    pairs: &'a [(S, S)],
    which: &'static str,
) -> Result<HashSet<(&'a str, &'a str)>, MetricError> {
    let distinct: HashSet<(&str, &str)> = pairs
        .iter()
        .map(|(s, t)| (s.as_ref(), t.as_ref()))
        .collect();
    let mut sources = HashSet::new();
    let mut targets = HashSet::new();
    let mut ordered: Vec<_> = distinct.iter().collect();
    ordered.sort();
    for &(s, t) in ordered {
        if !sources.insert(s) {
            return Err(not_one_to_one(which, "source", s));
        }
        if !targets.insert(t) {
            return Err(not_one_to_one(which, "target", t));
        }
    }
    Ok(distinct)
}

fn not_one_to_one(which: &'static str, side: &'static str, doc: &str) -> MetricError {
    MetricError::NotOneToOne {
        which,
        side,
        doc: doc.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_assignment() {
        let gold = [("a", "A"), ("b", "B"), ("c", "C"), ("d", "D")];
        let predicted = [("a", "A"), ("b", "C"), ("c", "B"), ("d", "D")];
        let s = doc_alignment_scores(&predicted, &gold).unwrap();
        assert_eq!((s.correct, s.predicted, s.gold), (2, 4, 4));
        assert_eq!(s.accuracy, 0.5);
        assert_eq!(s.precision, 0.5);
    }

    #[test]
    fn partial_assignment() {
        let gold = [("a", "A"), ("b", "B"), ("c", "C"), ("d", "D")];
        let predicted = [("a", "A"), ("b", "B"), ("a", "A")];
        let s = doc_alignment_scores(&predicted, &gold).unwrap();
        assert_eq!(s.accuracy, 0.5);
        assert_eq!(s.precision, 1.0);
    }

    #[test]
    fn empty_prediction_and_empty_gold() {
        let gold = [("a", "A")];
        let none: [(&str, &str); 0] = [];
        let s = doc_alignment_scores(&none, &gold).unwrap();
        assert_eq!((s.accuracy, s.precision, s.gold), (0.0, 0.0, 1));
        let s = doc_alignment_scores(&gold, &none).unwrap();
        assert_eq!((s.accuracy, s.precision, s.predicted), (0.0, 0.0, 1));
    }

    #[test]
    fn not_one_to_one_is_an_error() {
        let gold = [("a", "A"), ("b", "B")];
        let predicted = [("a", "A"), ("b", "A")];
        let err = doc_alignment_scores(&predicted, &gold).unwrap_err();
        assert_eq!(
            err.to_string(),
            "predicted document pairs are not one-to-one: target document \"A\" appears in more than one pair"
        );
        let predicted = [("a", "A"), ("a", "B")];
        assert!(doc_alignment_scores(&predicted, &gold).is_err());
        assert!(doc_alignment_scores(&gold, &predicted).is_err());
    }
}
