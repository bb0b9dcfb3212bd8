//! The one error type of pird-io: every variant names the file, and where it can, the line, row
//! or column at fault.

use std::path::{Path, PathBuf};

/// What went wrong reading or writing one of pird's files.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The path's extension names no table format.
    #[error(
        "{}: cannot tell the table format from the extension '{ext}': use .parquet, .csv, .tsv, .ndjson or .jsonl",
        path.display()
    )]
    UnknownFormat {
        /// The file.
        path: PathBuf,
        /// Its extension, lower-cased.
        ext: String,
    },
    /// The operating system refused an operation on the file.
    #[error("{}: {action}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done, as "cannot open", "cannot read" or similar.
        action: String,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// Polars could not read or build the table.
    #[error("{}: {action}", path.display())]
    Table {
        /// The file.
        path: PathBuf,
        /// What was being done, as "cannot read the table".
        action: String,
        /// Polars' reason.
        #[source]
        source: polars::error::PolarsError,
    },
    /// A column the table needs is not there.
    #[error("{}: no '{column}' column (found: {found})", path.display())]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column looked for.
        column: String,
        /// The columns the file has, comma-separated.
        found: String,
    },
    /// A value, line, cell or column does not have the form the file type needs.
    #[error("{at}: {problem}")]
    Invalid {
        /// Where: the file, with a line, byte, row or column where known.
        at: String,
        /// What is wrong, and where useful how to fix it.
        problem: String,
    },
    /// An XML file (a TMX) is not well-formed.
    #[error("{at}: not well-formed XML")]
    Xml {
        /// The file and byte.
        at: String,
        /// quick-xml's reason.
        #[source]
        source: quick_xml::Error,
    },
    /// An export's language tag is not shaped like a BCP 47 tag.
    #[error("{tag:?} is not a language tag like ckb, ar or ar-IQ")]
    LanguageTag {
        /// The tag given.
        tag: String,
    },
    /// An export's two sides were given the same language tag.
    #[error("--src-lang and --tgt-lang are both {tag:?}")]
    SameLanguages {
        /// The tag given to both.
        tag: String,
    },
    /// Writing the contents of a file failed; the file was left as it was.
    #[error("{}: writing failed", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl Error {
    /// An [`Error::Invalid`] at `path` itself.
    pub fn invalid(path: &Path, problem: impl Into<String>) -> Self {
        Error::Invalid {
            at: path.display().to_string(),
            problem: problem.into(),
        }
    }

    /// An [`Error::Invalid`] at a place in a file, given as "FILE:LINE" or "FILE: byte N".
    pub fn invalid_at(at: impl Into<String>, problem: impl Into<String>) -> Self {
        Error::Invalid {
            at: at.into(),
            problem: problem.into(),
        }
    }

    /// An [`Error::Io`] for `path`.
    pub fn io(path: &Path, action: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            action: action.into(),
            source,
        }
    }

    /// An [`Error::Table`] for `path`.
    pub fn table(
        path: &Path,
        action: impl Into<String>,
        source: polars::error::PolarsError,
    ) -> Self {
        Error::Table {
            path: path.to_path_buf(),
            action: action.into(),
            source,
        }
    }
}

/// pird-io's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
