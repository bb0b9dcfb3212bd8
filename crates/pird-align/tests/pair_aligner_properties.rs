//! Property test: the pair aligner never panics, whatever the documents (empty, one sentence,
//! duplicated sentences, very unequal lengths), and its beads are well formed in both modes.

use ndarray::Array2;
use pird_align::{
    Background, Calibration, DocumentWeights, Overlaps, PairAligner, PairError, PairMode, PairSide,
    ParallelStrategy,
};
use proptest::prelude::*;

const DIM: usize = 8;

/// Sentence vectors drawn from a few distinct rows, so documents repeat sentences.
fn document() -> impl Strategy<Value = Array2<f32>> {
    (
        prop::collection::vec(prop::collection::vec(-1.0f32..1.0, DIM), 1..4),
        prop::collection::vec(0usize..4, 0..40),
    )
        .prop_map(|(distinct, picks)| {
            let mut rows = Array2::zeros((picks.len(), DIM));
            for (r, pick) in picks.iter().enumerate() {
                let row = &distinct[pick % distinct.len()];
                for (c, value) in row.iter().enumerate() {
                    rows[[r, c]] = *value;
                }
            }
            pird_align::normalize_rows(&mut rows);
            rows
        })
}

fn calibration() -> Calibration {
    let mut calibration = Calibration::fit(
        &[pird_align::PairFeatures {
            margin: 1.2,
            cosine: 0.9,
        }],
        &[pird_align::PairFeatures {
            margin: 1.0,
            cosine: 0.8,
        }],
        "property test",
    )
    .expect("one example of each class");
    calibration.document = Some(DocumentWeights {
        pair_weight: 1.0,
        share_weight: 1.0,
        neighbour_weight: 1.0,
        ordered_neighbour_weight: 0.5,
        intercept: -0.5,
    });
    calibration
}

fn modes() -> Vec<PairMode> {
    let mut modes = vec![PairMode::Comparable { min_score: 0.0 }];
    for strategy in [ParallelStrategy::Dp, ParallelStrategy::TwoStep] {
        for max_bead in [1, 3] {
            modes.push(PairMode::Parallel {
                max_bead,
                deletion_percentile: 0.2,
                strategy,
            });
        }
    }
    modes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_pair_aligns_or_says_why(source in document(), target in document(), with_background in any::<bool>()) {
        let background = with_background.then(|| Background {
            source: source.clone(),
            target: target.clone(),
        }).filter(|b| b.source.nrows() > 0 && b.target.nrows() > 0);
        for mode in modes() {
            let longest = mode.longest_run();
            let aligner = PairAligner::new(mode.clone(), background.clone(), Some(calibration())).unwrap();
            let (source_runs, target_runs) = (
                Overlaps::by_summing(source.view(), longest),
                Overlaps::by_summing(target.view(), longest),
            );
            let texts = |n: usize| vec!["x".to_string(); n];
            let (source_texts, target_texts) = (texts(source.nrows()), texts(target.nrows()));
            let result = aligner.align(
                PairSide { runs: &source_runs, texts: &source_texts, lang: None },
                PairSide { runs: &target_runs, texts: &target_texts, lang: None },
            );
            if source.nrows() == 0 || target.nrows() == 0 {
                prop_assert!(matches!(result, Err(PairError::EmptyDocument { .. })), "{result:?}");
                continue;
            }
            let beads = result.map_err(|e| TestCaseError::fail(e.to_string()))?;
            for bead in &beads {
                prop_assert!(bead.source.end <= source.nrows() && bead.target.end <= target.nrows());
                prop_assert!(bead.cosine.is_finite() && bead.margin.is_finite());
                if let Some(score) = bead.score {
                    prop_assert!((0.0..=1.0).contains(&score));
                }
            }
            if let PairMode::Parallel { .. } = mode {
                // The path covers every sentence of each side once, in order.
                let covered: Vec<usize> = beads.iter().flat_map(|b| b.source.clone()).collect();
                prop_assert_eq!(covered, (0..source.nrows()).collect::<Vec<_>>());
                let covered: Vec<usize> = beads.iter().flat_map(|b| b.target.clone()).collect();
                prop_assert_eq!(covered, (0..target.nrows()).collect::<Vec<_>>());
            } else {
                // Mined pairs never share a sentence.
                let mut used: Vec<usize> = beads.iter().flat_map(|b| b.source.clone()).collect();
                let n = used.len();
                used.sort_unstable();
                used.dedup();
                prop_assert_eq!(used.len(), n);
            }
        }
    }
}
