//! Background sentences stored with a model: `pird-background.<lang>.npy` in its directory.
//!
//! `pird model calibrate` writes them (sentence vectors of each language from the calibration
//! data); alignment reads them so that margins and calibrated scores keep one scale across
//! document sizes (see `pird_align::pair_score`).

use crate::{write_atomically, Error, Result};
use ndarray::Array2;
use ndarray_npy::{ReadNpyExt, WriteNpyExt};
use pird_align::Background;
use pird_text::Lang;
use std::path::{Path, PathBuf};

/// The file of one language's background vectors in a model directory.
pub fn path(model_dir: &Path, lang: Lang) -> PathBuf {
    model_dir.join(format!("pird-background.{}.npy", lang.code()))
}

/// Stores one language's background vectors in the model directory (atomically).
pub fn save(model_dir: &Path, lang: Lang, vectors: &Array2<f32>) -> Result<()> {
    write_atomically(&path(model_dir, lang), |file| {
        vectors.write_npy(std::io::BufWriter::new(file))
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
        let reader = std::fs::File::open(&file).map_err(|e| Error::io(&file, "cannot open", e))?;
        Array2::<f32>::read_npy(reader)
            .map(Some)
            .map_err(|e| Error::invalid(&file, format!("not an f32 matrix: {e}")))
    };
    Ok(match (read(source)?, read(target)?) {
        (Some(source), Some(target)) => Some(Background { source, target }),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_vectors_read_back_for_a_pair_of_two_languages() {
        let dir = tempfile::tempdir().unwrap();
        let vectors = Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f32);
        assert!(load(dir.path(), Some(Lang::Ckb), Some(Lang::Arb))
            .unwrap()
            .is_none());
        save(dir.path(), Lang::Ckb, &vectors).unwrap();
        save(dir.path(), Lang::Arb, &(&vectors * 2.0)).unwrap();
        let background = load(dir.path(), Some(Lang::Ckb), Some(Lang::Arb))
            .unwrap()
            .unwrap();
        assert_eq!(background.source, vectors);
        assert_eq!(background.target, &vectors * 2.0);
        assert!(load(dir.path(), Some(Lang::Ckb), Some(Lang::Ckb))
            .unwrap()
            .is_none());
        assert!(load(dir.path(), None, Some(Lang::Arb)).unwrap().is_none());
        std::fs::write(path(dir.path(), Lang::Arb), b"not npy").unwrap();
        let error = load(dir.path(), Some(Lang::Ckb), Some(Lang::Arb)).unwrap_err();
        assert!(error.to_string().contains("not an f32 matrix"), "{error}");
    }
}
