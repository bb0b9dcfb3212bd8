//! Writer of a Hugging Face sentence-transformers directory from an E5S1 file.
//!
//! The directory has the usual sentence-transformers layout: `config.json` (BertModel),
//! `model.safetensors` (f32, Hugging Face `BertModel` tensor names), `tokenizer.json`
//! with its `tokenizer_config.json` and `special_tokens_map.json`, the sentence-transformers
//! files (`modules.json`, `sentence_bert_config.json`, `config_sentence_transformers.json`,
//! `1_Pooling/config.json`, an empty `2_Normalize/`), and `pird.json`, which records the
//! prompt prefixes, the SHA-256 of the source file and of a merged adapter, if any.
//!
//! Files are written into a temporary directory beside the output and renamed into place at
//! the end, so the output is either absent, a complete earlier import, or a complete new one.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ndarray::Array2;
use safetensors::{Dtype, View};
use serde_json::{json, Value};
use tokenizers::Tokenizer;

use super::bert_layout::{BertLayout, BertTensor, TensorSource};
use super::e5s1::E5s1File;
use super::hf_tokenizer::SpecialTokens;
use super::MergeAdapter;

/// Version of the directory layout this writer produces; an older one is re-imported.
pub const LAYOUT_VERSION: u64 = 1;

/// Prefix e5 models expect before a passage.
pub const PASSAGE_PREFIX: &str = "passage: ";

/// Prefix e5 models expect before a search query.
pub const QUERY_PREFIX: &str = "query: ";

/// Name of the file that records the prompts and the source of an import.
pub const PIRD_JSON: &str = "pird.json";

/// Every file of a complete directory, relative to it; `pird.json` is written last.
pub const MODEL_FILES: &[&str] = &[
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
    PIRD_JSON,
];

/// The empty module directory of the sentence-transformers `Normalize` step.
const NORMALIZE_DIR: &str = "2_Normalize";

/// Why the model directory could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// A file or directory operation failed.
    #[error("cannot {action} {}", path.display())]
    Io {
        /// What was being done, e.g. "write".
        action: &'static str,
        /// The path it was done to.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// `model.safetensors` could not be written.
    #[error("cannot write {}", path.display())]
    Safetensors {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: safetensors::SafeTensorError,
    },
    /// `tokenizer.json` could not be serialised.
    #[error("cannot write {}", path.display())]
    Tokenizer {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: tokenizers::Error,
    },
    /// The output exists and is not an earlier import, so it is not replaced.
    #[error(
        "{} exists and is not a pird model directory (it has no {PIRD_JSON}); move it away or choose another output directory",
        path.display()
    )]
    ForeignDirectory {
        /// The output directory.
        path: PathBuf,
    },
}

fn io_error<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(std::io::Error) -> WriteError + 'a {
    move |source| WriteError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Whether `dir` holds every model file and its `pird.json` records this source, layout and
/// merged adapter (`None`: no adapter).
pub fn is_complete(dir: &Path, source_sha256: &str, adapter_sha256: Option<&str>) -> bool {
    let all_files = MODEL_FILES.iter().all(|f| dir.join(f).is_file());
    if !all_files || !dir.join(NORMALIZE_DIR).is_dir() {
        return false;
    }
    let Ok(text) = std::fs::read_to_string(dir.join(PIRD_JSON)) else {
        return false;
    };
    let Ok(record) = serde_json::from_str::<Value>(&text) else {
        return false;
    };
    record["layout_version"].as_u64() == Some(LAYOUT_VERSION)
        && record["source"]["sha256"].as_str() == Some(source_sha256)
        && record["adapter"]["sha256"].as_str() == adapter_sha256
}

/// Fails unless `out_dir` is absent, empty, or an earlier import that may be replaced.
pub fn check_replaceable(out_dir: &Path) -> Result<(), WriteError> {
    if !out_dir.exists() {
        return Ok(());
    }
    let foreign = || WriteError::ForeignDirectory {
        path: out_dir.to_path_buf(),
    };
    if !out_dir.is_dir() {
        return Err(foreign());
    }
    let mut entries = std::fs::read_dir(out_dir).map_err(io_error("list", out_dir))?;
    if entries.next().is_none() || out_dir.join(PIRD_JSON).is_file() {
        Ok(())
    } else {
        Err(foreign())
    }
}

