//! A batch run's output directory and what makes a run resumable:
//!
//! ```text
//! OUT_DIR/alignments/<pair_id>.parquet   one alignments table per pair (written, then renamed)
//! OUT_DIR/status/<pair_id>.json          the pair's summary row, written after its table
//! OUT_DIR/summary[.shard-I-of-N].parquet the run summary, rebuilt from the status rows at the end
//! ```
//!
//! A pair is finished when its status says `ok` and its table exists; a run started again skips
//! finished pairs and redoes the rest (failed ones included). Temporary files that a killed run
//! left behind are removed when the directory is opened.

use anyhow::{bail, Context, Result};
use pird_io::atomic::{TEMPORARY_PREFIX, TEMPORARY_SUFFIX};
use pird_io::summary::PairStatus;
use pird_io::write_atomically;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The output directory of a batch run.
pub struct RunDir {
    root: PathBuf,
}

impl RunDir {
    /// Creates (or reopens) the directory, checks that it can be written, and removes temporary
    /// files left by an interrupted run.
    pub fn open(root: &Path) -> Result<Self> {
        for dir in [root.join("alignments"), root.join("status")] {
            std::fs::create_dir_all(&dir).with_context(|| {
                format!("{}: cannot create the output directory", dir.display())
            })?;
            let probe = dir.join(".pird-write-check");
            std::fs::File::create(&probe)
                .and_then(|mut f| f.write_all(b"ok"))
                .with_context(|| {
                    format!("{}: cannot write in the output directory", dir.display())
                })?;
            std::fs::remove_file(&probe).ok();
            for entry in std::fs::read_dir(&dir)
                .with_context(|| format!("{}: cannot list", dir.display()))?
                .flatten()
            {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with(TEMPORARY_PREFIX) && name.ends_with(TEMPORARY_SUFFIX) {
                    std::fs::remove_file(entry.path()).ok();
                }
            }
        }
        Ok(Self {
            root: root.to_path_buf(),
        })
    }

    /// Where a pair's alignments table goes.
    pub fn alignments(&self, pair_id: &str) -> PathBuf {
        self.root
            .join("alignments")
            .join(format!("{pair_id}.parquet"))
    }

    fn status_path(&self, pair_id: &str) -> PathBuf {
        self.root.join("status").join(format!("{pair_id}.json"))
    }

    /// The stored status of a pair, if it has one that can be read.
    pub fn status(&self, pair_id: &str) -> Option<PairStatus> {
        let text = std::fs::read_to_string(self.status_path(pair_id)).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// The status of a finished pair (aligned, and its table in place), or `None`.
    pub fn finished(&self, pair_id: &str) -> Option<PairStatus> {
        self.status(pair_id)
            .filter(|s| s.is_ok() && self.alignments(pair_id).is_file())
    }

    /// Stores a pair's status (atomically: a killed run never leaves half a record).
    pub fn record(&self, status: &PairStatus) -> Result<()> {
        let json = serde_json::to_vec_pretty(status)?;
        write_atomically(&self.status_path(&status.pair_id), |file| {
            file.write_all(&json)
                .context("cannot write the pair's status")
        })?;
        Ok(())
    }

    /// Writes the run summary of `pairs` (in order) as `summary[.LABEL].parquet` and returns its path.
    pub fn write_summary(&self, pairs: &[PairStatus], label: Option<&str>) -> Result<PathBuf> {
        let path = match label {
            Some(label) => self.root.join(format!("summary.{label}.parquet")),
            None => self.root.join("summary.parquet"),
        };
        let mut frame = pird_io::summary::frame(pairs)?;
        pird_io::write_table(&mut frame, &path)?;
        Ok(path)
    }
}

/// Checks before any work that `root` can hold the run: not an existing file.
pub fn check_output(root: &Path) -> Result<()> {
    if root.is_file() {
        bail!(
            "{}: is a file; pird batch writes a directory",
            root.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use pird_io::summary::PairOutcome;

    fn status(id: &str, ok: bool) -> PairStatus {
        PairStatus {
            pair_id: id.into(),
            src: format!("{id}.ckb"),
            tgt: format!("{id}.arb"),
            mode: "parallel".into(),
            src_sentences: 3,
            tgt_sentences: 2,
            beads: 2,
            mean_score: ok.then_some(0.8),
            status: if ok {
                PairOutcome::Ok
            } else {
                PairOutcome::Failed
            },
            error: (!ok).then(|| "bad".to_string()),
            seconds: 0.5,
        }
    }

    #[test]
    fn a_pair_is_finished_only_with_status_ok_and_its_table() {
        let dir = tempfile::tempdir().unwrap();
        let run = RunDir::open(dir.path()).unwrap();
        run.record(&status("a", true)).unwrap();
        assert!(run.finished("a").is_none(), "no table yet");
        std::fs::write(run.alignments("a"), b"table").unwrap();
        assert_eq!(run.finished("a"), Some(status("a", true)));
        run.record(&status("b", false)).unwrap();
        std::fs::write(run.alignments("b"), b"old table").unwrap();
        assert!(run.finished("b").is_none(), "failed pairs are redone");
        assert!(run.finished("c").is_none());
    }

    #[test]
    fn reopening_removes_leftover_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let run = RunDir::open(dir.path()).unwrap();
        let stale = dir.path().join("alignments/.pird-AbC123.tmp");
        std::fs::write(&stale, b"half").unwrap();
        std::fs::write(run.alignments("keep"), b"whole").unwrap();
        RunDir::open(dir.path()).unwrap();
        assert!(!stale.exists());
        assert!(run.alignments("keep").exists());
    }

    #[test]
    fn the_summary_has_one_row_per_pair() {
        let dir = tempfile::tempdir().unwrap();
        let run = RunDir::open(dir.path()).unwrap();
        let path = run
            .write_summary(
                &[status("a", true), status("b", false)],
                Some("shard-1-of-2"),
            )
            .unwrap();
        assert!(path.ends_with("summary.shard-1-of-2.parquet"));
        let table = pird_io::read_table(&path).unwrap();
        assert_eq!(table.height(), 2);
        assert_eq!(
            table.column("status").unwrap().str().unwrap().get(1),
            Some("failed")
        );
        assert!(check_output(&path).is_err());
    }
}
