//! Benchmark (not a test) of the alignment library on synthetic, deterministic embeddings;
//! `scripts/bench-align` runs each case in its own process and prints the tables.
//!
//! ```text
//! bench_align parallel N             align N source sentences with about N target sentences
//! bench_align mine N [PAIRS.npy]     exact margin mining of N × N sentences (pairs written if asked)
//! bench_align mine-data N DIR        write the mining case's vectors and gold to DIR/*.npy
//! ```
//!
//! Each timed case prints one JSON line: seconds per phase, the process's peak RSS (VmHWM) and
//! how much of the synthetic gold the run recovered (a sanity check that the timed run did the
//! real work, not a quality figure). Generating the vectors is not timed.
//!
//! Vectors (dimension 384, L2-normalised) imitate a sentence encoder: each sentence is a random
//! "content" direction plus a language offset shared by every sentence of its side (the two
//! offsets have cosine 0.8); a translation is its source's content plus noise (content cosine
//! about 0.86). The parallel pair has 1-1 beads, 3% each of 2-1 and 1-2 (the side with one
//! sentence carries the normalised sum of the other side's two contents) and 1.5% each of 1-0 and
//! 0-1. The mining pair has `PARTNERED` of the sources translated somewhere in the target, in
//! random order, and unrelated sentences elsewhere.

use ndarray::{Array1, Array2, ArrayView1, Axis};
use pird_align::Bead;
use pird_align::{
    mine_with_scorer, CostConfig, MiningConfig, Overlaps, PairAligner, PairMode, PairScorer,
    PairSide, ParallelStrategy, DEFAULT_K,
};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::error::Error;
use std::ops::Range;
use std::time::Instant;

const DIM: usize = 384;
/// Length of each language offset relative to a unit content vector (same-language cosine ≈ 0.7).
const LANGUAGE: f32 = 1.5;
/// Length of the noise added to a translation's content.
const TRANSLATION_NOISE: f32 = 0.6;
/// Fraction of mining sources with a translation in the target.
const PARTNERED: f64 = 0.3;
/// Longest run of sentences in one bead (the CLI's `--max-bead 3`).
const MAX_BEAD: usize = 3;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: bench_align parallel N | mine N [PAIRS.npy] | mine-data N DIR";
    let (case, n) = match args.as_slice() {
        [case, n, ..] => (case.as_str(), n.parse::<usize>()?),
        _ => return Err(usage.into()),
    };
    match case {
        "parallel" => parallel(n),
        "mine" => mine(n, args.get(2).map(String::as_str)),
        "mine-data" => {
            let dir = std::path::Path::new(args.get(2).ok_or(usage)?);
            std::fs::create_dir_all(dir)?;
            let (source, target, gold) = mining_pair(n, 7);
            ndarray_npy::write_npy(dir.join("source.npy"), &source)?;
            ndarray_npy::write_npy(dir.join("target.npy"), &target)?;
            let gold: Array1<i64> = gold.iter().map(|g| g.map_or(-1, |t| t as i64)).collect();
            ndarray_npy::write_npy(dir.join("gold.npy"), &gold)?;
            Ok(())
        }
        _ => Err(usage.into()),
    }
}

/// The parallel aligner as `pird align --mode parallel` runs it without a background
/// (`PairAligner`: centring, margin neighbourhoods near the diagonal, the banded DP, bead scores).
fn parallel(n: usize) -> Result<()> {
    let (source, target, gold) = parallel_pair(n, 1);
    // The precomputed run embeddings (the CLI embeds joined runs; here their normalised sums).
    let source_runs = Overlaps::by_summing(source.view(), MAX_BEAD);
    let target_runs = Overlaps::by_summing(target.view(), MAX_BEAD);

    let start = Instant::now();
    let mode = PairMode::Parallel {
        max_bead: MAX_BEAD,
        deletion_percentile: CostConfig::default().deletion_percentile,
        strategy: ParallelStrategy::Dp,
    };
    let aligner = PairAligner::new(mode, None, None)?;
    // No languages: the parallel search reads vectors only, and anchors need languages.
    let (source_texts, target_texts) =
        (vec![String::new(); n], vec![String::new(); target.nrows()]);
    let side = |runs, texts| PairSide {
        runs,
        texts,
        lang: None,
    };
    let aligned = aligner.align(
        side(&source_runs, &source_texts),
        side(&target_runs, &target_texts),
    )?;
    let seconds = start.elapsed().as_secs_f64();

    let found: std::collections::HashSet<_> =
        aligned.iter().map(|b| key(&b.source, &b.target)).collect();
    let recovered = gold
        .iter()
        .filter(|g| found.contains(&key(&g.source, &g.target)))
        .count();
    println!(
        "{}",
        json!({
            "case": "parallel", "n": n, "m": target.nrows(), "threads": threads(),
            "seconds": seconds, "beads": aligned.len(), "gold_beads": gold.len(),
            "gold_recovered": recovered as f64 / gold.len() as f64,
            "vm_hwm_kb": vm_hwm_kb(),
        })
    );
    Ok(())
}

