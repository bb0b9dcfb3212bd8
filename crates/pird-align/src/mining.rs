//! Mining comparable documents: which sentences of two independently written texts match.
//!
//! Unlike translations, comparable documents (two reports of the same event) share only some
//! sentences, in any order. Pairs are found non-monotonically by ratio margin over centred
//! vectors in both directions, optionally kept only when each side is the other's best, and
//! extended to 2-1 or 1-2 beads when two adjacent sentences of one side together match one
//! sentence of the other better than either alone. A pair's diagonal neighbours (the sentences
//! right after, or right before, on both sides) join it when they are each other's candidates
//! too: reports that share a passage keep its order, though not every sentence of it is a
//! mutual best (a Sorani sentence may add a clause its Arabic partner leaves out).

use crate::overlap::Overlaps;
use crate::pair_score::{CentredSide, PairScorer};
use std::ops::Range;

/// Settings of the comparable-document miner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MiningConfig {
    /// Neighbourhood size of the margin.
    pub k: usize,
    /// Keep a pair only when each sentence is the other's best match.
    pub mutual_best: bool,
    /// How much the centred cosine must rise for an adjacent sentence to be merged into a pair.
    pub merge_gain: f32,
    /// Lowest margin of a diagonal neighbour that joins a mined pair (one of its sentences must
    /// also be the other's best candidate); `None` leaves neighbours alone.
    pub diagonal_margin: Option<f32>,
}

impl Default for MiningConfig {
    fn default() -> Self {
        Self {
            k: crate::margin::DEFAULT_K,
            mutual_best: true,
            merge_gain: 0.02,
            diagonal_margin: Some(1.0),
        }
    }
}

/// A mined pair: source and target sentence runs with their scores.
#[derive(Debug, Clone, PartialEq)]
pub struct MinedPair {
    /// Source sentence indices.
    pub source: Range<usize>,
    /// Target sentence indices.
    pub target: Range<usize>,
    /// Cosine of the raw (uncentred) vectors of the two runs.
    pub cosine: f32,
    /// Ratio margin of the centred vectors.
    pub margin: f32,
}

/// Mines sentence pairs from two comparable documents, best first.
///
/// `source` and `target` hold each side's sentence vectors and, when their longest run is at
/// least 2, the vectors of adjacent pairs used for merging.
pub fn mine_comparable(
    source: &Overlaps,
    target: &Overlaps,
    config: &MiningConfig,
) -> Vec<MinedPair> {
    if source.is_empty() || target.is_empty() {
        return Vec::new();
    }
    mine_with_scorer(
        &PairScorer::new(source, target, config.k),
        source,
        target,
        config,
    )
}

/// Mines with a prepared scorer (e.g. one built with a background).
pub fn mine_with_scorer(
    scorer: &PairScorer<'_>,
    source: &Overlaps,
    target: &Overlaps,
    config: &MiningConfig,
) -> Vec<MinedPair> {
    let (n, m) = (source.len(), target.len());
    if n == 0 || m == 0 {
        return Vec::new();
    }
    let (src, tgt) = (
        &scorer.centred_source.sentences,
        &scorer.centred_target.sentences,
    );
    let centred_cosine = |i: usize, j: usize| src.row(i).dot(&tgt.row(j));
    let (best_target, best_source) = scorer.best_partners();
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for (i, &j) in best_target.iter().enumerate() {
        if !config.mutual_best || best_source[j] == i {
            pairs.push((i, j));
        }
    }
    if !config.mutual_best {
        for (j, &i) in best_source.iter().enumerate() {
            if best_target[i] != j {
                pairs.push((i, j));
            }
        }
    }

    let mut used_source = vec![false; n];
    let mut used_target = vec![false; m];
    // Each pair's margin once (with anchors it costs set intersections), best first.
    let mut pairs: Vec<(f32, usize, usize)> = pairs
        .into_iter()
        .map(|(i, j)| (scorer.sentence_margin(i, j, centred_cosine(i, j)), i, j))
        .collect();
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut mined = Vec::new();
    let joins = |i: usize, j: usize, used_source: &[bool], used_target: &[bool]| {
        config.diagonal_margin.is_some_and(|lowest| {
            !used_source[i]
                && !used_target[j]
                && (best_target[i] == j || best_source[j] == i)
                && scorer.sentence_margin(i, j, centred_cosine(i, j)) >= lowest
        })
    };
    for (_, i, j) in pairs {
        if used_source[i] || used_target[j] {
            continue;
        }
        let (source_run, target_run) = merge_neighbours(
            (i, j),
            (source, target),
            (&scorer.centred_source, &scorer.centred_target),
            (&used_source, &used_target),
            centred_cosine(i, j) + config.merge_gain,
        );
        source_run.clone().for_each(|s| used_source[s] = true);
        target_run.clone().for_each(|t| used_target[t] = true);
        let (after, before) = (
            (source_run.end, target_run.end),
            (source_run.start, target_run.start),
        );
        let mut found = vec![(source_run, target_run)];
        // Walk the diagonal both ways from the pair while neighbours join.
        let (mut s, mut t) = after;
        while s < n && t < m && joins(s, t, &used_source, &used_target) {
            (used_source[s], used_target[t]) = (true, true);
            found.push((s..s + 1, t..t + 1));
            (s, t) = (s + 1, t + 1);
        }
        let (mut s, mut t) = before;
        while s > 0 && t > 0 && joins(s - 1, t - 1, &used_source, &used_target) {
            (used_source[s - 1], used_target[t - 1]) = (true, true);
            found.push((s - 1..s, t - 1..t));
            (s, t) = (s - 1, t - 1);
        }
        for (source_run, target_run) in found {
            let (cosine, margin) = scorer.score(&source_run, &target_run);
            mined.push(MinedPair {
                source: source_run,
                target: target_run,
                cosine,
                margin,
            });
        }
    }
    mined.sort_by(|a, b| b.margin.total_cmp(&a.margin));
    mined
}

