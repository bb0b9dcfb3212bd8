//! Strict and lax bead precision, recall and F1, exactly as Vecalign's `score.py` defines them.
//!
//! The definitions (Thompson & Koehn 2019, after Sennrich & Volk 2011's lax/strict scheme), for
//! one document pair with predicted beads and gold beads:
//!
//! - Beads empty on both sides are dropped, and each bead counts once however often it is listed
//!   (`score.py` turns both lists into sets).
//! - For a set of reference beads R, let `L_R(s)` be the target ids of every bead of R whose source
//!   side contains `s`. A candidate bead `c` **overlaps** R when some `s ∈ src(c)` and
//!   `t ∈ tgt(c)` have `t ∈ L_R(s)`, i.e. `c` shares at least one source–target link with R.
//!   A bead with an empty side links nothing, so it never overlaps.
//! - **Precision** takes the candidates = the predicted beads (1-0 and 0-1 beads *included*) and
//!   R = the gold beads (deletions included, though they add no links). A candidate is
//!   strictly correct if the identical bead is in R, laxly correct if it is in R or overlaps R.
//!   So a predicted deletion is correct (strictly and laxly) only when gold has the same deletion,
//!   and a wrong predicted deletion costs strict and lax precision alike.
//! - **Recall** swaps the roles and first removes every bead with an empty side from *both*
//!   lists: the candidates are the gold beads with two non-empty sides and R the predicted beads
//!   with two non-empty sides. Gold deletions therefore never affect recall, and predicted
//!   deletions never help it.
//! - Precision = correct / candidates and recall likewise, each 0 when there are no candidates;
//!   F1 = 2PR/(P+R), 0 when P+R = 0 (`score.py`'s `value_for_div_by_0=0.0`).
//! - Over many documents (`score_multiple`), the counts are summed first and the ratios taken
//!   once: a micro-average. [`BeadTally`] keeps those counts.
//!
//! Since a strict hit is also a lax hit and both share a denominator, lax P, R and F1 are never
//! below their strict counterparts.

use std::collections::{HashMap, HashSet};
use std::ops::AddAssign;

use crate::bead::{Bead, SentId};
use crate::prf::{ratio, PrF1};

/// Counts for one direction (precision or recall) of the bead metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BeadCounts {
    /// Distinct beads judged (the denominator).
    pub total: u64,
    /// Beads with an identical bead on the other side.
    pub strict_correct: u64,
    /// Beads identical to, or sharing a source–target link with, a bead on the other side.
    pub lax_correct: u64,
}

impl AddAssign for BeadCounts {
    fn add_assign(&mut self, other: Self) {
        self.total += other.total;
        self.strict_correct += other.strict_correct;
        self.lax_correct += other.lax_correct;
    }
}

/// Precision and recall counts, summed over any number of documents (micro-average).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BeadTally {
    /// Predicted beads (deletions included) judged against the gold.
    pub precision: BeadCounts,
    /// Gold beads with two non-empty sides judged against the predicted ones likewise.
    pub recall: BeadCounts,
}

impl BeadTally {
    /// An empty tally.
    pub fn new() -> Self {
        Self::default()
    }

    /// The counts of one document pair.
    pub fn from_document(predicted: &[Bead], gold: &[Bead]) -> Self {
        let predicted_set = distinct(predicted, |b| !b.is_empty());
        let gold_set = distinct(gold, |b| !b.is_empty());
        let precision = judge(&predicted_set, &gold_set);
        let predicted_links = distinct(predicted, Bead::is_link);
        let gold_links = distinct(gold, Bead::is_link);
        let recall = judge(&gold_links, &predicted_links);
        Self { precision, recall }
    }

    /// Adds the counts of one more document pair.
    pub fn add_document(&mut self, predicted: &[Bead], gold: &[Bead]) {
        *self += Self::from_document(predicted, gold);
    }

    /// Strict and lax precision, recall and F1 from the counts so far.
    pub fn scores(&self) -> BeadScores {
        let p = &self.precision;
        let r = &self.recall;
        BeadScores {
            strict: PrF1::new(
                ratio(p.strict_correct, p.total),
                ratio(r.strict_correct, r.total),
            ),
            lax: PrF1::new(ratio(p.lax_correct, p.total), ratio(r.lax_correct, r.total)),
            predicted_beads: p.total,
            gold_beads: r.total,
        }
    }
}

