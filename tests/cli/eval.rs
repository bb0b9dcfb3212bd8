//! End-to-end run of `pird eval suite` with the default model (imported and calibrated by
//! `scripts/fetch-model`), on the first two documents of each shipped data set.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::util::{default_model, pird, repo};

#[test]
fn the_suite_writes_one_metrics_table_for_all_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("metrics.csv");
    let (data, cache) = (repo().join("data"), dir.path().join("cache.redb"));
    let output = pird(&[
        "eval".as_ref(),
        "suite".as_ref(),
        "--limit".as_ref(),
        "2".as_ref(),
        "--quiet".as_ref(),
        "--data".as_ref(),
        data.as_os_str(),
        "--model".as_ref(),
        default_model().as_ref(),
        "--cache".as_ref(),
        cache.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let table = std::fs::read_to_string(&out).unwrap();
    let mut lines = table.lines();
    assert_eq!(lines.next(), Some("dataset,method,model,metric,value,n"));
    let mut value: HashMap<(String, String, String), f64> = HashMap::new();
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields.len(), 6, "{line}");
        assert_eq!(fields[2], "multilingual-e5-small");
        let v: f64 = fields[4].parse().unwrap();
        // Counts per document pair can pass 1; every other metric is a ratio.
        let count = fields[3].starts_with("false_confident_per_pair");
        assert!(v >= 0.0 && (count || v <= 1.0), "{line}");
        value.insert((fields[0].into(), fields[1].into(), fields[3].into()), v);
    }
    let get = |dataset: &str, method: &str, metric: &str| {
        *value
            .get(&(dataset.into(), method.into(), metric.into()))
            .unwrap_or_else(|| panic!("no {dataset} {method} {metric} in\n{table}"))
    };
    // Every task and method is there; the first two FLORES documents (5 sentences) are retrieved
    // exactly, and Matthew 1–2 (with merges and drops) align nearly perfectly.
    for method in [
        "cosine",
        "margin",
        "centred-margin",
        "centred-margin+anchors",
    ] {
        assert_eq!(get("flores200-dev", method, "p@1_ckb_arb"), 1.0, "{method}");
    }
    assert!(get("bible-gospels-merged", "parallel-dp", "lax_f1") >= 0.9);
    assert!(get("bible-gospels-merged", "parallel-dp", "strict_f1") >= 0.85);
    get(
        "tico19-dropped-shuffled",
        "comparable-margin",
        "mining_f1@0.5",
    );
    get(
        "flores200-dev-dropped-shuffled",
        "comparable-margin",
        "mining_ap",
    );
    // The same-topic control: the two TICO-19 documents against each other, John 1 against 2.
    for dataset in ["tico19-same-topic", "bible-john-same-topic"] {
        let method = "comparable-margin-same-topic";
        get(dataset, method, "mining_recall@0.5");
        let per_pair = get(dataset, method, "false_confident_per_pair@0.5");
        let with_any = get(dataset, method, "pairs_with_false_confident@0.5");
        assert!(with_any <= per_pair, "{dataset}: {with_any} > {per_pair}");
        assert!(get(dataset, method, "false_confident_per_pair@0.9") <= per_pair);
    }
    assert_eq!(
        get("tico19-documents", "docalign-mean-margin", "doc_accuracy"),
        1.0
    );
    // The terminal copy of the table lists the same rows.
    let printed = String::from_utf8_lossy(&output.stdout);
    assert_eq!(printed.lines().count(), table.lines().count(), "{printed}");
}

/// The first FLORES dev document (lines 1–5) with Arabic lines 2 and 3 joined, written as line
/// files with its gold beads: (source, target, gold).
fn flores_case(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let flores = repo().join("data/flores200-dev");
    let lines = |file: &str| -> Vec<String> {
        std::fs::read_to_string(flores.join(file))
            .unwrap()
            .lines()
            .take(5)
            .map(String::from)
            .collect()
    };
    let (ckb, arb) = (lines("ckb_Arab.dev"), lines("arb_Arab.dev"));
    let merged = [
        arb[0].clone(),
        format!("{} {}", arb[1], arb[2]),
        arb[3].clone(),
        arb[4].clone(),
    ];
    let (src, tgt, gold) = (
        dir.join("doc.ckb.txt"),
        dir.join("doc.arb.txt"),
        dir.join("doc.beads"),
    );
    std::fs::write(&src, ckb.join("\n")).unwrap();
    std::fs::write(&tgt, merged.join("\n")).unwrap();
    std::fs::write(&gold, "[0]:[0]\n[1, 2]:[1]\n[3]:[2]\n[4]:[3]\n").unwrap();
    (src, tgt, gold)
}

