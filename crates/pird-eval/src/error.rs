//! Errors of the gold readers and of the metrics.

use std::path::PathBuf;

/// A gold file that could not be read; the message names the file and, where one is to blame,
/// the 1-based line (`path:line: …`).
#[derive(Debug, thiserror::Error)]
pub enum GoldError {
    /// The file could not be opened or read.
    #[error("{}: cannot read the file: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A line of the file is not in the expected format.
    #[error("{}:{line}: {message}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with the line.
        message: String,
    },
    /// Two line-parallel files differ in their number of lines.
    #[error(
        "{} has {src_lines} lines but {} has {tgt_lines}; line i of one must translate line i of the other",
        src_path.display(),
        tgt_path.display()
    )]
    LineCountMismatch {
        /// The source-language file.
        src_path: PathBuf,
        /// Its number of lines.
        src_lines: usize,
        /// The target-language file.
        tgt_path: PathBuf,
        /// Its number of lines.
        tgt_lines: usize,
    },
}

/// Inputs to a metric that do not fit together.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MetricError {
    /// A similarity matrix whose value count is not rows × cols.
    #[error("a {rows}×{cols} similarity matrix needs {} values, got {len}", rows * cols)]
    MatrixShape {
        /// Rows (source sentences).
        rows: usize,
        /// Columns (target sentences).
        cols: usize,
        /// The number of values given.
        len: usize,
    },
    /// A gold pair that points outside the similarity matrix.
    #[error("gold pair ({row}, {col}) lies outside the {rows}×{cols} similarity matrix")]
    GoldOutOfRange {
        /// The gold source index.
        row: usize,
        /// The gold target index.
        col: usize,
        /// Rows of the matrix.
        rows: usize,
        /// Columns of the matrix.
        cols: usize,
    },
    /// A document paired with more than one document where a one-to-one assignment is required.
    #[error("{which} document pairs are not one-to-one: {side} document {doc:?} appears in more than one pair")]
    NotOneToOne {
        /// `"predicted"` or `"gold"`.
        which: &'static str,
        /// `"source"` or `"target"`.
        side: &'static str,
        /// The document id.
        doc: String,
    },
}
