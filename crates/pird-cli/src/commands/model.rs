//! `pird model`: importing model directories.

use crate::cli::ModelImportArgs;
use anyhow::Result;

/// Imports an E5S1 file into a Hugging Face model directory and prints what was done.
pub fn import(args: &ModelImportArgs) -> Result<()> {
    let report = pird_embed::import_e5s1(&args.source, &args.out)?;
    println!("{report}");
    Ok(())
}
