//! Mining metrics: precision, recall and F1 of scored candidate pairs at a threshold, the best F1
//! over thresholds, and average precision (the area under the precision–recall curve).
//!
//! Definitions, for candidate pairs with scores and a set of gold pairs:
//!
//! - Pairs are [`Bead`]s compared exactly (same source ids, same target ids). Beads with an empty
//!   side mean nothing in mining and are ignored on both sides; each distinct gold bead counts
//!   once, and a candidate listed more than once counts once, with its highest score. To judge
//!   merged pairs (2-1, …) link by link instead, pass both sides through [`link_candidates`] and
//!   [`link_gold`] first.
//! - At threshold `t` the prediction is every candidate with score ≥ `t` (a NaN score is never
//!   predicted). Precision = correct predicted / predicted, recall = correct predicted / gold,
//!   F1 = 2PR/(P+R); each is 0 when its denominator is 0.
//! - The precision–recall curve has one point per distinct candidate score `s`, taken in
//!   decreasing order, with threshold `s` (ties enter together).
//! - **Best F1** is the highest F1 among those points and the point "predict nothing"
//!   (threshold +∞, F1 0); among equal F1 the highest threshold wins.
//! - **Average precision** = Σₖ (Rₖ − Rₖ₋₁)·Pₖ over the curve's points, R₀ = 0 (the step-wise
//!   area of scikit-learn's `average_precision_score`). Recall is relative to *all* gold pairs, so
//!   gold pairs that are never proposed as candidates lower it; when every gold pair is a
//!   candidate it equals scikit-learn's value.
//! - Several documents pool by adding each with [`MiningCandidates::add_document`]: candidates
//!   are judged against their own document's gold, and the counts are summed (micro-average).

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use crate::bead::{Bead, ScoredPair};
use crate::prf::PrF1;

/// Candidates labelled correct or not, with the number of gold pairs, over one or more documents.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MiningCandidates {
    labelled: Vec<(f32, bool)>,
    gold: u64,
}

/// Mining scores at one threshold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MiningScores {
    /// Candidates with score ≥ this threshold are predicted.
    pub threshold: f32,
    /// Number of predicted candidates.
    pub predicted: u64,
    /// Number of predicted candidates that are gold pairs.
    pub correct: u64,
    /// Number of gold pairs.
    pub gold: u64,
    /// Precision, recall and F1.
    pub scores: PrF1,
}

impl MiningCandidates {
    /// No candidates and no gold.
    pub fn new() -> Self {
        Self::default()
    }

    /// The candidates and gold of one document pair.
    pub fn from_document(predicted: &[ScoredPair], gold: &[Bead]) -> Self {
        let mut candidates = Self::new();
        candidates.add_document(predicted, gold);
        candidates
    }

    /// Candidates already labelled (`(score, is_gold)`, one per distinct pair) and the number of
    /// gold pairs, for callers that match pairs themselves.
    pub fn from_labelled(labelled: impl IntoIterator<Item = (f32, bool)>, gold: u64) -> Self {
        Self {
            labelled: labelled.into_iter().collect(),
            gold,
        }
    }

    /// Adds one document pair: its candidates are judged against its gold only.
    pub fn add_document(&mut self, predicted: &[ScoredPair], gold: &[Bead]) {
        let gold: HashSet<&Bead> = gold.iter().filter(|b| b.is_link()).collect();
        let mut best: HashMap<&Bead, f32> = HashMap::new();
        for pair in predicted.iter().filter(|p| p.bead.is_link()) {
            best.entry(&pair.bead)
                .and_modify(|s| *s = s.max(pair.score))
                .or_insert(pair.score);
        }
        self.labelled
            .extend(best.into_iter().map(|(bead, s)| (s, gold.contains(bead))));
        self.gold += gold.len() as u64;
    }

    /// Number of distinct candidates.
    pub fn len(&self) -> usize {
        self.labelled.len()
    }

    /// True when there are no candidates.
    pub fn is_empty(&self) -> bool {
        self.labelled.is_empty()
    }

    /// Every distinct candidate's score and whether it is a gold pair.
    pub fn labelled(&self) -> &[(f32, bool)] {
        &self.labelled
    }

    /// Number of gold pairs.
    pub fn gold(&self) -> u64 {
        self.gold
    }

