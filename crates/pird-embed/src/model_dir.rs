//! A local model directory in the Hugging Face / sentence-transformers layout.

use crate::encoder::Pooling;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Why a model directory cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ModelDirError {
    /// A required file is missing.
    #[error("{}: missing {file}; a model directory needs config.json, tokenizer.json and model.safetensors", dir.display())]
    Missing {
        /// The directory.
        dir: PathBuf,
        /// The missing file.
        file: &'static str,
    },
    /// A file is unreadable or not the JSON expected.
    #[error("{}: {message}", path.display())]
    Invalid {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// The architecture of the transformer, as far as the encoder must know it.
#[derive(Debug, Clone, PartialEq)]
pub struct TransformerConfig {
    /// `bert` or `xlm-roberta`: they differ in how position ids are counted.
    pub model_type: String,
    /// Width of the hidden states.
    pub hidden_size: usize,
    /// Number of transformer layers.
    pub num_layers: usize,
    /// Number of attention heads.
    pub num_heads: usize,
    /// Width of the feed-forward layer.
    pub intermediate_size: usize,
    /// Longest input in tokens.
    pub max_positions: usize,
    /// Rows of the token-type embedding.
    pub type_vocab_size: usize,
    /// Layer-norm epsilon.
    pub layer_norm_eps: f64,
    /// Id of the padding token.
    pub pad_token_id: u32,
}

/// A model directory with what pird reads from it.
#[derive(Debug, Clone)]
pub struct ModelDir {
    /// The directory.
    pub path: PathBuf,
    /// The transformer's shape.
    pub config: TransformerConfig,
    /// How token vectors are pooled (from `1_Pooling/config.json`; mean when absent).
    pub pooling: Pooling,
    /// Text put before every sentence (e5's `passage: `; empty for most models).
    pub prefix: String,
    /// Longest input in tokens, special tokens included.
    pub max_tokens: usize,
}

impl ModelDir {
    /// Opens the directory and reads its configuration.
    pub fn open(path: &Path) -> Result<Self, ModelDirError> {
        for file in ["config.json", "tokenizer.json", "model.safetensors"] {
            if !path.join(file).is_file() {
                return Err(ModelDirError::Missing {
                    dir: path.to_path_buf(),
                    file,
                });
            }
        }
        let config_path = path.join("config.json");
        let config = read_json(&config_path)?;
        let int = |key: &str| -> Result<usize, ModelDirError> {
            config
                .get(key)
                .and_then(Value::as_u64)
                .map(|v| v as usize)
                .ok_or_else(|| ModelDirError::Invalid {
                    path: config_path.clone(),
                    message: format!("no integer field '{key}'"),
                })
        };
        let model_type = config
            .get("model_type")
            .and_then(Value::as_str)
            .unwrap_or("bert")
            .to_string();
        let transformer = TransformerConfig {
            hidden_size: int("hidden_size")?,
            num_layers: int("num_hidden_layers")?,
            num_heads: int("num_attention_heads")?,
            intermediate_size: int("intermediate_size")?,
            max_positions: int("max_position_embeddings")?,
            type_vocab_size: int("type_vocab_size").unwrap_or(1),
            layer_norm_eps: config
                .get("layer_norm_eps")
                .and_then(Value::as_f64)
                .unwrap_or(1e-12),
            pad_token_id: int("pad_token_id").unwrap_or(0) as u32,
            model_type,
        };
        // XLM-R counts positions from pad_token_id + 1, so fewer fit in its table.
        let position_offset = if transformer.model_type == "xlm-roberta" {
            transformer.pad_token_id as usize + 1
        } else {
            0
        };
        let mut max_tokens = transformer.max_positions - position_offset;
        let st_config = path.join("sentence_bert_config.json");
        if st_config.is_file() {
            if let Some(n) = read_json(&st_config)?
                .get("max_seq_length")
                .and_then(Value::as_u64)
            {
                max_tokens = max_tokens.min(n as usize);
            }
        }
        Ok(Self {
            path: path.to_path_buf(),
            pooling: read_pooling(path)?,
            prefix: read_prefix(path)?,
            max_tokens,
            config: transformer,
        })
    }

    /// Path of the weights file.
    pub fn weights(&self) -> PathBuf {
        self.path.join("model.safetensors")
    }

    /// Path of the tokenizer file.
    pub fn tokenizer(&self) -> PathBuf {
        self.path.join("tokenizer.json")
    }
}

fn read_json(path: &Path) -> Result<Value, ModelDirError> {
    let text = std::fs::read_to_string(path).map_err(|e| ModelDirError::Invalid {
        path: path.to_path_buf(),
        message: format!("cannot read: {e}"),
    })?;
    serde_json::from_str(&text).map_err(|e| ModelDirError::Invalid {
        path: path.to_path_buf(),
        message: format!("not valid JSON: {e}"),
    })
}

/// Pooling from `1_Pooling/config.json` (sentence-transformers); mean when the directory has none.
fn read_pooling(dir: &Path) -> Result<Pooling, ModelDirError> {
    let path = dir.join("1_Pooling/config.json");
    if !path.is_file() {
        return Ok(Pooling::Mean);
    }
    let config = read_json(&path)?;
    let on = |key: &str| config.get(key).and_then(Value::as_bool).unwrap_or(false);
    match (on("pooling_mode_mean_tokens"), on("pooling_mode_cls_token")) {
        (true, false) => Ok(Pooling::Mean),
        (false, true) => Ok(Pooling::Cls),
        _ => Err(ModelDirError::Invalid {
            path,
            message:
                "pird supports exactly one of pooling_mode_mean_tokens and pooling_mode_cls_token"
                    .into(),
        }),
    }
}

/// The passage prompt from `config_sentence_transformers.json` (e5: `passage: `), or none.
fn read_prefix(dir: &Path) -> Result<String, ModelDirError> {
    let path = dir.join("config_sentence_transformers.json");
    if !path.is_file() {
        return Ok(String::new());
    }
    let config = read_json(&path)?;
    let prompts = config.get("prompts");
    let named = |name: &str| {
        prompts
            .and_then(|p| p.get(name))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let default = config
        .get("default_prompt_name")
        .and_then(Value::as_str)
        .and_then(named);
    Ok(default.or_else(|| named("passage")).unwrap_or_default())
}
