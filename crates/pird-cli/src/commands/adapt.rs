//! `pird adapt`: trains a LoRA adapter of the encoder on Sorani–Arabic pairs and writes it with
//! its training record and card.

use crate::cli::AdaptArgs;
use crate::progress;
use anyhow::{bail, Context, Result};
use indicatif::ProgressBar;
use pird_adapt::heldout::MARGIN_K;
use pird_adapt::{
    deduplicate, BaseModelRecord, ConfigRecord, EpochReport, HeldOutSet, TrainConfig,
    TrainDataRecord, TrainFileRecord, TrainObserver, TrainingPair, TrainingRecord,
};
use pird_embed::{resolve_model, LoraConfig, ModelDir, SentenceTokenizer, TchOptions};
use pird_io::columns::str_column;
use pird_io::read_table;
use pird_text::{detect_language, Lang};
use polars::prelude::*;
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

    let heldout = heldout_sets(args)?;
    let heldout_sentences: HashSet<String> = heldout
        .iter()
        .flat_map(|set| set.pairs.iter())
        .flat_map(|p| [key(p.ckb.trim()), key(p.arb.trim())])
        .collect();

    let (train, data) = training_pairs(args, &heldout_sentences, key)?;
    eprintln!(
        "pird adapt: {} training pairs read; {} share a sentence with the held-out sets and {} repeat a sentence: dropped; training on {}",
        data.pairs_read,
        data.dropped_sharing_heldout_sentences,
        data.dropped_repeating_sentences,
        train.len()
    );

    let config = train_config(args, base_model_name(&model));
    let options = TchOptions {
        device: args.device.into(),
        threads: args.threads,
        ..TchOptions::default()
    };
    let mut observer = Observer {
        quiet,
        bar: None,
        loss_sum: 0.0,
    };
    let report = pird_adapt::train(&model, options, &train, &heldout, &config, &mut observer)?;

    for (name, bytes) in report.adapter.files()? {
        pird_io::write_bytes_atomically(&args.out.join(name), &bytes)?;
    }
    let record = TrainingRecord {
        pird: env!("CARGO_PKG_VERSION").to_string(),
        base_model: BaseModelRecord {
            path: model.path.display().to_string(),
            name: config.base_model.clone(),
        },
        train: data,
        heldout: args
            .heldout
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        heldout_margin_k: MARGIN_K,
        config: ConfigRecord::new(&config, &args.device.to_string(), args.threads),
        epochs: report.epochs.clone(),
    };
    pird_io::write_bytes_atomically(&args.out.join("training.json"), record.to_json().as_bytes())?;
    let notes = match &args.notes {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("{}: cannot read the notes", path.display()))?,
        ),
        None => None,
    };
    let card = record.card(report.adapter.parameter_count(), notes.as_deref());
    pird_io::write_bytes_atomically(&args.out.join("README.md"), card.as_bytes())?;
    println!(
        "wrote the adapter ({} parameters, rank {}) to {}",
        report.adapter.parameter_count(),
        report.adapter.rank,
        args.out.display()
    );
    Ok(())
}

/// The held-out sets, one per `--heldout` file, named by the file.
fn heldout_sets(args: &AdaptArgs) -> Result<Vec<HeldOutSet>> {
    args.heldout
        .iter()
        .enumerate()
        .map(|(source, path)| {
            Ok(HeldOutSet {
                name: file_stem(path),
                pairs: read_pairs(path, args.min_score, source)?,
            })
        })
        .collect()
}

/// The training files' pairs, less those sharing a sentence (by `key`) with a held-out set
/// and those repeating a sentence, cut to `--limit`; and the record of what was read and dropped.
fn training_pairs(
    args: &AdaptArgs,
    heldout_sentences: &HashSet<String>,
    key: impl Fn(&str) -> String,
) -> Result<(Vec<TrainingPair>, TrainDataRecord)> {
    let mut files = Vec::new();
    let mut read = Vec::new();
    for (source, path) in args.train.iter().enumerate() {
        let pairs = read_pairs(path, args.min_score, source)?;
        files.push(TrainFileRecord {
            file: path.display().to_string(),
            pairs: pairs.len(),
        });
        read.extend(pairs);
    }
    let pairs_read = read.len();
    let unseen: Vec<TrainingPair> = read
        .into_iter()
        .filter(|p| {
            !heldout_sentences.contains(&key(p.ckb.trim()))
                && !heldout_sentences.contains(&key(p.arb.trim()))
        })
        .collect();
    let in_heldout = pairs_read - unseen.len();
    let deduplicated = deduplicate(unseen, key);
    let mut train = deduplicated.pairs;
    if let Some(limit) = args.limit {
        train.truncate(limit);
    }
    let record = TrainDataRecord {
        files,
        pairs_read,
        dropped_sharing_heldout_sentences: in_heldout,
        dropped_repeating_sentences: deduplicated.dropped,
        pairs_trained: train.len(),
        min_score_of_alignment_tables: args.min_score,
    };
    Ok((train, record))
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
    if pird_io::TableFormat::from_path(path)? == pird_io::TableFormat::Tsv {
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
    alignment_pairs(&df, path, min_score, source)
}

/// The pairs of an `alignments` table (`df`, read from `path`) scoring at least `min_score`,
/// the Sorani side told by the script of the source texts.
fn alignment_pairs(
    df: &DataFrame,
    path: &Path,
    min_score: f32,
    source: usize,
) -> Result<Vec<TrainingPair>> {
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
        str_column(df, "src_text", path)?,
        str_column(df, "tgt_text", path)?,
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
    let text = pird_io::documents::decode_text(path, &bytes)?;
    let rows = pird_io::documents::read_plain_tsv(
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