    /// Precision, recall and F1 predicting every candidate with score ≥ `threshold`.
    pub fn at_threshold(&self, threshold: f32) -> MiningScores {
        let (mut predicted, mut correct) = (0, 0);
        for &(score, is_gold) in &self.labelled {
            if score >= threshold {
                predicted += 1;
                correct += u64::from(is_gold);
            }
        }
        self.point(threshold, predicted, correct)
    }

    /// The precision–recall curve: one point per distinct score, highest threshold first.
    pub fn pr_curve(&self) -> Vec<MiningScores> {
        let mut sorted: Vec<(f32, bool)> = self
            .labelled
            .iter()
            .copied()
            .filter(|(s, _)| !s.is_nan())
            .collect();
        sorted.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(Ordering::Equal));
        let mut curve = Vec::new();
        let (mut predicted, mut correct) = (0, 0);
        for (i, &(score, is_gold)) in sorted.iter().enumerate() {
            predicted += 1;
            correct += u64::from(is_gold);
            let group_ends = sorted.get(i + 1).is_none_or(|next| next.0 != score);
            if group_ends {
                curve.push(self.point(score, predicted, correct));
            }
        }
        curve
    }

    /// The threshold with the highest F1 (the highest such threshold on ties), or the
    /// "predict nothing" point (threshold +∞, F1 0) when no threshold gives F1 above 0.
    pub fn best_f1(&self) -> MiningScores {
        let mut best = self.point(f32::INFINITY, 0, 0);
        for point in self.pr_curve() {
            if point.scores.f1 > best.scores.f1 {
                best = point;
            }
        }
        best
    }

    /// Average precision: Σₖ (Rₖ − Rₖ₋₁)·Pₖ over the precision–recall curve (0 without gold).
    pub fn average_precision(&self) -> f64 {
        let mut previous_recall = 0.0;
        let mut area = 0.0;
        for point in self.pr_curve() {
            area += (point.scores.recall - previous_recall) * point.scores.precision;
            previous_recall = point.scores.recall;
        }
        area
    }

    fn point(&self, threshold: f32, predicted: u64, correct: u64) -> MiningScores {
        MiningScores {
            threshold,
            predicted,
            correct,
            gold: self.gold,
            scores: PrF1::from_counts(correct, predicted, self.gold),
        }
    }
}

/// Splits each candidate into its sentence links (`[1, 2]:[5]` → `[1]:[5]`, `[2]:[5]`), each with
/// the candidate's score, for link-level mining scores.
pub fn link_candidates(predicted: &[ScoredPair]) -> Vec<ScoredPair> {
    predicted
        .iter()
        .flat_map(|p| {
            p.bead
                .links()
                .map(|(s, t)| ScoredPair::new([s], [t], p.score))
        })
        .collect()
}

