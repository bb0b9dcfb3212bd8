//! Gold-data readers and alignment metrics for pird.
//!
//! - [`bead`]: beads, alignments and scored pairs, and Vecalign's `[0]:[0, 1]` bead syntax.
//! - [`gold`]: readers for bead files, line-parallel TSV, parallel text files and document TSVs.
//! - [`bead_metrics`]: strict and lax bead precision/recall/F1 as Vecalign's `score.py`.
//! - [`mining`]: precision/recall/F1 at a threshold, best F1 and average precision.
//! - [`retrieval`]: P@1 in both directions and the xSIM error rate.
//! - [`doc_alignment`]: document-alignment accuracy and precision.
//! - [`synthetic`]: many-to-many and comparable test cases with exact gold from parallel data.
//! - [`rows`]: the `metrics` table's rows and stable metric names.
//! - [`report`]: an HTML page with SVG plots and a Markdown summary of one run.
//!
//! Every module states its metric's exact definition. The metrics take ids and scores only, never
//! models or text, so they are independent of how predictions were made; reports take text only
//! to show it.

#![warn(missing_docs)]

pub mod bead;
pub mod bead_metrics;
pub mod calibration_cases;
pub mod doc_alignment;
pub mod error;
pub mod gold;
pub mod mining;
pub mod prf;
pub mod report;
pub mod retrieval;
pub mod rows;
pub mod synthetic;

pub use bead::{bead_kind, Alignment, Bead, ParseBeadError, ScoredPair, SentId};
pub use bead_metrics::{bead_scores, pooled_bead_scores, BeadCounts, BeadScores, BeadTally};
pub use calibration_cases::{
    coarse_topic, draw_mining_cases, join_by_topic, CaseSettings, MiningCase, TopicDocument,
};
pub use doc_alignment::{doc_alignment_scores, DocAlignmentScores};
pub use error::{GoldError, MetricError};
pub use gold::{
    read_bead_file, read_bilingual_documents, read_document_tsv, read_document_tsv_column,
    read_flores_documents, read_line_parallel_tsv, read_parallel_files, BilingualDocument,
    Document, LineParallel, Sentence,
};
pub use mining::{link_candidates, link_gold, MiningCandidates, MiningScores};
pub use prf::PrF1;
pub use report::{
    alignment_metrics, build_report, ControlPair, Heatmap, PlotError, Report, ReportBead,
    ReportInput,
};
pub use retrieval::{
    diagonal_gold, retrieval_scores, DirectionCounts, RetrievalScores, SimilarityMatrix,
};
pub use rows::{MetricRow, RunLabel};
pub use synthetic::{
    drop_and_shuffle, drop_and_shuffle_sides, merge_and_drop, shared_passages, ComparableCase,
    MergeDrop, ParallelCase,
};
