//! `pird batch`: many document pairs, resumable, in parallel, with a run summary.
//!
//! Pairs go through in chunks (`--chunk-pairs`), so memory stays flat however long the manifest:
//! a chunk's documents are read and checked in parallel, every distinct text of the chunk is
//! embedded once (the encoder gets full, length-sorted batches; the on-disk cache serves texts
//! seen before, in this run or any other), and the pairs are then aligned in parallel (rayon),
//! each written to its own table and its status recorded as soon as it is done. A failing pair
//! is recorded with its error and the run goes on; the exit status is 2 when any pair failed.

pub mod manifest;
pub mod run_dir;

use crate::cli::{AlignMode, BatchArgs};
use crate::embedding::{embed_runs_counted, open_model, OpenModel};
use crate::pair_alignment::{align_pair, alignment_frame, build_aligner};
use crate::progress::BatchProgress;
use crate::sentence_input::{read_checked_doc, SentenceDoc, SplitMode};
use anyhow::{bail, Result};
use manifest::{PairJob, Shard};
use pird_align::{Overlaps, PairAligner};
use pird_io::summary::{PairOutcome, PairStatus};
use pird_text::Lang;
use rayon::prelude::*;
use run_dir::RunDir;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The run finished, but some pairs failed (exit status 2; the summary says which and why).
#[derive(Debug)]
pub struct PairsFailed {
    /// Pairs that failed.
    pub failed: usize,
    /// Pairs of the run.
    pub total: usize,
    /// The summary table.
    pub summary: PathBuf,
}

impl std::fmt::Display for PairsFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} of {} pairs failed; {} lists each with its error",
            self.failed,
            self.total,
            self.summary.display()
        )
    }
}

impl std::error::Error for PairsFailed {}

/// Runs the batch and writes the summary.
pub fn run(args: &BatchArgs, quiet: bool) -> Result<()> {
    // Refuses bad settings before any work.
    args.pairing.pair_mode(args.pairing.mode)?;
    run_dir::check_output(&args.output)?;
    let run = RunDir::open(&args.output)?;
    let mut model: Option<OpenModel> = None;
    let jobs = pair_jobs(args, &mut model, quiet)?;
    let progress = BatchProgress::new(jobs.len() as u64, quiet);
    let todo: Vec<&PairJob> = jobs
        .iter()
        .filter(|job| run.finished(&job.pair_id).is_none())
        .collect();
    progress.pairs.inc((jobs.len() - todo.len()) as u64);
    tracing::info!(
        pairs = jobs.len(),
        finished_before = jobs.len() - todo.len(),
        "batch starts"
    );
    let mut embedded = EmbedTally::default();
    if !todo.is_empty() {
        let model = match model {
            Some(model) => model,
            None => open_model(&args.model)?,
        };
        embedded = align_all(args, &run, model, &todo, &progress)?;
    }
    progress.finish();
    summarise(args, &run, &jobs, jobs.len() - todo.len(), &embedded, quiet)
}

/// The pairs of the run (this shard's, with `--shard`): from the manifest, or the two
/// directories paired by name and, for files left without a name partner, by content (which
/// opens the model into `model`).
fn pair_jobs(args: &BatchArgs, model: &mut Option<OpenModel>, quiet: bool) -> Result<Vec<PairJob>> {
    let jobs = match (&args.manifest, &args.src_dir, &args.tgt_dir) {
        (Some(path), _, _) => manifest::read_manifest(path, args.pairing.mode)?,
        (None, Some(src_dir), Some(tgt_dir)) => {
            let (mut jobs, src_left, tgt_left) =
                manifest::pair_directories(src_dir, tgt_dir, args.pairing.mode)?;
            if !src_left.is_empty() && !tgt_left.is_empty() {
                let opened = model.insert(open_model(&args.model)?);
                jobs.extend(pair_by_content(opened, &src_left, &tgt_left, args, quiet)?);
            } else {
                for path in src_left.iter().chain(&tgt_left) {
                    eprintln!(
                        "pird: warning: {}: no partner in the other directory",
                        path.display()
                    );
                }
            }
            jobs
        }
        _ => bail!("give a manifest, or --src-dir and --tgt-dir"),
    };
    Ok(match args.shard {
        Some(shard) => shard.select(jobs),
        None => jobs,
    })
}

