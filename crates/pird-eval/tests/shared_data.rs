//! The gold readers on the project's shared data (`../shared/data`, or `$PIRD_SHARED/data`).

use std::path::PathBuf;

use pird_eval::{read_document_tsv_column, read_line_parallel_tsv, read_parallel_files};

/// A file of the shared data; the tests fail, not skip, when it is absent.
fn shared(relative: &str) -> Option<PathBuf> {
    let root = std::env::var_os("PIRD_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let path = root.join("data").join(relative);
    assert!(
        path.exists(),
        "shared data file {} not found (set PIRD_SHARED)",
        path.display()
    );
    Some(path)
}

#[test]
fn flores_dev_is_line_parallel() {
    let (Some(ckb), Some(arb)) = (
        shared("flores200-dev/ckb_Arab.dev"),
        shared("flores200-dev/arb_Arab.dev"),
    ) else {
        return;
    };
    let corpus = read_parallel_files(ckb, arb).unwrap();
    assert_eq!(corpus.len(), 997);
    assert_eq!(corpus.src[244], "nan");
}

#[test]
fn tico19_tsv_and_documents() {
    let (Some(tsv), Some(docs)) = (shared("tico19/ckb-arb.tsv"), shared("tico19/docs.tsv")) else {
        return;
    };
    let corpus = read_line_parallel_tsv(tsv).unwrap();
    assert_eq!(corpus.len(), 3071);
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
