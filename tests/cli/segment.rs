//! End-to-end runs of `pird segment` on the seed articles and on bad input.

use polars::prelude::*;
use std::path::Path;

use crate::util::{pird, seed, stderr};

fn read_sentences(path: &Path) -> DataFrame {
    let file = std::fs::File::open(path).unwrap();
    match path.extension().unwrap().to_str().unwrap() {
        "parquet" => ParquetReader::new(file).finish().unwrap(),
        "ndjson" => JsonReader::new(file)
            .with_json_format(JsonFormat::JsonLines)
            .finish()
            .unwrap(),
        "csv" => CsvReadOptions::default()
            .with_has_header(true)
            .try_into_reader_with_file_path(Some(path.to_path_buf()))
            .unwrap()
            .finish()
            .unwrap(),
        other => panic!("unexpected extension {other}"),
    }
}

fn texts(df: &DataFrame, doc_id: &str) -> Vec<String> {
    let ids = df.column("doc_id").unwrap().str().unwrap();
    let texts = df.column("text").unwrap().str().unwrap();
    ids.iter()
        .zip(texts.iter())
        .filter(|(id, _)| *id == Some(doc_id))
        .map(|(_, t)| t.unwrap().to_string())
        .collect()
}

#[test]
fn seeds_segment_into_sentences_with_quotes_attached() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sentences.parquet");
    let seeds = [
        "paris-conference.ckb.txt",
        "paris-conference.arb.txt",
        "haftar-candidacy.ckb.txt",
    ]
    .map(seed);
    let mut args = vec!["segment"];
    args.extend(seeds.iter().map(String::as_str));
    args.extend(["-o", out.to_str().unwrap()]);
    let output = pird(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let df = read_sentences(&out);
    assert_eq!(
        df.get_column_names()
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>(),
        ["doc_id", "lang", "sent_id", "text", "start", "end"]
    );
    let ckb = texts(&df, "paris-conference.ckb");
    let arb = texts(&df, "paris-conference.arb");
    let haftar = texts(&df, "haftar-candidacy.ckb");
    assert_eq!((ckb.len(), arb.len(), haftar.len()), (21, 19, 11));
    // Closing quotes after a space stay with their sentence.
    assert!(
        ckb[3].ends_with("مەترسیی دەستپێکردنەوەی شەڕ زیاد دەبێت. \""),
        "{}",
        ckb[3]
    );
    assert!(ckb[9].ends_with("رازی بن. \""), "{}", ckb[9]);
    assert!(ckb[10].starts_with("ئیمانوێل ماکرۆن دەڵێت:"));
    // Dates with spaced dashes and "5 + 5" do not split; "[...]" does not split.
    assert!(haftar[0].contains("١٦ - ١١ - ٢٠٢١ لە گوتارێکدا"));
    assert!(arb[11].contains("المشتركة 5 + 5 توقف"));
    assert!(arb[6].contains("[...] ليس في الأسابيع المقبلة") && arb[6].ends_with("المقبلة\"."));
    // Languages detected per document.
    let langs = df.column("lang").unwrap().str().unwrap();
    let ids = df.column("doc_id").unwrap().str().unwrap();
    for (id, lang) in ids.iter().zip(langs.iter()) {
        let expected = if id.unwrap().ends_with(".arb") {
            "arb"
        } else {
            "ckb"
        };
        assert_eq!(lang, Some(expected));
    }
    // Offsets point into the original: slicing the file by characters gives the sentence.
    let original: Vec<char> = std::fs::read_to_string(&seeds[0])
        .unwrap()
        .chars()
        .collect();
    let starts = df.column("start").unwrap().u32().unwrap();
    let ends = df.column("end").unwrap().u32().unwrap();
    let mut k = 0;
    for i in 0..df.height() {
        if ids.get(i) == Some("paris-conference.ckb") {
            let (s, e) = (
                starts.get(i).unwrap() as usize,
                ends.get(i).unwrap() as usize,
            );
            assert_eq!(original[s..e].iter().collect::<String>(), ckb[k]);
            k += 1;
        }
    }
}

