//! The document pairs of a batch run: a manifest table, or two directories paired by file name,
//! and the deterministic shard of them that one worker takes.

use crate::cli::AlignMode;
use anyhow::{anyhow, bail, Context, Result};
use clap::ValueEnum;
use pird_io::TableFormat;
use pird_text::Lang;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// One document pair to align.
#[derive(Debug, Clone, PartialEq)]
pub struct PairJob {
    /// Unique, file-name-safe id: the name of the pair's output table.
    pub pair_id: String,
    /// Source document.
    pub src: PathBuf,
    /// Target document.
    pub tgt: PathBuf,
    /// Parallel or comparable.
    pub mode: AlignMode,
}

/// `--shard I/N`: the I-th of N workers (1-based) takes the pairs whose 0-based position in the
/// manifest is I − 1 modulo N, so that N workers cover every pair exactly once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This worker, 1 ≤ index ≤ count.
    pub index: usize,
    /// Workers in all.
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parsed = s
            .split_once('/')
            .and_then(|(i, n)| Some((i.trim().parse().ok()?, n.trim().parse().ok()?)));
        match parsed {
            Some((index, count)) if count >= 1 && (1..=count).contains(&index) => {
                Ok(Shard { index, count })
            }
            _ => Err(format!(
                "{s:?} is not a shard like 2/8 (I/N with 1 ≤ I ≤ N)"
            )),
        }
    }
}

impl Shard {
    /// This worker's pairs, in manifest order.
    pub fn select(&self, jobs: Vec<PairJob>) -> Vec<PairJob> {
        jobs.into_iter()
            .enumerate()
            .filter(|(k, _)| k % self.count == self.index - 1)
            .map(|(_, job)| job)
            .collect()
    }

    /// `shard-2-of-8`, for this worker's summary file.
    pub fn label(&self) -> String {
        format!("shard-{}-of-{}", self.index, self.count)
    }
}

/// Reads a manifest: CSV, TSV or Parquet with columns `src`, `tgt` and optionally `pair_id` and
/// `mode`. Relative paths are relative to the manifest's directory; a missing `pair_id` is the
/// source file's stem. Any malformed row stops the run before it starts, naming the line.
pub fn read_manifest(path: &Path, default_mode: AlignMode) -> Result<Vec<PairJob>> {
    let base = path.parent().unwrap_or(Path::new(""));
    let rows = match TableFormat::from_path(path)? {
        TableFormat::Csv => read_delimited(path, b',')?,
        TableFormat::Tsv => read_delimited(path, b'\t')?,
        TableFormat::Parquet | TableFormat::Ndjson => read_table_rows(path)?,
    };
    let mut jobs = Vec::with_capacity(rows.len());
    for row in rows {
        let at = || format!("{}: {}", path.display(), row.place);
        let field = |name: &str| -> Result<String> {
            row.fields
                .get(name)
                .filter(|v| !v.trim().is_empty())
                .map(|v| v.trim().to_string())
                .ok_or_else(|| anyhow!("{}: no '{name}'", at()))
        };
        let resolve = |p: String| {
            let p = PathBuf::from(p);
            if p.is_absolute() {
                p
            } else {
                base.join(p)
            }
        };
        let src = resolve(field("src")?);
        let tgt = resolve(field("tgt")?);
        let mode = match row
            .fields
            .get("mode")
            .map(|m| m.trim())
            .filter(|m| !m.is_empty())
        {
            Some(m) => AlignMode::from_str(m, true)
                .map_err(|_| anyhow!("{}: mode {m:?} is neither parallel nor comparable", at()))?,
            None => default_mode,
        };
        let pair_id = match row.fields.get("pair_id").filter(|v| !v.trim().is_empty()) {
            Some(id) => checked_id(id.trim()).with_context(at)?,
            None => safe_id(&file_key(&src)),
        };
        jobs.push(PairJob {
            pair_id,
            src,
            tgt,
            mode,
        });
    }
    check_unique(&jobs, &path.display().to_string())?;
    Ok(jobs)
}

/// One manifest row: its fields by column name and where it is (for messages).
struct ManifestRow {
    fields: BTreeMap<String, String>,
    place: String,
}

