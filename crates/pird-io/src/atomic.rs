//! Writing a file so that readers see the old file or the whole new one, never half of it.

use crate::{Error, Result};
use std::fs::File;
use std::path::Path;

/// Prefix of the temporary files [`write_atomically`] leaves when killed (a batch run removes
/// them when it reopens its directory).
pub const TEMPORARY_PREFIX: &str = ".pird-";
/// Suffix of those temporary files.
pub const TEMPORARY_SUFFIX: &str = ".tmp";

/// Runs `write` on a temporary file beside `path`, flushes it to disk, then renames it to
/// `path`; if `write` fails, `path` is left as it was.
pub fn write_atomically<E>(
    path: &Path,
    write: impl FnOnce(&mut File) -> Result<(), E>,
) -> Result<()>
where
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(|e| {
        Error::io(
            path,
            format!("cannot create the directory {}", dir.display()),
            e,
        )
    })?;
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMPORARY_PREFIX)
        .suffix(TEMPORARY_SUFFIX)
        .tempfile_in(dir)
        .map_err(|e| {
            Error::io(
                path,
                format!("cannot create a temporary file in {}", dir.display()),
                e,
            )
        })?;
    let failed = |source: Box<dyn std::error::Error + Send + Sync>| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    write(tmp.as_file_mut()).map_err(|e| failed(e.into()))?;
    tmp.as_file().sync_all().map_err(|e| failed(e.into()))?;
    tmp.persist(path)
        .map_err(|e| Error::io(path, "cannot move the finished file into place", e.error))?;
    Ok(())
}

/// Writes `bytes` to `path` atomically (see [`write_atomically`]).
pub fn write_bytes_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    write_atomically(path, |file| file.write_all(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_keeps_the_old_file_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        write_bytes_atomically(&path, b"old").unwrap();
        let error =
            write_atomically(&path, |_| Err(std::io::Error::other("disk on fire"))).unwrap_err();
        assert!(matches!(error, Error::Write { .. }), "{error}");
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        write_bytes_atomically(&dir.path().join("new/deeper.txt"), b"x").unwrap();
    }
}
