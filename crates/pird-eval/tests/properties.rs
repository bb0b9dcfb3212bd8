//! Property tests of the metrics on random alignments, candidates and matrices.

use pird_eval::{
    bead_scores, diagonal_gold, pooled_bead_scores, retrieval_scores, Bead, MiningCandidates,
    ScoredPair, SimilarityMatrix,
};
use proptest::prelude::*;

/// A monotonic alignment of random bead sizes (0–3 a side, never 0-0), as an aligner produces.
fn alignment() -> impl Strategy<Value = Vec<Bead>> {
    prop::collection::vec((0u32..4, 0u32..4), 0..25).prop_map(|sizes| {
        let (mut s, mut t) = (0, 0);
        let mut beads = Vec::new();
        for (a, b) in sizes {
            if a == 0 && b == 0 {
                continue;
            }
            beads.push(Bead::new(
                (s..s + a).collect::<Vec<_>>(),
                (t..t + b).collect::<Vec<_>>(),
            ));
            s += a;
            t += b;
        }
        beads
    })
}

/// Arbitrary beads over small id ranges, including 0-0 and repeated beads.
fn any_beads() -> impl Strategy<Value = Vec<Bead>> {
    prop::collection::vec(
        (
            prop::collection::vec(0u32..8, 0..3),
            prop::collection::vec(0u32..8, 0..3),
        )
            .prop_map(|(s, t)| Bead::new(s, t)),
        0..15,
    )
}

proptest! {
    #[test]
    fn gold_against_itself_is_perfect(gold in alignment()) {
        let s = bead_scores(&gold, &gold);
        if gold.iter().any(Bead::is_link) {
            prop_assert_eq!(s.strict.f1, 1.0);
            prop_assert_eq!(s.lax.f1, 1.0);
        }
        if !gold.is_empty() {
            prop_assert_eq!(s.strict.precision, 1.0);
        }
    }

    #[test]
    fn lax_is_never_below_strict(predicted in any_beads(), gold in any_beads()) {
        let s = bead_scores(&predicted, &gold);
        prop_assert!(s.lax.precision >= s.strict.precision);
        prop_assert!(s.lax.recall >= s.strict.recall);
        prop_assert!(s.lax.f1 >= s.strict.f1);
        for v in [s.strict.precision, s.strict.recall, s.strict.f1, s.lax.f1] {
            prop_assert!((0.0..=1.0).contains(&v));
        }
    }

    #[test]
    fn pooling_one_document_changes_nothing(predicted in alignment(), gold in alignment()) {
        let pooled = pooled_bead_scores([(predicted.as_slice(), gold.as_slice())]);
        prop_assert_eq!(pooled, bead_scores(&predicted, &gold));
    }

    #[test]
    fn identity_like_matrix_has_p_at_1_of_one(
        n in 1usize..30,
        noise in prop::collection::vec(0.0f32..0.5, 900),
    ) {
        let mut values = vec![0.0f32; n * n];
        for r in 0..n {
            for c in 0..n {
                values[r * n + c] = if r == c { 1.0 } else { noise[r * 30 + c] };
            }
        }
        let sim = SimilarityMatrix::new(&values, n, n).unwrap();
        let s = retrieval_scores(&sim, &diagonal_gold(n)).unwrap();
        prop_assert_eq!(s.src_to_tgt.p_at_1(), 1.0);
        prop_assert_eq!(s.tgt_to_src.p_at_1(), 1.0);
        prop_assert_eq!(s.src_to_tgt.xsim_error(), 0.0);
    }

    #[test]
    fn mining_best_f1_bounds_every_threshold(
        scores in prop::collection::vec((0u32..6, 0u32..6, 0.0f32..1.0), 0..30),
        gold in prop::collection::vec((0u32..6, 0u32..6), 0..10),
        threshold in 0.0f32..1.0,
    ) {
        let predicted: Vec<_> = scores.iter().map(|&(s, t, v)| ScoredPair::new([s], [t], v)).collect();
        let gold: Vec<_> = gold.iter().map(|&(s, t)| Bead::one_to_one(s, t)).collect();
        let c = MiningCandidates::from_document(&predicted, &gold);
        let best = c.best_f1();
        prop_assert!(best.scores.f1 >= c.at_threshold(threshold).scores.f1);
        let ap = c.average_precision();
        prop_assert!((0.0..=1.0 + 1e-12).contains(&ap));
        // The curve's last point predicts every candidate.
        if let Some(last) = c.pr_curve().last() {
            prop_assert_eq!(last.predicted as usize, c.len());
        }
    }

    #[test]
    fn perfect_mining_ranking_has_ap_one(n in 1u32..20, extra in 0u32..10) {
        let gold: Vec<_> = (0..n).map(|i| Bead::one_to_one(i, i)).collect();
        let mut predicted: Vec<_> = (0..n).map(|i| ScoredPair::new([i], [i], 0.9)).collect();
        predicted.extend((0..extra).map(|i| ScoredPair::new([i], [i + 100], 0.1)));
        let c = MiningCandidates::from_document(&predicted, &gold);
        prop_assert!((c.average_precision() - 1.0).abs() < 1e-12);
        prop_assert_eq!(c.best_f1().scores.f1, 1.0);
    }
}
