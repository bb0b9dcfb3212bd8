//! The training loop: LoRA adapters trained with the symmetric InfoNCE loss, evaluated on the
//! held-out sets before training and after every epoch.
//!
//! Batches are drawn at random but grouped by length (the pairs of 8 batches are sorted by
//! length and cut into batches, whose order is shuffled again), which cuts padding, most of the
//! cost on a CPU, by about a third without making the negatives of a batch any less random in
//! what they say. Optionally a batch holds pairs of one source (training file) only, so that a
//! medical sentence's negatives are other medical sentences rather than Bible verses it is
//! trivially told apart from; and optionally pairs move in runs of consecutive pairs of a file,
//! so that a pair's negatives include its neighbours. The learning rate warms up linearly and
//! then decays linearly to zero; gradients are clipped at norm 1. Everything random follows
//! `seed`.

use crate::heldout::{retrieval, HeldOutScores};
use crate::loss::symmetric_info_nce;
use crate::pairs::TrainingPair;
use ndarray::Array2;
use pird_embed::adapter::LoraAdapter;
use pird_embed::{
    Encoder, EncoderError, LoraConfig, ModelDir, SentenceTokenizer, TchBert, TchOptions,
    TokenBatch, TokenizeError,
};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;
use rand::SeedableRng;
use std::collections::BTreeMap;
use std::time::Instant;
use tch::{nn, nn::OptimizerConfig, TchError, Tensor};

/// Settings of a training run.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// Passes over the training pairs.
    pub epochs: usize,
    /// Pairs per batch (each pair's partners are the other pairs' sentences).
    pub batch_size: usize,
    /// Peak learning rate of AdamW.
    pub learning_rate: f64,
    /// Share of the steps spent warming the learning rate up.
    pub warmup: f64,
    /// Softmax temperature of the InfoNCE loss.
    pub temperature: f64,
    /// Longest token sequence trained on (longer sentences are cut, keeping the end token).
    pub max_tokens: usize,
    /// Cut a pair with a side over `max_tokens` on both sides to the same share of its tokens,
    /// rather than cutting each side on its own (Sorani takes about twice the tokens of its
    /// Arabic translation, so a cut Sorani side may say less than its whole Arabic side).
    pub cut_pairs_evenly: bool,
    /// Seed of the adapters' initial values and of the batch order.
    pub seed: u64,
    /// Rank and scale of the adapters.
    pub lora: LoraConfig,
    /// Stop each epoch after this many steps (short runs: tests, trials).
    pub max_steps_per_epoch: Option<usize>,
    /// Draw each batch from one source (`TrainingPair::source`) so that negatives share the
    /// pair's domain; when false, sources are mixed within batches.
    pub one_source_per_batch: bool,
    /// Keep runs of this many consecutive pairs of a training file together in one batch, so
    /// that a pair's negatives include its neighbours in the document (same topic, same names:
    /// the confusions left after training); 1 draws pairs one by one.
    pub neighbour_run: usize,
    /// Name of the base model, recorded in the adapter's configuration.
    pub base_model: String,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 3,
            batch_size: 128,
            learning_rate: 5e-4,
            warmup: 0.1,
            temperature: 0.03,
            max_tokens: 128,
            cut_pairs_evenly: true,
            seed: 7,
            lora: LoraConfig {
                rank: 16,
                alpha: 32.0,
            },
            max_steps_per_epoch: None,
            one_source_per_batch: true,
            neighbour_run: 16,
            base_model: "intfloat/multilingual-e5-small".into(),
        }
    }
}

/// A named set of pairs never trained on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldOutSet {
    /// Its name in reports.
    pub name: String,
    /// Its pairs.
    pub pairs: Vec<TrainingPair>,
}

/// What happened in one epoch (epoch 0: the model before training).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EpochReport {
    /// 0 before training, then 1, 2, …
    pub epoch: usize,
    /// Mean training loss of the epoch's steps (none for epoch 0).
    pub train_loss: Option<f64>,
    /// Steps taken in the epoch.
    pub steps: usize,
    /// Seconds spent training in the epoch (evaluation excluded).
    pub train_seconds: f64,
    /// Scores of each held-out set after the epoch.
    pub heldout: Vec<HeldOutScores>,
}