/// Splits each gold bead into its sentence links, the counterpart of [`link_candidates`].
pub fn link_gold(gold: &[Bead]) -> Vec<Bead> {
    gold.iter()
        .flat_map(|b| b.links().map(|(s, t)| Bead::one_to_one(s, t)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    /// Gold: 0–0, 1–1, 2–2, 3–3. Candidates by score: 0–0 (0.9, ✓), 1–2 (0.8, ✗),
    /// 1–1 (0.7, ✓), 2–2 (0.4, ✓); 3–3 never proposed.
    fn example() -> MiningCandidates {
        let gold: Vec<Bead> = (0..4).map(|i| Bead::one_to_one(i, i)).collect();
        let predicted = vec![
            ScoredPair::new([1], [2], 0.8),
            ScoredPair::new([0], [0], 0.9),
            ScoredPair::new([2], [2], 0.4),
            ScoredPair::new([1], [1], 0.7),
        ];
        MiningCandidates::from_document(&predicted, &gold)
    }

    #[test]
    fn at_threshold() {
        let m = example().at_threshold(0.5);
        assert_eq!((m.predicted, m.correct, m.gold), (3, 2, 4));
        assert!(close(m.scores.precision, 2.0 / 3.0));
        assert!(close(m.scores.recall, 0.5));
        assert!(close(
            m.scores.f1,
            2.0 * (2.0 / 3.0) * 0.5 / (2.0 / 3.0 + 0.5)
        ));
        // The threshold is inclusive.
        assert_eq!(example().at_threshold(0.7).predicted, 3);
        assert_eq!(example().at_threshold(0.71).predicted, 2);
    }

    #[test]
    fn curve_best_f1_and_average_precision() {
        let c = example();
        let curve: Vec<_> = c
            .pr_curve()
            .iter()
            .map(|p| (p.threshold, p.predicted, p.correct))
            .collect();
        assert_eq!(
            curve,
            vec![(0.9, 1, 1), (0.8, 2, 1), (0.7, 3, 2), (0.4, 4, 3)]
        );
        // F1 per point: 0.4, 1/3, 4/7, 0.75.
        let best = c.best_f1();
        assert_eq!(best.threshold, 0.4);
        assert!(close(best.scores.f1, 0.75));
        // AP = 0.25·1 + 0·0.5 + 0.25·(2/3) + 0.25·0.75.
        assert!(close(
            c.average_precision(),
            0.25 + 0.25 * 2.0 / 3.0 + 0.25 * 0.75
        ));
    }

    #[test]
    fn ties_enter_together() {
        let c = MiningCandidates::from_labelled([(0.5, false), (0.5, true), (0.2, true)], 2);
        let curve = c.pr_curve();
        assert_eq!(curve.len(), 2);
        assert_eq!((curve[0].predicted, curve[0].correct), (2, 1));
        // AP = 0.5·0.5 + 0.5·(2/3).
        assert!(close(c.average_precision(), 0.25 + 1.0 / 3.0));
    }

    #[test]
    fn perfect_ranking_has_ap_one() {
        let c = MiningCandidates::from_labelled([(0.9, true), (0.8, true), (0.1, false)], 2);
        assert!(close(c.average_precision(), 1.0));
        assert_eq!(c.best_f1().threshold, 0.8);
        assert!(close(c.best_f1().scores.f1, 1.0));
    }

    #[test]
    fn empty_prediction() {
        let gold = vec![Bead::one_to_one(0, 0)];
        let c = MiningCandidates::from_document(&[], &gold);
        let m = c.at_threshold(0.5);
        assert_eq!((m.predicted, m.gold), (0, 1));
        assert_eq!(m.scores, PrF1::default());
        assert_eq!(c.best_f1().threshold, f32::INFINITY);
        assert_eq!(c.average_precision(), 0.0);
    }

    #[test]
    fn empty_gold() {
        let predicted = vec![ScoredPair::new([0], [0], 0.9)];
        let c = MiningCandidates::from_document(&predicted, &[]);
        assert_eq!(c.at_threshold(0.5).scores, PrF1::default());
        assert_eq!(c.best_f1().scores.f1, 0.0);
        assert_eq!(c.best_f1().threshold, f32::INFINITY);
        assert_eq!(c.average_precision(), 0.0);
    }

    #[test]
    fn repeats_keep_the_highest_score_and_deletions_are_ignored() {
        let gold = vec![Bead::one_to_one(0, 0), Bead::new(vec![1], vec![])];
        let predicted = vec![
            ScoredPair::new([0], [0], 0.3),
            ScoredPair::new([0], [0], 0.6),
            ScoredPair::new([1], [], 0.9),
            ScoredPair::new([2], [2], f32::NAN),
        ];
        let c = MiningCandidates::from_document(&predicted, &gold);
        assert_eq!((c.len(), c.gold()), (2, 1));
        let m = c.at_threshold(0.5);
        assert_eq!((m.predicted, m.correct), (1, 1));
        assert_eq!(c.pr_curve().len(), 1);
    }

    #[test]
    fn many_to_many_exact_or_by_links() {
        let gold = vec![Bead::new(vec![1, 2], vec![1]), Bead::one_to_one(3, 2)];
        let predicted = vec![
            ScoredPair::new([1], [1], 0.9),
            ScoredPair::new([3, 4], [2], 0.8),
        ];
        let exact = MiningCandidates::from_document(&predicted, &gold).at_threshold(0.5);
        assert_eq!((exact.predicted, exact.correct, exact.gold), (2, 0, 2));
        let links =
            MiningCandidates::from_document(&link_candidates(&predicted), &link_gold(&gold))
                .at_threshold(0.5);
        // Links: predicted 1–1 ✓, 3–2 ✓, 4–2 ✗; gold 1–1, 2–1, 3–2.
        assert_eq!((links.predicted, links.correct, links.gold), (3, 2, 3));
    }

    #[test]
    fn documents_pool_without_mixing_ids() {
        let mut c = MiningCandidates::new();
        c.add_document(&[ScoredPair::new([0], [0], 0.9)], &[Bead::one_to_one(0, 0)]);
        c.add_document(&[ScoredPair::new([0], [0], 0.9)], &[Bead::one_to_one(0, 1)]);
        let m = c.at_threshold(0.5);
        assert_eq!((m.predicted, m.correct, m.gold), (2, 1, 2));
    }
}
