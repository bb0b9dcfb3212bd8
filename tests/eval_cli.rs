//! End-to-end run of `pird eval suite` with the default model (imported and calibrated by
//! `scripts/fetch-model`), on the first two documents of each shipped data set.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn the_suite_writes_one_metrics_table_for_all_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("metrics.csv");
    let model = repo().join("data/models/multilingual-e5-small");
    assert!(
        model.join("pird-calibration.json").is_file(),
        "{} is missing or uncalibrated: run scripts/fetch-model first",
        model.display()
    );
    let output = Command::new(env!("CARGO_BIN_EXE_pird"))
        .args(["eval", "suite", "--limit", "2", "--quiet", "--data"])
        .arg(repo().join("data"))
        .arg("--model")
        .arg(&model)
        .arg("--cache")
        .arg(dir.path().join("cache.redb"))
        .arg("-o")
        .arg(&out)
        .env("PIRD_THREADS", "2")
        .output()
        .expect("pird runs");
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
        assert!((0.0..=1.0).contains(&v), "{line}");
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
    assert_eq!(
        get("tico19-documents", "docalign-mean-margin", "doc_accuracy"),
        1.0
    );
    // The terminal copy of the table lists the same rows.
    let printed = String::from_utf8_lossy(&output.stdout);
    assert_eq!(printed.lines().count(), table.lines().count(), "{printed}");
}