#[test]
fn every_output_format_holds_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut heights = Vec::new();
    for ext in ["parquet", "csv", "ndjson"] {
        let out = dir.path().join(format!("s.{ext}"));
        let output = pird(&[
            "segment",
            &seed("paris-conference.arb.txt"),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(output.status.success(), "{}", stderr(&output));
        let df = read_sentences(&out);
        heights.push(df.height());
        assert_eq!(
            texts(&df, "paris-conference.arb")[13],
            "وقال «ماكرون»: \"إن خطة انسحاب المرتزقة يجب أن تنفذ."
        );
    }
    assert_eq!(heights, [19, 19, 19]);
}

#[test]
fn collections_bom_and_crlf_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let tsv = dir.path().join("docs.tsv");
    std::fs::write(
        &tsv,
        "\u{FEFF}doc_id\ttext\r\nd1\tیەکەم ڕستە. دووەم ڕستە؟\r\nd2\tالجملة الأولى. الثانية!\r\n",
    )
    .unwrap();
    let jsonl = dir.path().join("more.jsonl");
    std::fs::write(
        &jsonl,
        "{\"doc_id\": \"d3\", \"text\": \"سێیەم.\\r\\nچوارەم.\"}\n",
    )
    .unwrap();
    let out = dir.path().join("s.ndjson");
    let output = pird(&[
        "segment",
        "--lang",
        "auto",
        tsv.to_str().unwrap(),
        jsonl.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let df = read_sentences(&out);
    assert_eq!(texts(&df, "d1"), ["یەکەم ڕستە.", "دووەم ڕستە؟"]);
    assert_eq!(texts(&df, "d2"), ["الجملة الأولى.", "الثانية!"]);
    assert_eq!(texts(&df, "d3"), ["سێیەم.", "چوارەم."]);
}

#[test]
fn invalid_utf8_is_an_error_naming_file_and_byte_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.ckb.txt");
    std::fs::write(&bad, b"\xd8\xb3\xd9\x84\xd8\xa7\xd9\x88.\n\xff\xfe").unwrap();
    let out = dir.path().join("s.parquet");
    let output = pird(&[
        "segment",
        bad.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(
        err.contains("bad.ckb.txt")
            && err.contains("not valid UTF-8 at byte 10")
            && err.contains("line 2"),
        "{err}"
    );
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file is left behind"
    );
}

#[test]
fn an_existing_output_survives_a_failed_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.csv");
    std::fs::write(&out, "precious").unwrap();
    let output = pird(&[
        "segment",
        dir.path().join("missing.txt").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("missing.txt: cannot read"),
        "{}",
        stderr(&output)
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "precious");
}

#[test]
fn empty_documents_give_no_rows_and_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "\u{FEFF}  \r\n").unwrap();
    let out = dir.path().join("s.csv");
    let output = pird(&[
        "segment",
        "--lang",
        "ckb",
        empty.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("empty.txt: document 'empty' is empty"),
        "{}",
        stderr(&output)
    );
    assert_eq!(read_sentences(&out).height(), 0);
}

#[test]
fn a_file_given_as_the_wrong_language_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.csv");
    let output = pird(&[
        "segment",
        "--lang",
        "ckb",
        &seed("paris-conference.arb.txt"),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("was given as ckb but looks like arb"),
        "{}",
        stderr(&output)
    );
    let english = dir.path().join("english.txt");
    std::fs::write(&english, "This is an English document. It is not Sorani.").unwrap();
    let output = pird(&[
        "segment",
        "--lang",
        "ckb",
        english.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(
        stderr(&output).contains("looks like neither Sorani nor Arabic"),
        "{}",
        stderr(&output)
    );
    let output = pird(&[
        "segment",
        english.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("cannot tell the language"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn unknown_output_extension_and_language_are_refused() {
    let output = pird(&[
        "segment",
        &seed("paris-conference.arb.txt"),
        "-o",
        "/tmp/x.xlsx",
    ]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("cannot tell the table format"),
        "{}",
        stderr(&output)
    );
    let output = pird(&[
        "segment",
        "--lang",
        "fas",
        &seed("paris-conference.arb.txt"),
        "-o",
        "/tmp/x.csv",
    ]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("unknown language 'fas'"),
        "{}",
        stderr(&output)
    );
}
