//! `pird model`: importing model directories.

use crate::cli::{AdapterChoice, ModelImportArgs};
use anyhow::Result;
use pird_embed::MergeAdapter;

/// The Sorani–Arabic adapter shipped with pird (data/adapters/ckb-arb-e5-small), built into the
/// binary so that an installed `pird` imports the adapted default model from anywhere.
const SHIPPED_WEIGHTS: &[u8] =
    include_bytes!("../../../../data/adapters/ckb-arb-e5-small/adapter_model.safetensors");
const SHIPPED_CONFIG: &[u8] =
    include_bytes!("../../../../data/adapters/ckb-arb-e5-small/adapter_config.json");

/// Imports an E5S1 file into a Hugging Face model directory, merging the chosen adapter, and
/// prints what was done.
pub fn import(args: &ModelImportArgs) -> Result<()> {
    let adapter = match &args.adapter {
        AdapterChoice::None => None,
        AdapterChoice::Shipped => Some(MergeAdapter::from_bytes(
            "shipped:ckb-arb-e5-small",
            SHIPPED_WEIGHTS,
            SHIPPED_CONFIG,
        )?),
        AdapterChoice::Dir(dir) => Some(MergeAdapter::read_dir(dir)?),
    };
    let report = pird_embed::import_e5s1(&args.source, &args.out, adapter.as_ref())?;
    println!("{report}");
    Ok(())
}
