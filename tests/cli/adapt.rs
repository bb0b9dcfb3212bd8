//! `pird adapt` end to end on a small subset (one short epoch on CPU), and `pird model import`
//! merging the adapter it writes. Needs the base model (`scripts/fetch-model DIR none`, which
//! `.ci/run` does).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::util::{base_model, pird, repo, stderr};

/// Writes `ckb<TAB>arb` rows of the TICO-19 documents `doc` (at most `limit`) as a TSV.
fn tico_pairs(doc: &str, limit: usize, path: &Path) {
    let text = std::fs::read_to_string(repo().join("data/tico19/docs.tsv")).unwrap();
    let mut out = String::from("ckb\tarb\n");
    let rows = text
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .filter(|cells| cells[1] == doc)
        .take(limit);
    for cells in rows {
        out += &format!("{}\t{}\n", cells[3], cells[4]);
    }
    std::fs::write(path, out).unwrap();
}

/// Runs one epoch of `pird adapt` (batches of 16) on `train` pairs of TICO-19's PubMed_8 with
/// `held` pairs of Wikipedia_handpicked_1 held out, plus `options`; returns the run and the
/// adapter directory under `dir`.
fn adapt_one_epoch(dir: &Path, train: usize, held: usize, options: &[&str]) -> (Output, PathBuf) {
    let (train_file, held_file) = (dir.join("train.tsv"), dir.join("held.tsv"));
    tico_pairs("PubMed_8", train, &train_file);
    tico_pairs("Wikipedia_handpicked_1", held, &held_file);
    let adapter = dir.join("adapter");
    let model = base_model();
    let mut args = vec![
        "--quiet",
        "adapt",
        train_file.to_str().unwrap(),
        "--heldout",
        held_file.to_str().unwrap(),
        "--model",
        &model,
        "--epochs",
        "1",
        "--batch-size",
        "16",
        "--out",
        adapter.to_str().unwrap(),
    ];
    args.extend_from_slice(options);
    (pird(&args), adapter)
}

/// The `training.json` record of an adapter directory.
fn training_record(adapter: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(adapter.join("training.json")).unwrap()).unwrap()
}

#[test]
fn a_short_epoch_lowers_the_heldout_loss_and_the_adapter_merges() {
    let dir = tempfile::tempdir().unwrap();
    let (output, adapter) = adapt_one_epoch(
        dir.path(),
        256,
        96,
        &["--max-tokens", "48", "--learning-rate", "1e-3"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let log = stderr(&output);
    assert!(log.contains("training on 256"), "{log}");

    let record = training_record(&adapter);
    let loss = |epoch: usize| {
        record["epochs"][epoch]["heldout"][0]["loss"]
            .as_f64()
            .unwrap()
    };
    assert_eq!(record["epochs"][1]["steps"], 16);
    // The shipped adapter's settings are the defaults.
    assert_eq!(record["config"]["one_source_per_batch"], true);
    assert_eq!(record["config"]["cut_pairs_evenly"], true);
    assert_eq!(record["config"]["temperature"], 0.03);
    assert_eq!(record["config"]["neighbour_run"], 16);
    assert_eq!(record["heldout_margin_k"], pird_align::RETRIEVAL_K);
    assert!(
        loss(1) < loss(0) - 0.05,
        "held-out loss {} before, {} after",
        loss(0),
        loss(1)
    );
    let card = std::fs::read_to_string(adapter.join("README.md")).unwrap();
    assert!(card.contains("| held | 96 | InfoNCE loss |"), "{card}");
    assert!(card.contains("each drawn from one training file"), "{card}");
    assert!(card.contains("to the same share of their tokens"), "{card}");
    assert!(card.contains("in runs of 16 consecutive pairs"), "{card}");

    // The adapter merges into a fresh import of the default model's source file.
    let source = repo().join("data/models/.cache/e5-small-q4.bin");
    let merged = dir.path().join("merged");
    let output = pird(&[
        "model",
        "import",
        source.to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
        "--adapter",
        adapter.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let record: Value =
        serde_json::from_str(&std::fs::read_to_string(merged.join("pird.json")).unwrap()).unwrap();
    assert_eq!(record["adapter"]["rank"], 16);
    assert_eq!(record["adapter"]["modules"], 72);
}

#[test]
fn a_table_without_pairs_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.tsv");
    std::fs::write(&bad, "source\ttarget\na\tb\n").unwrap();
    let output = pird(&[
        "adapt",
        bad.to_str().unwrap(),
        "--heldout",
        bad.to_str().unwrap(),
        "--model",
        &base_model(),
        "--out",
        dir.path().join("out").to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let log = stderr(&output);
    assert!(
        log.contains("bad.tsv:1: the header has no 'ckb' column (found: source, target)"),
        "{log}"
    );
    assert!(!dir.path().join("out").exists());
}

#[test]
fn batch_settings_other_than_the_defaults_reach_the_record_and_card() {
    let dir = tempfile::tempdir().unwrap();
    let options = [
        "--max-tokens",
        "32",
        "--max-steps",
        "1",
        "--one-source-per-batch=false",
        "--cut-evenly=false",
        "--neighbour-run",
        "4",
    ];
    let (output, adapter) = adapt_one_epoch(dir.path(), 32, 16, &options);
    assert!(output.status.success(), "{}", stderr(&output));
    let record = training_record(&adapter);
    assert_eq!(record["config"]["one_source_per_batch"], false);
    assert_eq!(record["config"]["cut_pairs_evenly"], false);
    assert_eq!(record["config"]["neighbour_run"], 4);
    let card = std::fs::read_to_string(adapter.join("README.md")).unwrap();
    assert!(
        card.contains("mixing the training files, in runs of 4 consecutive pairs"),
        "{card}"
    );
    assert!(
        !card.contains("to the same share of their tokens"),
        "{card}"
    );
}
