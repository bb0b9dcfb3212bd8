//! End-to-end runs of `pird batch` with the default model on FLORES-200 dev documents: bad input
//! of every kind, kill and resume, sharding, deduplicated embedding, progress lines and logs.

use polars::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{default_model, pird_command, repo, stderr};

/// `pird batch` with the default model, two threads and a cache of the test's own.
fn batch<S: AsRef<std::ffi::OsStr>>(args: &[S], cache: &Path) -> Command {
    let mut command = pird_command();
    command
        .arg("batch")
        .args(args)
        .arg("--model")
        .arg(default_model())
        .arg("--cache")
        .arg(cache);
    command
}

/// The first `n` FLORES dev documents as line files `ckb/docNNN.ckb.txt` and `arb/docNNN.arb.txt`.
fn flores_documents(dir: &Path, n: usize) -> (PathBuf, PathBuf) {
    let documents =
        pird_eval::read_flores_documents(repo().join("data/flores200-dev"), "ckb_Arab", "arb_Arab")
            .unwrap();
    let (src, tgt) = (dir.join("ckb"), dir.join("arb"));
    std::fs::create_dir_all(&src).unwrap();
    std::fs::create_dir_all(&tgt).unwrap();
    for (k, doc) in documents.iter().take(n).enumerate() {
        let join = |side: &[String]| side.join("\n") + "\n";
        std::fs::write(src.join(format!("doc{k:03}.ckb.txt")), join(&doc.source)).unwrap();
        std::fs::write(tgt.join(format!("doc{k:03}.arb.txt")), join(&doc.target)).unwrap();
    }
    (src, tgt)
}

fn read_parquet(path: &Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap()
}

/// The summary's `pair_id → (status, error)`.
fn summary(path: &Path) -> BTreeMap<String, (String, Option<String>)> {
    let table = read_parquet(path);
    let column = |name: &str| table.column(name).unwrap().str().unwrap().clone();
    let (ids, status, error) = (column("pair_id"), column("status"), column("error"));
    (0..table.height())
        .map(|i| {
            (
                ids.get(i).unwrap().to_string(),
                (
                    status.get(i).unwrap().to_string(),
                    error.get(i).map(String::from),
                ),
            )
        })
        .collect()
}

