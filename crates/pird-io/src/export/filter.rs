//! Which aligned pairs go into an export: the `--min-score`, `--beads`, `--length-ratio`,
//! `--max-chars` and `--dedupe` filters, with a tally of why pairs were left out.

use pird_text::{normalize_for_matching, Lang};
use std::collections::HashSet;
use std::hash::{Hash, Hasher};

/// Lowest and highest allowed source/target length ratio, in characters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LengthRatio {
    /// Lowest allowed ratio.
    pub min: f64,
    /// Highest allowed ratio.
    pub max: f64,
}

impl std::str::FromStr for LengthRatio {
    type Err = String;

    /// Parses `MIN..MAX`, e.g. `0.5..2`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (min, max) = s
            .split_once("..")
            .ok_or_else(|| format!("{s:?} is not a range like 0.5..2"))?;
        let number = |v: &str| {
            v.trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x >= 0.0)
                .ok_or_else(|| format!("{v:?} in {s:?} is not a non-negative number"))
        };
        let (min, max) = (number(min)?, number(max)?);
        if min > max {
            return Err(format!("{s:?}: the lowest ratio is above the highest"));
        }
        Ok(LengthRatio { min, max })
    }
}

/// A bead type such as `1-2` (source sentences, target sentences).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BeadType(pub usize, pub usize);

impl std::str::FromStr for BeadType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parse = |part: &str| part.trim().parse::<usize>().ok();
        match s.split_once('-').map(|(a, b)| (parse(a), parse(b))) {
            Some((Some(a), Some(b))) if a + b > 0 => Ok(BeadType(a, b)),
            _ => Err(format!("{s:?} is not a bead type like 1-1 or 2-1")),
        }
    }
}

/// The filters of one export.
#[derive(Debug, Clone, Default)]
pub struct FilterConfig {
    /// Keep pairs whose score reaches this (pairs without a score are then left out).
    pub min_score: Option<f32>,
    /// Keep only these bead types (all when empty).
    pub beads: Vec<BeadType>,
    /// Keep pairs whose source/target length ratio (characters) lies in this range.
    pub length_ratio: Option<LengthRatio>,
    /// Keep pairs whose sides both have at most this many characters.
    pub max_chars: Option<usize>,
    /// Keep only the first of pairs that are equal after normalisation for matching.
    pub dedupe: bool,
}

/// How many pairs were read, kept, and left out by each filter (the first that applied).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FilterTally {
    /// Pairs read.
    pub read: u64,
    /// Beads with an empty side (deletions): never exported.
    pub deletions: u64,
    /// Below `--min-score`, or without a score when one is asked for.
    pub below_score: u64,
    /// Not of a `--beads` type.
    pub bead_type: u64,
    /// Longer than `--max-chars`.
    pub too_long: u64,
    /// Outside `--length-ratio`.
    pub length_ratio: u64,
    /// Equal to an earlier pair after normalisation.
    pub duplicates: u64,
    /// Pairs exported.
    pub kept: u64,
}

impl std::fmt::Display for FilterTally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} of {} pairs", self.kept, self.read)?;
        let reasons = [
            (self.deletions, "deletions"),
            (self.below_score, "below --min-score"),
            (self.bead_type, "other bead types"),
            (self.too_long, "over --max-chars"),
            (self.length_ratio, "outside --length-ratio"),
            (self.duplicates, "duplicates"),
        ];
        let left_out: Vec<String> = reasons
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, why)| format!("{n} {why}"))
            .collect();
        if !left_out.is_empty() {
            write!(f, " (left out: {})", left_out.join(", "))?;
        }
        Ok(())
    }
}

/// Applies a [`FilterConfig`] pair by pair, remembering what `dedupe` has seen.
#[derive(Debug)]
pub struct PairFilter {
    config: FilterConfig,
    /// Languages of the two sides, for the normalisation behind `dedupe`.
    langs: (Lang, Lang),
    /// 64-bit hashes of the normalised pairs seen: 8 bytes a pair, so that millions fit.
    seen: HashSet<u64>,
    tally: FilterTally,
}

impl PairFilter {
    /// A filter with nothing seen yet, for sides in the languages `langs`.
    pub fn new(config: FilterConfig, langs: (Lang, Lang)) -> Self {
        Self {
            config,
            langs,
            seen: HashSet::new(),
            tally: FilterTally::default(),
        }
    }

    /// What has been read and kept so far.
    pub fn tally(&self) -> FilterTally {
        self.tally
    }