/// One aligner per mode and language pair, built when first needed.
type Aligners = HashMap<(AlignMode, Option<Lang>, Option<Lang>), PairAligner>;

/// Aligns the pairs still to do, chunk by chunk, recording each pair's status.
fn align_all(
    args: &BatchArgs,
    run: &RunDir,
    mut model: OpenModel,
    todo: &[&PairJob],
    progress: &BatchProgress,
) -> Result<EmbedTally> {
    let calibration = crate::embedding::load_calibration(&model.dir)?;
    if calibration.is_none() && todo.iter().any(|j| j.mode == AlignMode::Comparable) {
        bail!(pird_align::PairError::NoCalibration);
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()?;
    let mut aligners = Aligners::new();
    let mut embedded = EmbedTally::default();
    for chunk in todo.chunks(args.chunk_pairs.max(1)) {
        let read: Vec<ReadPair> = pool.install(|| {
            chunk
                .par_iter()
                .map(|job| ReadPair::of(job, args))
                .collect()
        });
        let mut ready = Vec::new();
        for pair in read {
            match pair.docs {
                Ok(docs) => ready.push((pair.job, docs, pair.seconds)),
                Err(error) => record(run, failed(pair.job, &error, pair.seconds), progress)?,
            }
        }
        for (job, (source, target), _) in &ready {
            let key = (job.mode, source.lang, target.lang);
            if let std::collections::hash_map::Entry::Vacant(slot) = aligners.entry(key) {
                let mode = args.pairing.pair_mode(job.mode)?;
                slot.insert(build_aligner(
                    &model.dir.path,
                    calibration.as_ref(),
                    mode,
                    (source.lang, target.lang),
                )?);
            }
        }
        let runs = embed_chunk(&mut model, &ready, args, progress, &mut embedded)?;
        let statuses: Vec<Result<()>> = pool.install(|| {
            ready
                .par_iter()
                .zip(runs.par_iter())
                .map(|(pair, runs)| align_one(run, pair, runs, &aligners, &model.label, progress))
                .collect()
        });
        statuses.into_iter().collect::<Result<()>>()?;
    }
    Ok(embedded)
}

/// Aligns one read pair with its runs' vectors, writes its table and records its status.
fn align_one(
    run: &RunDir,
    (job, (source, target), read_seconds): &(&PairJob, Docs, f64),
    (source_runs, target_runs): &(Overlaps, Overlaps),
    aligners: &Aligners,
    model_label: &str,
    progress: &BatchProgress,
) -> Result<()> {
    let started = Instant::now();
    let aligner = &aligners[&(job.mode, source.lang, target.lang)];
    let outcome = align_and_write(
        run,
        job,
        (source, source_runs),
        (target, target_runs),
        aligner,
        model_label,
    );
    let seconds = read_seconds + started.elapsed().as_secs_f64();
    let status = match outcome {
        Ok(mut status) => {
            status.seconds = seconds;
            status
        }
        Err(error) => failed(job, &error, seconds),
    };
    record(run, status, progress)
}

/// Writes the run summary of `jobs`, says what the run did, and fails with [`PairsFailed`]
/// when any pair failed.
fn summarise(
    args: &BatchArgs,
    run: &RunDir,
    jobs: &[PairJob],
    finished_before: usize,
    embedded: &EmbedTally,
    quiet: bool,
) -> Result<()> {
    let statuses: Vec<PairStatus> = jobs
        .iter()
        .map(|job| {
            run.status(&job.pair_id)
                .unwrap_or_else(|| failed(job, &anyhow::anyhow!("no status was recorded"), 0.0))
        })
        .collect();
    let label = args.shard.as_ref().map(Shard::label);
    let summary = run.write_summary(&statuses, label.as_deref())?;
    let failures = statuses.iter().filter(|s| !s.is_ok()).count();
    if !quiet {
        let beads: u64 = statuses.iter().map(|s| u64::from(s.beads)).sum();
        eprintln!(
            "pird batch: {} pairs ({} finished before, {} failed), {beads} beads; {} texts embedded ({} distinct, {} from the cache) → {}",
            statuses.len(),
            finished_before,
            failures,
            embedded.texts,
            embedded.unique,
            embedded.cached,
            summary.display()
        );
    }
    if failures > 0 {
        return Err(PairsFailed {
            failed: failures,
            total: statuses.len(),
            summary,
        }
        .into());
    }
    Ok(())
}

/// Texts the run gave the embedder, distinct ones among them, and those the cache held.
#[derive(Debug, Default)]
struct EmbedTally {
    texts: usize,
    unique: usize,
    cached: usize,
}

/// A pair's documents as read and checked, or why they could not be.
struct ReadPair<'a> {
    job: &'a PairJob,
    docs: Result<(SentenceDoc, SentenceDoc)>,
    seconds: f64,
}

