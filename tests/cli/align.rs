//! End-to-end runs of `pird align` and `pird docalign` with the default model (imported and
//! calibrated by `scripts/fetch-model`).

use polars::prelude::*;
use std::path::PathBuf;
use std::process::Output;

use crate::util::{default_model, pird, repo, seed, stderr};

/// `pird align SOURCE TARGET --mode MODE` with the default model and no cache, into `out`.
fn align(source: &str, target: &str, mode: &str, out: &std::path::Path) -> Output {
    pird(&[
        "align",
        source,
        target,
        "--mode",
        mode,
        "--model",
        &default_model(),
        "--no-cache",
        "-o",
        out.to_str().unwrap(),
    ])
}

/// (src_ids, tgt_ids) of every row.
fn id_pairs(df: &DataFrame) -> Vec<(Vec<u32>, Vec<u32>)> {
    let ids = |name: &str| -> Vec<Vec<u32>> {
        let lists = df.column(name).unwrap().list().unwrap().clone();
        (0..lists.len())
            .map(|r| {
                lists
                    .get_as_series(r)
                    .unwrap()
                    .u32()
                    .unwrap()
                    .into_no_null_iter()
                    .collect()
            })
            .collect()
    };
    ids("src_ids").into_iter().zip(ids("tgt_ids")).collect()
}

#[test]
fn the_paris_reports_share_the_quotes_and_statements() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pairs.parquet");
    let output = align(
        &seed("paris-conference.ckb.txt"),
        &seed("paris-conference.arb.txt"),
        "comparable",
        &out,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let df = ParquetReader::new(std::fs::File::open(&out).unwrap())
        .finish()
        .unwrap();
    let pairs = id_pairs(&df);
    // Sentence numbers as `pird segment` gives them (see tests/segment_cli.rs); the five pairs
    // of data/seeds/paris-conference.gold.beads.
    let expected = [
        (vec![0], vec![0]),   // the opening: the conference in Paris on 12 November
        (vec![9], vec![2]),   // the joint statement on the 24 December elections
        (vec![12], vec![5]),  // the sanctions statement
        (vec![19], vec![13]), // Macron: the plan for the mercenaries' withdrawal must be carried out
        (vec![20], vec![14]), // Macron's second quote
    ];
    // A bead that holds a gold pair and one neighbour more counts: the Arabic sanctions sentence
    // also says what the Sorani sentence before the quote says, so [11, 12]–[5] is right too.
    let holds = |bead: &(Vec<u32>, Vec<u32>), pair: &(Vec<u32>, Vec<u32>)| {
        pair.0.iter().all(|i| bead.0.contains(i))
            && pair.1.iter().all(|i| bead.1.contains(i))
            && bead.0.len() + bead.1.len() <= pair.0.len() + pair.1.len() + 1
    };
    // Known misses since the document-pair calibration (issue 20): the opening, a loose
    // paraphrase (the Arabic lead adds the participants and the conference's aim), scores 0.23,
    // and Macron's second quote, [20]–[14] (the Sorani sentence adds a clause), is mined as the
    // diagonal neighbour of his first but scores 0.02: the two reports share 5 of 19 sentences,
    // a weak sign that they tell one story. The sanctions statement, the joint statement and
    // the first quote must be found.
    let missing: Vec<_> = expected[1..4]
        .iter()
        .filter(|pair| !pairs.iter().any(|bead| holds(bead, pair)))
        .collect();
    assert!(
        missing.is_empty(),
        "{missing:?} not among the confident pairs {pairs:?}"
    );
    // Read one by one, one more pair says the same thing though it is not gold: ckb 15 and arb
    // 17 both report that the participants support the elections' timetable. At least 90 % of
    // the confident pairs must be one of these.
    let also_right = (vec![15], vec![17]);
    let wrong: Vec<_> = pairs
        .iter()
        .filter(|bead| !expected.iter().any(|pair| holds(bead, pair)) && **bead != also_right)
        .collect();
    assert!(
        wrong.len() * 10 <= pairs.len(),
        "{wrong:?} are confident but say different things (of {pairs:?})"
    );
    let scores: Vec<f32> = df
        .column("score")
        .unwrap()
        .f32()
        .unwrap()
        .into_no_null_iter()
        .collect();
    assert!(scores.iter().all(|&s| s >= 0.5), "{scores:?}");
    assert_eq!(
        df.column("method").unwrap().str().unwrap().get(0),
        Some("comparable-margin")
    );
}

