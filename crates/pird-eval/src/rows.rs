//! Rows of the `metrics` table (`dataset, method, model, metric, value, n`) and the conversion of
//! every metric result into rows with stable metric names.
//!
//! | result | metric names | n |
//! |---|---|---|
//! | [`BeadScores`] | `strict_precision`, `strict_recall`, `strict_f1`, `lax_precision`, `lax_recall`, `lax_f1` | predicted beads for precision, gold beads otherwise |
//! | [`RetrievalScores`] | `p@1_{src}_{tgt}`, `p@1_{tgt}_{src}`, `xsim_error_{src}_{tgt}`, `xsim_error_{tgt}_{src}` | sentences judged in that direction |
//! | [`MiningScores`] at threshold t | `mining_precision@{t}`, `mining_recall@{t}`, `mining_f1@{t}` | predicted pairs for precision, gold pairs otherwise |
//! | [`MiningCandidates`] | `mining_best_f1`, `mining_best_threshold` (when finite), `mining_ap` | gold pairs; predicted pairs for the threshold |
//! | [`DocAlignmentScores`] | `doc_accuracy`, `doc_precision` | gold pairs, predicted pairs |
//!
//! `{src}` and `{tgt}` are the language codes given (e.g. `p@1_ckb_arb`); `{t}` is the threshold
//! as Rust prints an `f32` (`0.5`, `0.35`, `1`).

use serde::{Deserialize, Serialize};

use crate::bead_metrics::BeadScores;
use crate::doc_alignment::DocAlignmentScores;
use crate::mining::{MiningCandidates, MiningScores};
use crate::retrieval::RetrievalScores;

/// One row of the `metrics` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricRow {
    /// The evaluation data, e.g. `flores200-dev`.
    pub dataset: String,
    /// The alignment method and settings, e.g. `margin` or `parallel`.
    pub method: String,
    /// The model, e.g. `multilingual-e5-small`.
    pub model: String,
    /// The metric's stable name, e.g. `strict_f1`.
    pub metric: String,
    /// The metric's value.
    pub value: f64,
    /// The number of items the value is a ratio over.
    pub n: u64,
}

/// What a set of metric rows is about: the `dataset`, `method` and `model` columns.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunLabel {
    /// The evaluation data.
    pub dataset: String,
    /// The alignment method and settings.
    pub method: String,
    /// The model.
    pub model: String,
}

impl RunLabel {
    /// Makes a label from its three columns.
    pub fn new(
        dataset: impl Into<String>,
        method: impl Into<String>,
        model: impl Into<String>,
    ) -> Self {
        Self {
            dataset: dataset.into(),
            method: method.into(),
            model: model.into(),
        }
    }

    /// A row of this run.
    pub fn row(&self, metric: impl Into<String>, value: f64, n: u64) -> MetricRow {
        MetricRow {
            dataset: self.dataset.clone(),
            method: self.method.clone(),
            model: self.model.clone(),
            metric: metric.into(),
            value,
            n,
        }
    }
}

impl BeadScores {
    /// `strict_precision`, `strict_recall`, `strict_f1`, `lax_precision`, `lax_recall`, `lax_f1`.
    pub fn metric_rows(&self, label: &RunLabel) -> Vec<MetricRow> {
        let (p, g) = (self.predicted_beads, self.gold_beads);
        vec![
            label.row("strict_precision", self.strict.precision, p),
            label.row("strict_recall", self.strict.recall, g),
            label.row("strict_f1", self.strict.f1, g),
            label.row("lax_precision", self.lax.precision, p),
            label.row("lax_recall", self.lax.recall, g),
            label.row("lax_f1", self.lax.f1, g),
        ]
    }
}

impl RetrievalScores {
    /// `p@1_{src}_{tgt}`, `p@1_{tgt}_{src}`, `xsim_error_{src}_{tgt}`, `xsim_error_{tgt}_{src}`.
    pub fn metric_rows(&self, label: &RunLabel, src_lang: &str, tgt_lang: &str) -> Vec<MetricRow> {
        let (fwd, bwd) = (&self.src_to_tgt, &self.tgt_to_src);
        vec![
            label.row(
                format!("p@1_{src_lang}_{tgt_lang}"),
                fwd.p_at_1(),
                fwd.total,
            ),
            label.row(
                format!("p@1_{tgt_lang}_{src_lang}"),
                bwd.p_at_1(),
                bwd.total,
            ),
            label.row(
                format!("xsim_error_{src_lang}_{tgt_lang}"),
                fwd.xsim_error(),
                fwd.total,
            ),
            label.row(
                format!("xsim_error_{tgt_lang}_{src_lang}"),
                bwd.xsim_error(),
                bwd.total,
            ),
        ]
    }
}