fn read_delimited(path: &Path, separator: u8) -> Result<Vec<ManifestRow>> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator)
        .from_path(path)
        .with_context(|| format!("{}: cannot read the manifest", path.display()))?;
    let header: Vec<String> = reader
        .headers()
        .with_context(|| format!("{}: cannot read the header", path.display()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    for needed in ["src", "tgt"] {
        if !header.iter().any(|h| h == needed) {
            bail!(
                "{}: the header has no '{needed}' column (found: {})",
                path.display(),
                header.join(", ")
            );
        }
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            anyhow!("{}: line {line}: {e}", path.display())
        })?;
        let line = record.position().map_or(0, |p| p.line());
        rows.push(ManifestRow {
            fields: header
                .iter()
                .cloned()
                .zip(record.iter().map(String::from))
                .collect(),
            place: format!("line {line}"),
        });
    }
    Ok(rows)
}

fn read_table_rows(path: &Path) -> Result<Vec<ManifestRow>> {
    let table = pird_io::read_table(path)?;
    let mut columns = Vec::new();
    for name in ["src", "tgt", "pair_id", "mode"] {
        match pird_io::columns::str_column(&table, name, path) {
            Ok(column) => columns.push((name, column.clone())),
            Err(error) if name == "src" || name == "tgt" => return Err(error.into()),
            Err(_) => {}
        }
    }
    Ok((0..table.height())
        .map(|row| ManifestRow {
            fields: columns
                .iter()
                .filter_map(|(name, column)| Some((name.to_string(), column.get(row)?.to_string())))
                .collect(),
            place: format!("row {}", row + 1),
        })
        .collect())
}

/// Pairs the files of two directories by name, ignoring language parts of the name
/// (`news-01.ckb.txt` and `news-01.arb.txt`, or the same name in both). Returns the pairs in
/// name order and the files left without a partner on each side.
pub fn pair_directories(
    src_dir: &Path,
    tgt_dir: &Path,
    mode: AlignMode,
) -> Result<(Vec<PairJob>, Vec<PathBuf>, Vec<PathBuf>)> {
    let src = files_by_key(src_dir)?;
    let mut tgt = files_by_key(tgt_dir)?;
    let mut jobs = Vec::new();
    let mut src_left = Vec::new();
    for (key, src_path) in src {
        match tgt.remove(&key) {
            Some(tgt_path) => jobs.push(PairJob {
                pair_id: safe_id(&key),
                src: src_path,
                tgt: tgt_path,
                mode,
            }),
            None => src_left.push(src_path),
        }
    }
    check_unique(&jobs, &src_dir.display().to_string())?;
    Ok((jobs, src_left, tgt.into_values().collect()))
}

fn files_by_key(dir: &Path) -> Result<BTreeMap<String, PathBuf>> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot list the directory", dir.display()))?
    {
        let path = entry
            .with_context(|| format!("{}: cannot list the directory", dir.display()))?
            .path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !path.is_file() || name.starts_with('.') {
            continue;
        }
        let key = name_key(&name);
        if let Some(other) = files.insert(key.clone(), path.clone()) {
            bail!(
                "{}: {} and {} pair under the same name ({key}); rename one",
                dir.display(),
                other.display(),
                path.display()
            );
        }
    }
    Ok(files)
}

/// A file name without its language parts and extension: `news-01.ckb.txt` → `news-01`.
fn name_key(name: &str) -> String {
    let parts: Vec<&str> = name.split('.').collect();
    let without_extension = if parts.len() > 1 {
        &parts[..parts.len() - 1]
    } else {
        &parts[..]
    };
    let kept: Vec<&str> = without_extension
        .iter()
        .enumerate()
        .filter(|(i, part)| *i == 0 || part.parse::<Lang>().is_err())
        .map(|(_, part)| *part)
        .collect();
    kept.join(".")
}

/// A file's pairing key: its name without language parts and extension.
pub fn file_key(path: &Path) -> String {
    name_key(
        &path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    )
}

/// `id` with every character outside letters, digits, `.`, `_` and `-` as `_`.
pub fn safe_id(id: &str) -> String {
    let safe: String = id
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    match safe.trim_start_matches('.') {
        "" => "_".to_string(),
        rest => rest.to_string(),
    }
}

/// A `pair_id` given in a manifest: used as a file name, so it must already be safe.
fn checked_id(id: &str) -> Result<String> {
    if safe_id(id) != id {
        bail!("pair_id {id:?} cannot name a file: use letters, digits, '.', '_' and '-' only");
    }
    Ok(id.to_string())
}

