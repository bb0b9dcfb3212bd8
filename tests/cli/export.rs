//! End-to-end runs of `pird export`: round trips through TMX and JSONL back into `pird eval`,
//! streaming of a large Parquet table, and bad input. No model is needed: the alignments tables
//! are written here. (Real consumers — translate-toolkit, lxml with the TMX DTD, Hugging Face
//! datasets — read the exports in scripts/check-exports, which the test command runs.)

use polars::prelude::*;
use std::ffi::OsStr;
use std::path::Path;
use std::process::Output;

use crate::util::pird;

fn ok(output: Output) -> Output {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// An alignments table (CSV) of one document pair: five 1-1 beads, a 2-1, a deletion and a
/// duplicate of the first pair, with calibrated scores; and gold beads for it.
fn write_case(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let table = dir.join("pred.csv");
    let rows = [
        ("[0]", "[0]", "یەک", "واحد", "0.95"),
        ("[1]", "[1]", "دوو \"x\" & <y>", "اثنان", "0.9"),
        ("[2, 3]", "[2]", "سێ چوار", "ثلاثة وأربعة", "0.7"),
        ("[4]", "[3]", "پێنج", "خمسة", "0.4"),
        ("[5]", "[]", "شەش", "", "0.2"),
        ("[6]", "[5]", "حەوت", "ستة", "0.3"),
        ("[7]", "[6]", "یەک", "واحد", "0.8"),
    ];
    let mut csv =
        String::from("src_doc,tgt_doc,src_ids,tgt_ids,src_text,tgt_text,bead,score,method,model\n");
    for (s, t, st, tt, score) in rows {
        let bead = format!(
            "{}-{}",
            s.matches(|c: char| c.is_ascii_digit()).count(),
            t.matches(|c: char| c.is_ascii_digit()).count()
        );
        let quoted = |text: &str| format!("\"{}\"", text.replace('"', "\"\""));
        csv += &format!(
            "d.ckb,d.arb,\"{s}\",\"{t}\",{},{},{bead},{score},parallel-dp,test-model\n",
            quoted(st),
            quoted(tt)
        );
    }
    std::fs::write(&table, csv).unwrap();
    let gold = dir.join("gold.beads");
    std::fs::write(
        &gold,
        "[0]:[0]\n[1]:[1]\n[2, 3]:[2]\n[4]:[3]\n[5]:[4]\n[6]:[5]\n[7]:[6]\n",
    )
    .unwrap();
    (table, gold)
}

/// `(metric, value)` lines of a metrics CSV.
fn metric_values(path: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            (fields[3].to_string(), fields[4].to_string())
        })
        .collect()
}

