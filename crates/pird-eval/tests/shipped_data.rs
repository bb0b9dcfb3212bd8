//! The gold readers on the evaluation data the project ships in `data/`.

use std::path::PathBuf;

use pird_eval::{read_document_tsv_column, read_flores_documents, read_parallel_files};

/// A file under the repository's `data/` folder.
fn data(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(relative)
}

#[test]
fn flores_dev_is_line_parallel() {
    let corpus = read_parallel_files(
        data("flores200-dev/ckb_Arab.dev"),
        data("flores200-dev/arb_Arab.dev"),
    )
    .unwrap();
    assert_eq!(corpus.len(), 997);
    assert_eq!(corpus.src[244], "nan");
    let documents = read_flores_documents(data("flores200-dev"), "ckb_Arab", "arb_Arab").unwrap();
    assert_eq!(documents.len(), 281);
    let lines: usize = documents.iter().map(|d| d.source.len()).sum();
    assert_eq!(lines, 996, "all but the `nan` line");
    assert!(documents
        .iter()
        .all(|d| d.source.len() == d.target.len() && !d.source.iter().any(|s| s == "nan")));
}

#[test]
fn tico19_documents() {
    let docs = data("tico19/docs.tsv");
    let ckb = read_document_tsv_column(&docs, "ckb").unwrap();
    let arb = read_document_tsv_column(&docs, "arb").unwrap();
    assert_eq!(ckb.len(), 31);
    assert_eq!(ckb[0].id, "CMU_1");
    let sentences: usize = ckb.iter().map(|d| d.sentences.len()).sum();
    assert_eq!(sentences, 3071);
    for (k, a) in ckb.iter().zip(&arb) {
        assert_eq!((&k.id, k.sentences.len()), (&a.id, a.sentences.len()));
    }
}

#[test]
fn bible_gospels_by_chapter() {
    let verses = data("bible-nt/gospels.ckb-arb.tsv");
    let ckb = read_document_tsv_column(&verses, "ckb").unwrap();
    let arb = read_document_tsv_column(&verses, "arb").unwrap();
    assert_eq!(ckb.len(), 89);
    assert_eq!(ckb[0].id, "MAT 1");
    let sentences: usize = ckb.iter().map(|d| d.sentences.len()).sum();
    assert_eq!(sentences, 3779);
    for (k, a) in ckb.iter().zip(&arb) {
        assert_eq!((&k.id, k.sentences.len()), (&a.id, a.sentences.len()));
    }
}