/// The outcome of a run: every epoch's report and the trained adapter.
#[derive(Debug, Clone)]
pub struct TrainReport {
    /// Epoch 0 (before training), then one per epoch.
    pub epochs: Vec<EpochReport>,
    /// The trained adapter, in fp32.
    pub adapter: LoraAdapter,
}

/// Receives progress as training goes.
pub trait TrainObserver {
    /// An epoch of `steps` steps begins (epoch 0 is the evaluation before training).
    fn epoch_started(&mut self, epoch: usize, steps: usize);
    /// A step ended with this batch loss.
    fn step(&mut self, epoch: usize, step: usize, loss: f64);
    /// An epoch and its evaluation ended.
    fn epoch_ended(&mut self, report: &EpochReport);
}

/// Why training failed.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The model could not be loaded or run.
    #[error(transparent)]
    Encoder(#[from] EncoderError),
    /// The sentences could not be tokenised.
    #[error(transparent)]
    Tokenize(#[from] TokenizeError),
    /// libtorch failed.
    #[error("libtorch: {0}")]
    Torch(#[from] TchError),
    /// A setting or the data cannot be trained with.
    #[error("{0}")]
    Invalid(String),
}

/// Token ids of both sides of a list of pairs, cut at the training length, and their sources.
struct TokenizedPairs {
    ckb: Vec<Vec<u32>>,
    arb: Vec<Vec<u32>>,
    source: Vec<usize>,
}

impl TokenizedPairs {
    /// Tokenises both sides and cuts sequences over `max_tokens`: each on its own, or, when
    /// `evenly`, both sides of the pair to the same share of their tokens.
    fn new(
        tokenizer: &SentenceTokenizer,
        pairs: &[TrainingPair],
        max_tokens: usize,
        evenly: bool,
    ) -> Result<Self, TokenizeError> {
        let side = |pick: fn(&TrainingPair) -> &str| -> Result<Vec<Vec<u32>>, TokenizeError> {
            let texts: Vec<&str> = pairs.iter().map(pick).collect();
            Ok(tokenizer.encode(&texts)?.ids)
        };
        let (mut ckb, mut arb) = (side(|p| p.ckb.as_str())?, side(|p| p.arb.as_str())?);
        for (c, a) in ckb.iter_mut().zip(&mut arb) {
            if evenly {
                cut_to_same_share(c, a, max_tokens);
            } else {
                cut_to(c, max_tokens);
                cut_to(a, max_tokens);
            }
        }
        Ok(Self {
            ckb,
            arb,
            source: pairs.iter().map(|p| p.source).collect(),
        })
    }

    fn len(&self) -> usize {
        self.ckb.len()
    }

    fn batch(rows: &[Vec<u32>], indices: &[usize], pad_id: u32) -> TokenBatch {
        let rows: Vec<&[u32]> = indices.iter().map(|&i| rows[i].as_slice()).collect();
        TokenBatch::from_rows(&rows, pad_id)
    }
}

/// Cuts two token rows (each opening with a start token and closing with an end token) so that
/// the longer has at most `max_tokens` and both keep the same share of their tokens.
fn cut_to_same_share(a: &mut Vec<u32>, b: &mut Vec<u32>, max_tokens: usize) {
    let longest = a.len().max(b.len());
    if longest <= max_tokens {
        return;
    }
    let share = max_tokens as f64 / longest as f64;
    for row in [a, b] {
        let keep = ((row.len() as f64 * share).ceil() as usize).clamp(3, max_tokens);
        cut_to(row, keep);
    }
}

/// Cuts a token row to at most `len` tokens, keeping its end token.
fn cut_to(row: &mut Vec<u32>, len: usize) {
    if row.len() > len {
        let end = *row.last().expect("a row longer than len is not empty");
        row.truncate(len - 1);
        row.push(end);
    }
}

/// Trains adapters on `train` for the model in `model_dir`, evaluating on `heldout` before
/// training and after each epoch.
pub fn train(
    model_dir: &ModelDir,
    options: TchOptions,
    train: &[TrainingPair],
    heldout: &[HeldOutSet],
    config: &TrainConfig,
    observer: &mut dyn TrainObserver,
) -> Result<TrainReport, TrainError> {
    if config.batch_size < 2 {
        return Err(TrainError::Invalid(
            "the batch size must be at least 2: the other pairs of a batch are the negatives"
                .into(),
        ));
    }
    if train.len() < 2 {
        return Err(TrainError::Invalid(format!(
            "{} training pair(s): at least 2 are needed",
            train.len()
        )));
    }
    let positive = |v: f64| v.is_finite() && v > 0.0;
    if config.max_tokens < 3 || !positive(config.temperature) || !positive(config.learning_rate) {
        return Err(TrainError::Invalid(
            "max tokens must be at least 3, and temperature and learning rate positive".into(),
        ));
    }
    if let Some(set) = heldout.iter().find(|set| set.pairs.len() < 2) {
        return Err(TrainError::Invalid(format!(
            "held-out set '{}' has {} pair(s): retrieval needs at least 2",
            set.name,
            set.pairs.len()
        )));
    }
    let tokenizer = SentenceTokenizer::load(model_dir)?;
    let pad_id = tokenizer.pad_id();
    let mut encoder = TchBert::load_with(model_dir, options)?;
    let max_tokens = config.max_tokens.min(encoder.max_tokens());
    let train_ids = TokenizedPairs::new(&tokenizer, train, max_tokens, config.cut_pairs_evenly)?;
    let heldout_ids = heldout
        .iter()
        .map(|set| TokenizedPairs::new(&tokenizer, &set.pairs, encoder.max_tokens(), false))
        .collect::<Result<Vec<_>, _>>()?;

    tch::manual_seed(config.seed as i64);
    let store = nn::VarStore::new(options.device);
    encoder.attach_lora(&(store.root() / "lora"), config.lora)?;
    let mut optimizer = nn::AdamW::default().build(&store, config.learning_rate)?;

    // Batches per source leave a smaller last batch in each: count them as the epochs will.
    let batches_per_epoch = length_grouped_batches(
        &train_ids,
        config.batch_size,
        config.one_source_per_batch,
        config.neighbour_run,
        &mut StdRng::seed_from_u64(config.seed),
    )
    .len();
    let steps_per_epoch = config
        .max_steps_per_epoch
        .map_or(batches_per_epoch, |m| m.min(batches_per_epoch));
    let total_steps = (steps_per_epoch * config.epochs).max(1);
    let warmup_steps = ((total_steps as f64 * config.warmup).ceil() as usize).max(1);

    let mut epochs = Vec::with_capacity(config.epochs + 1);
    observer.epoch_started(0, 0);
    let before = EpochReport {
        epoch: 0,
        train_loss: None,
        steps: 0,
        train_seconds: 0.0,
        heldout: evaluate(&mut encoder, heldout, &heldout_ids, pad_id, config)?,
    };
    observer.epoch_ended(&before);
    epochs.push(before);

    let mut step_count = 0;
    for epoch in 1..=config.epochs {
        let mut rng = StdRng::seed_from_u64(config.seed.wrapping_add(epoch as u64));
        let batches = length_grouped_batches(
            &train_ids,
            config.batch_size,
            config.one_source_per_batch,
            config.neighbour_run,
            &mut rng,
        );
        observer.epoch_started(epoch, steps_per_epoch);
        let started = Instant::now();
        let mut loss_sum = 0.0;
        for (step, batch) in batches.iter().take(steps_per_epoch).enumerate() {
            step_count += 1;
            optimizer.set_lr(learning_rate(config, step_count, warmup_steps, total_steps));
            let ckb =
                encoder.embed_tensor(&TokenizedPairs::batch(&train_ids.ckb, batch, pad_id))?;
            let arb =
                encoder.embed_tensor(&TokenizedPairs::batch(&train_ids.arb, batch, pad_id))?;
            let loss = symmetric_info_nce(&ckb, &arb, config.temperature)?;
            optimizer.backward_step_clip_norm(&loss, 1.0);
            let value = loss.f_double_value(&[])?;
            loss_sum += value;
            observer.step(epoch, step + 1, value);
        }
        let train_seconds = started.elapsed().as_secs_f64();
        let report = EpochReport {
            epoch,
            train_loss: Some(loss_sum / steps_per_epoch.max(1) as f64),
            steps: steps_per_epoch,
            train_seconds,
            heldout: evaluate(&mut encoder, heldout, &heldout_ids, pad_id, config)?,
        };
        observer.epoch_ended(&report);
        epochs.push(report);
    }
    let adapter = encoder
        .lora_adapter(&config.base_model)?
        .expect("adapters were attached above");
    Ok(TrainReport { epochs, adapter })
}

/// Linear warm-up to the peak rate, then linear decay to zero at the last step.
fn learning_rate(config: &TrainConfig, step: usize, warmup: usize, total: usize) -> f64 {
    let peak = config.learning_rate;
    if step <= warmup {
        peak * step as f64 / warmup as f64
    } else {
        peak * (total.saturating_sub(step) as f64 / (total - warmup).max(1) as f64)
    }
}

/// Shuffled batches of pair indices, grouped by length within windows of 8 batches, and, when
/// `one_source_per_batch`, each from one source; with `neighbour_run` > 1 the pairs move in runs
/// of that many consecutive pairs of a file, which stay together in a batch.
fn length_grouped_batches(
    pairs: &TokenizedPairs,
    batch_size: usize,
    one_source_per_batch: bool,
    neighbour_run: usize,
    rng: &mut StdRng,
) -> Vec<Vec<usize>> {
    let mut pools: BTreeMap<usize, Vec<Vec<usize>>> = BTreeMap::new();
    for unit in shuffled_units(pairs, neighbour_run, rng) {
        let pool = if one_source_per_batch {
            pairs.source[unit[0]]
        } else {
            0
        };
        pools.entry(pool).or_default().push(unit);
    }
    let length = |i: usize| pairs.ckb[i].len().max(pairs.arb[i].len());
    let unit_length = |unit: &[usize]| unit.iter().map(|&i| length(i)).max().unwrap_or(0);
    let mut batches: Vec<Vec<usize>> = Vec::new();
    let mut strays = Vec::new();
    for pool in pools.values() {
        let first = batches.len();
        let mut window: Vec<&[usize]> = Vec::new();
        let mut in_window = 0;
        for (k, unit) in pool.iter().enumerate() {
            window.push(unit);
            in_window += unit.len();
            if in_window >= batch_size * 8 || k + 1 == pool.len() {
                window.sort_by_key(|unit| std::cmp::Reverse(unit_length(unit)));
                let flat: Vec<usize> = window
                    .iter()
                    .flat_map(|unit| unit.iter().copied())
                    .collect();
                batches.extend(flat.chunks(batch_size).map(<[usize]>::to_vec));
                window.clear();
                in_window = 0;
            }
        }
        // A last batch of one pair has no negatives: it joins its source's first batch, or,
        // for a source of one pair, another source's.
        if batches.last().is_some_and(|b| b.len() < 2) {
            let last = batches.pop().expect("checked");
            if batches.len() > first {
                batches[first].extend(last);
            } else {
                strays.extend(last);
            }
        }
    }
    match batches.first_mut() {
        Some(batch) => batch.extend(strays),
        None if strays.len() >= 2 => batches.push(strays),
        None => {}
    }
    batches.shuffle(rng);
    batches
}

/// The pairs in random order, one by one, or, when `run` > 1, in runs of `run` consecutive pairs
/// of one source (the first run of each source shorter by a random offset, so that runs start
/// elsewhere each epoch).
fn shuffled_units(pairs: &TokenizedPairs, run: usize, rng: &mut StdRng) -> Vec<Vec<usize>> {
    if run <= 1 {
        let mut order: Vec<usize> = (0..pairs.len()).collect();
        order.shuffle(rng);
        return order.into_iter().map(|i| vec![i]).collect();
    }
    let mut by_source: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, &source) in pairs.source.iter().enumerate() {
        by_source.entry(source).or_default().push(i);
    }
    let mut units = Vec::new();
    for members in by_source.values() {
        let (head, rest) = members.split_at(rng.random_range(0..run).min(members.len()));
        if !head.is_empty() {
            units.push(head.to_vec());
        }
        units.extend(rest.chunks(run).map(<[usize]>::to_vec));
    }
    units.shuffle(rng);
    units
}

/// Embeds one side without gradients, in length-sorted batches, rows in input order.
fn embed_side(
    encoder: &mut TchBert,
    rows: &[Vec<u32>],
    pad_id: u32,
) -> Result<Array2<f32>, TrainError> {
    const BATCH: usize = 64;
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&i| rows[i].len());
    let mut vectors = Array2::zeros((rows.len(), encoder.dim()));
    for chunk in order.chunks(BATCH) {
        let embedded = encoder.embed(&TokenizedPairs::batch(rows, chunk, pad_id))?;
        for (row, &i) in embedded.outer_iter().zip(chunk) {
            vectors.row_mut(i).assign(&row);
        }
    }
    Ok(vectors)
}

