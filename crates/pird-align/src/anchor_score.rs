//! Anchor evidence: numbers, months, Latin-script tokens and name skeletons shared by two
//! sentences, turned into a bonus added to a pair's margin.
//!
//! Embeddings of a small multilingual model blur exactly what translators check first: that the
//! numbers, dates and names agree. A pair sharing its numbers gains; a pair whose numbers, months
//! or Latin tokens disagree loses; shared name and loan-word skeletons add a smaller gain. The
//! weights are settings (the evaluation suite measures them on FLORES dev), not constants.

use pird_text::{anchor_overlap, Anchors, Lang};
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// Weights of the anchor bonus.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AnchorScorer {
    /// Scale of the strong-anchor term (numbers, months, Latin tokens): `+weight` when both
    /// sides have the same set, `-weight` when both have some and share none.
    pub strong_weight: f32,
    /// Subtracted when only one side has strong anchors (translations sometimes spell a number
    /// out, so this is milder than a disagreement).
    pub one_sided_penalty: f32,
    /// Scale of the name/word-skeleton Dice coefficient.
    pub word_weight: f32,
}

impl Default for AnchorScorer {
    /// The weights measured best on FLORES-200 dev retrieval (`pird eval suite --tasks
    /// retrieval` with `--anchor-*` settings): +0.003/+0.001 P@1 over margin alone at k = 4.
    fn default() -> Self {
        Self {
            strong_weight: 0.1,
            one_sided_penalty: 0.02,
            word_weight: 0.1,
        }
    }
}

impl AnchorScorer {
    /// No anchor evidence: every bonus is 0.
    pub fn off() -> Self {
        Self {
            strong_weight: 0.0,
            one_sided_penalty: 0.0,
            word_weight: 0.0,
        }
    }

    /// The bonus of a source sentence's anchors against a target sentence's.
    pub fn bonus(&self, source: &Anchors, target: &Anchors) -> f32 {
        let overlap = anchor_overlap(source, target);
        let (s, t) = overlap.strong;
        let strong = match (s > 0, t > 0) {
            (true, true) => self.strong_weight * (2.0 * overlap.strong_dice() - 1.0),
            (false, false) => 0.0,
            _ => -self.one_sided_penalty,
        };
        strong + self.word_weight * overlap.word_dice()
    }
}

/// The anchors of every sentence of a document pair, and how they are weighed.
#[derive(Debug, Clone)]
pub struct AnchorEvidence {
    source: Vec<Anchors>,
    target: Vec<Anchors>,
    scorer: AnchorScorer,
}

impl AnchorEvidence {
    /// Extracts the anchors of both documents' sentences.
    pub fn new(
        (source, source_lang): (&[String], Lang),
        (target, target_lang): (&[String], Lang),
        scorer: AnchorScorer,
    ) -> Self {
        let extract = |texts: &[String], lang| -> Vec<Anchors> {
            texts.iter().map(|t| Anchors::extract(t, lang)).collect()
        };
        Self {
            source: extract(source, source_lang),
            target: extract(target, target_lang),
            scorer,
        }
    }

    /// Evidence from anchors already extracted, one per sentence of each document.
    pub fn from_anchors(source: Vec<Anchors>, target: Vec<Anchors>, scorer: AnchorScorer) -> Self {
        Self {
            source,
            target,
            scorer,
        }
    }

    /// The bonus of a source run against a target run (0 when either is empty).
    pub fn bonus(&self, source: &Range<usize>, target: &Range<usize>) -> f32 {
        if source.is_empty() || target.is_empty() {
            return 0.0;
        }
        if source.len() == 1 && target.len() == 1 {
            return self
                .scorer
                .bonus(&self.source[source.start], &self.target[target.start]);
        }
        self.scorer.bonus(
            &Anchors::union(&self.source[source.clone()]),
            &Anchors::union(&self.target[target.clone()]),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pird_text::Lang;

    fn bonus(ckb: &str, arb: &str) -> f32 {
        AnchorScorer::default().bonus(
            &Anchors::extract(ckb, Lang::Ckb),
            &Anchors::extract(arb, Lang::Arb),
        )
    }

    #[test]
    fn agreeing_numbers_beat_disagreeing_ones() {
        let agree = bonus("ساڵی ٢٠٢١ هەڵبژاردن", "انتخابات عام 2021");
        let disagree = bonus("ساڵی ٢٠٢١ هەڵبژاردن", "انتخابات عام 2019");
        let none = bonus("هەڵبژاردن", "انتخابات");
        assert!(agree > none && none > disagree, "{agree} {none} {disagree}");
    }

    #[test]
    fn a_run_pools_the_anchors_of_its_sentences() {
        let source = ["ساڵی ٢٠٢١".to_string(), "ماکرۆن وتی".to_string()];
        let target = ["قال ماكرون في عام 2021".to_string()];
        let evidence = AnchorEvidence::new(
            (&source, Lang::Ckb),
            (&target, Lang::Arb),
            AnchorScorer::default(),
        );
        assert!(evidence.bonus(&(0..2), &(0..1)) > evidence.bonus(&(0..1), &(0..1)));
        assert_eq!(evidence.bonus(&(0..0), &(0..1)), 0.0);
    }

    #[test]
    fn shared_names_add_evidence() {
        let shared = bonus("ماکرۆن وتی", "قال ماكرون");
        let other = bonus("ماکرۆن وتی", "قال الرئيس");
        assert!(shared > other, "{shared} {other}");
        assert_eq!(
            AnchorScorer::off().bonus(
                &Anchors::extract("ماکرۆن ٢٠٢١", Lang::Ckb),
                &Anchors::extract("ماكرون 2021", Lang::Arb)
            ),
            0.0
        );
    }
}
