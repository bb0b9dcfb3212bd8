//! `pird adapt`: trains a LoRA adapter of the encoder on Sorani–Arabic pairs and writes it with
//! its training record and card.

use crate::cli::AdaptArgs;
use crate::progress;
use crate::tables::{read_table, str_column};
use anyhow::{bail, Context, Result};
use indicatif::ProgressBar;
use pird_adapt::heldout::{BothWays, MARGIN_K};
use pird_adapt::{
    deduplicate, EpochReport, HeldOutSet, TrainConfig, TrainObserver, TrainReport, TrainingPair,
};
use pird_align::DEFAULT_K;
use pird_embed::backends::tch::parse_device;
use pird_embed::{resolve_model, LoraConfig, ModelDir, SentenceTokenizer, TchOptions};
use pird_text::{detect_language, Lang};
use polars::prelude::*;
use serde_json::json;
use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::Path;

/// Trains, reports each epoch on standard error, and writes the adapter directory.
pub fn run(args: &AdaptArgs, quiet: bool) -> Result<()> {
    let model_path = resolve_model(&args.model).with_context(|| {
        format!(
            "no base model at '{}': run scripts/fetch-model with `none` as adapter (see scripts/train-adapter), or pass --model DIR",
            args.model
        )
    })?;
    let model = ModelDir::open(&model_path)?;
    let tokenizer = SentenceTokenizer::load(&model)?;
    let key = |text: &str| -> String {
        tokenizer
            .normal_form(text)
            .map(|t| t.into_owned())
            .unwrap_or_else(|_| text.to_string())
    };

    let heldout = args
        .heldout
        .iter()
        .enumerate()
        .map(|(source, path)| {
            Ok(HeldOutSet {
                name: file_stem(path),
                pairs: read_pairs(path, args.min_score, source)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let heldout_sentences: HashSet<String> = heldout
        .iter()
        .flat_map(|set| set.pairs.iter())
        .flat_map(|p| [key(p.ckb.trim()), key(p.arb.trim())])
        .collect();

    let mut sources = Vec::new();
    let mut read = Vec::new();
    for (source, path) in args.train.iter().enumerate() {
        let pairs = read_pairs(path, args.min_score, source)?;
        sources.push(json!({"file": path.display().to_string(), "pairs": pairs.len()}));
        read.extend(pairs);
    }
    let read_count = read.len();
    let unseen: Vec<TrainingPair> = read
        .into_iter()
        .filter(|p| {
            !heldout_sentences.contains(&key(p.ckb.trim()))
                && !heldout_sentences.contains(&key(p.arb.trim()))
        })
        .collect();
    let in_heldout = read_count - unseen.len();
    let deduplicated = deduplicate(unseen, key);
    let mut train = deduplicated.pairs;
    if let Some(limit) = args.limit {
        train.truncate(limit);
    }
    eprintln!(
        "pird adapt: {read_count} training pairs read; {in_heldout} share a sentence with the held-out sets and {} repeat a sentence: dropped; training on {}",
        deduplicated.dropped,
        train.len()
    );

    let config = train_config(args, base_model_name(&model));
    let options = TchOptions {
        device: parse_device(&args.device)?,
        threads: args.threads,
        ..TchOptions::default()
    };
    let mut observer = Observer {
        quiet,
        bar: None,
        loss_sum: 0.0,
    };
    let report = pird_adapt::train(&model, options, &train, &heldout, &config, &mut observer)?;

    report.adapter.write_dir(&args.out)?;
    let record = json!({
        "pird": env!("CARGO_PKG_VERSION"),
        "base_model": {"path": model.path.display().to_string(), "name": config.base_model},
        "train": {
            "files": sources,
            "pairs_read": read_count,
            "dropped_sharing_heldout_sentences": in_heldout,
            "dropped_repeating_sentences": deduplicated.dropped,
            "pairs_trained": train.len(),
            "min_score_of_alignment_tables": args.min_score,
        },
        "heldout": args.heldout.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        "heldout_margin_k": MARGIN_K,
        "config": {
            "epochs": config.epochs, "batch_size": config.batch_size,
            "learning_rate": config.learning_rate, "warmup": config.warmup,
            "temperature": config.temperature, "max_tokens": config.max_tokens,
            "seed": config.seed, "rank": config.lora.rank, "alpha": config.lora.alpha,
            "max_steps_per_epoch": config.max_steps_per_epoch,
            "one_source_per_batch": config.one_source_per_batch,
            "cut_pairs_evenly": config.cut_pairs_evenly,
            "neighbour_run": config.neighbour_run,
            "device": args.device, "threads": args.threads,
            "text_form": pird_embed::TEXT_FORM,
        },
        "epochs": report.epochs.iter().map(epoch_json).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&record)?;
    text.push('\n');
    crate::tables::write_atomically(&args.out.join("training.json"), |file| {
        use std::io::Write;
        Ok(file.write_all(text.as_bytes())?)
    })?;
    let notes = match &args.notes {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("{}: cannot read the notes", path.display()))?,
        ),
        None => None,
    };
    let card = card(&report, &config, &record, notes.as_deref());
    crate::tables::write_atomically(&args.out.join("README.md"), |file| {
        use std::io::Write;
        Ok(file.write_all(card.as_bytes())?)
    })?;
    println!(
        "wrote the adapter ({} parameters, rank {}) to {}",
        report.adapter.parameter_count(),
        report.adapter.rank,
        args.out.display()
    );
    Ok(())
}

/// The training settings that `args` ask for, on the model named `base_model`.
fn train_config(args: &AdaptArgs, base_model: String) -> TrainConfig {
    TrainConfig {
        epochs: args.epochs,
        batch_size: args.batch_size,
        learning_rate: args.learning_rate,
        temperature: args.temperature,
        max_tokens: args.max_tokens,
        seed: args.seed,
        lora: LoraConfig {
            rank: args.rank,
            alpha: args.alpha,
        },
        max_steps_per_epoch: args.max_steps,
        one_source_per_batch: args.one_source_per_batch,
        cut_pairs_evenly: args.cut_evenly,
        neighbour_run: args.neighbour_run,
        base_model,
        ..TrainConfig::default()
    }
}

/// Pairs of a table with `ckb` and `arb` columns, or of an `alignments` table (rows scoring at
/// least `min_score`, sides told apart by their script), marked as coming from `source`.
fn read_pairs(path: &Path, min_score: f32, source: usize) -> Result<Vec<TrainingPair>> {
    if crate::tables::TableFormat::from_path(path)? == crate::tables::TableFormat::Tsv {
        return read_tsv_pairs(path, source);
    }
    let df = read_table(path)?;
    let names: Vec<&str> = df.get_column_names().iter().map(|c| c.as_str()).collect();
    if names.contains(&"ckb") && names.contains(&"arb") {
        let (ckb, arb) = (str_column(&df, "ckb", path)?, str_column(&df, "arb", path)?);
        return ckb
            .iter()
            .zip(arb.iter())
            .enumerate()
            .map(|(row, pair)| match pair {
                (Some(ckb), Some(arb)) => Ok(TrainingPair {
                    ckb: ckb.to_string(),
                    arb: arb.to_string(),
                    source,
                }),
                _ => bail!(
                    "{}: row {}: an empty ckb or arb cell",
                    path.display(),
                    row + 1
                ),
            })
            .collect();
    }
    if !(names.contains(&"src_text") && names.contains(&"tgt_text")) {
        bail!(
            "{}: neither `ckb` and `arb` columns nor an alignments table (`src_text`, `tgt_text`, `score`); found: {}",
            path.display(),
            names.join(", ")
        );
    }
    let scores = df
        .column("score")
        .map_err(|_| anyhow::anyhow!("{}: no 'score' column", path.display()))?
        .cast(&DataType::Float32)?;
    let scores = scores.f32()?;
    if scores.null_count() == scores.len() && !scores.is_empty() {
        bail!(
            "{}: the scores are empty (the model had no calibration); cannot filter by --min-score",
            path.display()
        );
    }
    let (src, tgt) = (
        str_column(&df, "src_text", path)?,
        str_column(&df, "tgt_text", path)?,
    );
    let kept: Vec<(String, String)> = src
        .iter()
        .zip(tgt.iter())
        .zip(scores.iter())
        .filter_map(|((s, t), score)| match (s, t, score) {
            (Some(s), Some(t), Some(score))
                if score >= min_score && !s.trim().is_empty() && !t.trim().is_empty() =>
            {
                Some((s.to_string(), t.to_string()))
            }
            _ => None,
        })
        .collect();
    let sample: String = kept
        .iter()
        .take(50)
        .map(|(s, _)| s.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let src_is_ckb = match detect_language(&sample).lang {
        Some(Lang::Ckb) | None => true,
        Some(Lang::Arb) => false,
    };
    Ok(kept
        .into_iter()
        .map(|(s, t)| match src_is_ckb {
            true => TrainingPair {
                ckb: s,
                arb: t,
                source,
            },
            false => TrainingPair {
                ckb: t,
                arb: s,
                source,
            },
        })
        .collect())
}

/// A plain TSV with a header naming `ckb` and `arb` (no quoting).
fn read_tsv_pairs(path: &Path, source: usize) -> Result<Vec<TrainingPair>> {
    let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let text = crate::documents::decode_text(path, &bytes)?;
    let rows = crate::documents::read_plain_tsv(
        path,
        text,
        &["ckb", "arb"],
        "training pairs need 'ckb' and 'arb' (or an alignments table)",
    )?;
    Ok(rows
        .into_iter()
        .map(|(_, mut fields)| {
            let arb = fields.pop().expect("two columns asked for");
            let ckb = fields.pop().expect("two columns asked for");
            TrainingPair { ckb, arb, source }
        })
        .collect())
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// The base model's name for the adapter's configuration: its Hugging Face id when `pird.json`
/// or `config.json` records one, else the directory's name.
fn base_model_name(model: &ModelDir) -> String {
    let name = model
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.starts_with("multilingual-e5-small") {
        "intfloat/multilingual-e5-small".into()
    } else {
        name
    }
}

fn both_ways_json(scores: &BothWays) -> serde_json::Value {
    json!({"ckb_to_arb": scores.ckb_to_arb, "arb_to_ckb": scores.arb_to_ckb})
}

fn epoch_json(epoch: &EpochReport) -> serde_json::Value {
    json!({
        "epoch": epoch.epoch,
        "train_loss": epoch.train_loss,
        "steps": epoch.steps,
        "train_seconds": epoch.train_seconds,
        "heldout": epoch.heldout.iter().map(|h| json!({
            "set": h.name, "pairs": h.pairs, "loss": h.loss,
            "cosine_p_at_1": both_ways_json(&h.cosine),
            "centred_margin_p_at_1": both_ways_json(&h.centred_margin),
        })).collect::<Vec<_>>(),
    })
}

/// One line per held-out set: loss and P@1 both ways.
fn epoch_lines(epoch: &EpochReport) -> String {
    let mut text = String::new();
    let what = match (epoch.epoch, epoch.train_loss) {
        (0, _) => "before training (base model)".to_string(),
        (n, Some(loss)) => format!(
            "epoch {n}: train loss {loss:.4}, {} steps in {:.0} s",
            epoch.steps, epoch.train_seconds
        ),
        (n, None) => format!("epoch {n}"),
    };
    let _ = writeln!(text, "pird adapt: {what}");
    for h in &epoch.heldout {
        let _ = writeln!(
            text,
            "  {:<16} {:>5} pairs  loss {:.4}  P@1 cosine {:.3} / {:.3}  centred margin {:.3} / {:.3}",
            h.name,
            h.pairs,
            h.loss,
            h.cosine.ckb_to_arb,
            h.cosine.arb_to_ckb,
            h.centred_margin.ckb_to_arb,
            h.centred_margin.arb_to_ckb
        );
    }
    text
}

/// The adapter's card: data, settings, held-out figures before and after.
fn card(
    report: &TrainReport,
    config: &TrainConfig,
    record: &serde_json::Value,
    notes: Option<&str>,
) -> String {
    let mut card = String::new();
    let train = &record["train"];
    let _ = writeln!(
        card,
        "# Sorani–Arabic LoRA adapter for {}\n\nTrained with `pird adapt` (pird {}). Merge it with `pird model import E5S1_FILE --out DIR --adapter THIS_DIR`; load it in Python with PEFT (`PeftModel.from_pretrained`).\n",
        config.base_model,
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(card, "## Data\n\n| training file | pairs |\n|---|---:|");
    for file in train["files"].as_array().into_iter().flatten() {
        let _ = writeln!(
            card,
            "| `{}` | {} |",
            file["file"].as_str().unwrap_or(""),
            file["pairs"]
        );
    }
    let _ = writeln!(
        card,
        "\n{} pairs read; {} dropped for sharing a sentence with a held-out set, {} for repeating a sentence (a repeated sentence is a false negative in its batch); **{} pairs trained on**.\n",
        train["pairs_read"], train["dropped_sharing_heldout_sentences"], train["dropped_repeating_sentences"], train["pairs_trained"]
    );
    let _ = writeln!(
        card,
        "Held-out sets (never trained on; hyper-parameters chosen on them only): {}.\n",
        record["heldout"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str())
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(card, "## Held-out figures\n\nP@1 over each set as Sorani → Arabic / Arabic → Sorani; *centred margin* is the ratio margin (k = {MARGIN_K}, pird's retrieval setting; the aligners use k = {DEFAULT_K}) after removing each language's mean vector.\n");
    let _ = write!(card, "| set | pairs | measure |");
    for epoch in &report.epochs {
        let _ = write!(
            card,
            " {} |",
            if epoch.epoch == 0 {
                "base".to_string()
            } else {
                format!("epoch {}", epoch.epoch)
            }
        );
    }
    let _ = writeln!(
        card,
        "\n|---|---:|---|{}",
        "---:|".repeat(report.epochs.len())
    );
    let sets = report.epochs.first().map_or(0, |e| e.heldout.len());
    for s in 0..sets {
        let first = &report.epochs[0].heldout[s];
        type Show = fn(&pird_adapt::HeldOutScores) -> String;
        let measures: [(&str, Show); 3] = [
            ("centred margin P@1", |h| {
                format!(
                    "{:.3} / {:.3}",
                    h.centred_margin.ckb_to_arb, h.centred_margin.arb_to_ckb
                )
            }),
            ("cosine P@1", |h| {
                format!("{:.3} / {:.3}", h.cosine.ckb_to_arb, h.cosine.arb_to_ckb)
            }),
            ("InfoNCE loss", |h| format!("{:.3}", h.loss)),
        ];
        for (name, show) in measures {
            let _ = write!(card, "| {} | {} | {name} |", first.name, first.pairs);
            for epoch in &report.epochs {
                let _ = write!(card, " {} |", show(&epoch.heldout[s]));
            }
            let _ = writeln!(card);
        }
    }
    let _ = writeln!(card, "\n## Training\n");
    let c = &record["config"];
    let _ = writeln!(
        card,
        "LoRA rank {} and alpha {} on the query, key, value, attention-output, intermediate and output maps of all layers ({} parameters, stored in fp16); symmetric InfoNCE with in-batch negatives, temperature {}; AdamW, peak learning rate {}, linear warm-up over {} of the steps then linear decay, gradients clipped at norm 1; batches of {} pairs {}{}, grouped by length; texts tokenised {}, sequences cut at {} tokens{}; {} epochs; seed {}; device {}.\n",
        c["rank"], c["alpha"], report.adapter.parameter_count(), c["temperature"], c["learning_rate"], c["warmup"], c["batch_size"],
        if config.one_source_per_batch { "each drawn from one training file" } else { "mixing the training files" },
        if config.neighbour_run > 1 { format!(", in runs of {} consecutive pairs", config.neighbour_run) } else { String::new() },
        pird_embed::TEXT_FORM, c["max_tokens"],
        if config.cut_pairs_evenly { " (a pair's two sides to the same share of their tokens)" } else { "" },
        c["epochs"], c["seed"], c["device"].as_str().unwrap_or("cpu")
    );
    let _ = writeln!(
        card,
        "| epoch | steps | train loss | seconds |\n|---:|---:|---:|---:|"
    );
    for epoch in report.epochs.iter().skip(1) {
        let _ = writeln!(
            card,
            "| {} | {} | {:.4} | {:.0} |",
            epoch.epoch,
            epoch.steps,
            epoch.train_loss.unwrap_or(f64::NAN),
            epoch.train_seconds
        );
    }
    if let Some(notes) = notes {
        let _ = writeln!(card, "\n{}", notes.trim_end());
    }
    card
}

/// Draws a bar over each epoch's steps with the running loss, and prints each epoch's figures.
struct Observer {
    quiet: bool,
    bar: Option<ProgressBar>,
    loss_sum: f64,
}

impl TrainObserver for Observer {
    fn epoch_started(&mut self, epoch: usize, steps: usize) {
        self.loss_sum = 0.0;
        if epoch == 0 {
            eprintln!("pird adapt: scoring the held-out sets with the base model");
            return;
        }
        self.bar = Some(progress::bar(
            steps as u64,
            &format!("epoch {epoch}"),
            self.quiet,
        ));
    }

    fn step(&mut self, epoch: usize, step: usize, loss: f64) {
        self.loss_sum += loss;
        if let Some(bar) = &self.bar {
            bar.set_message(format!(
                "epoch {epoch} loss {:.3}",
                self.loss_sum / step as f64
            ));
            bar.inc(1);
        }
    }

    fn epoch_ended(&mut self, report: &EpochReport) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        eprint!("{}", epoch_lines(report));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    // clap's defaults are literals (they also print in --help); this keeps them equal to the
    // library's, which tests and scripts/train-adapter rely on.
    #[test]
    fn the_command_line_defaults_are_the_library_defaults() {
        let cli = Cli::parse_from([
            "pird",
            "adapt",
            "train.tsv",
            "--heldout",
            "h.tsv",
            "-o",
            "out",
        ]);
        let Command::Adapt(args) = cli.command else {
            panic!("not parsed as `pird adapt`");
        };
        let library = TrainConfig::default();
        assert_eq!(train_config(&args, library.base_model.clone()), library);
    }
}
