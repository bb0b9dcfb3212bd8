use super::*;

fn bead(src: &[u32], tgt: &[u32], score: Option<f32>) -> ReportBead {
    ReportBead {
        bead: Bead::new(src.to_vec(), tgt.to_vec()),
        score,
        src_text: format!("ckb {src:?}"),
        tgt_text: format!("arb {tgt:?}"),
    }
}

/// Four beads against gold 0–0, 1–1, 2–[2, 3], 4–4 (source 3 is deleted in gold).
fn small_run() -> (Vec<ReportBead>, Vec<Bead>) {
    let beads = vec![
        bead(&[0], &[0], Some(0.9)),
        bead(&[1], &[1], Some(0.7)),
        bead(&[2], &[2], Some(0.4)),
        bead(&[3, 4], &[4], Some(0.2)),
        bead(&[5], &[], None),
    ];
    let gold = vec![
        Bead::new([0], [0]),
        Bead::new([1], [1]),
        Bead::new([2], [2, 3]),
        Bead::new([3], []),
        Bead::new([4], [4]),
    ];
    (beads, gold)
}

fn input(with_gold: bool, heatmap: Option<Heatmap>) -> ReportInput {
    let (beads, gold) = small_run();
    ReportInput {
        title: "Test <report>".into(),
        settings: vec![("model".into(), "tiny & odd".into())],
        beads,
        score_name: "score".into(),
        threshold: 0.5,
        gold: with_gold.then_some(gold),
        heatmap,
        label: RunLabel::new("toy", "parallel-dp", "tiny"),
        extra_metrics: Vec::new(),
        control: None,
    }
}

#[test]
fn a_control_pair_s_confident_pairs_are_counted_and_listed_as_false() {
    let mut input = input(true, None);
    let bead = |src: u32, tgt: u32, score: f32, text: &str| ReportBead {
        bead: Bead::new([src], [tgt]),
        score: Some(score),
        src_text: format!("{text} (source)"),
        tgt_text: format!("{text} (target)"),
    };
    input.control = Some(ControlPair {
        name: "other-story.csv".into(),
        beads: vec![
            bead(0, 3, 0.93, "confident"),
            bead(1, 1, 0.2, "doubtful"),
            bead(2, 0, 0.61, "also confident"),
        ],
    });
    let report = build_report(&input).unwrap();
    let row = report
        .markdown
        .lines()
        .find(|l| l.contains("other-story.csv") && l.contains("false_confident_per_pair@0.5"))
        .unwrap_or_else(|| panic!("{}", report.markdown));
    assert!(row.contains("| 2.0000 | 1 |"), "{row}");
    assert!(report
        .markdown
        .contains("2 of its 3 pairs reach the threshold 0.5"));
    assert!(report.markdown.contains("also confident (source)"));
    assert!(!report.markdown.contains("doubtful (source)"));
    assert!(report.html.contains("Control pair: another story"));
    assert!(report.html.contains("confident (target)"));
}

fn grid(rows: usize, cols: usize) -> Heatmap {
    Heatmap {
        measure: "centred cosine".into(),
        rows,
        cols,
        values: (0..rows * cols)
            .map(|i| if i / cols == i % cols { 0.9 } else { 0.1 })
            .collect(),
    }
}

#[test]
fn bead_types_count_score_and_match_gold_exactly() {
    let (beads, gold) = small_run();
    let rows = bead_type_rows(&beads, Some(&gold));
    let one_one = &rows[0];
    assert_eq!(one_one.kind, "1-1");
    assert_eq!(one_one.count, 3);
    assert!((one_one.mean_score.unwrap() - (0.9 + 0.7 + 0.4) / 3.0).abs() < 1e-6);
    assert_eq!(one_one.min_score, Some(0.4));
    // 2–2 is not a gold bead (gold has 2–[2, 3]).
    assert_eq!(one_one.correct, Some(2));
    let kinds: Vec<(&str, usize, Option<usize>)> = rows
        .iter()
        .map(|r| (r.kind.as_str(), r.count, r.correct))
        .collect();
    assert_eq!(
        kinds,
        [
            ("1-1", 3, Some(2)),
            ("1-0", 1, Some(0)),
            ("2-1", 1, Some(0))
        ]
    );
    assert_eq!(rows[1].mean_score, None);
    assert!(bead_type_rows(&beads, None)
        .iter()
        .all(|r| r.correct.is_none()));
    assert!(bead_type_rows(&[], Some(&gold)).is_empty());
}