/// A bead as compared with the gold: a deletion by its one non-empty side only, since where an
/// empty range sits next to other deletions is arbitrary.
fn key(source: &Range<usize>, target: &Range<usize>) -> [Option<(usize, usize)>; 2] {
    let side = |r: &Range<usize>| (!r.is_empty()).then_some((r.start, r.end));
    [side(source), side(target)]
}

/// Exact margin mining at scale, as `pird align --mode comparable` mines: `PairScorer::new`
/// (centring, blocked exact nearest neighbours both ways), then `mine_with_scorer` (each
/// sentence's best candidate by ratio margin among its nearest neighbours, kept when mutual).
fn mine(n: usize, pairs_out: Option<&str>) -> Result<()> {
    let (source, target, gold) = mining_pair(n, 7);
    let source_runs = Overlaps::by_summing(source.view(), 1);
    let target_runs = Overlaps::by_summing(target.view(), 1);
    drop((source, target));

    let start = Instant::now();
    let scorer = PairScorer::new(&source_runs, &target_runs, DEFAULT_K);
    let knn_s = start.elapsed().as_secs_f64();
    let mined: Vec<(usize, usize, f32)> = mine_with_scorer(
        &scorer,
        &source_runs,
        &target_runs,
        &MiningConfig::default(),
    )
    .into_iter()
    .map(|p| (p.source.start, p.target.start, p.margin))
    .collect();
    let seconds = start.elapsed().as_secs_f64();

    let correct = mined
        .iter()
        .filter(|&&(i, j, _)| gold[i] == Some(j))
        .count();
    let gold_pairs = gold.iter().flatten().count();
    // Without a threshold every sentence may find a mutual best; the top `gold_pairs` by margin
    // are what a threshold would keep.
    let top_correct = mined
        .iter()
        .take(gold_pairs)
        .filter(|&&(i, j, _)| gold[i] == Some(j))
        .count();
    let precision_at_gold = top_correct as f64 / gold_pairs.max(1) as f64;
    let recall = correct as f64 / gold_pairs.max(1) as f64;
    let hwm = vm_hwm_kb();
    if let Some(path) = pairs_out {
        let pairs = Array2::from_shape_fn((mined.len(), 2), |(r, c)| {
            if c == 0 {
                mined[r].0 as i64
            } else {
                mined[r].1 as i64
            }
        });
        ndarray_npy::write_npy(path, &pairs)?;
    }
    println!(
        "{}",
        json!({
            "case": "mine", "n": n, "m": n, "threads": threads(), "k": DEFAULT_K,
            "seconds": seconds, "knn_s": knn_s, "mined": mined.len(), "gold_pairs": gold_pairs,
            "precision_at_gold": precision_at_gold, "recall": recall, "vm_hwm_kb": hwm,
        })
    );
    Ok(())
}

/// A random unit vector (Gaussian components, Box–Muller).
fn unit(rng: &mut StdRng) -> Array1<f32> {
    let mut v = Array1::from_shape_fn(DIM, |_| {
        let (u, w): (f64, f64) = (rng.random::<f64>().max(1e-12), rng.random());
        ((-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * w).cos()) as f32
    });
    normalise(&mut v);
    v
}

fn normalise(v: &mut Array1<f32>) {
    let norm = v.dot(v).sqrt();
    if norm > 0.0 {
        *v /= norm;
    }
}

