//! The record of a training run (`training.json` beside the adapter) and the adapter's card
//! (`README.md`) made from it.

use crate::heldout::MARGIN_K;
use crate::{EpochReport, HeldOutScores, TrainConfig};
use serde::Serialize;
use std::fmt::Write as _;

/// Everything a training run used and measured, as `training.json` stores it.
#[derive(Debug, Clone, Serialize)]
pub struct TrainingRecord {
    /// The pird version that trained.
    pub pird: String,
    /// The model the adapter is for.
    pub base_model: BaseModelRecord,
    /// The training data and what was dropped from it.
    pub train: TrainDataRecord,
    /// The held-out files.
    pub heldout: Vec<String>,
    /// The k of the held-out margin P@1.
    pub heldout_margin_k: usize,
    /// The settings.
    pub config: ConfigRecord,
    /// Every epoch's figures (epoch 0: the base model).
    pub epochs: Vec<EpochReport>,
}

/// The base model's directory and name.
#[derive(Debug, Clone, Serialize)]
pub struct BaseModelRecord {
    /// The directory trained on.
    pub path: String,
    /// Its Hugging Face id or directory name.
    pub name: String,
}

/// One training file and its pairs.
#[derive(Debug, Clone, Serialize)]
pub struct TrainFileRecord {
    /// The file.
    pub file: String,
    /// Pairs read from it.
    pub pairs: usize,
}

/// The training data: files, pairs read, dropped and kept.
#[derive(Debug, Clone, Serialize)]
pub struct TrainDataRecord {
    /// The training files.
    pub files: Vec<TrainFileRecord>,
    /// Pairs read from all of them.
    pub pairs_read: usize,
    /// Pairs dropped for sharing a sentence with a held-out set.
    pub dropped_sharing_heldout_sentences: usize,
    /// Pairs dropped for repeating a sentence.
    pub dropped_repeating_sentences: usize,
    /// Pairs trained on.
    pub pairs_trained: usize,
    /// The lowest score an alignments table's row needed.
    pub min_score_of_alignment_tables: f32,
}

/// The settings of the run.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigRecord {
    /// Passes over the training pairs.
    pub epochs: usize,
    /// Pairs per batch.
    pub batch_size: usize,
    /// Peak learning rate.
    pub learning_rate: f64,
    /// Share of the steps spent warming up.
    pub warmup: f64,
    /// InfoNCE temperature.
    pub temperature: f64,
    /// Tokens a sequence is cut at.
    pub max_tokens: usize,
    /// Seed of the shuffles and initialisation.
    pub seed: u64,
    /// LoRA rank.
    pub rank: i64,
    /// LoRA alpha.
    pub alpha: f64,
    /// Steps an epoch stops at, if any.
    pub max_steps_per_epoch: Option<usize>,
    /// Whether each batch comes from one training file.
    pub one_source_per_batch: bool,
    /// Whether a pair's two sides are cut to the same share of their tokens.
    pub cut_pairs_evenly: bool,
    /// Consecutive pairs batched together.
    pub neighbour_run: usize,
    /// The device trained on.
    pub device: String,
    /// Threads of libtorch, if set.
    pub threads: Option<usize>,
    /// How texts were normalised before tokenising.
    pub text_form: String,
}

impl ConfigRecord {
    /// The record of `config`, trained on `device` with `threads`.
    pub fn new(config: &TrainConfig, device: &str, threads: Option<usize>) -> Self {
        Self {
            epochs: config.epochs,
            batch_size: config.batch_size,
            learning_rate: config.learning_rate,
            warmup: config.warmup,
            temperature: config.temperature,
            max_tokens: config.max_tokens,
            seed: config.seed,
            rank: config.lora.rank,
            alpha: config.lora.alpha,
            max_steps_per_epoch: config.max_steps_per_epoch,
            one_source_per_batch: config.one_source_per_batch,
            cut_pairs_evenly: config.cut_pairs_evenly,
            neighbour_run: config.neighbour_run,
            device: device.to_string(),
            threads,
            text_form: pird_embed::TEXT_FORM.to_string(),
        }
    }
}

/// `x` as JSON writes it (`32.0`, `0.0005`), so that the card says what `training.json` says.
fn json_number(x: f64) -> String {
    serde_json::Value::from(x).to_string()
}

impl TrainingRecord {
    /// The record as the text of `training.json`.
    pub fn to_json(&self) -> String {
        // Through a `Value`, whose objects keep serde_json's key order, as the file always had.
        let value = serde_json::to_value(self).expect("a training record serialises");
        serde_json::to_string_pretty(&value).expect("a JSON value serialises") + "\n"
    }