impl<'a> ReadPair<'a> {
    fn of(job: &'a PairJob, args: &BatchArgs) -> Self {
        let started = Instant::now();
        let split = SplitMode::of(&args.sentences);
        let docs = read_checked_doc(&job.src, split, args.sentences.src_lang).and_then(|source| {
            Ok((
                source,
                read_checked_doc(&job.tgt, split, args.sentences.tgt_lang)?,
            ))
        });
        Self {
            job,
            docs,
            seconds: started.elapsed().as_secs_f64(),
        }
    }
}

type Docs = (SentenceDoc, SentenceDoc);

/// Embeds the runs of every document of a chunk: one embedder call per run length, so that
/// texts shared between pairs are embedded once and batches stay full.
fn embed_chunk(
    model: &mut OpenModel,
    ready: &[(&PairJob, Docs, f64)],
    args: &BatchArgs,
    progress: &BatchProgress,
    tally: &mut EmbedTally,
) -> Result<Vec<(Overlaps, Overlaps)>> {
    let longest: Vec<usize> = ready
        .iter()
        .map(|(job, _, _)| args.pairing.pair_mode(job.mode).map(|m| m.longest_run()))
        .collect::<Result<_>>()?;
    let mut runs: Vec<Option<(Overlaps, Overlaps)>> = (0..ready.len()).map(|_| None).collect();
    for run_length in longest.iter().copied().collect::<BTreeSet<_>>() {
        let members: Vec<usize> = (0..ready.len())
            .filter(|&i| longest[i] == run_length)
            .collect();
        let documents: Vec<&[String]> = members
            .iter()
            .flat_map(|&i| [&ready[i].1 .0.texts[..], &ready[i].1 .1.texts[..]])
            .collect();
        let started = Instant::now();
        let (vectors, stats) = embed_runs_counted(model, &documents, run_length, &progress.texts)?;
        tracing::info!(
            texts = stats.sentences,
            distinct = stats.unique,
            cached = stats.cached,
            encoded = stats.encoded,
            seconds = started.elapsed().as_secs_f64(),
            "chunk embedded"
        );
        tally.texts += stats.sentences;
        tally.unique += stats.unique;
        tally.cached += stats.cached;
        let mut vectors = vectors.into_iter();
        for &i in &members {
            let source = vectors.next().expect("one run set per document");
            let target = vectors.next().expect("one run set per document");
            runs[i] = Some((source, target));
        }
    }
    Ok(runs
        .into_iter()
        .map(|r| r.expect("every pair embedded"))
        .collect())
}

