//! Test cases with exact gold made from sentence-parallel documents.
//!
//! Real parallel data is mostly 1-1, so an aligner that only ever proposes 1-1 beads looks
//! perfect on it. Following the Vecalign and Bertalign evaluations, [`merge_and_drop`] joins
//! random runs of consecutive sentences on one side (giving 1-2, 2-1, 1-3, 3-1 beads) and drops a
//! few sentences (1-0, 0-1), keeping the exact gold. [`drop_and_shuffle`] turns a parallel
//! document into a comparable one: each side loses sentences independently and the rest are
//! shuffled, so only the surviving pairs remain as gold.

use crate::bead::{Bead, SentId};
use rand::seq::SliceRandom;
use rand::Rng;
use std::ops::Range;

/// How [`merge_and_drop`] rewrites a parallel document.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MergeDrop {
    /// Chance that a merge starts at a given verse.
    pub merge_rate: f64,
    /// Longest run of verses joined into one sentence (at least 2).
    pub longest_merge: usize,
    /// Chance that a verse loses its counterpart on one side.
    pub drop_rate: f64,
}

impl Default for MergeDrop {
    /// Merges of 2–3 verses at about one verse in eight, 3 % drops.
    fn default() -> Self {
        Self {
            merge_rate: 0.125,
            longest_merge: 3,
            drop_rate: 0.03,
        }
    }
}

/// A rewritten parallel document: each new sentence is a run of original units, per side.
#[derive(Debug, Clone, PartialEq)]
pub struct ParallelCase {
    /// Source sentences as runs of original units (join their texts in order).
    pub source: Vec<Range<usize>>,
    /// Target sentences as runs of original units.
    pub target: Vec<Range<usize>>,
    /// Gold beads over the new sentence ids.
    pub gold: Vec<Bead>,
}

/// Rewrites `n` sentence-parallel units with random merges and drops (see the module docs).
///
/// A merge joins 2..=`longest_merge` consecutive units on one side (chosen at random) and keeps
/// them apart on the other, giving one 1-k or k-1 gold bead; a drop removes one unit from one side,
/// giving a 0-1 or 1-0 gold bead. Every unit is in exactly one gold bead.
pub fn merge_and_drop(n: usize, config: &MergeDrop, rng: &mut impl Rng) -> ParallelCase {
    let mut case = ParallelCase {
        source: Vec::new(),
        target: Vec::new(),
        gold: Vec::new(),
    };
    let ids = |from: usize, to: usize| (from as SentId..to as SentId).collect::<Vec<_>>();
    let mut unit = 0;
    while unit < n {
        let (s, t) = (case.source.len(), case.target.len());
        let longest = config.longest_merge.min(n - unit);
        if longest >= 2 && rng.random_bool(config.merge_rate) {
            let len = rng.random_range(2..=longest);
            let split: Vec<Range<usize>> = (unit..unit + len).map(|u| u..u + 1).collect();
            if rng.random_bool(0.5) {
                case.source.push(unit..unit + len);
                case.target.extend(split);
                case.gold.push(Bead::new(ids(s, s + 1), ids(t, t + len)));
            } else {
                case.source.extend(split);
                case.target.push(unit..unit + len);
                case.gold.push(Bead::new(ids(s, s + len), ids(t, t + 1)));
            }
            unit += len;
            continue;
        }
        if rng.random_bool(config.drop_rate) {
            if rng.random_bool(0.5) {
                case.source.push(unit..unit + 1);
                case.gold.push(Bead::new(ids(s, s + 1), []));
            } else {
                case.target.push(unit..unit + 1);
                case.gold.push(Bead::new([], ids(t, t + 1)));
            }
        } else {
            case.source.push(unit..unit + 1);
            case.target.push(unit..unit + 1);
            case.gold.push(Bead::one_to_one(s as SentId, t as SentId));
        }
        unit += 1;
    }
    case
}

/// A comparable document made from a parallel one: which original units each side keeps, in
/// their new (shuffled) order, and the 1-1 gold pairs between new positions.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparableCase {
    /// Original unit of each source sentence.
    pub source: Vec<usize>,
    /// Original unit of each target sentence.
    pub target: Vec<usize>,
    /// Gold pairs: units that survived on both sides.
    pub gold: Vec<Bead>,
}

/// Drops each of `n` units from each side independently with chance `drop_rate`, shuffles what
/// remains within each side, and keeps the surviving pairs as gold.
pub fn drop_and_shuffle(n: usize, drop_rate: f64, rng: &mut impl Rng) -> ComparableCase {
    drop_and_shuffle_sides(n, (drop_rate, drop_rate), rng)
}

/// [`drop_and_shuffle`] with a drop rate of its own for each side (source, target).
pub fn drop_and_shuffle_sides(n: usize, rates: (f64, f64), rng: &mut impl Rng) -> ComparableCase {
    let (mut source, mut target) = kept_units(n, rates, rng);
    source.shuffle(rng);
    target.shuffle(rng);
    with_gold(n, source, target)
}

/// Two reports that share passages: runs of consecutive units (of 3 on average) kept on both
/// sides, about `share` of all units, and between them runs that only one side keeps (each unit
/// on one side or the other); both sides stay in order, as writers who take over a passage keep
/// its sentences together.
pub fn shared_passages(n: usize, share: f64, rng: &mut impl Rng) -> ComparableCase {
    const MEAN_PASSAGE: f64 = 3.0;
    let share = share.clamp(0.01, 0.99);
    // Leaving a shared run with 1/3 a unit gives runs of 3; entering one at the rate that makes
    // `share` of the units shared in the long run.
    let leave = 1.0 / MEAN_PASSAGE;
    let enter = (leave * share / (1.0 - share)).min(1.0);
    let mut shared = rng.random_bool(share);
    let (mut source, mut target) = (Vec::new(), Vec::new());
    for unit in 0..n {
        if shared {
            source.push(unit);
            target.push(unit);
        } else if rng.random_bool(0.5) {
            source.push(unit);
        } else {
            target.push(unit);
        }
        shared = if shared {
            !rng.random_bool(leave)
        } else {
            rng.random_bool(enter)
        };
    }
    with_gold(n, source, target)
}

