//! Background sentences stored with a model: `pird-background.<lang>.npy` in its directory.
//!
//! `pird model calibrate` writes them (sentence vectors of each language from the calibration
//! data); alignment reads them so that margins and calibrated scores keep one scale across
//! document sizes (see `pird_align::pair_score`).

use anyhow::{Context, Result};
use ndarray::Array2;
use ndarray_npy::{ReadNpyExt, WriteNpyExt};
use pird_align::Background;
use pird_text::Lang;
use std::path::{Path, PathBuf};

fn path(model_dir: &Path, lang: Lang) -> PathBuf {
    model_dir.join(format!("pird-background.{}.npy", lang.code()))
}

/// Stores one language's background vectors in the model directory (atomically).
pub fn save(model_dir: &Path, lang: Lang, vectors: &Array2<f32>) -> Result<()> {
    crate::tables::write_atomically(&path(model_dir, lang), |file| {
        vectors
            .write_npy(std::io::BufWriter::new(file))
            .context("cannot write the background vectors")
    })
}

/// The background for a source/target language pair, when both languages are known, differ,
/// and the model has both files.
pub fn load(
    model_dir: &Path,
    source: Option<Lang>,
    target: Option<Lang>,
) -> Result<Option<Background>> {
    let (Some(source), Some(target)) = (source, target) else {
        return Ok(None);
    };
    if source == target {
        return Ok(None);
    }
    let read = |lang: Lang| -> Result<Option<Array2<f32>>> {
        let file = path(model_dir, lang);
        if !file.is_file() {
            return Ok(None);
        }
        let reader = std::fs::File::open(&file)
            .with_context(|| format!("{}: cannot open", file.display()))?;
        Ok(Some(Array2::<f32>::read_npy(reader).with_context(
            || format!("{}: not an f32 matrix", file.display()),
        )?))
    };
    Ok(match (read(source)?, read(target)?) {
        (Some(source), Some(target)) => Some(Background { source, target }),
        _ => None,
    })
}
