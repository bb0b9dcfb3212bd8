//! The evaluation data the project ships under `data/`, read as parallel documents.

use anyhow::Result;
use std::path::Path;

/// A document with its Sorani and Arabic sentences, line i of one translating line i of the other.
#[derive(Debug, Clone)]
pub struct ParallelDoc {
    /// The document id.
    pub id: String,
    /// Sorani sentences.
    pub ckb: Vec<String>,
    /// Arabic sentences.
    pub arb: Vec<String>,
}

/// TICO-19 documents held out from the shipped adapter's training (scripts/train-adapter).
pub const HELDOUT_TICO_DOCUMENTS: [&str; 7] = [
    "PubMed_7",
    "Wikipedia_handpicked_4",
    "wiki_5",
    "Wikisource_2",
    "Wikinews_1",
    "Wikinews_2",
    "Wikinews_3",
];

/// The gospel held out from the shipped adapter's training.
pub const HELDOUT_GOSPEL: &str = "JHN";

/// Whether a TICO-19 document or gospel chapter belongs to the shipped adapter's held-out split
/// (FLORES-200 dev is held out whole).
pub fn is_heldout(doc: &ParallelDoc) -> bool {
    HELDOUT_TICO_DOCUMENTS.contains(&doc.id.as_str())
        || doc.id.split_whitespace().next() == Some(HELDOUT_GOSPEL)
}

/// FLORES-200 dev (`data/flores200-dev`): its usable line pairs, grouped into its documents.
pub fn flores_documents(data: &Path) -> Result<Vec<ParallelDoc>> {
    Ok(
        pird_eval::read_flores_documents(data.join("flores200-dev"), "ckb_Arab", "arb_Arab")?
            .into_iter()
            .map(|doc| ParallelDoc {
                id: doc.id,
                ckb: doc.source,
                arb: doc.target,
            })
            .collect(),
    )
}

/// TICO-19 (`data/tico19/docs.tsv`): 31 documents.
pub fn tico_documents(data: &Path) -> Result<Vec<ParallelDoc>> {
    bilingual_tsv(&data.join("tico19/docs.tsv"))
}

/// The four gospels (`data/bible-nt/gospels.ckb-arb.tsv`), one document per chapter (89).
pub fn bible_chapters(data: &Path) -> Result<Vec<ParallelDoc>> {
    bilingual_tsv(&data.join("bible-nt/gospels.ckb-arb.tsv"))
}

/// A TSV with `ckb` and `arb` columns, grouped into documents by `doc_id` or by chapter of `ref`.
fn bilingual_tsv(path: &Path) -> Result<Vec<ParallelDoc>> {
    Ok(pird_eval::read_bilingual_documents(path, "ckb", "arb")?
        .into_iter()
        .map(|doc| ParallelDoc {
            id: doc.id,
            ckb: doc.source,
            arb: doc.target,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The split is written twice, here and in the script that trains the adapter: they agree.
    #[test]
    fn the_heldout_split_matches_the_training_script() {
        let script = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/train-adapter"),
        )
        .unwrap();
        let line = script
            .lines()
            .find(|l| l.starts_with("HELDOUT_TICO = {"))
            .expect("the script names its held-out TICO-19 documents");
        let mut listed: Vec<&str> = line
            .split('"')
            .skip(1)
            .step_by(2)
            .chain(
                script
                    .lines()
                    .skip_while(|l| *l != line)
                    .nth(1)
                    .into_iter()
                    .flat_map(|l| l.split('"').skip(1).step_by(2)),
            )
            .collect();
        listed.sort_unstable();
        let mut ours = HELDOUT_TICO_DOCUMENTS.to_vec();
        ours.sort_unstable();
        assert_eq!(listed, ours);
        assert!(script.contains(&format!("book == \"{HELDOUT_GOSPEL}\"")));
    }
}