/// A temporary directory beside the output that is removed unless it was installed.
struct Staging {
    path: PathBuf,
    installed: bool,
}

impl Staging {
    fn create(out_dir: &Path) -> Result<Self, WriteError> {
        let path = sibling(out_dir, "import");
        if path.exists() {
            std::fs::remove_dir_all(&path).map_err(io_error("remove", &path))?;
        }
        std::fs::create_dir_all(&path).map_err(io_error("create", &path))?;
        Ok(Self {
            path,
            installed: false,
        })
    }

    /// Moves the staged directory to `out_dir`, replacing an earlier import there.
    fn install(mut self, out_dir: &Path) -> Result<(), WriteError> {
        if out_dir.exists() {
            let old = sibling(out_dir, "old");
            std::fs::rename(out_dir, &old).map_err(io_error("move aside", out_dir))?;
            std::fs::rename(&self.path, out_dir)
                .map_err(io_error("rename into place", &self.path))?;
            self.installed = true;
            std::fs::remove_dir_all(&old).map_err(io_error("remove", &old))?;
        } else {
            std::fs::rename(&self.path, out_dir)
                .map_err(io_error("rename into place", &self.path))?;
            self.installed = true;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.installed {
            // Best effort: a leftover staging directory only wastes space.
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// `.<name>.<what>-<pid>.tmp` in the parent of `dir`.
fn sibling(dir: &Path, what: &str) -> PathBuf {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "model".to_string());
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    parent.join(format!(".{name}.{what}-{}.tmp", std::process::id()))
}

/// Writes the whole directory for `source`, with `adapter` merged into its weights, and installs
/// it at `out_dir`.
pub fn write_model_dir(
    source: &E5s1File,
    layout: &BertLayout,
    tokenizer: &Tokenizer,
    adapter: Option<&MergeAdapter>,
    out_dir: &Path,
) -> Result<(), WriteError> {
    if let Some(parent) = out_dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io_error("create", parent))?;
    }
    let staging = Staging::create(out_dir)?;
    let dir = staging.path.as_path();
    let specials = SpecialTokens::of(&source.vocabulary);

    write_json(&dir.join("config.json"), &bert_config(source, &specials))?;
    write_tokenizer(&dir.join("tokenizer.json"), tokenizer)?;
    write_json(
        &dir.join("tokenizer_config.json"),
        &tokenizer_config(source, &specials),
    )?;
    write_json(
        &dir.join("special_tokens_map.json"),
        &special_tokens_map(&specials),
    )?;
    for (file, value) in sentence_transformers_files(source) {
        write_json(&dir.join(file), &value)?;
    }
    let normalize = dir.join(NORMALIZE_DIR);
    std::fs::create_dir_all(&normalize).map_err(io_error("create", &normalize))?;
    let checkpoint = dir.join("model.safetensors");
    write_safetensors(&checkpoint, source, layout, adapter)?;
    // The safetensors crate writes through a private temporary file; give the checkpoint the
    // same permissions as the other files.
    let permissions = std::fs::metadata(dir.join("config.json"))
        .map_err(io_error("inspect", &dir.join("config.json")))?
        .permissions();
    std::fs::set_permissions(&checkpoint, permissions)
        .map_err(io_error("set permissions of", &checkpoint))?;
    write_json(&dir.join(PIRD_JSON), &pird_record(source, adapter))?;

    staging.install(out_dir)
}

fn write_json(path: &Path, value: &Value) -> Result<(), WriteError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io_error("create", parent))?;
    }
    let mut text = serde_json::to_string_pretty(value).expect("JSON values always serialise");
    text.push('\n');
    std::fs::write(path, text).map_err(io_error("write", path))
}

fn write_tokenizer(path: &Path, tokenizer: &Tokenizer) -> Result<(), WriteError> {
    tokenizer
        .save(path, true)
        .map_err(|source| WriteError::Tokenizer {
            path: path.to_path_buf(),
            source,
        })
}