#[test]
fn another_story_gives_at_most_one_confident_pair() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pairs.csv");
    let output = align(
        &seed("haftar-candidacy.ckb.txt"),
        &seed("paris-conference.arb.txt"),
        "comparable",
        &out,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let rows = std::fs::read_to_string(&out).unwrap().lines().count() - 1;
    assert!(
        rows <= 1,
        "{rows} confident pairs between the Haftar and Paris reports"
    );
}

#[test]
fn an_empty_document_gives_an_empty_table_and_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let blank = dir.path().join("blank.txt");
    std::fs::write(&blank, "  \n\n").unwrap();
    for mode in ["comparable", "parallel"] {
        for (source, target) in [
            (
                blank.display().to_string(),
                seed("paris-conference.arb.txt"),
            ),
            (
                seed("paris-conference.ckb.txt"),
                blank.display().to_string(),
            ),
        ] {
            let out = dir.path().join(format!("{mode}.csv"));
            let output = align(&source, &target, mode, &out);
            assert!(output.status.success(), "{mode}: {}", stderr(&output));
            assert!(
                stderr(&output).contains("blank.txt: no sentences"),
                "{}",
                stderr(&output)
            );
            let text = std::fs::read_to_string(&out).unwrap();
            assert_eq!(text.lines().count(), 1, "{mode}: a header only: {text}");
        }
    }
}

#[test]
fn parallel_lines_align_one_to_one_and_a_merge_is_found() {
    let dir = tempfile::tempdir().unwrap();
    // The first document of FLORES dev (lines 1–5 of ckb and arb), with arb lines 2 and 3 joined.
    let flores = repo().join("data/flores200-dev");
    let ckb: Vec<String> = std::fs::read_to_string(flores.join("ckb_Arab.dev"))
        .unwrap()
        .lines()
        .take(5)
        .map(String::from)
        .collect();
    let arb: Vec<String> = std::fs::read_to_string(flores.join("arb_Arab.dev"))
        .unwrap()
        .lines()
        .take(5)
        .map(String::from)
        .collect();
    let merged = [
        arb[0].clone(),
        format!("{} {}", arb[1], arb[2]),
        arb[3].clone(),
        arb[4].clone(),
    ];
    let (src, tgt) = (
        dir.path().join("doc.ckb.txt"),
        dir.path().join("doc.arb.txt"),
    );
    std::fs::write(&src, ckb.join("\n")).unwrap();
    std::fs::write(&tgt, merged.join("\n")).unwrap();
    let out = dir.path().join("beads.parquet");
    let output = pird(&[
        "align",
        src.to_str().unwrap(),
        tgt.to_str().unwrap(),
        "--lines",
        "--model",
        &default_model(),
        "--no-cache",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let df = ParquetReader::new(std::fs::File::open(&out).unwrap())
        .finish()
        .unwrap();
    assert_eq!(
        id_pairs(&df),
        vec![
            (vec![0], vec![0]),
            (vec![1, 2], vec![1]),
            (vec![3], vec![2]),
            (vec![4], vec![3])
        ]
    );
    let beads: Vec<Option<&str>> = df.column("bead").unwrap().str().unwrap().iter().collect();
    assert_eq!(beads, [Some("1-1"), Some("2-1"), Some("1-1"), Some("1-1")]);
}

#[test]
fn calibrate_refuses_a_selection_that_matches_no_document() {
    let flores = repo().join("data/flores200-dev");
    let path = |p: PathBuf| p.display().to_string();
    let output = pird(&[
        "model",
        "calibrate",
        &path(flores.join("ckb_Arab.dev")),
        &path(flores.join("arb_Arab.dev")),
        "--groups",
        &path(flores.join("metadata_dev.tsv")),
        "--documents",
        &path(repo().join("data/tico19/docs.tsv")),
        "--select",
        "NoSuchDocument",
        "--model",
        &default_model(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("docs.tsv has an id starting with NoSuchDocument"),
        "{}",
        stderr(&output)
    );
}