#[test]
fn weakest_pairs_are_chosen_links_lowest_first() {
    let (beads, _) = small_run();
    let scores: Vec<Option<f32>> = weakest_pairs(&beads, 0.5, 10)
        .iter()
        .map(|b| b.score)
        .collect();
    assert_eq!(scores, [Some(0.7), Some(0.9)]);
    assert_eq!(weakest_pairs(&beads, 0.0, 1)[0].score, Some(0.2));
}

#[test]
fn alignment_metrics_score_beads_and_links() {
    let (beads, gold) = small_run();
    let predicted: Vec<Bead> = beads.iter().map(|b| b.bead.clone()).collect();
    let scores: Vec<Option<f32>> = beads.iter().map(|b| b.score).collect();
    let rows = alignment_metrics(&predicted, &scores, &gold, 0.5, &RunLabel::default());
    let value = |name: &str| rows.iter().find(|r| r.metric == name).unwrap().value;
    // Strict precision: 2 of 5 predicted beads are gold beads (the deletion 5–∅ is not). Strict
    // recall leaves deletions out: 2 of the 4 gold beads with two sides are predicted.
    assert!((value("strict_precision") - 0.4).abs() < 1e-12);
    assert!((value("strict_recall") - 0.5).abs() < 1e-12);
    // Links ≥ 0.5: 0–0 and 1–1, both gold; gold links 0–0, 1–1, 2–2, 2–3, 4–4.
    assert!((value("mining_precision@0.5") - 1.0).abs() < 1e-12);
    assert!((value("mining_recall@0.5") - 0.4).abs() < 1e-12);
    // Without scores only the bead metrics remain.
    let unscored = alignment_metrics(&predicted, &[None; 5], &gold, 0.5, &RunLabel::default());
    assert!(unscored.iter().all(|r| !r.metric.starts_with("mining")));
}

#[test]
fn a_full_report_is_one_offline_page_with_three_figures() {
    let report = build_report(&input(true, Some(grid(6, 5)))).unwrap();
    let html = &report.html;
    assert_eq!(
        html.matches("<svg").count(),
        3,
        "histogram, curve, heat map"
    );
    assert!(!html.contains("<script"));
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));
    assert!(!html.contains("class=\"missing\""), "nothing is missing");
    assert!(html.contains("Test &lt;report&gt;") && html.contains("tiny &amp; odd"));
    // Links 0–0, 1–1, 2–2 and 4–4 are gold links; 3–4 is not.
    assert!(html.contains("true pairs (4)") && html.contains("false pairs (1)"));
    assert!(
        html.contains("gold beads (4)"),
        "one dot per gold bead with two sides"
    );
    assert!(
        html.contains("chosen beads (2)"),
        "beads at or above the threshold"
    );
    assert!(html.contains("strict_f1"));
    assert!(report.markdown.starts_with("# Test <report>\n"));
    assert!(report.markdown.contains("| 1-1 | 3 | 0.667 | 0.400 | 2 |"));
    assert!(report.markdown.contains("| tiny & odd |"));
}

#[test]
fn a_report_without_gold_or_documents_says_what_is_missing() {
    let report = build_report(&input(false, None)).unwrap();
    assert_eq!(report.html.matches("<svg").count(), 1, "only the histogram");
    assert!(report.html.contains("pairs (no gold given) (4)"));
    assert!(report.html.contains("need gold beads"));
    assert!(
        report.html.contains("needs the pair&#x27;s documents")
            || report.html.contains("needs the pair's documents")
    );
    assert!(report.markdown.contains("No metrics"));
}

#[test]
fn an_empty_run_still_makes_a_page() {
    let mut empty = input(true, Some(grid(0, 0)));
    empty.beads.clear();
    let report = build_report(&empty).unwrap();
    assert!(report.html.contains("No chosen pair has a score."));
    assert!(report.html.contains("true pairs (0)"));
}

#[test]
fn large_heat_maps_are_shown_in_blocks() {
    let map = grid(1000, 700);
    assert_eq!(plots::heatmap_block(&map), 7);
    let svg = plots::heatmap(&map, &[], &[]).unwrap();
    // 143 × 100 cells, not 700,000.
    assert!(svg.matches("<rect").count() < 15_000);
    let wrong = Heatmap {
        values: vec![0.0; 3],
        ..grid(2, 2)
    };
    assert!(plots::heatmap(&wrong, &[], &[]).is_err());
}
