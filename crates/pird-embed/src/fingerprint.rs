//! A model's fingerprint: the SHA-256 of everything that decides its vectors.
//!
//! Cache keys include it, so that two models, or one model before and after an adapter is
//! merged into its weights, never share cached vectors.

use crate::model_dir::ModelDir;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;
use std::time::UNIX_EPOCH;

/// Files whose bytes decide the vectors (the pooling and prompt settings are hashed as values).
const HASHED_FILES: [&str; 3] = ["config.json", "tokenizer.json", "model.safetensors"];

/// Name of the file, inside the model directory, that remembers a computed fingerprint.
const MEMO_FILE: &str = ".pird-fingerprint";

/// The model's fingerprint as 64 hex digits.
///
/// Hashing the weights takes about a second per 500 MB, so the result is remembered in the
/// model directory together with the sizes and modification times it was computed from, and
/// recomputed only when one of those changes (or when the directory is read-only).
pub fn model_fingerprint(model: &ModelDir) -> std::io::Result<String> {
    let stamp = file_stamp(&model.path)?;
    let memo_path = model.path.join(MEMO_FILE);
    if let Ok(memo) = std::fs::read_to_string(&memo_path) {
        if let Some((memo_stamp, digest)) = memo.trim_end().rsplit_once('\n') {
            if memo_stamp == stamp {
                return Ok(digest.to_string());
            }
        }
    }
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    for name in HASHED_FILES {
        hasher.update(name.as_bytes());
        let mut file = std::fs::File::open(model.path.join(name))?;
        loop {
            let n = file.read(&mut buffer)?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
        }
    }
    hasher.update(format!(
        "pooling={:?};prefix={:?};max_tokens={}",
        model.pooling, model.prefix, model.max_tokens
    ));
    let digest: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    // Best effort: a read-only model directory just means hashing again next time.
    let _ = std::fs::write(&memo_path, format!("{stamp}\n{digest}\n"));
    Ok(digest)
}

/// Sizes and modification times of the hashed files, as one line.
fn file_stamp(dir: &Path) -> std::io::Result<String> {
    let mut parts = Vec::new();
    for name in HASHED_FILES {
        let meta = std::fs::metadata(dir.join(name))?;
        let modified = meta
            .modified()?
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        parts.push(format!("{name}:{}:{modified}", meta.len()));
    }
    Ok(parts.join(" "))
}