#[test]
fn predictions_are_scored_against_a_gold_bead_file_in_any_table_format() {
    let dir = tempfile::tempdir().unwrap();
    let (src, tgt, gold) = flores_case(dir.path());
    let pird = |args: &[&std::ffi::OsStr]| {
        let output = crate::util::pird(args);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        output
    };
    // `pird eval --pred PRED --gold GOLD -o METRICS`.
    let eval = |pred: &std::path::Path, metrics: &std::path::Path| {
        crate::util::pird(&[
            "eval".as_ref(),
            "--pred".as_ref(),
            pred.as_os_str(),
            "--gold".as_ref(),
            gold.as_os_str(),
            "-o".as_ref(),
            metrics.as_os_str(),
        ])
    };
    let model = std::path::PathBuf::from(default_model());
    for format in ["csv", "parquet"] {
        let pred = dir.path().join(format!("pred.{format}"));
        let metrics = dir.path().join(format!("metrics-{format}.csv"));
        pird(&[
            "align".as_ref(),
            src.as_os_str(),
            tgt.as_os_str(),
            "--lines".as_ref(),
            "--no-cache".as_ref(),
            "--model".as_ref(),
            model.as_os_str(),
            "-o".as_ref(),
            pred.as_os_str(),
        ]);
        let output = eval(&pred, &metrics);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let table = std::fs::read_to_string(&metrics).unwrap();
        let value = |metric: &str| -> f64 {
            table
                .lines()
                .find(|l| l.split(',').nth(3) == Some(metric))
                .unwrap_or_else(|| panic!("no {metric} in {table}"))
                .split(',')
                .nth(4)
                .unwrap()
                .parse()
                .unwrap()
        };
        assert_eq!(value("strict_f1"), 1.0, "{format}: {table}");
        assert_eq!(value("lax_f1"), 1.0, "{format}: {table}");
        assert!(
            table.contains("doc,parallel-dp,multilingual-e5-small,mining_ap"),
            "{table}"
        );
    }
    // A gold file that does not match: strict F1 drops, and a malformed line is named.
    std::fs::write(&gold, "[0]:[0]\n[1]:[1]\n[2, 3]:[2]\n[4]:[3]\n").unwrap();
    let pred = dir.path().join("pred.csv");
    let metrics = dir.path().join("metrics-wrong.csv");
    assert!(eval(&pred, &metrics).status.success());
    let table = std::fs::read_to_string(&metrics).unwrap();
    assert!(table.contains("strict_f1,0.5,"), "{table}");
    std::fs::write(&gold, "[0]:[0]\n[1 2]:[1]\n").unwrap();
    let output = eval(&pred, &metrics);
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("doc.beads:2:"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_report_page_shows_every_figure_offline_and_refuses_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let (src, tgt, gold) = flores_case(dir.path());
    let model = std::path::PathBuf::from(default_model());
    let pred = dir.path().join("pred.parquet");
    let align = pird(&[
        "align".as_ref(),
        src.as_os_str(),
        tgt.as_os_str(),
        "--lines".as_ref(),
        "--no-cache".as_ref(),
        "--model".as_ref(),
        model.as_os_str(),
        "-o".as_ref(),
        pred.as_os_str(),
    ]);
    assert!(
        align.status.success(),
        "{}",
        String::from_utf8_lossy(&align.stderr)
    );
    let page = dir.path().join("report.html");
    let report = |extra: &[&std::ffi::OsStr], output: &Path| {
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "report".as_ref(),
            pred.as_os_str(),
            "--lines".as_ref(),
            "--no-cache".as_ref(),
            "--model".as_ref(),
            model.as_os_str(),
            "-o".as_ref(),
            output.as_os_str(),
        ];
        args.extend_from_slice(extra);
        pird(&args)
    };
    let full = [
        "--gold".as_ref(),
        gold.as_os_str(),
        "--source".as_ref(),
        src.as_os_str(),
        "--target".as_ref(),
        tgt.as_os_str(),
    ];
    let output = report(&full, &page);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(
        html.matches("<svg").count(),
        3,
        "histogram, threshold curve, heat map"
    );
    assert!(!html.contains("class=\"missing\""));
    assert!(!html.contains("<script") && !html.contains("src=\"http"));
    assert!(
        html.contains("5×4 sentence") || html.contains("5×4"),
        "the map is 5 × 4"
    );
    assert!(html.contains("gold beads (4)") && html.contains("chosen beads (4)"));
    let markdown = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(
        markdown.contains("| doc | parallel-dp | multilingual-e5-small | strict_f1 | 1.0000 | 4 |"),
        "{markdown}"
    );
    assert!(markdown.contains("| 2-1 | 1 |"), "{markdown}");

    // Bad input: a page not named .html, documents other than the aligned ones, a broken gold
    // file. Each fails naming the culprit and leaves the earlier page as it was.
    let refused = |extra: &[&std::ffi::OsStr], output: &Path, culprit: &str| {
        let out = report(extra, output);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && stderr.contains(culprit),
            "{stderr}"
        );
    };
    refused(&full, &dir.path().join("report.txt"), "report.txt");
    let other = dir.path().join("other.arb.txt");
    std::fs::copy(&tgt, &other).unwrap();
    refused(
        &[
            "--source".as_ref(),
            src.as_os_str(),
            "--target".as_ref(),
            other.as_os_str(),
        ],
        &page,
        "other.arb",
    );
    std::fs::write(&gold, "[0]:[0]\n[1, 2]:[1]\n[3]\n").unwrap();
    refused(&full, &page, "doc.beads:3:");
    assert_eq!(std::fs::read_to_string(&page).unwrap(), html);
}