impl AddAssign for BeadTally {
    fn add_assign(&mut self, other: Self) {
        self.precision += other.precision;
        self.recall += other.recall;
    }
}

/// Strict and lax bead scores, as `score.py` prints them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BeadScores {
    /// Exact bead matches.
    pub strict: PrF1,
    /// Exact matches or beads sharing a source–target link.
    pub lax: PrF1,
    /// Distinct predicted beads judged for precision (deletions included).
    pub predicted_beads: u64,
    /// Distinct gold beads judged for recall (deletions excluded).
    pub gold_beads: u64,
}

/// Strict and lax scores of one document pair (see the module documentation).
pub fn bead_scores(predicted: &[Bead], gold: &[Bead]) -> BeadScores {
    BeadTally::from_document(predicted, gold).scores()
}

/// Strict and lax scores pooled over document pairs `(predicted, gold)`: counts are summed, then
/// divided (micro-average, as `score.py`'s `score_multiple`).
pub fn pooled_bead_scores<'a, I>(documents: I) -> BeadScores
where
    I: IntoIterator<Item = (&'a [Bead], &'a [Bead])>,
{
    let mut tally = BeadTally::new();
    for (predicted, gold) in documents {
        tally.add_document(predicted, gold);
    }
    tally.scores()
}

fn distinct(beads: &[Bead], keep: impl Fn(&Bead) -> bool) -> HashSet<&Bead> {
    beads.iter().filter(|b| keep(b)).collect()
}

/// Judges each candidate against the reference beads (see the module documentation).
fn judge(candidates: &HashSet<&Bead>, reference: &HashSet<&Bead>) -> BeadCounts {
    let mut linked: HashMap<SentId, HashSet<SentId>> = HashMap::new();
    for bead in reference {
        for &s in bead.src() {
            linked
                .entry(s)
                .or_default()
                .extend(bead.tgt().iter().copied());
        }
    }
    let mut counts = BeadCounts {
        total: candidates.len() as u64,
        ..BeadCounts::default()
    };
    for candidate in candidates {
        if reference.contains(candidate) {
            counts.strict_correct += 1;
            counts.lax_correct += 1;
        } else if overlaps(candidate, &linked) {
            counts.lax_correct += 1;
        }
    }
    counts
}

