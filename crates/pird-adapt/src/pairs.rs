//! Training pairs and their deduplication.
//!
//! With in-batch negatives every other pair of a batch is taken as a non-translation; a sentence
//! that occurs in two pairs (Bible refrains, "Jesus answered", stock phrases of news) would make
//! its own translation a negative. So each sentence, compared in the tokenizer's normal form, is
//! kept in one pair only.

use std::collections::HashSet;

/// A Sorani sentence and its Arabic translation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingPair {
    /// The Sorani side.
    pub ckb: String,
    /// The Arabic side.
    pub arb: String,
    /// Which corpus the pair came from (e.g. the index of its input file): with
    /// `TrainConfig::one_source_per_batch` a batch holds pairs of one source only.
    pub source: usize,
}

/// Pairs after deduplication, and how many were dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deduplicated {
    /// The pairs kept, in input order.
    pub pairs: Vec<TrainingPair>,
    /// Pairs dropped because one of their sentences already occurred, or was empty.
    pub dropped: usize,
}

/// Keeps the first pair of each sentence: a pair is dropped when its Sorani or its Arabic side,
/// as `key` maps it (e.g. the tokenizer's normal form), occurred in an earlier kept pair, or when
/// a side is blank.
pub fn deduplicate(pairs: Vec<TrainingPair>, key: impl Fn(&str) -> String) -> Deduplicated {
    let total = pairs.len();
    let (mut seen_ckb, mut seen_arb) = (HashSet::new(), HashSet::new());
    let mut kept = Vec::with_capacity(total);
    for pair in pairs {
        if pair.ckb.trim().is_empty() || pair.arb.trim().is_empty() {
            continue;
        }
        let (ckb, arb) = (key(pair.ckb.trim()), key(pair.arb.trim()));
        if seen_ckb.contains(&ckb) || seen_arb.contains(&arb) {
            continue;
        }
        seen_ckb.insert(ckb);
        seen_arb.insert(arb);
        kept.push(pair);
    }
    Deduplicated {
        dropped: total - kept.len(),
        pairs: kept,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(ckb: &str, arb: &str) -> TrainingPair {
        TrainingPair {
            ckb: ckb.into(),
            arb: arb.into(),
            source: 0,
        }
    }

    #[test]
    fn keeps_the_first_pair_of_each_sentence() {
        let pairs = vec![
            pair("a", "x"),
            pair("b", "y"),
            pair("a ", "z"),
            pair("c", "Y"),
            pair("d", " "),
            pair("e", "w"),
        ];
        let result = deduplicate(pairs, |s| s.to_lowercase());
        assert_eq!(
            result.pairs,
            vec![pair("a", "x"), pair("b", "y"), pair("e", "w")]
        );
        assert_eq!(result.dropped, 3);
    }
}