/// The units each side keeps when each is dropped with its side's rate.
fn kept_units(
    n: usize,
    (source_rate, target_rate): (f64, f64),
    rng: &mut impl Rng,
) -> (Vec<usize>, Vec<usize>) {
    let source = (0..n).filter(|_| !rng.random_bool(source_rate)).collect();
    let target = (0..n).filter(|_| !rng.random_bool(target_rate)).collect();
    (source, target)
}

/// The case of these kept units, with the pairs that survived on both sides as gold.
fn with_gold(n: usize, source: Vec<usize>, target: Vec<usize>) -> ComparableCase {
    let mut position = vec![None; n];
    for (j, &unit) in target.iter().enumerate() {
        position[unit] = Some(j);
    }
    let mut gold: Vec<Bead> = source
        .iter()
        .enumerate()
        .filter_map(|(i, &unit)| position[unit].map(|j| Bead::one_to_one(i as SentId, j as SentId)))
        .collect();
    gold.sort();
    ComparableCase {
        source,
        target,
        gold,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn covered(side: &[Range<usize>]) -> Vec<usize> {
        side.iter().flat_map(|r| r.clone()).collect()
    }

    #[test]
    fn shared_passages_keep_order_and_come_in_runs() {
        let mut rng = StdRng::seed_from_u64(3);
        let case = shared_passages(4000, 0.4, &mut rng);
        assert!(case.source.windows(2).all(|w| w[0] < w[1]));
        assert!(case.target.windows(2).all(|w| w[0] < w[1]));
        let shared = case.gold.len() as f64 / 4000.0;
        assert!((shared - 0.4).abs() < 0.05, "{shared}");
        // Every unit is on at least one side.
        let mut all: Vec<usize> = case.source.iter().chain(&case.target).copied().collect();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 4000);
        // Shared units follow each other far more often than independent drops would make them.
        let units: std::collections::HashSet<usize> = case
            .gold
            .iter()
            .map(|b| case.source[b.src()[0] as usize])
            .collect();
        let adjacent = units.iter().filter(|u| units.contains(&(**u + 1))).count() as f64;
        assert!(adjacent / units.len() as f64 > 0.6, "{adjacent}");
    }

    #[test]
    fn every_unit_is_in_one_gold_bead_and_sides_stay_in_order() {
        let mut rng = StdRng::seed_from_u64(7);
        let config = MergeDrop {
            merge_rate: 0.3,
            longest_merge: 3,
            drop_rate: 0.1,
        };
        for n in [0, 1, 2, 5, 40] {
            let case = merge_and_drop(n, &config, &mut rng);
            // Each side lists units in order, without repeats, and loses only dropped units.
            let (s, t) = (covered(&case.source), covered(&case.target));
            assert!(s.windows(2).all(|w| w[0] < w[1]));
            assert!(t.windows(2).all(|w| w[0] < w[1]));
            let deletions = case.gold.iter().filter(|b| b.is_deletion()).count();
            assert_eq!(s.len() + t.len() + deletions, 2 * n);
            // Gold beads cover every new sentence exactly once.
            let gold_src: Vec<SentId> = case.gold.iter().flat_map(|b| b.src().to_vec()).collect();
            let gold_tgt: Vec<SentId> = case.gold.iter().flat_map(|b| b.tgt().to_vec()).collect();
            assert_eq!(
                gold_src,
                (0..case.source.len() as SentId).collect::<Vec<_>>()
            );
            assert_eq!(
                gold_tgt,
                (0..case.target.len() as SentId).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn a_merge_pairs_one_joined_sentence_with_its_parts() {
        // merge_rate 1 and longest 2: units 0-1 merged on one side, 2-3 likewise.
        let config = MergeDrop {
            merge_rate: 1.0,
            longest_merge: 2,
            drop_rate: 0.0,
        };
        let case = merge_and_drop(4, &config, &mut StdRng::seed_from_u64(1));
        assert_eq!(case.gold.len(), 2);
        for bead in &case.gold {
            let shape = (bead.src().len(), bead.tgt().len());
            assert!(shape == (1, 2) || shape == (2, 1), "{shape:?}");
        }
    }

    #[test]
    fn shuffled_gold_points_at_the_same_unit() {
        let mut rng = StdRng::seed_from_u64(3);
        let case = drop_and_shuffle(200, 0.3, &mut rng);
        for bead in &case.gold {
            let (i, j) = (bead.src()[0] as usize, bead.tgt()[0] as usize);
            assert_eq!(case.source[i], case.target[j]);
        }
        let both = (0..200)
            .filter(|u| case.source.contains(u) && case.target.contains(u))
            .count();
        assert_eq!(case.gold.len(), both);
        // About 70 % survive on each side, about half of the pairs on both.
        assert!(
            (120..=160).contains(&case.source.len()),
            "{}",
            case.source.len()
        );
        assert!((75..=120).contains(&both), "{both}");
        assert_ne!(case.source, {
            let mut sorted = case.source.clone();
            sorted.sort();
            sorted
        });
    }
}
