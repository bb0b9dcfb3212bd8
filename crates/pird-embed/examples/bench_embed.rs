//! Embeds sentences with one backend (tch or candle) and reports the speed; run by
//! `scripts/bench-embed`.
//!
//! Tokenises all input lines (with the model's prefix), sorts them by length (longest first),
//! cuts the sorted list into batches of at most `--budget` tokens including padding
//! (rows × longest row) and `--max-rows` rows, embeds them, and prints one JSON line: sentences
//! per second over tokenising plus embedding (loading excluded), padding, batch count and peak RSS.
//!
//! usage: bench_embed --model DIR [--backend tch|candle] [--threads N] [--budget TOKENS]
//!                    [--max-rows N] [--rounds N] [--vectors OUT.f32] FILE…

use pird_embed::{Encoder, ModelDir, TokenBatch};
use std::path::PathBuf;
use std::time::Instant;
use tokenizers::{Tokenizer, TruncationParams};

struct Args {
    model: PathBuf,
    backend: String,
    threads: usize,
    budget: usize,
    max_rows: usize,
    rounds: usize,
    vectors: Option<PathBuf>,
    files: Vec<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        model: PathBuf::new(),
        backend: "tch".into(),
        threads: 2,
        budget: 4096,
        max_rows: 256,
        rounds: 1,
        vectors: None,
        files: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--model" => args.model = value()?.into(),
            "--backend" => args.backend = value()?,
            "--threads" => {
                args.threads = value()?.parse().map_err(|e| format!("--threads: {e}"))?
            }
            "--budget" => args.budget = value()?.parse().map_err(|e| format!("--budget: {e}"))?,
            "--max-rows" => {
                args.max_rows = value()?.parse().map_err(|e| format!("--max-rows: {e}"))?
            }
            "--rounds" => args.rounds = value()?.parse().map_err(|e| format!("--rounds: {e}"))?,
            "--vectors" => args.vectors = Some(value()?.into()),
            _ if arg.starts_with("--") => return Err(format!("unknown option {arg}")),
            _ => args.files.push(arg.into()),
        }
    }
    if args.model.as_os_str().is_empty() || args.files.is_empty() {
        return Err("usage: bench_embed --model DIR [--backend tch|candle] [--threads N] [--budget TOKENS] [--max-rows N] [--rounds N] [--vectors OUT] FILE…".into());
    }
    Ok(args)
}

/// A memory figure of this process in bytes from /proc/self/status (`VmHWM`: peak RSS, `VmRSS`).
fn memory(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// The encoder of `backend` on the CPU with `threads` threads.
fn load(
    backend: &str,
    model: &ModelDir,
    threads: usize,
) -> Result<Box<dyn Encoder>, Box<dyn std::error::Error + Send + Sync>> {
    match backend {
        #[cfg(feature = "tch")]
        "tch" => Ok(Box::new(pird_embed::TchBert::load(
            model,
            pird_embed::backends::tch::Device::Cpu,
            Some(threads),
        )?)),
        #[cfg(feature = "candle")]
        "candle" => Ok(Box::new(pird_embed::CandleBert::load(
            model,
            pird_embed::CandleOptions {
                threads: Some(threads),
                ..Default::default()
            },
        )?)),
        other => Err(format!("backend '{other}' is not built into this bench").into()),
    }
}

/// Sorted batches: indices into `lengths`, longest rows first, each batch within the limits.
fn batches(lengths: &[usize], budget: usize, max_rows: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(lengths[i]));
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    for i in order {
        // Sorted longest first, so the batch's first row sets its width.
        let width = current.first().map_or(lengths[i], |&j| lengths[j]);
        if !current.is_empty()
            && ((current.len() + 1) * width > budget || current.len() == max_rows)
        {
            out.push(std::mem::take(&mut current));
        }
        current.push(i);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let args = parse_args()?;
    let started = Instant::now();
    let model = ModelDir::open(&args.model)?;
    let rss_start = memory("VmRSS:");
    let mut tokenizer = Tokenizer::from_file(model.tokenizer())?;
    let rss_tokenizer = memory("VmRSS:");
    tokenizer.with_truncation(Some(TruncationParams {
        max_length: model.max_tokens,
        ..Default::default()
    }))?;
    let mut encoder = load(&args.backend, &model, args.threads)?;
    let load_s = started.elapsed().as_secs_f64();
    let rss_loaded = memory("VmRSS:");

    let mut texts = Vec::new();
    for file in &args.files {
        let content =
            std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        texts.extend(content.lines().map(|l| format!("{}{l}", model.prefix)));
    }

    let mut best = f64::INFINITY;
    let mut vectors = ndarray::Array2::<f32>::zeros((texts.len(), encoder.dim()));
    let (mut tokens, mut padded, mut n_batches) = (0, 0, 0);
    for _ in 0..args.rounds.max(1) {
        let round = Instant::now();
        let encodings = tokenizer.encode_batch(texts.clone(), true)?;
        let ids: Vec<&[u32]> = encodings.iter().map(|e| e.get_ids()).collect();
        let lengths: Vec<usize> = ids.iter().map(|r| r.len()).collect();
        let plan = batches(&lengths, args.budget, args.max_rows);
        (tokens, padded, n_batches) = (lengths.iter().sum::<usize>(), 0, plan.len());
        for batch in &plan {
            let rows: Vec<&[u32]> = batch.iter().map(|&i| ids[i]).collect();
            let tokens = TokenBatch::from_rows(&rows, model.config.pad_token_id);
            padded += tokens.ids.len();
            let out = encoder.embed(&tokens)?;
            for (row, &i) in out.outer_iter().zip(batch) {
                vectors.row_mut(i).assign(&row);
            }
        }
        best = best.min(round.elapsed().as_secs_f64());
    }
    if let Some(path) = &args.vectors {
        let bytes: Vec<u8> = vectors.iter().flat_map(|v| v.to_le_bytes()).collect();
        std::fs::write(path, bytes)?;
    }
    println!(
        "{{\"backend\": \"pird {}\", \"sentences\": {}, \"seconds\": {:.3}, \"sentences_per_s\": {:.2}, \"load_s\": {:.2}, \"tokens\": {}, \"padded_tokens\": {}, \"batches\": {}, \"policy\": \"sorted longest first, <= {} tokens incl. padding, <= {} rows\", \"peak_rss\": {}, \"rss_start\": {}, \"rss_tokenizer\": {}, \"rss_loaded\": {}}}",
        encoder.device(),
        texts.len(),
        best,
        texts.len() as f64 / best,
        load_s,
        tokens,
        padded,
        n_batches,
        args.budget,
        args.max_rows,
        memory("VmHWM:"),
        rss_start,
        rss_tokenizer,
        rss_loaded,
    );
    Ok(())
}