#[test]
fn bad_inputs_fail_their_pair_with_a_clear_error_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let (src, tgt) = flores_documents(dir.path(), 1);
    let good_ckb = src.join("doc000.ckb.txt");
    let good_arb = tgt.join("doc000.arb.txt");
    let bad = dir.path().join("bad");
    std::fs::create_dir_all(&bad).unwrap();
    let sorani = std::fs::read_to_string(&good_ckb).unwrap();
    let arabic = std::fs::read_to_string(&good_arb).unwrap();
    let files: [(&str, Vec<u8>); 7] = [
        ("latin1.txt", b"caf\xe9 au lait\n".to_vec()),
        ("binary.txt", vec![0x7f, b'E', b'L', b'F', 0, 0, 1, 2]),
        ("empty.txt", Vec::new()),
        // 20 MB on one line with no sentence end: one "sentence" of 10 M characters.
        ("huge-line.txt", "ێۆ".repeat(5 << 20).into_bytes()),
        (
            "english.txt",
            b"This report is written in English, not in Sorani.\n".to_vec(),
        ),
        (
            "mixed.txt",
            format!("{sorani}{arabic}{sorani}").into_bytes(),
        ),
        ("good.txt", sorani.clone().into_bytes()),
    ];
    for (name, bytes) in &files {
        std::fs::write(bad.join(name), bytes).unwrap();
    }
    let manifest = dir.path().join("manifest.csv");
    let mut rows = String::from("pair_id,src,tgt\n");
    for (name, _) in &files {
        let id = name.trim_end_matches(".txt");
        rows += &format!("{id},{},{}\n", bad.join(name).display(), good_arb.display());
    }
    rows += &format!(
        "missing,{},{}\n",
        dir.path().join("nowhere.txt").display(),
        good_arb.display()
    );
    std::fs::write(&manifest, rows).unwrap();
    let out = dir.path().join("out");
    let cache = dir.path().join("cache.redb");
    let output = batch(
        &[
            manifest.to_str().unwrap(),
            "--lines",
            "--src-lang",
            "ckb",
            "--tgt-lang",
            "arb",
            "-o",
            out.to_str().unwrap(),
        ],
        &cache,
    )
    .env("PIRD_PROGRESS_SECONDS", "0")
    .env("RUST_LOG", "pird=info")
    .env("PIRD_LOG_FORMAT", "json")
    .output()
    .unwrap();
    let log = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "some pairs failed: {log}");
    let rows = summary(&out.join("summary.parquet"));
    let error = |id: &str| rows[id].1.clone().unwrap_or_default();
    assert_eq!(rows["good"].0, "ok", "{rows:?}");
    assert!(out.join("alignments/good.parquet").is_file());
    for (id, culprit) in [
        ("latin1", "not valid UTF-8 at byte 3 (line 1)"),
        ("binary", "NUL byte at byte 4"),
        ("empty", "the document is empty"),
        ("huge-line", "has 10485760 characters"),
        (
            "english",
            "given as ckb but reads as neither Sorani nor Arabic",
        ),
        ("mixed", "mixes Sorani"),
        ("missing", "nowhere.txt"),
    ] {
        assert_eq!(rows[id].0, "failed", "{id}");
        assert!(error(id).contains(culprit), "{id}: {}", error(id));
        assert!(!out.join(format!("alignments/{id}.parquet")).exists());
    }
    let file_named = |id: &str, name: &str| error(id).contains(name);
    assert!(file_named("latin1", "latin1.txt") && file_named("huge-line", "huge-line.txt"));
    // Plain progress lines (standard error is a pipe), JSON logs, and the closing line.
    assert!(log.contains("pird batch: 8/8 pairs (7 failed)"), "{log}");
    assert!(
        log.contains("\"message\":\"pair aligned\"") && log.contains("\"pair\":\"good\""),
        "{log}"
    );
    assert!(log.contains("7 of 8 pairs failed"), "{log}");

    // A manifest with a malformed row stops the run before any work, naming the line.
    let broken = dir.path().join("broken.tsv");
    std::fs::write(
        &broken,
        format!(
            "src\ttgt\n{}\t{}\n{}\n",
            good_ckb.display(),
            good_arb.display(),
            good_ckb.display()
        ),
    )
    .unwrap();
    let output = batch(
        &[
            broken.to_str().unwrap(),
            "--lines",
            "-o",
            dir.path().join("out2").to_str().unwrap(),
        ],
        &cache,
    )
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("broken.tsv: line 3"),
        "{}",
        stderr(&output)
    );

    // An output folder that cannot be made: clear error, exit 1.
    let under_a_file = good_ckb.join("out");
    let output = batch(
        &[
            manifest.to_str().unwrap(),
            "-o",
            under_a_file.to_str().unwrap(),
        ],
        &cache,
    )
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("cannot create the output directory"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_full_disk_fails_cleanly_without_half_written_files() {
    let dir = tempfile::tempdir().unwrap();
    let (src, tgt) = flores_documents(dir.path(), 3);
    let out = dir.path().join("out");
    // A file-size limit of 1–2 KiB with SIGXFSZ ignored: writes past it fail with EFBIG, as on a
    // full disk: the alignments tables (and perhaps the status records) cannot be written.
    let script = format!(
        "trap '' XFSZ; ulimit -f 2; exec \"$0\" batch --src-dir {} --tgt-dir {} --lines --no-cache --model {} -o {}",
        src.display(),
        tgt.display(),
        default_model(),
        out.display()
    );
    let output = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_pird"))
        .env("PIRD_THREADS", "2")
        .output()
        .unwrap();
    let log = stderr(&output);
    assert!(!output.status.success(), "{log}");
    assert!(log.contains("File too large"), "{log}");
    for sub in ["alignments", "status"] {
        for entry in std::fs::read_dir(out.join(sub)).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            assert!(
                !name.ends_with(".tmp"),
                "temporary file left behind: {name}"
            );
            if sub == "alignments" {
                // Whatever is there is whole: it reads as a table.
                read_parquet(&out.join(sub).join(&name));
            }
        }
    }
}

/// Every alignments table of a run folder, by file name.
fn tables(out: &Path) -> BTreeMap<String, DataFrame> {
    std::fs::read_dir(out.join("alignments"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                read_parquet(&p),
            )
        })
        .collect()
}

/// Same rows: ids, texts and bead types exactly, scores to 1e-5 (the encoder's batches differ
/// between runs, which moves float results in the last digits).
fn assert_same_rows(a: &DataFrame, b: &DataFrame, name: &str) {
    assert_eq!(a.shape(), b.shape(), "{name}");
    for column in [
        "src_ids", "tgt_ids", "src_text", "tgt_text", "bead", "src_doc", "tgt_doc",
    ] {
        assert!(
            a.column(column).unwrap().equals(b.column(column).unwrap()),
            "{name}: column {column} differs"
        );
    }
    for column in ["cosine", "margin", "score"] {
        let values = |df: &DataFrame| -> Vec<Option<f32>> {
            df.column(column).unwrap().f32().unwrap().iter().collect()
        };
        for (x, y) in values(a).iter().zip(values(b)) {
            match (x, y) {
                (Some(x), Some(y)) => assert!((x - y).abs() < 1e-5, "{name}: {column} {x} vs {y}"),
                (x, y) => assert_eq!(*x, y, "{name}: {column}"),
            }
        }
    }
}

