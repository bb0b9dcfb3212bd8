//! The on-disk embedding cache: nothing is embedded twice.
//!
//! Keys are the SHA-256 of the model fingerprint and the text in the tokenizer's normal form (see
//! `SentenceTokenizer::normal_form`), the form the model sees; values
//! are the vector as little-endian f32. The store is a redb database (one file, crash-safe
//! transactions), so an interrupted run keeps every batch it committed.

use redb::{Database, TableDefinition};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

const VECTORS: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("vectors");

/// Why the cache could not be used.
#[derive(Debug, thiserror::Error)]
#[error("embedding cache {}: {message}", path.display())]
pub struct CacheError {
    path: PathBuf,
    message: String,
    in_use: bool,
}

impl CacheError {
    /// True when another process (or another handle in this one) holds the cache file open:
    /// redb allows one at a time.
    pub fn is_in_use(&self) -> bool {
        self.in_use
    }
}

/// An embedding cache for one model.
pub struct EmbeddingCache {
    db: Database,
    path: PathBuf,
    fingerprint: String,
}

impl EmbeddingCache {
    /// Opens (or creates) the cache file at `path` for the model with `fingerprint`.
    pub fn open(path: &Path, fingerprint: &str) -> Result<Self, CacheError> {
        let error = |message: String| CacheError {
            path: path.to_path_buf(),
            message,
            in_use: false,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| error(format!("cannot create its directory: {e}")))?;
        }
        let db = Database::create(path).map_err(|e| CacheError {
            in_use: matches!(e, redb::DatabaseError::DatabaseAlreadyOpen),
            ..error(e.to_string())
        })?;
        Ok(Self {
            db,
            path: path.to_path_buf(),
            fingerprint: fingerprint.to_string(),
        })
    }

    fn key(&self, text: &str) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(self.fingerprint.as_bytes());
        hasher.update([0u8]);
        hasher.update(text.as_bytes());
        hasher.finalize().into()
    }

    fn error(&self, e: impl std::fmt::Display) -> CacheError {
        CacheError {
            path: self.path.clone(),
            message: e.to_string(),
            in_use: false,
        }
    }

    /// The cached vector of each text, or `None` where it is not cached (or has another dimension).
    pub fn get_many(
        &self,
        texts: &[&str],
        dim: usize,
    ) -> Result<Vec<Option<Vec<f32>>>, CacheError> {
        let read = self.db.begin_read().map_err(|e| self.error(e))?;
        let table = match read.open_table(VECTORS) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(vec![None; texts.len()]),
            Err(e) => return Err(self.error(e)),
        };
        texts
            .iter()
            .map(|text| {
                let value = table.get(&self.key(text)).map_err(|e| self.error(e))?;
                Ok(value.and_then(|v| {
                    let bytes = v.value();
                    (bytes.len() == dim * 4).then(|| {
                        bytes
                            .chunks_exact(4)
                            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                            .collect()
                    })
                }))
            })
            .collect()
    }

    /// Stores the vectors of `texts` in one transaction.
    pub fn put_many(&self, texts: &[&str], vectors: &[&[f32]]) -> Result<(), CacheError> {
        let write = self.db.begin_write().map_err(|e| self.error(e))?;
        {
            let mut table = write.open_table(VECTORS).map_err(|e| self.error(e))?;
            let mut bytes = Vec::new();
            for (text, vector) in texts.iter().zip(vectors) {
                bytes.clear();
                bytes.extend(vector.iter().flat_map(|x| x.to_le_bytes()));
                table
                    .insert(&self.key(text), bytes.as_slice())
                    .map_err(|e| self.error(e))?;
            }
        }
        write.commit().map_err(|e| self.error(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cache_held_open_elsewhere_is_reported_as_in_use() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.redb");
        let first = EmbeddingCache::open(&path, "m").unwrap();
        let second = EmbeddingCache::open(&path, "m")
            .err()
            .expect("one holder at a time");
        assert!(second.is_in_use(), "{second}");
        drop(first);
        assert!(EmbeddingCache::open(&path, "m").is_ok());
        let unwritable = EmbeddingCache::open(&path.join("below-a-file"), "m")
            .err()
            .unwrap();
        assert!(!unwritable.is_in_use());
    }

    #[test]
    fn stores_and_finds_vectors_per_model() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/cache.redb");
        let cache = EmbeddingCache::open(&path, "model-a").unwrap();
        assert_eq!(cache.get_many(&["x"], 2).unwrap(), vec![None]);
        cache
            .put_many(&["x", "y"], &[&[1.0, 2.0], &[3.0, -4.5]])
            .unwrap();
        assert_eq!(
            cache.get_many(&["y", "z", "x"], 2).unwrap(),
            vec![Some(vec![3.0, -4.5]), None, Some(vec![1.0, 2.0])]
        );
        // A wrong dimension is a miss, not garbage.
        assert_eq!(cache.get_many(&["x"], 3).unwrap(), vec![None]);
        drop(cache);
        let other = EmbeddingCache::open(&path, "model-b").unwrap();
        assert_eq!(other.get_many(&["x"], 2).unwrap(), vec![None]);
    }
}
