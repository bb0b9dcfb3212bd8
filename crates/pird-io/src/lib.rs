//! pird's files: the tables it reads and writes (each with one declared schema), the document
//! collections it reads, the exports it writes for translators and MT training, and the atomic
//! write every file goes through.
//!
//! Rust users read pird's outputs with [`read_alignments`], [`sentences::read`] and
//! [`metrics::read`], and write tables with [`write_table`]; every error names the file, and where
//! it can the line, row or column.

pub mod alignments;
pub mod atomic;
pub mod background;
pub mod columns;
pub mod doc_pairs;
pub mod documents;
pub mod embeddings;
mod error;
pub mod export;
pub mod format;
pub mod metrics;
pub mod schema;
pub mod sentences;
pub mod summary;

pub use alignments::{AlignmentRow, AlignmentRows, ReadAlignments};
pub use atomic::{write_atomically, write_bytes_atomically};
pub use documents::{read_all_documents, read_documents, Document};
pub use error::{Error, Result};
pub use format::{read_table, read_table_rows, write_table, TableFormat};
pub use schema::{ColumnSpec, Kind, Schema};

/// Aligned pairs from `path`: an `alignments` table in any table format, or a TMX or JSONL
/// export written with `--keep-doc-ids`.
pub fn read_alignments(path: &std::path::Path) -> Result<ReadAlignments> {
    export::read_pairs(path)
}