impl MiningScores {
    /// `mining_precision@{t}`, `mining_recall@{t}`, `mining_f1@{t}` for this score's threshold t.
    pub fn metric_rows(&self, label: &RunLabel) -> Vec<MetricRow> {
        let t = self.threshold;
        vec![
            label.row(
                format!("mining_precision@{t}"),
                self.scores.precision,
                self.predicted,
            ),
            label.row(format!("mining_recall@{t}"), self.scores.recall, self.gold),
            label.row(format!("mining_f1@{t}"), self.scores.f1, self.gold),
        ]
    }
}

impl MiningCandidates {
    /// `mining_best_f1`, `mining_best_threshold` (only when finite) and `mining_ap`.
    pub fn summary_rows(&self, label: &RunLabel) -> Vec<MetricRow> {
        let best = self.best_f1();
        let mut rows = vec![label.row("mining_best_f1", best.scores.f1, self.gold())];
        if best.threshold.is_finite() {
            rows.push(label.row(
                "mining_best_threshold",
                f64::from(best.threshold),
                best.predicted,
            ));
        }
        rows.push(label.row("mining_ap", self.average_precision(), self.gold()));
        rows
    }
}

impl DocAlignmentScores {
    /// `doc_accuracy` and `doc_precision`.
    pub fn metric_rows(&self, label: &RunLabel) -> Vec<MetricRow> {
        vec![
            label.row("doc_accuracy", self.accuracy, self.gold),
            label.row("doc_precision", self.precision, self.predicted),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bead::{Bead, ScoredPair};
    use crate::bead_metrics::bead_scores;
    use crate::doc_alignment::doc_alignment_scores;
    use crate::retrieval::{diagonal_gold, retrieval_scores, SimilarityMatrix};

    fn names(rows: &[MetricRow]) -> Vec<&str> {
        rows.iter().map(|r| r.metric.as_str()).collect()
    }

    fn label() -> RunLabel {
        RunLabel::new("flores200-dev", "margin", "multilingual-e5-small")
    }

    #[test]
    fn bead_rows() {
        let gold = vec![Bead::one_to_one(0, 0), Bead::new(vec![1], vec![])];
        let rows = bead_scores(&gold, &gold).metric_rows(&label());
        assert_eq!(
            names(&rows),
            [
                "strict_precision",
                "strict_recall",
                "strict_f1",
                "lax_precision",
                "lax_recall",
                "lax_f1"
            ]
        );
        assert_eq!(rows[0].n, 2);
        assert_eq!(rows[1].n, 1);
        assert_eq!(rows[2].dataset, "flores200-dev");
        assert_eq!(rows[2].value, 1.0);
    }

    #[test]
    fn retrieval_rows() {
        let values = [1.0, 0.0, 0.0, 1.0];
        let sim = SimilarityMatrix::new(&values, 2, 2).unwrap();
        let rows = retrieval_scores(&sim, &diagonal_gold(2))
            .unwrap()
            .metric_rows(&label(), "ckb", "arb");
        assert_eq!(
            names(&rows),
            [
                "p@1_ckb_arb",
                "p@1_arb_ckb",
                "xsim_error_ckb_arb",
                "xsim_error_arb_ckb"
            ]
        );
        assert_eq!((rows[0].value, rows[0].n), (1.0, 2));
        assert_eq!(rows[2].value, 0.0);
    }

    #[test]
    fn mining_rows() {
        let gold = vec![Bead::one_to_one(0, 0)];
        let predicted = vec![
            ScoredPair::new([0], [0], 0.75),
            ScoredPair::new([1], [1], 0.25),
        ];
        let candidates = MiningCandidates::from_document(&predicted, &gold);
        let rows = candidates.at_threshold(0.5).metric_rows(&label());
        assert_eq!(
            names(&rows),
            ["mining_precision@0.5", "mining_recall@0.5", "mining_f1@0.5"]
        );
        let rows = candidates.summary_rows(&label());
        assert_eq!(
            names(&rows),
            ["mining_best_f1", "mining_best_threshold", "mining_ap"]
        );
        assert_eq!(rows[1].value, 0.75);
        let empty = MiningCandidates::new().summary_rows(&label());
        assert_eq!(names(&empty), ["mining_best_f1", "mining_ap"]);
    }

    #[test]
    fn doc_rows() {
        let gold = [("a", "A"), ("b", "B")];
        let rows = doc_alignment_scores(&gold, &gold)
            .unwrap()
            .metric_rows(&label());
        assert_eq!(names(&rows), ["doc_accuracy", "doc_precision"]);
        assert_eq!(rows[0].value, 1.0);
    }

    #[test]
    fn rows_serialise_with_table_column_names() {
        let row = label().row("strict_f1", 0.5, 4);
        let json = serde_json::to_string(&row).unwrap();
        assert_eq!(
            json,
            r#"{"dataset":"flores200-dev","method":"margin","model":"multilingual-e5-small","metric":"strict_f1","value":0.5,"n":4}"#
        );
    }
}
