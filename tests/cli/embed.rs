//! End-to-end runs of `pird embed` with the default model (made by `scripts/fetch-model`).

use polars::prelude::*;
use std::process::Output;

use crate::util::{default_model, pird_command, repo, stderr};

/// Runs `pird ARGS` with two encoder threads and the extra environment `env`.
fn pird(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = pird_command();
    command.args(args);
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("pird runs")
}

#[test]
fn seed_sentences_embed_to_unit_vectors_and_the_cache_serves_a_second_run() {
    let dir = tempfile::tempdir().unwrap();
    let sentences = dir.path().join("sentences.parquet");
    let seed = repo().join("data/seeds/paris-conference.arb.txt");
    let output = pird(
        &[
            "segment",
            seed.to_str().unwrap(),
            "-o",
            sentences.to_str().unwrap(),
        ],
        &[],
    );
    assert!(output.status.success(), "{}", stderr(&output));

    let cache = dir.path().join("cache.redb");
    let out = dir.path().join("embeddings.parquet");
    let model = default_model();
    let args = [
        "embed",
        sentences.to_str().unwrap(),
        "--model",
        &model,
        "--cache",
        cache.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    let output = pird(&args, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("19 sentences (19 distinct, 0 from the cache, 19 encoded"),
        "{}",
        stderr(&output)
    );

    let df = ParquetReader::new(std::fs::File::open(&out).unwrap())
        .finish()
        .unwrap();
    assert_eq!(df.height(), 19);
    assert_eq!(
        df.column("vector").unwrap().dtype(),
        &DataType::Array(Box::new(DataType::Float32), 384)
    );
    assert_eq!(
        df.column("model").unwrap().str().unwrap().get(0),
        Some("multilingual-e5-small")
    );
    let vectors = df.column("vector").unwrap().array().unwrap();
    let first: Vec<f32> = vectors
        .get_as_series(0)
        .unwrap()
        .f32()
        .unwrap()
        .into_no_null_iter()
        .collect();
    let norm: f32 = first.iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");

    let again = dir.path().join("again.npy");
    let mut second = args;
    second[7] = again.to_str().unwrap();
    let output = pird(&second, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("19 from the cache, 0 encoded"),
        "{}",
        stderr(&output)
    );
    // .npy: a 128-byte-aligned header, then 19 × 384 little-endian f32 in row order.
    let bytes = std::fs::read(&again).unwrap();
    let data = &bytes[bytes.len() - 19 * 384 * 4..];
    let cached_first: Vec<f32> = data[..384 * 4]
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect();
    assert_eq!(cached_first, first);
}

#[test]
fn plain_text_lines_are_rows_and_duplicates_share_a_vector() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("lines.txt");
    std::fs::write(&text, "ماکرۆن گوتی.\nقال ماكرون.\nماکرۆن گوتی.\n").unwrap();
    let out = dir.path().join("e.ndjson");
    let output = pird(
        &[
            "embed",
            text.to_str().unwrap(),
            "--model",
            &default_model(),
            "--no-cache",
            "-o",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("3 sentences (2 distinct, 0 from the cache, 2 encoded"),
        "{}",
        stderr(&output)
    );
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[2]["sent_id"], 2);
    assert_eq!(lines[0]["vector"], lines[2]["vector"]);
    assert_ne!(lines[0]["vector"], lines[1]["vector"]);
}

#[test]
fn an_unreachable_hub_gives_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("lines.txt");
    std::fs::write(&text, "سڵاو\n").unwrap();
    let out = dir.path().join("e.parquet");
    let hf_home = dir.path().join("hf");
    let output = pird(
        &[
            "embed",
            text.to_str().unwrap(),
            "--model",
            "intfloat/multilingual-e5-small",
            "-o",
            out.to_str().unwrap(),
        ],
        &[
            ("HF_ENDPOINT", "http://127.0.0.1:9"),
            ("HF_HOME", hf_home.to_str().unwrap()),
        ],
    );
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(
        err.contains("cannot download config.json of model 'intfloat/multilingual-e5-small'"),
        "{err}"
    );
    assert!(err.contains("pass a local model directory"), "{err}");
    assert!(!out.exists());
}

#[test]
fn vectors_cannot_go_to_csv_and_a_missing_model_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("lines.txt");
    std::fs::write(&text, "سڵاو\n").unwrap();
    let output = pird(
        &[
            "embed",
            text.to_str().unwrap(),
            "-o",
            dir.path().join("e.csv").to_str().unwrap(),
        ],
        &[],
    );
    assert!(
        stderr(&output).contains("CSV cannot hold vectors"),
        "{}",
        stderr(&output)
    );
    let output = pird(
        &[
            "embed",
            text.to_str().unwrap(),
            "--model",
            "./no/such/dir",
            "-o",
            dir.path().join("e.parquet").to_str().unwrap(),
        ],
        &[],
    );
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("model './no/such/dir' is not a directory"),
        "{}",
        stderr(&output)
    );
}

/// Rows of an `.npy` matrix of `n` × 384 f32 written by `pird embed`.
fn npy_rows(path: &std::path::Path, n: usize) -> Vec<Vec<f32>> {
    let bytes = std::fs::read(path).unwrap();
    bytes[bytes.len() - n * 384 * 4..]
        .chunks_exact(384 * 4)
        .map(|row| {
            row.chunks_exact(4)
                .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
                .collect()
        })
        .collect()
}

/// tch and candle give the same vectors; vocalised and plain Arabic are one text to the model;
/// a narrow format is refused, with the reason, where the backend lacks it.
#[test]
fn backends_agree_and_narrow_formats_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("lines.txt");
    std::fs::write(
        &text,
        "كَتَبَ الْوَلَدُ الدَّرْسَ.\nكتب الولد الدرس.\nماکرۆن گوتی فەرەنسا ئامادەیە.\n",
    )
    .unwrap();
    let model = default_model();
    let embed = |extra: &[&str], out: &str| {
        let out = dir.path().join(out);
        let mut args = vec![
            "embed",
            text.to_str().unwrap(),
            "--model",
            &model,
            "-o",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        (pird(&args, &[]), out)
    };
    let (output, tch) = embed(&["--backend", "tch", "--no-cache"], "tch.npy");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("3 sentences (2 distinct"),
        "{}",
        stderr(&output)
    );
    let (output, candle) = embed(&["--backend", "candle", "--no-cache"], "candle.npy");
    assert!(output.status.success(), "{}", stderr(&output));
    let (tch, candle) = (npy_rows(&tch, 3), npy_rows(&candle, 3));
    assert_eq!(tch[0], tch[1]);
    for (a, b) in tch.iter().zip(&candle) {
        let cosine: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
        assert!(cosine >= 0.9999, "tch vs candle cosine {cosine}");
    }

    let (output, _) = embed(
        &["--backend", "tch", "--precision", "fp16", "--no-cache"],
        "half.npy",
    );
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("fp16 needs a CUDA device"),
        "{}",
        stderr(&output)
    );

    let (output, _) = embed(
        &["--backend", "candle", "--precision", "bf16", "--no-cache"],
        "bf16.npy",
    );
    assert!(!output.status.success());
    assert!(stderr(&output).contains("fp32 only"), "{}", stderr(&output));
}