    /// The adapter's card: data, held-out figures before and after, settings and `notes`, for
    /// an adapter of `parameters` parameters.
    pub fn card(&self, parameters: usize, notes: Option<&str>) -> String {
        let mut card = String::new();
        self.card_data(&mut card);
        self.card_heldout(&mut card);
        self.card_training(&mut card, parameters);
        if let Some(notes) = notes {
            let _ = writeln!(card, "\n{}", notes.trim_end());
        }
        card
    }

    fn card_data(&self, card: &mut String) {
        let train = &self.train;
        let _ = writeln!(
            card,
            "# Sorani–Arabic LoRA adapter for {}\n\nTrained with `pird adapt` (pird {}). Merge it with `pird model import E5S1_FILE --out DIR --adapter THIS_DIR`; load it in Python with PEFT (`PeftModel.from_pretrained`).\n",
            self.base_model.name, self.pird
        );
        let _ = writeln!(card, "## Data\n\n| training file | pairs |\n|---|---:|");
        for file in &train.files {
            let _ = writeln!(card, "| `{}` | {} |", file.file, file.pairs);
        }
        let _ = writeln!(
            card,
            "\n{} pairs read; {} dropped for sharing a sentence with a held-out set, {} for repeating a sentence (a repeated sentence is a false negative in its batch); **{} pairs trained on**.\n",
            train.pairs_read, train.dropped_sharing_heldout_sentences, train.dropped_repeating_sentences, train.pairs_trained
        );
        let heldout: Vec<String> = self.heldout.iter().map(|p| format!("`{p}`")).collect();
        let _ = writeln!(
            card,
            "Held-out sets (never trained on; hyper-parameters chosen on them only): {}.\n",
            heldout.join(", ")
        );
    }

    fn card_heldout(&self, card: &mut String) {
        let _ = writeln!(card, "## Held-out figures\n\nP@1 over each set as Sorani → Arabic / Arabic → Sorani; *centred margin* is the ratio margin (k = {MARGIN_K}, pird's retrieval setting; the aligners use k = {}) after removing each language's mean vector.\n", pird_align::DEFAULT_K);
        let _ = write!(card, "| set | pairs | measure |");
        for epoch in &self.epochs {
            let _ = match epoch.epoch {
                0 => write!(card, " base |"),
                n => write!(card, " epoch {n} |"),
            };
        }
        let _ = writeln!(
            card,
            "\n|---|---:|---|{}",
            "---:|".repeat(self.epochs.len())
        );
        let sets = self.epochs.first().map_or(0, |e| e.heldout.len());
        type Show = fn(&HeldOutScores) -> String;
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
        for s in 0..sets {
            let first = &self.epochs[0].heldout[s];
            for (name, show) in measures {
                let _ = write!(card, "| {} | {} | {name} |", first.name, first.pairs);
                for epoch in &self.epochs {
                    let _ = write!(card, " {} |", show(&epoch.heldout[s]));
                }
                let _ = writeln!(card);
            }
        }
    }

    fn card_training(&self, card: &mut String, parameters: usize) {
        let _ = writeln!(card, "\n## Training\n");
        let c = &self.config;
        let _ = writeln!(
            card,
            "LoRA rank {} and alpha {} on the query, key, value, attention-output, intermediate and output maps of all layers ({} parameters, stored in fp16); symmetric InfoNCE with in-batch negatives, temperature {}; AdamW, peak learning rate {}, linear warm-up over {} of the steps then linear decay, gradients clipped at norm 1; batches of {} pairs {}{}, grouped by length; texts tokenised {}, sequences cut at {} tokens{}; {} epochs; seed {}; device {}.\n",
            c.rank, json_number(c.alpha), parameters, json_number(c.temperature), json_number(c.learning_rate), json_number(c.warmup), c.batch_size,
            if c.one_source_per_batch { "each drawn from one training file" } else { "mixing the training files" },
            if c.neighbour_run > 1 { format!(", in runs of {} consecutive pairs", c.neighbour_run) } else { String::new() },
            c.text_form, c.max_tokens,
            if c.cut_pairs_evenly { " (a pair's two sides to the same share of their tokens)" } else { "" },
            c.epochs, c.seed, c.device
        );
        let _ = writeln!(
            card,
            "| epoch | steps | train loss | seconds |\n|---:|---:|---:|---:|"
        );
        for epoch in self.epochs.iter().skip(1) {
            let _ = writeln!(
                card,
                "| {} | {} | {:.4} | {:.0} |",
                epoch.epoch,
                epoch.steps,
                epoch.train_loss.unwrap_or(f64::NAN),
                epoch.train_seconds
            );
        }
    }
}