/// The layer-norm eps as the shortest decimal that reads back as the file's f32.
fn eps_value(eps: f32) -> Value {
    let shortest: f64 = eps.to_string().parse().expect("f32 display parses as f64");
    json!(shortest)
}

/// `config.json` for transformers' `BertModel`, with the dimensions the file records.
fn bert_config(source: &E5s1File, specials: &SpecialTokens) -> Value {
    let h = &source.header;
    json!({
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.vocab_size,
        "hidden_size": h.hidden_size,
        "num_hidden_layers": h.num_layers,
        "num_attention_heads": h.num_heads,
        "intermediate_size": h.intermediate_size,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab_size,
        "layer_norm_eps": eps_value(h.layer_norm_eps),
        "pad_token_id": specials.pad.1,
        // e5.c: erf GELU, absolute positions counted from 0.
        "hidden_act": "gelu",
        "position_embedding_type": "absolute",
        // Training-time settings BERT configs carry; they do not affect inference.
        "attention_probs_dropout_prob": 0.1,
        "hidden_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "tokenizer_class": "XLMRobertaTokenizer",
        "torch_dtype": "float32",
    })
}

fn added_token(content: &str, lstrip: bool) -> Value {
    json!({
        "content": content,
        "lstrip": lstrip,
        "normalized": false,
        "rstrip": false,
        "single_word": false,
        "special": true,
    })
}

fn is_mask(specials: &SpecialTokens, content: &str) -> bool {
    specials.mask.as_ref().is_some_and(|(m, _)| m == content)
}

fn tokenizer_config(source: &E5s1File, specials: &SpecialTokens) -> Value {
    let decoder: serde_json::Map<String, Value> = specials
        .all()
        .into_iter()
        .map(|(content, id)| {
            (
                id.to_string(),
                added_token(content, is_mask(specials, content)),
            )
        })
        .collect();
    let mut config = json!({
        "added_tokens_decoder": decoder,
        "bos_token": specials.bos.0,
        "cls_token": specials.bos.0,
        "eos_token": specials.eos.0,
        "sep_token": specials.eos.0,
        "pad_token": specials.pad.0,
        "unk_token": specials.unk.0,
        "clean_up_tokenization_spaces": true,
        "model_max_length": source.header.max_positions,
        "tokenizer_class": "XLMRobertaTokenizer",
    });
    if let Some((mask, _)) = &specials.mask {
        config["mask_token"] = json!(mask);
    }
    config
}

fn special_tokens_map(specials: &SpecialTokens) -> Value {
    let mut map = json!({
        "bos_token": specials.bos.0,
        "cls_token": specials.bos.0,
        "eos_token": specials.eos.0,
        "sep_token": specials.eos.0,
        "pad_token": specials.pad.0,
        "unk_token": specials.unk.0,
    });
    if let Some((mask, _)) = &specials.mask {
        map["mask_token"] = added_token(mask, true);
    }
    map
}

/// The sentence-transformers files: Transformer → mean Pooling → Normalize, with e5 prompts.
fn sentence_transformers_files(source: &E5s1File) -> Vec<(&'static str, Value)> {
    let module = |idx: u32, path: &str, kind: &str| json!({"idx": idx, "name": idx.to_string(), "path": path, "type": format!("sentence_transformers.models.{kind}")});
    vec![
        (
            "modules.json",
            json!([
                module(0, "", "Transformer"),
                module(1, "1_Pooling", "Pooling"),
                module(2, NORMALIZE_DIR, "Normalize"),
            ]),
        ),
        (
            "sentence_bert_config.json",
            json!({"max_seq_length": source.header.max_positions, "do_lower_case": false}),
        ),
        (
            "config_sentence_transformers.json",
            json!({
                "prompts": {"query": QUERY_PREFIX, "passage": PASSAGE_PREFIX},
                "default_prompt_name": null,
                "similarity_fn_name": "cosine",
            }),
        ),
        (
            "1_Pooling/config.json",
            json!({
                "word_embedding_dimension": source.header.hidden_size,
                "pooling_mode_cls_token": false,
                "pooling_mode_mean_tokens": true,
                "pooling_mode_max_tokens": false,
                "pooling_mode_mean_sqrt_len_tokens": false,
                "pooling_mode_weightedmean_tokens": false,
                "pooling_mode_lasttoken": false,
                "include_prompt": true,
            }),
        ),
    ]
}