/// Each pair's diagonal neighbour among `pairs`: another pair that starts right after it on
/// both sides, or ends right before it (of two, the one with the higher margin).
pub fn aligned_neighbours(pairs: &[MinedPair]) -> Vec<Option<usize>> {
    let starts: std::collections::HashMap<(usize, usize), usize> = pairs
        .iter()
        .enumerate()
        .map(|(k, p)| ((p.source.start, p.target.start), k))
        .collect();
    let ends: std::collections::HashMap<(usize, usize), usize> = pairs
        .iter()
        .enumerate()
        .map(|(k, p)| ((p.source.end, p.target.end), k))
        .collect();
    pairs
        .iter()
        .map(|p| {
            let after = starts.get(&(p.source.end, p.target.end));
            let before = ends.get(&(p.source.start, p.target.start));
            after
                .into_iter()
                .chain(before)
                .copied()
                .max_by(|&a, &b| pairs[a].margin.total_cmp(&pairs[b].margin))
        })
        .collect()
}

/// Extends the pair (i, j) by an adjacent free sentence on one side when the joined run's centred
/// cosine with the other side reaches `needed`; returns the best runs found.
fn merge_neighbours(
    (i, j): (usize, usize),
    (source, target): (&Overlaps, &Overlaps),
    (src, tgt): (&CentredSide, &CentredSide),
    (used_source, used_target): (&[bool], &[bool]),
    needed: f32,
) -> (Range<usize>, Range<usize>) {
    let mut best = (i..i + 1, j..j + 1);
    let mut best_cosine = needed;
    if source.max_len() >= 2 {
        for start in [i.wrapping_sub(1), i] {
            if start == usize::MAX
                || start + 2 > source.len()
                || used_source[if start == i { i + 1 } else { start }]
            {
                continue;
            }
            let cosine = src.centre(source.get(start, 2)).dot(&tgt.sentences.row(j));
            if cosine > best_cosine {
                best = (start..start + 2, j..j + 1);
                best_cosine = cosine;
            }
        }
    }
    if target.max_len() >= 2 {
        for start in [j.wrapping_sub(1), j] {
            if start == usize::MAX
                || start + 2 > target.len()
                || used_target[if start == j { j + 1 } else { start }]
            {
                continue;
            }
            let cosine = src.sentences.row(i).dot(&tgt.centre(target.get(start, 2)));
            if cosine > best_cosine {
                best = (i..i + 1, start..start + 2);
                best_cosine = cosine;
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::similarity::normalize_rows;
    use ndarray::Array2;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    fn random(n: usize, dim: usize, seed: u64) -> Array2<f32> {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut v = Array2::from_shape_fn((n, dim), |_| rng.random_range(-1.0..1.0));
        normalize_rows(&mut v);
        v
    }

    /// Adds a shared "language" direction to every row, as the model does.
    fn with_language(mut v: Array2<f32>, seed: u64) -> Array2<f32> {
        let direction = random(1, v.ncols(), seed);
        for mut row in v.outer_iter_mut() {
            row += &(&direction.row(0) * 2.0);
        }
        normalize_rows(&mut v);
        v
    }

    #[test]
    fn finds_the_shared_sentences_in_any_order_and_nothing_else() {
        let dim = 64;
        let shared = random(6, dim, 1);
        let noise = random(6, dim, 2);
        // Source: 6 shared sentences and 6 of its own; target: the shared ones shuffled, noisy, and 5 of its own.
        let mut source = Array2::zeros((12, dim));
        let mut target = Array2::zeros((11, dim));
        let own_source = random(6, dim, 3);
        let own_target = random(5, dim, 4);
        let target_slot = [7, 0, 9, 3, 5, 1];
        for (s, &slot) in target_slot.iter().enumerate() {
            source.row_mut(2 * s).assign(&shared.row(s));
            source.row_mut(2 * s + 1).assign(&own_source.row(s));
            target
                .row_mut(slot)
                .assign(&(&shared.row(s) + &(&noise.row(s) * 0.3)));
        }
        let mut free = (0..11).filter(|t| !target_slot.contains(t));
        for o in 0..5 {
            target
                .row_mut(free.next().unwrap())
                .assign(&own_target.row(o));
        }
        let (source, target) = (with_language(source, 10), with_language(target, 11));
        let mined = mine_comparable(
            &Overlaps::by_summing(source.view(), 1),
            &Overlaps::by_summing(target.view(), 1),
            &MiningConfig::default(),
        );
        let top: Vec<(usize, usize)> = mined
            .iter()
            .take(6)
            .map(|p| (p.source.start, p.target.start))
            .collect();
        for (s, &slot) in target_slot.iter().enumerate() {
            assert!(
                top.contains(&(2 * s, slot)),
                "pair {s} missing from {top:?}"
            );
        }
        // Everything after the shared pairs scores clearly lower.
        assert!(
            mined[5].margin > mined.get(6).map_or(0.0, |p| p.margin) + 0.1,
            "{mined:?}"
        );
    }

    #[test]
    fn a_mined_pair_s_diagonal_neighbour_joins_it_and_is_flagged() {
        let dim = 64;
        let shared = random(3, dim, 21);
        let own = random(8, dim, 22);
        // Source 0, 1 translate target 3, 4; source 2 shares half its meaning with target 5,
        // and target 0 matches it better though far less than the translations match.
        let mut source = Array2::zeros((4, dim));
        let mut target = Array2::zeros((6, dim));
        source.row_mut(0).assign(&shared.row(0));
        source.row_mut(1).assign(&shared.row(1));
        source.row_mut(3).assign(&own.row(0));
        target
            .row_mut(3)
            .assign(&(&shared.row(0) + &(&own.row(1) * 0.2)));
        target
            .row_mut(4)
            .assign(&(&shared.row(1) + &(&own.row(2) * 0.2)));
        source.row_mut(2).assign(&(&shared.row(2) + &own.row(3)));
        target.row_mut(5).assign(&(&shared.row(2) + &own.row(4)));
        target
            .row_mut(0)
            .assign(&(&shared.row(2) + &(&own.row(3) * 0.5) + own.row(7)));
        target.row_mut(1).assign(&own.row(5));
        target.row_mut(2).assign(&own.row(6));
        normalize_rows(&mut source);
        normalize_rows(&mut target);
        let mine = |config: &MiningConfig| {
            mine_comparable(
                &Overlaps::by_summing(source.view(), 1),
                &Overlaps::by_summing(target.view(), 1),
                config,
            )
        };
        let pairs = |mined: &[MinedPair]| -> Vec<(usize, usize)> {
            let mut p: Vec<_> = mined
                .iter()
                .map(|p| (p.source.start, p.target.start))
                .collect();
            p.sort_unstable();
            p
        };
        let alone = mine(&MiningConfig {
            diagonal_margin: None,
            ..MiningConfig::default()
        });
        assert!(pairs(&alone).contains(&(0, 3)) && pairs(&alone).contains(&(1, 4)));
        let low = MiningConfig {
            diagonal_margin: Some(0.5),
            ..MiningConfig::default()
        };
        let mined = mine(&low);
        assert!(pairs(&mined).contains(&(2, 5)), "{:?}", pairs(&mined));
        let neighbours = aligned_neighbours(&mined);
        let at = |k: usize| (mined[k].source.start, mined[k].target.start);
        for (k, neighbour) in neighbours.iter().enumerate() {
            let expected = match at(k) {
                (0, 3) | (2, 5) => Some((1, 4)),
                // (1, 4) has both: the one with the higher margin.
                (1, 4) => Some(
                    if mined.iter().find(|p| p.source.start == 0).unwrap().margin
                        > mined.iter().find(|p| p.source.start == 2).unwrap().margin
                    {
                        (0, 3)
                    } else {
                        (2, 5)
                    },
                ),
                _ => None,
            };
            assert_eq!(neighbour.map(at), expected, "{:?}", mined[k]);
        }
    }

    #[test]
    fn two_sentences_matching_one_become_a_2_1_bead() {
        let dim = 64;
        let parts = random(2, dim, 5);
        let others = random(8, dim, 6);
        // Source: others[0..4], then the two parts; target: their sum, then others[4..8].
        let mut source = Array2::zeros((6, dim));
        let mut target = Array2::zeros((5, dim));
        for r in 0..4 {
            source.row_mut(r).assign(&others.row(r));
            target.row_mut(r + 1).assign(&others.row(r + 4));
        }
        source.row_mut(4).assign(&parts.row(0));
        source.row_mut(5).assign(&parts.row(1));
        target.row_mut(0).assign(&(&parts.row(0) + &parts.row(1)));
        normalize_rows(&mut target);
        let mined = mine_comparable(
            &Overlaps::by_summing(source.view(), 2),
            &Overlaps::by_summing(target.view(), 2),
            &MiningConfig::default(),
        );
        assert_eq!(
            (mined[0].source.clone(), mined[0].target.clone()),
            (4..6, 0..1),
            "{mined:?}"
        );
    }
}