#[test]
fn tmx_and_jsonl_exports_read_back_as_the_same_predictions() {
    let dir = tempfile::tempdir().unwrap();
    let (table, gold) = write_case(dir.path());
    let eval = |pred: &Path, name: &str| {
        let metrics = dir.path().join(name);
        ok(pird(&[
            "eval".as_ref(),
            "--pred".as_ref(),
            pred.as_os_str(),
            "--gold".as_ref(),
            gold.as_os_str(),
            "-o".as_ref(),
            metrics.as_os_str(),
        ]));
        metric_values(&metrics)
    };
    let direct = eval(&table, "direct.csv");
    assert!(direct.iter().any(|(m, _)| m == "mining_ap"));
    for format in ["tmx", "jsonl"] {
        let exported = dir.path().join(format!("pairs.{format}"));
        let output = ok(pird(&[
            "export".as_ref(),
            table.as_os_str(),
            "--format".as_ref(),
            format.as_ref(),
            "--keep-doc-ids".as_ref(),
            "-o".as_ref(),
            exported.as_os_str(),
        ]));
        // The deletion is not a translation pair; everything else goes out.
        assert!(
            String::from_utf8_lossy(&output.stderr)
                .contains("6 of 7 pairs (left out: 1 deletions)"),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        // Read back, the pairs score exactly as the table minus its deletion: the deletion
        // only ever lowers strict precision, so compare against the table without it.
        let round_trip = eval(&exported, &format!("{format}.csv"));
        let value = |rows: &[(String, String)], m: &str| {
            rows.iter().find(|(name, _)| name == m).unwrap().1.clone()
        };
        for metric in ["strict_recall", "lax_recall", "mining_ap", "mining_best_f1"] {
            assert_eq!(
                value(&round_trip, metric),
                value(&direct, metric),
                "{format} {metric}"
            );
        }
        assert_eq!(
            value(&direct, "strict_precision"),
            "0.8571428571428571",
            "6 of 7"
        );
        assert_eq!(value(&round_trip, "strict_precision"), "1.0", "6 of 6");
    }
    // Without ids an export cannot be read back, and says so.
    let plain = dir.path().join("plain.tmx");
    ok(pird(&[
        "export".as_ref(),
        table.as_os_str(),
        "--format".as_ref(),
        "tmx".as_ref(),
        "-o".as_ref(),
        plain.as_os_str(),
    ]));
    let output = pird(&[
        "eval".as_ref(),
        "--pred".as_ref(),
        plain.as_os_str(),
        "--gold".as_ref(),
        gold.as_os_str(),
        "-o".as_ref(),
        dir.path().join("m.csv").as_os_str(),
    ]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--keep-doc-ids"));
}

#[test]
fn filters_apply_and_moses_files_stay_line_aligned() {
    let dir = tempfile::tempdir().unwrap();
    let (table, _) = write_case(dir.path());
    let prefix = dir.path().join("corpus");
    let output = ok(pird(&[
        "export".as_ref(),
        table.as_os_str(),
        "--format".as_ref(),
        "moses".as_ref(),
        "--min-score".as_ref(),
        "0.5".as_ref(),
        "--beads".as_ref(),
        "1-1".as_ref(),
        "--dedupe".as_ref(),
        "-o".as_ref(),
        prefix.as_os_str(),
    ]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("2 of 7 pairs (left out: 1 deletions, 2 below --min-score, 1 other bead types, 1 duplicates)"),
        "{stderr}"
    );
    let ckb = std::fs::read_to_string(dir.path().join("corpus.ckb")).unwrap();
    let ar = std::fs::read_to_string(dir.path().join("corpus.ar")).unwrap();
    assert_eq!(ckb, "یەک\nدوو \"x\" & <y>\n");
    assert_eq!(ar, "واحد\nاثنان\n");
}

#[test]
fn a_large_parquet_table_streams_through_in_slices() {
    let dir = tempfile::tempdir().unwrap();
    let rows = 150_000u32;
    let lists = |offset: u32| -> Column {
        let values: Vec<Series> = (0..rows)
            .map(|i| Series::new("".into(), [i + offset]))
            .collect();
        Series::new("ids".into(), values).into()
    };
    let mut src_ids = lists(0);
    src_ids.rename("src_ids".into());
    let mut tgt_ids = lists(0);
    tgt_ids.rename("tgt_ids".into());
    let mut frame = DataFrame::new(
        rows as usize,
        vec![
            Column::new("src_doc".into(), vec!["a"; rows as usize]),
            Column::new("tgt_doc".into(), vec!["b"; rows as usize]),
            src_ids,
            tgt_ids,
            Column::new(
                "src_text".into(),
                (0..rows).map(|i| format!("ڕستەی {i}")).collect::<Vec<_>>(),
            ),
            Column::new(
                "tgt_text".into(),
                (0..rows).map(|i| format!("جملة {i}")).collect::<Vec<_>>(),
            ),
            Column::new("score".into(), vec![0.9f32; rows as usize]),
        ],
    )
    .unwrap();
    let table = dir.path().join("big.parquet");
    ParquetWriter::new(std::fs::File::create(&table).unwrap())
        .finish(&mut frame)
        .unwrap();
    let prefix = dir.path().join("big");
    ok(pird(&[
        "export".as_ref(),
        table.as_os_str(),
        "--format".as_ref(),
        "moses".as_ref(),
        "-o".as_ref(),
        prefix.as_os_str(),
    ]));
    let lines: Vec<String> = std::fs::read_to_string(dir.path().join("big.ar"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(lines.len(), rows as usize);
    // In order, across the slice boundaries (65,536 rows each).
    for i in [0usize, 65_535, 65_536, 131_072, 149_999] {
        assert_eq!(lines[i], format!("جملة {i}"));
    }
}

#[test]
fn bad_input_fails_with_a_clear_message_and_keeps_old_output() {
    let dir = tempfile::tempdir().unwrap();
    let (table, _) = write_case(dir.path());
    let out = dir.path().join("pairs.jsonl");
    std::fs::write(&out, "old\n").unwrap();
    let run = |extra: &[&str], input: &Path, output: &Path| -> String {
        let mut args: Vec<&OsStr> = vec!["export".as_ref(), input.as_os_str()];
        args.extend(extra.iter().map(OsStr::new));
        args.extend(["-o".as_ref(), output.as_os_str()]);
        let result = pird(&args);
        assert!(!result.status.success(), "{extra:?} should fail");
        String::from_utf8_lossy(&result.stderr).into_owned()
    };
    let jsonl = ["--format", "jsonl"];
    let missing = dir.path().join("missing.parquet");
    assert!(run(&jsonl, &missing, &out).contains("missing.parquet"));
    let no_ids = dir.path().join("no-ids.csv");
    std::fs::write(&no_ids, "src_doc,tgt_doc,src_text,tgt_text\na,b,x,y\n").unwrap();
    assert!(run(&jsonl, &no_ids, &out).contains("no-ids.csv: no 'src_ids' column"));
    let bad_ids = dir.path().join("bad-ids.csv");
    std::fs::write(
        &bad_ids,
        "src_doc,tgt_doc,src_ids,tgt_ids,src_text,tgt_text\na,b,[0],[0],x,y\na,b,[1],[one],x,y\n",
    )
    .unwrap();
    assert!(run(&jsonl, &bad_ids, &out).contains("bad-ids.csv: column 'tgt_ids', row 2"));
    assert!(run(
        &["--format", "jsonl", "--length-ratio", "2..1"],
        &table,
        &out
    )
    .contains("above"));
    assert!(run(&["--format", "jsonl", "--beads", "1:1"], &table, &out).contains("1:1"));
    assert!(
        run(&["--format", "tmx", "--tgt-lang", "ar IQ"], &table, &out).contains("language tag")
    );
    assert!(run(&["--format", "xliff"], &table, &out).contains("xliff"));
    let unwritable = dir.path().join("pred.csv").join("pairs.jsonl");
    assert!(run(&jsonl, &table, &unwritable).contains("pairs.jsonl"));
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "old\n",
        "failed runs leave it alone"
    );
}