    /// Whether the pair goes into the export; counts it either way.
    pub fn keep(
        &mut self,
        sizes: (usize, usize),
        score: Option<f32>,
        src: &str,
        tgt: &str,
    ) -> bool {
        self.tally.read += 1;
        let config = &self.config;
        let reason = if sizes.0 == 0 || sizes.1 == 0 {
            Some(&mut self.tally.deletions)
        } else if config
            .min_score
            .is_some_and(|min| score.is_none_or(|s| s.is_nan() || s < min))
        {
            Some(&mut self.tally.below_score)
        } else if !config.beads.is_empty() && !config.beads.contains(&BeadType(sizes.0, sizes.1)) {
            Some(&mut self.tally.bead_type)
        } else if config
            .max_chars
            .is_some_and(|max| src.chars().count() > max || tgt.chars().count() > max)
        {
            Some(&mut self.tally.too_long)
        } else if config.length_ratio.is_some_and(|range| {
            let ratio = src.chars().count() as f64 / tgt.chars().count().max(1) as f64;
            ratio < range.min || ratio > range.max
        }) {
            Some(&mut self.tally.length_ratio)
        } else if config.dedupe && !self.seen.insert(pair_key(src, tgt, self.langs)) {
            Some(&mut self.tally.duplicates)
        } else {
            None
        };
        match reason {
            Some(count) => {
                *count += 1;
                false
            }
            None => {
                self.tally.kept += 1;
                true
            }
        }
    }
}

/// The hash of a pair normalised for matching, with white space collapsed and letters in
/// lower case, so that pairs differing only in spelling variants or spacing count as one.
fn pair_key(src: &str, tgt: &str, langs: (Lang, Lang)) -> u64 {
    let canonical = |text: &str, lang: Lang| -> String {
        normalize_for_matching(text, lang)
            .to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    canonical(src, langs.0).hash(&mut hasher);
    canonical(tgt, langs.1).hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LANGS: (Lang, Lang) = (Lang::Ckb, Lang::Arb);

    #[test]
    fn ranges_and_bead_types_parse_or_say_why_not() {
        assert_eq!(
            "0.5..2".parse::<LengthRatio>().unwrap(),
            LengthRatio { min: 0.5, max: 2.0 }
        );
        assert!("2..0.5"
            .parse::<LengthRatio>()
            .unwrap_err()
            .contains("above"));
        assert!("0.5-2".parse::<LengthRatio>().is_err());
        assert!("a..2".parse::<LengthRatio>().is_err());
        assert_eq!("2-1".parse::<BeadType>().unwrap(), BeadType(2, 1));
        assert!("0-0".parse::<BeadType>().is_err());
        assert!("11".parse::<BeadType>().is_err());
    }

    #[test]
    fn each_filter_leaves_out_what_it_names_and_counts_it() {
        let mut f = PairFilter::new(
            FilterConfig {
                min_score: Some(0.5),
                beads: vec![BeadType(1, 1), BeadType(2, 1)],
                length_ratio: Some(LengthRatio { min: 0.5, max: 2.0 }),
                max_chars: Some(20),
                dedupe: true,
            },
            LANGS,
        );
        assert!(f.keep((1, 1), Some(0.9), "سڵاو هەڤاڵی", "مرحبا يا صديقي"));
        assert!(!f.keep((1, 0), Some(0.9), "سڵاو", ""), "deletion");
        assert!(!f.keep((1, 1), Some(0.4), "سڵاو", "مرحبا"), "low score");
        assert!(!f.keep((1, 1), None, "سڵاو", "مرحبا"), "no score");
        assert!(!f.keep((1, 1), Some(f32::NAN), "سڵاو", "مرحبا"), "NaN score");
        assert!(!f.keep((1, 2), Some(0.9), "سڵاو", "مرحبا"), "bead type");
        assert!(
            !f.keep((1, 1), Some(0.9), &"ا".repeat(21), "مرحبا"),
            "too long"
        );
        assert!(!f.keep((1, 1), Some(0.9), "سڵاو سڵاو سڵاو", "م"), "ratio 14");
        // The first pair again, typed with Arabic yeh and two spaces: a duplicate.
        assert!(
            !f.keep((2, 1), Some(0.6), "سڵاو  هەڤاڵي", "مرحبا يا صديقي"),
            "duplicate"
        );
        assert!(f.keep((2, 1), Some(0.5), "سڵاو", "مرحبا"));
        let tally = f.tally();
        assert_eq!(
            tally,
            FilterTally {
                read: 10,
                deletions: 1,
                below_score: 3,
                bead_type: 1,
                too_long: 1,
                length_ratio: 1,
                duplicates: 1,
                kept: 2,
            }
        );
        assert_eq!(
            tally.to_string(),
            "2 of 10 pairs (left out: 1 deletions, 3 below --min-score, 1 other bead types, 1 over --max-chars, 1 outside --length-ratio, 1 duplicates)"
        );
    }

    #[test]
    fn without_filters_every_pair_with_two_sides_is_kept() {
        let mut f = PairFilter::new(FilterConfig::default(), LANGS);
        assert!(f.keep((1, 1), None, "a", "a"));
        assert!(f.keep((1, 1), None, "a", "a"), "no dedupe asked");
        assert!(!f.keep((0, 1), None, "", "a"));
        assert_eq!(
            f.tally().to_string(),
            "2 of 3 pairs (left out: 1 deletions)"
        );
    }
}