fn check_unique(jobs: &[PairJob], origin: &str) -> Result<()> {
    let mut seen = HashSet::new();
    for job in jobs {
        if !seen.insert(job.pair_id.as_str()) {
            bail!(
                "{origin}: pair_id {:?} is used twice; give each pair its own",
                job.pair_id
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(id: &str) -> PairJob {
        PairJob {
            pair_id: id.into(),
            src: id.into(),
            tgt: id.into(),
            mode: AlignMode::Parallel,
        }
    }

    #[test]
    fn shards_cover_every_pair_exactly_once() {
        let jobs: Vec<PairJob> = (0..10).map(|i| job(&i.to_string())).collect();
        let mut seen: Vec<String> = Vec::new();
        for index in 1..=3 {
            let shard: Shard = format!("{index}/3").parse().unwrap();
            seen.extend(shard.select(jobs.clone()).into_iter().map(|j| j.pair_id));
        }
        seen.sort_by_key(|id| id.parse::<u32>().unwrap());
        assert_eq!(seen, (0..10).map(|i| i.to_string()).collect::<Vec<_>>());
        assert_eq!("2/3".parse::<Shard>().unwrap().select(jobs)[0].pair_id, "1");
        for bad in ["0/3", "4/3", "1/0", "a/b", "3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn names_pair_without_language_parts() {
        assert_eq!(name_key("news-01.ckb.txt"), "news-01");
        assert_eq!(name_key("news-01.arb.txt"), "news-01");
        assert_eq!(name_key("news-01.txt"), "news-01");
        assert_eq!(name_key("ckb.txt"), "ckb");
        assert_eq!(name_key("a.b.ckb_Arab.txt"), "a.b");
        assert_eq!(safe_id("a b/c"), "a_b_c");
        assert_eq!(safe_id("../x"), "_x");
        assert!(checked_id("ok-1.2_x").is_ok());
        assert!(checked_id("../etc").is_err());
    }

    #[test]
    fn manifests_resolve_paths_and_name_bad_rows() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = dir.path().join("m.csv");
        std::fs::write(
            &manifest,
            "src,tgt,pair_id,mode\na.ckb.txt,a.arb.txt,,\n/abs/b.txt,b2.txt,bee,comparable\n",
        )
        .unwrap();
        let jobs = read_manifest(&manifest, AlignMode::Parallel).unwrap();
        assert_eq!(jobs[0].pair_id, "a");
        assert_eq!(jobs[0].src, dir.path().join("a.ckb.txt"));
        assert_eq!(jobs[0].mode, AlignMode::Parallel);
        assert_eq!(
            (jobs[1].pair_id.as_str(), jobs[1].mode),
            ("bee", AlignMode::Comparable)
        );
        assert_eq!(jobs[1].src, PathBuf::from("/abs/b.txt"));
        for (text, culprit) in [
            ("src,tgt\na,b\nc\n", "line 3"),
            ("src,tgt\na,\n", "line 2: no 'tgt'"),
            ("src,tgt,mode\na,b,sideways\n", "line 2: mode \"sideways\""),
            ("source,tgt\na,b\n", "no 'src' column"),
            ("src,tgt,pair_id\na,b,x\nc,d,x\n", "\"x\" is used twice"),
            ("src,tgt,pair_id\na,b,../x\n", "line 2"),
        ] {
            std::fs::write(&manifest, text).unwrap();
            let error = format!(
                "{:#}",
                read_manifest(&manifest, AlignMode::Parallel).unwrap_err()
            );
            assert!(
                error.contains("m.csv") && error.contains(culprit),
                "{text:?}: {error}"
            );
        }
    }

    #[test]
    fn directories_pair_by_name_and_report_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let (src, tgt) = (dir.path().join("ckb"), dir.path().join("arb"));
        std::fs::create_dir_all(&src).unwrap();
        std::fs::create_dir_all(&tgt).unwrap();
        for name in ["one.ckb.txt", "two.txt", "lonely.txt", ".hidden"] {
            std::fs::write(src.join(name), "x").unwrap();
        }
        for name in ["one.arb.txt", "two.txt", "other.txt"] {
            std::fs::write(tgt.join(name), "x").unwrap();
        }
        let (jobs, src_left, tgt_left) =
            pair_directories(&src, &tgt, AlignMode::Comparable).unwrap();
        let ids: Vec<&str> = jobs.iter().map(|j| j.pair_id.as_str()).collect();
        assert_eq!(ids, ["one", "two"]);
        assert_eq!(jobs[0].tgt, tgt.join("one.arb.txt"));
        assert_eq!(src_left, [src.join("lonely.txt")]);
        assert_eq!(tgt_left, [tgt.join("other.txt")]);
    }
}