#[test]
fn a_killed_run_resumes_to_the_rows_of_an_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let (src, tgt) = flores_documents(dir.path(), 30);
    let args = |out: &Path| -> Vec<String> {
        [
            "--src-dir",
            src.to_str().unwrap(),
            "--tgt-dir",
            tgt.to_str().unwrap(),
            "--lines",
            "--chunk-pairs",
            "2",
            "--jobs",
            "1",
            "-o",
            out.to_str().unwrap(),
        ]
        .map(String::from)
        .to_vec()
    };
    let run = |out: &Path, cache: &Path| batch(&args(out), cache);
    let clean = dir.path().join("clean");
    let output = run(&clean, &dir.path().join("clean.redb"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));

    // Kill -9 once a few pairs are done, then start again.
    let resumed = dir.path().join("resumed");
    let cache = dir.path().join("resumed.redb");
    let mut child = run(&resumed, &cache).stderr(Stdio::null()).spawn().unwrap();
    let started = Instant::now();
    let done = |out: &Path| std::fs::read_dir(out.join("status")).map_or(0, |d| d.count());
    while done(&resumed) < 4 && started.elapsed() < Duration::from_secs(300) {
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let before = done(&resumed);
    assert!((4..30).contains(&before), "killed after {before} pairs");
    let output = run(&resumed, &cache).output().unwrap();
    let log = stderr(&output);
    assert!(output.status.success(), "{log}");
    assert!(
        log.contains("30 pairs (") && log.contains("finished before"),
        "{log}"
    );

    let (a, b) = (tables(&clean), tables(&resumed));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    assert_eq!(a.len(), 30);
    for (name, table) in &a {
        assert_same_rows(table, &b[name], name);
    }
    let rows = summary(&resumed.join("summary.parquet"));
    assert_eq!(rows.len(), 30, "one summary row per pair, no duplicates");
    assert!(rows.values().all(|(status, _)| status == "ok"));
}

#[test]
fn concurrent_shards_cover_the_corpus_once_and_shared_texts_are_embedded_once() {
    let dir = tempfile::tempdir().unwrap();
    let (src, tgt) = flores_documents(dir.path(), 6);
    let out = dir.path().join("out");
    let cache = dir.path().join("cache.redb");
    // Both shards at once on one machine, sharing one cache file: the second to open it goes
    // on without it (redb allows one holder) and says so.
    let workers: Vec<_> = ["1/2", "2/2"]
        .iter()
        .map(|shard| {
            batch(
                &[
                    "--src-dir",
                    src.to_str().unwrap(),
                    "--tgt-dir",
                    tgt.to_str().unwrap(),
                    "--lines",
                    "--shard",
                    shard,
                    "-o",
                    out.to_str().unwrap(),
                ],
                &cache,
            )
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    let logs: Vec<String> = workers
        .into_iter()
        .map(|worker| {
            let output = worker.wait_with_output().unwrap();
            assert!(output.status.success(), "{}", stderr(&output));
            stderr(&output)
        })
        .collect();
    assert!(
        logs.iter()
            .any(|log| log.contains("embedding without the cache")),
        "{logs:?}"
    );
    let mut ids = Vec::new();
    for label in ["1-of-2", "2-of-2"] {
        ids.extend(summary(&out.join(format!("summary.shard-{label}.parquet"))).into_keys());
    }
    ids.sort();
    let expected: Vec<String> = (0..6).map(|k| format!("doc{k:03}")).collect();
    assert_eq!(ids, expected, "each pair in exactly one shard");
    assert_eq!(tables(&out).len(), 6);

    // The same pair listed twice: its texts are embedded once.
    let manifest = dir.path().join("twice.csv");
    let pair = format!(
        "{},{}",
        src.join("doc000.ckb.txt").display(),
        tgt.join("doc000.arb.txt").display()
    );
    std::fs::write(&manifest, format!("pair_id,src,tgt\na,{pair}\nb,{pair}\n")).unwrap();
    let output = batch(
        &[
            manifest.to_str().unwrap(),
            "--lines",
            "-o",
            dir.path().join("twice").to_str().unwrap(),
        ],
        &cache,
    )
    .output()
    .unwrap();
    let log = stderr(&output);
    assert!(output.status.success(), "{log}");
    let counts: HashMap<&str, usize> = ["texts embedded (", "distinct, ", "from the cache)"]
        .iter()
        .map(|marker| {
            let before = log.split(marker).next().unwrap();
            let number = before
                .rsplit(|c: char| !c.is_ascii_digit())
                .find(|s| !s.is_empty())
                .unwrap();
            (*marker, number.parse().unwrap())
        })
        .collect();
    assert_eq!(
        counts["texts embedded ("],
        2 * counts["distinct, "],
        "{log}"
    );
    assert!(counts["from the cache)"] <= counts["distinct, "], "{log}");
}

#[test]
fn files_without_a_name_partner_are_paired_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let (src, tgt) = flores_documents(dir.path(), 3);
    std::fs::rename(tgt.join("doc001.arb.txt"), tgt.join("zeta.arb.txt")).unwrap();
    std::fs::rename(tgt.join("doc002.arb.txt"), tgt.join("eta.arb.txt")).unwrap();
    let out = dir.path().join("out");
    let output = batch(
        &[
            "--src-dir",
            src.to_str().unwrap(),
            "--tgt-dir",
            tgt.to_str().unwrap(),
            "--lines",
            "-o",
            out.to_str().unwrap(),
        ],
        &dir.path().join("cache.redb"),
    )
    .output()
    .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let ids: Vec<String> = summary(&out.join("summary.parquet")).into_keys().collect();
    assert_eq!(ids, ["doc000", "doc001--zeta", "doc002--eta"]);
}