fn overlaps(candidate: &Bead, linked: &HashMap<SentId, HashSet<SentId>>) -> bool {
    candidate.src().iter().any(|s| {
        linked
            .get(s)
            .is_some_and(|targets| candidate.tgt().iter().any(|t| targets.contains(t)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beads(spec: &str) -> Vec<Bead> {
        spec.split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap())
            .collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn perfect_prediction() {
        let gold = beads("[0]:[0]; [1, 2]:[1]; [3]:[]; []:[2]; [4]:[3, 4]");
        let s = bead_scores(&gold, &gold);
        assert_eq!(s.strict, PrF1::new(1.0, 1.0));
        assert_eq!(s.lax, PrF1::new(1.0, 1.0));
        assert_eq!(s.predicted_beads, 5);
        assert_eq!(s.gold_beads, 3);
    }

    #[test]
    fn many_to_many_split_is_lax_but_not_strict() {
        // Gold merges two sentences on each side; the prediction splits the bead in two.
        let gold = beads("[0]:[0]; [1, 2]:[1, 2]; [3]:[3]");
        let predicted = beads("[0]:[0]; [1]:[1]; [2]:[2]; [3]:[3]");
        let t = BeadTally::from_document(&predicted, &gold);
        // Precision: 4 predicted; [0]:[0] and [3]:[3] exact; [1]:[1] and [2]:[2] share links.
        assert_eq!(
            t.precision,
            BeadCounts {
                total: 4,
                strict_correct: 2,
                lax_correct: 4
            }
        );
        // Recall: 3 gold; [1, 2]:[1, 2] overlaps the predicted [1]:[1].
        assert_eq!(
            t.recall,
            BeadCounts {
                total: 3,
                strict_correct: 2,
                lax_correct: 3
            }
        );
        let s = t.scores();
        assert!(close(s.strict.precision, 0.5));
        assert!(close(s.strict.recall, 2.0 / 3.0));
        assert!(close(
            s.strict.f1,
            2.0 * 0.5 * (2.0 / 3.0) / (0.5 + 2.0 / 3.0)
        ));
        assert_eq!(s.lax, PrF1::new(1.0, 1.0));
    }

    #[test]
    fn overlap_needs_a_shared_link_not_just_shared_sentences() {
        // [1]:[2] shares source 1 and target 2 with gold, but not the link 1–2.
        let gold = beads("[1]:[1]; [2]:[2]");
        let predicted = beads("[1]:[2]; [2]:[1]");
        let s = bead_scores(&predicted, &gold);
        assert_eq!(s.strict, PrF1::default());
        assert_eq!(s.lax, PrF1::default());
    }

    #[test]
    fn deletions_count_for_precision_only() {
        let gold = beads("[0]:[0]; [1]:[]; []:[1]; [2]:[2]");
        // Correct 1-0, wrong 0-1 (gold has none for target 2), and a 2-1 over gold's 0-1.
        let predicted = beads("[0]:[0]; [1]:[]; []:[2]; [2]:[1, 2]");
        let t = BeadTally::from_document(&predicted, &gold);
        assert_eq!(
            t.precision,
            BeadCounts {
                total: 4,
                strict_correct: 2,
                lax_correct: 3
            }
        );
        // Recall ignores deletions on both sides: gold [0]:[0], [2]:[2] vs predicted
        // [0]:[0], [2]:[1, 2].
        assert_eq!(
            t.recall,
            BeadCounts {
                total: 2,
                strict_correct: 1,
                lax_correct: 2
            }
        );
    }

    #[test]
    fn predicted_deletion_is_never_a_lax_hit_unless_exact() {
        let gold = beads("[0]:[0]");
        let predicted = beads("[0]:[]; []:[0]");
        let t = BeadTally::from_document(&predicted, &gold);
        assert_eq!(t.precision.lax_correct, 0);
        assert_eq!(t.precision.total, 2);
        assert_eq!(t.recall.total, 1);
        assert_eq!(t.recall.lax_correct, 0);
    }

    #[test]
    fn empty_prediction() {
        let gold = beads("[0]:[0]; [1]:[1]");
        let s = bead_scores(&[], &gold);
        assert_eq!(s.strict, PrF1::default());
        assert_eq!(s.lax, PrF1::default());
        assert_eq!((s.predicted_beads, s.gold_beads), (0, 2));
    }

    #[test]
    fn empty_gold() {
        let predicted = beads("[0]:[0]; [1]:[1]");
        let s = bead_scores(&predicted, &[]);
        assert_eq!(s.strict, PrF1::default());
        assert_eq!((s.predicted_beads, s.gold_beads), (2, 0));
    }

    #[test]
    fn beads_empty_on_both_sides_and_repeats_are_ignored() {
        let gold = beads("[0]:[0]; []:[]");
        let predicted = beads("[0]:[0]; [0]:[0]; []:[]");
        let s = bead_scores(&predicted, &gold);
        assert_eq!(s.strict, PrF1::new(1.0, 1.0));
        assert_eq!((s.predicted_beads, s.gold_beads), (1, 1));
    }

    #[test]
    fn pooling_sums_counts_before_dividing() {
        let gold_a = beads("[0]:[0]");
        let pred_a = beads("[0]:[0]");
        let gold_b = beads("[0]:[0]; [1]:[1]; [2]:[2]");
        let pred_b = beads("[0]:[1]; [1]:[0]; [2]:[2]");
        let s = pooled_bead_scores([
            (pred_a.as_slice(), gold_a.as_slice()),
            (pred_b.as_slice(), gold_b.as_slice()),
        ]);
        // Micro: 2 of 4 correct both ways; a macro average would give (1 + 1/3) / 2.
        assert!(close(s.strict.precision, 0.5));
        assert!(close(s.strict.recall, 0.5));
        assert_eq!((s.predicted_beads, s.gold_beads), (4, 4));
    }
}