/// Aligns one pair, writes its table, and returns its status (seconds left for the caller).
fn align_and_write(
    run: &RunDir,
    job: &PairJob,
    source: (&SentenceDoc, &Overlaps),
    target: (&SentenceDoc, &Overlaps),
    aligner: &PairAligner,
    model_label: &str,
) -> Result<PairStatus> {
    let beads = align_pair(aligner, source, target)?;
    let method = aligner.mode().method();
    let mut frame = alignment_frame(source.0, target.0, &beads, method, model_label)?;
    pird_io::write_table(&mut frame, &run.alignments(&job.pair_id))?;
    let scores: Vec<f64> = beads
        .iter()
        .filter_map(|b| b.score)
        .map(f64::from)
        .collect();
    Ok(PairStatus {
        pair_id: job.pair_id.clone(),
        src: job.src.display().to_string(),
        tgt: job.tgt.display().to_string(),
        mode: mode_name(job.mode).to_string(),
        src_sentences: source.0.texts.len() as u32,
        tgt_sentences: target.0.texts.len() as u32,
        beads: beads.len() as u32,
        mean_score: (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64),
        status: PairOutcome::Ok,
        error: None,
        seconds: 0.0,
    })
}

fn mode_name(mode: AlignMode) -> &'static str {
    match mode {
        AlignMode::Parallel => "parallel",
        AlignMode::Comparable => "comparable",
    }
}

fn failed(job: &PairJob, error: &anyhow::Error, seconds: f64) -> PairStatus {
    PairStatus {
        pair_id: job.pair_id.clone(),
        src: job.src.display().to_string(),
        tgt: job.tgt.display().to_string(),
        mode: mode_name(job.mode).to_string(),
        src_sentences: 0,
        tgt_sentences: 0,
        beads: 0,
        mean_score: None,
        status: PairOutcome::Failed,
        error: Some(format!("{error:#}")),
        seconds,
    }
}

/// Stores a pair's status and counts it; a status that cannot be stored stops the run (the disk
/// is full or gone), since going on would lose what is done.
fn record(run: &RunDir, status: PairStatus, progress: &BatchProgress) -> Result<()> {
    match &status.error {
        Some(error) => {
            tracing::warn!(pair = %status.pair_id, %error, "pair failed");
            progress.println(format!("pird: pair {} failed: {error}", status.pair_id));
        }
        None => tracing::info!(
            pair = %status.pair_id,
            beads = status.beads,
            seconds = status.seconds,
            "pair aligned"
        ),
    }
    run.record(&status)?;
    progress.pair_done(!status.is_ok());
    Ok(())
}

/// Pairs the files left without a name partner by their content (as `pird docalign` does).
fn pair_by_content(
    model: &mut OpenModel,
    src_files: &[PathBuf],
    tgt_files: &[PathBuf],
    args: &BatchArgs,
    quiet: bool,
) -> Result<Vec<PairJob>> {
    let split = SplitMode::of(&args.sentences);
    let read = |files: &[PathBuf], lang| -> Vec<(PathBuf, SentenceDoc)> {
        files
            .iter()
            .filter_map(|path| match read_checked_doc(path, split, lang) {
                Ok(doc) => Some((path.clone(), doc)),
                Err(error) => {
                    eprintln!("pird: warning: not paired by content: {error:#}");
                    None
                }
            })
            .collect()
    };
    let source = read(src_files, args.sentences.src_lang);
    let target = read(tgt_files, args.sentences.tgt_lang);
    if source.is_empty() || target.is_empty() {
        return Ok(Vec::new());
    }
    let docs = |side: &[(PathBuf, SentenceDoc)]| -> Vec<SentenceDoc> {
        side.iter().map(|(_, doc)| doc.clone()).collect()
    };
    let bar = crate::progress::bar(0, "texts", quiet);
    let pairs =
        crate::commands::docalign::pair_collections(model, &docs(&source), &docs(&target), &bar)?;
    bar.finish_and_clear();
    let name = |path: &Path| manifest::safe_id(&manifest::file_key(path));
    Ok(pairs
        .into_iter()
        .map(|pair| {
            let (src, tgt) = (&source[pair.source].0, &target[pair.target].0);
            if !quiet {
                eprintln!(
                    "pird: paired by content: {} ↔ {} (score {:.3})",
                    src.display(),
                    tgt.display(),
                    pair.score
                );
            }
            PairJob {
                pair_id: format!("{}--{}", name(src), name(tgt)),
                src: src.clone(),
                tgt: tgt.clone(),
                mode: args.pairing.mode,
            }
        })
        .collect())
}