/// Scores every held-out set with the encoder as it is now.
fn evaluate(
    encoder: &mut TchBert,
    sets: &[HeldOutSet],
    ids: &[TokenizedPairs],
    pad_id: u32,
    config: &TrainConfig,
) -> Result<Vec<HeldOutScores>, TrainError> {
    let _no_grad = tch::no_grad_guard();
    let mut scores = Vec::with_capacity(sets.len());
    for (set, ids) in sets.iter().zip(ids) {
        let ckb = embed_side(encoder, &ids.ckb, pad_id)?;
        let arb = embed_side(encoder, &ids.arb, pad_id)?;
        let (cosine, centred_margin) =
            retrieval(ckb.view(), arb.view()).map_err(|e| TrainError::Invalid(e.to_string()))?;
        // The loss over consecutive batches of the training size, in the set's own order.
        let (mut loss_sum, mut batches) = (0.0, 0);
        for start in (0..set.pairs.len()).step_by(config.batch_size) {
            let end = (start + config.batch_size).min(set.pairs.len());
            if end - start < 2 {
                continue;
            }
            let tensor = |m: &Array2<f32>| -> Result<Tensor, TchError> {
                let rows = m.slice(ndarray::s![start..end, ..]);
                let values: Vec<f32> = rows.iter().copied().collect();
                Tensor::f_from_slice(&values)?.f_view([(end - start) as i64, -1])
            };
            let loss = symmetric_info_nce(&tensor(&ckb)?, &tensor(&arb)?, config.temperature)?;
            loss_sum += loss.f_double_value(&[])?;
            batches += 1;
        }
        scores.push(HeldOutScores {
            name: set.name.clone(),
            pairs: set.pairs.len(),
            loss: loss_sum / batches.max(1) as f64,
            cosine,
            centred_margin,
        });
    }
    Ok(scores)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Token rows of `n` pairs: a Sorani side of length `3 + (i * 7) % 40` (lengths that change
    /// from pair to pair, as in real text), an Arabic side about half as long, and `source(i)`.
    fn pairs_of_varied_lengths(n: usize, source: impl Fn(usize) -> usize) -> TokenizedPairs {
        let lengths: Vec<usize> = (0..n).map(|i| 3 + (i * 7) % 40).collect();
        TokenizedPairs {
            ckb: lengths.iter().map(|&l| vec![1; l]).collect(),
            arb: lengths.iter().map(|&l| vec![1; l / 2 + 1]).collect(),
            source: (0..n).map(source).collect(),
        }
    }

    /// Asserts that `batches` hold each of the `n` pairs exactly once.
    fn assert_every_pair_once(batches: &[Vec<usize>], n: usize) {
        let mut all: Vec<usize> = batches.iter().flatten().copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..n).collect::<Vec<_>>(), "every pair once");
    }

    #[test]
    fn the_learning_rate_warms_up_then_decays_to_zero() {
        let config = TrainConfig {
            learning_rate: 1.0,
            ..TrainConfig::default()
        };
        let rates: Vec<f64> = (1..=10).map(|s| learning_rate(&config, s, 2, 10)).collect();
        assert_eq!(rates[0], 0.5);
        assert_eq!(rates[1], 1.0);
        assert!(rates.windows(2).skip(1).all(|w| w[1] < w[0]));
        assert_eq!(rates[9], 0.0);
    }

    #[test]
    fn batches_cover_every_pair_once_and_group_lengths() {
        let pairs = pairs_of_varied_lengths(50, |i| i % 3);
        let lengths: Vec<usize> = pairs.ckb.iter().map(Vec::len).collect();
        let mut rng = StdRng::seed_from_u64(1);
        let batches = length_grouped_batches(&pairs, 4, false, 1, &mut rng);
        assert_every_pair_once(&batches, 50);
        assert!(batches.iter().all(|b| b.len() >= 2));
        // Within a batch the lengths are close: sorted inside windows of 8 batches.
        let spread: usize = batches
            .iter()
            .map(|b| {
                let l: Vec<usize> = b.iter().map(|&i| lengths[i]).collect();
                l.iter().max().unwrap() - l.iter().min().unwrap()
            })
            .sum();
        assert!(spread < 50 * 10, "spread {spread}");
        let again = length_grouped_batches(&pairs, 4, false, 1, &mut StdRng::seed_from_u64(1));
        assert_eq!(batches, again, "the seed decides the order");
        assert!(
            batches
                .iter()
                .any(|b| b.iter().any(|&i| pairs.source[i] != pairs.source[b[0]])),
            "mixed batches mix sources"
        );
    }

    #[test]
    fn long_pairs_are_cut_to_the_same_share_on_both_sides() {
        let row = |n: u32| -> Vec<u32> { (0..n).collect() };
        let (mut ckb, mut arb) = (row(200), row(100));
        cut_to_same_share(&mut ckb, &mut arb, 128);
        assert_eq!((ckb.len(), arb.len()), (128, 64));
        assert_eq!(
            (ckb[0], ckb[127], arb[63]),
            (0, 199, 99),
            "start and end tokens stay"
        );
        let (mut ckb, mut arb) = (row(100), row(60));
        cut_to_same_share(&mut ckb, &mut arb, 128);
        assert_eq!((ckb.len(), arb.len()), (100, 60), "short pairs stay whole");
        // 4 * 128 / 400 rounds up to 2, but a side keeps its start, end and one token between.
        let (mut ckb, mut arb) = (row(4), row(400));
        cut_to_same_share(&mut ckb, &mut arb, 128);
        assert_eq!((ckb.len(), arb.len()), (3, 128));
        assert_eq!((ckb[0], ckb[2]), (0, 3), "start and end tokens stay");
    }

    #[test]
    fn batches_of_one_source_cover_every_pair_once() {
        // Sources of 21, 20 and 1 pairs: 21 = 5 * 4 + 1 leaves a stray pair in its source's
        // first batch; the one-pair source has no batch of its own.
        let source: Vec<usize> = (0..42).map(|i| if i == 41 { 2 } else { i % 2 }).collect();
        let pairs = TokenizedPairs {
            ckb: (0..42).map(|i| vec![1; 3 + i % 9]).collect(),
            arb: (0..42).map(|i| vec![1; 3 + i % 5]).collect(),
            source,
        };
        let batches = length_grouped_batches(&pairs, 4, true, 1, &mut StdRng::seed_from_u64(3));
        assert_every_pair_once(&batches, 42);
        assert!(batches.iter().all(|b| b.len() >= 2));
        let mixed: Vec<&Vec<usize>> = batches
            .iter()
            .filter(|b| b.iter().any(|&i| pairs.source[i] != pairs.source[b[0]]))
            .collect();
        assert_eq!(
            mixed.len(),
            1,
            "only the stray one-pair source joins another's batch"
        );
        assert!(mixed[0].contains(&41));
    }

    #[test]
    fn runs_of_neighbours_stay_together_in_a_batch() {
        // Two sources of 64 pairs.
        let pairs = pairs_of_varied_lengths(128, |i| i / 64);
        let together = |run: usize| -> usize {
            let batches =
                length_grouped_batches(&pairs, 8, true, run, &mut StdRng::seed_from_u64(5));
            assert_every_pair_once(&batches, 128);
            assert!(batches
                .iter()
                .all(|b| b.iter().all(|&i| pairs.source[i] == pairs.source[b[0]])));
            let mut batch_of = vec![0; 128];
            for (b, batch) in batches.iter().enumerate() {
                for &i in batch {
                    batch_of[i] = b;
                }
            }
            (0..127).filter(|&i| batch_of[i] == batch_of[i + 1]).count()
        };
        // Runs of 4: at most 2 + 2 * 16 of the 127 neighbour links fall between runs, and at
        // most one run is split at each of the 16 batch ends.
        let runs = together(4);
        assert!(runs >= 127 - 34 - 16, "{runs} neighbours share a batch");
        let one_by_one = together(1);
        assert!(
            one_by_one < runs / 2,
            "{one_by_one} neighbours share a batch one by one"
        );
    }
}