/// `pird.json`: prompts, where the weights came from, and the layout version.
fn pird_record(source: &E5s1File, adapter: Option<&MergeAdapter>) -> Value {
    let file_name = source
        .path()
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut record = json!({
        "layout_version": LAYOUT_VERSION,
        "prompts": {"passage": PASSAGE_PREFIX, "query": QUERY_PREFIX},
        "default_prompt": "passage",
        "pooling": "mean",
        "source": {
            "format": "E5S1",
            "format_version": source.header.version,
            "file": file_name,
            "bytes": source.len(),
            "sha256": source.sha256(),
        },
        "notes": [
            "Weights are the 4-bit (Q4_0) weights of the source, dequantised exactly to f32.",
            "pooler.dense.* are zeros: the source has no pooler and e5 uses mean pooling; they exist because rust-bert requires them.",
        ],
        "importer": concat!("pird-embed ", env!("CARGO_PKG_VERSION")),
    });
    if let Some(merged) = adapter {
        record["adapter"] = json!({
            "name": merged.name,
            "sha256": merged.sha256,
            "rank": merged.adapter.rank,
            "lora_alpha": merged.adapter.alpha,
            "modules": merged.adapter.modules.len(),
            "merged": "W + lora_alpha / r * B A, in f32",
        });
    }
    record
}

/// A checkpoint tensor whose f32 bytes are produced only when the writer asks for them.
struct LazyTensor<'a> {
    source: &'a E5s1File,
    tensor: &'a BertTensor,
    /// The adapter's update of this tensor, added to the source's values.
    delta: Option<Array2<f32>>,
}

impl View for LazyTensor<'_> {
    fn dtype(&self) -> Dtype {
        Dtype::F32
    }

    fn shape(&self) -> &[usize] {
        &self.tensor.shape
    }

    fn data(&self) -> Cow<'_, [u8]> {
        match &self.tensor.source {
            TensorSource::E5s1(name) => {
                let entry = self
                    .source
                    .tensor(name)
                    .expect("the layout was checked against the file");
                let bytes = self.source.tensor_f32_le_bytes(entry);
                match &self.delta {
                    None => Cow::Owned(bytes),
                    Some(delta) => Cow::Owned(
                        bytes
                            .chunks_exact(4)
                            .zip(delta.iter())
                            .flat_map(|(w, d)| {
                                (f32::from_le_bytes([w[0], w[1], w[2], w[3]]) + d).to_le_bytes()
                            })
                            .collect(),
                    ),
                }
            }
            TensorSource::Zeros => Cow::Owned(vec![0u8; self.data_len()]),
        }
    }

    fn data_len(&self) -> usize {
        self.tensor.elements() * 4
    }
}

fn write_safetensors(
    path: &Path,
    source: &E5s1File,
    layout: &BertLayout,
    adapter: Option<&MergeAdapter>,
) -> Result<(), WriteError> {
    let tensors = layout.tensors.iter().map(|tensor| {
        let delta = adapter.and_then(|merged| {
            let module = tensor.hf_name.strip_suffix(".weight")?;
            merged.adapter.delta(module)
        });
        (
            tensor.hf_name.clone(),
            LazyTensor {
                source,
                tensor,
                delta,
            },
        )
    });
    // One entry only: safetensors stores metadata in a HashMap, and several entries would be
    // written in a random order, making the file differ from run to run.
    let metadata = HashMap::from([("format".to_string(), "pt".to_string())]);
    safetensors::serialize_to_file(tensors, Some(metadata), path).map_err(|source| {
        WriteError::Safetensors {
            path: path.to_path_buf(),
            source,
        }
    })
}