fn normalised(mut v: Array1<f32>) -> Array1<f32> {
    normalise(&mut v);
    v
}

/// Two language offsets with cosine 0.8, each of length `LANGUAGE`.
fn languages(rng: &mut StdRng) -> (Array1<f32>, Array1<f32>) {
    let source = unit(rng);
    let target = normalised(&source * 0.8 + unit(rng) * 0.6);
    (source * LANGUAGE, target * LANGUAGE)
}

/// A translation's content: `content` plus noise, renormalised.
fn translate(content: ArrayView1<f32>, rng: &mut StdRng) -> Array1<f32> {
    normalised(&content + &(unit(rng) * TRANSLATION_NOISE))
}

/// Stacks contents into sentence vectors of one language.
fn sentences(contents: &[Array1<f32>], language: &Array1<f32>) -> Array2<f32> {
    let mut out = Array2::zeros((contents.len(), DIM));
    for (mut row, content) in out.axis_iter_mut(Axis(0)).zip(contents) {
        row.assign(&normalised(content + language));
    }
    out
}

/// `n` source sentences, their translation (about `n` sentences) and the gold beads.
fn parallel_pair(n: usize, seed: u64) -> (Array2<f32>, Array2<f32>, Vec<Bead>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let (source_language, target_language) = languages(&mut rng);
    let (mut source, mut target, mut gold) = (Vec::new(), Vec::new(), Vec::new());
    while source.len() < n {
        let draw: f64 = rng.random();
        let left = n - source.len();
        let shape = match draw {
            d if d < 0.015 => (1, 0),
            d if d < 0.03 => (0, 1),
            d if d < 0.06 && left >= 2 => (2, 1),
            d if d < 0.09 => (1, 2),
            _ => (1, 1),
        };
        let (i, j) = (source.len(), target.len());
        match shape {
            (1, 0) => source.push(unit(&mut rng)),
            (0, 1) => target.push(unit(&mut rng)),
            (1, 1) => {
                let content = unit(&mut rng);
                target.push(translate(content.view(), &mut rng));
                source.push(content);
            }
            (2, 1) => {
                let (a, b) = (unit(&mut rng), unit(&mut rng));
                target.push(translate(normalised(&a + &b).view(), &mut rng));
                source.extend([a, b]);
            }
            _ => {
                let (a, b) = (unit(&mut rng), unit(&mut rng));
                target.push(translate(a.view(), &mut rng));
                target.push(translate(b.view(), &mut rng));
                source.push(normalised(a + b));
            }
        }
        gold.push(Bead {
            source: i..source.len(),
            target: j..target.len(),
        });
    }
    (
        sentences(&source, &source_language),
        sentences(&target, &target_language),
        gold,
    )
}

/// `n` × `n` sentences of which `PARTNERED` of the sources have a translation at a random
/// target position; returns the vectors and each source's partner. Rows are written in place so
/// that generating stays below the timed run's memory.
fn mining_pair(n: usize, seed: u64) -> (Array2<f32>, Array2<f32>, Vec<Option<usize>>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let (source_language, target_language) = languages(&mut rng);
    let mut slots: Vec<usize> = (0..n).collect();
    slots.shuffle(&mut rng);
    let mut source = Array2::zeros((n, DIM));
    let mut target = Array2::zeros((n, DIM));
    let mut gold = vec![None; n];
    for (i, &slot) in slots.iter().enumerate() {
        let content = unit(&mut rng);
        let other = if rng.random_bool(PARTNERED) {
            gold[i] = Some(slot);
            translate(content.view(), &mut rng)
        } else {
            unit(&mut rng)
        };
        source
            .row_mut(i)
            .assign(&normalised(content + &source_language));
        target
            .row_mut(slot)
            .assign(&normalised(other + &target_language));
    }
    (source, target, gold)
}

/// The matrix-product threads (matrixmultiply reads `MATMUL_NUM_THREADS`, else physical cores).
fn threads() -> String {
    std::env::var("MATMUL_NUM_THREADS").unwrap_or_else(|_| "unset".into())
}

/// Peak resident set size of this process in kB (0 where /proc is missing).
fn vm_hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
