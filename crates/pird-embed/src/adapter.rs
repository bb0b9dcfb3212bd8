//! LoRA adapters on disk, in PEFT's layout, and the updates they make to a checkpoint's weights.
//!
//! A directory holds `adapter_model.safetensors` (tensors
//! `base_model.model.<module>.lora_A.weight`, `rank × in`, and `…lora_B.weight`, `out × rank`) and
//! `adapter_config.json` (`r`, `lora_alpha`, …), the files PEFT's `PeftModel.from_pretrained`
//! reads, so an adapter trained by `pird adapt` also loads in Python. Merging adds
//! `lora_alpha / r · B · A` to each module's weight, after which inference costs nothing extra.

use half::f16;
use ndarray::Array2;
use safetensors::{Dtype, SafeTensors};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The tensors file of an adapter directory.
pub const WEIGHTS_FILE: &str = "adapter_model.safetensors";
/// The configuration file of an adapter directory.
pub const CONFIG_FILE: &str = "adapter_config.json";
/// What PEFT puts before a module's name.
const KEY_PREFIX: &str = "base_model.model.";
/// PEFT's `target_modules` for the maps pird adapts (a regular expression over module names).
const TARGET_MODULES: &str = r".*encoder\.layer\.\d+\.(attention\.self\.(query|key|value)|attention\.output\.dense|intermediate\.dense|output\.dense)";

/// Why an adapter could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum AdapterError {
    /// A file could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file is not a valid adapter.
    #[error("{}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// One adapted module's factors.
#[derive(Debug, Clone, PartialEq)]
pub struct LoraFactors {
    /// `rank × in`.
    pub a: Array2<f32>,
    /// `out × rank`.
    pub b: Array2<f32>,
}

/// A LoRA adapter: its factors per module and its scale.
#[derive(Debug, Clone, PartialEq)]
pub struct LoraAdapter {
    /// Rank of every module's factors.
    pub rank: usize,
    /// PEFT's `lora_alpha`: the update is scaled by `alpha / rank`.
    pub alpha: f64,
    /// Factors by module name (`encoder.layer.0.attention.self.query`).
    pub modules: BTreeMap<String, LoraFactors>,
    /// The model the adapter was trained on (PEFT's `base_model_name_or_path`).
    pub base_model: String,
}

impl LoraAdapter {
    /// The factor applied to `B · A`.
    pub fn scale(&self) -> f64 {
        self.alpha / self.rank as f64
    }

    /// Number of trained values.
    pub fn parameter_count(&self) -> usize {
        self.modules.values().map(|f| f.a.len() + f.b.len()).sum()
    }

    /// The update of `module`'s weight, `scale · B · A` (`out × in`), if the adapter touches it.
    pub fn delta(&self, module: &str) -> Option<Array2<f32>> {
        let factors = self.modules.get(module)?;
        Some(factors.b.dot(&factors.a) * self.scale() as f32)
    }

    /// Reads an adapter directory.
    pub fn read_dir(dir: &Path) -> Result<Self, AdapterError> {
        let (weights, config) = read_files(dir)?;
        Self::from_bytes(&weights, &config, dir)
    }

    /// Parses the two files' contents; `dir` names them in errors.
    pub fn from_bytes(weights: &[u8], config: &[u8], dir: &Path) -> Result<Self, AdapterError> {
        let config_path = dir.join(CONFIG_FILE);
        let invalid_config = |message: String| AdapterError::Invalid {
            path: config_path.clone(),
            message,
        };
        let config: Value = serde_json::from_slice(config)
            .map_err(|e| invalid_config(format!("not valid JSON: {e}")))?;
        if config["peft_type"].as_str() != Some("LORA") {
            return Err(invalid_config(format!(
                "peft_type is {}, not \"LORA\"",
                config["peft_type"]
            )));
        }
        let rank = config["r"].as_u64().filter(|&r| r > 0).ok_or_else(|| {
            invalid_config(format!("r is {}, not a positive integer", config["r"]))
        })? as usize;
        let alpha = config["lora_alpha"]
            .as_f64()
            .filter(|a| a.is_finite())
            .ok_or_else(|| invalid_config(format!("lora_alpha is {}", config["lora_alpha"])))?;
        let base_model = config["base_model_name_or_path"]
            .as_str()
            .unwrap_or_default()
            .to_string();

        let weights_path = dir.join(WEIGHTS_FILE);
        let invalid = |message: String| AdapterError::Invalid {
            path: weights_path.clone(),
            message,
        };
        let tensors = SafeTensors::deserialize(weights)
            .map_err(|e| invalid(format!("not a safetensors file: {e}")))?;
        // Each module's lora_A and lora_B, as they are found.
        type Halves = (Option<Array2<f32>>, Option<Array2<f32>>);
        let mut halves: BTreeMap<String, Halves> = BTreeMap::new();
        for (name, view) in tensors.tensors() {
            let (module, is_a) = match name
                .strip_prefix(KEY_PREFIX)
                .and_then(|n| n.strip_suffix(".weight"))
            {
                Some(n) if n.ends_with(".lora_A") => (n.trim_end_matches(".lora_A"), true),
                Some(n) if n.ends_with(".lora_B") => (n.trim_end_matches(".lora_B"), false),
                _ => return Err(invalid(format!("unexpected tensor '{name}'"))),
            };
            let shape = view.shape();
            if shape.len() != 2 {
                return Err(invalid(format!(
                    "tensor '{name}' has shape {shape:?}, not 2-d"
                )));
            }
            let values = to_f32(view.dtype(), view.data())
                .ok_or_else(|| invalid(format!("tensor '{name}' is {:?}", view.dtype())))?;
            let matrix = Array2::from_shape_vec((shape[0], shape[1]), values)
                .map_err(|e| invalid(format!("tensor '{name}': {e}")))?;
            let slot = halves.entry(module.to_string()).or_default();
            if is_a {
                slot.0 = Some(matrix);
            } else {
                slot.1 = Some(matrix);
            }
        }
        let mut modules = BTreeMap::new();
        for (module, pair) in halves {
            let (Some(a), Some(b)) = pair else {
                return Err(invalid(format!("module '{module}' lacks lora_A or lora_B")));
            };
            if a.nrows() != rank || b.ncols() != rank {
                return Err(invalid(format!(
                    "module '{module}': lora_A is {:?} and lora_B {:?}, but r is {rank}",
                    a.shape(),
                    b.shape()
                )));
            }
            modules.insert(module, LoraFactors { a, b });
        }
        if modules.is_empty() {
            return Err(invalid("no LoRA tensors".into()));
        }
        Ok(Self {
            rank,
            alpha,
            modules,
            base_model,
        })
    }

    /// `adapter_model.safetensors` with the factors in fp16 (PEFT's key names).
    pub fn weights_bytes(&self) -> Result<Vec<u8>, AdapterError> {
        let mut tensors: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
        for (module, factors) in &self.modules {
            for (half_name, matrix) in [("lora_A", &factors.a), ("lora_B", &factors.b)] {
                let bytes = matrix
                    .iter()
                    .flat_map(|&v| f16::from_f32(v).to_le_bytes())
                    .collect();
                tensors.push((
                    format!("{KEY_PREFIX}{module}.{half_name}.weight"),
                    matrix.shape().to_vec(),
                    bytes,
                ));
            }
        }
        let views = tensors
            .iter()
            .map(|(name, shape, bytes)| {
                safetensors::tensor::TensorView::new(Dtype::F16, shape.clone(), bytes)
                    .map(|view| (name.clone(), view))
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| AdapterError::Invalid {
                path: PathBuf::from(WEIGHTS_FILE),
                message: e.to_string(),
            })?;
        // One metadata entry only: several would be written in a random order.
        let metadata = HashMap::from([("format".to_string(), "pt".to_string())]);
        safetensors::serialize(views, Some(metadata)).map_err(|e| AdapterError::Invalid {
            path: PathBuf::from(WEIGHTS_FILE),
            message: e.to_string(),
        })
    }

    /// `adapter_config.json`, as PEFT writes it for these modules.
    pub fn config_json(&self) -> String {
        let config = json!({
            "peft_type": "LORA",
            "task_type": "FEATURE_EXTRACTION",
            "base_model_name_or_path": self.base_model,
            "r": self.rank,
            "lora_alpha": self.alpha,
            "lora_dropout": 0.0,
            "bias": "none",
            "fan_in_fan_out": false,
            "inference_mode": true,
            "target_modules": TARGET_MODULES,
        });
        let mut text = serde_json::to_string_pretty(&config).expect("JSON values serialise");
        text.push('\n');
        text
    }

    /// The adapter's two files, by name: the weights and the configuration (the caller writes
    /// them, atomically, into the adapter directory).
    pub fn files(&self) -> Result<[(&'static str, Vec<u8>); 2], AdapterError> {
        Ok([
            (WEIGHTS_FILE, self.weights_bytes()?),
            (CONFIG_FILE, self.config_json().into_bytes()),
        ])
    }
}

/// The bytes of an adapter directory's weights file and configuration file.
pub fn read_files(dir: &Path) -> Result<(Vec<u8>, Vec<u8>), AdapterError> {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read(&path).map_err(|source| AdapterError::Io {
            action: "read",
            path,
            source,
        })
    };
    Ok((read(WEIGHTS_FILE)?, read(CONFIG_FILE)?))
}

fn to_f32(dtype: Dtype, data: &[u8]) -> Option<Vec<f32>> {
    match dtype {
        Dtype::F32 => Some(
            data.chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        ),
        Dtype::F16 => Some(
            data.chunks_exact(2)
                .map(|c| f16::from_le_bytes([c[0], c[1]]).to_f32())
                .collect(),
        ),
        Dtype::BF16 => Some(
            data.chunks_exact(2)
                .map(|c| half::bf16::from_le_bytes([c[0], c[1]]).to_f32())
                .collect(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_dir(adapter: &LoraAdapter, dir: &Path) {
        for (name, bytes) in adapter.files().unwrap() {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }

    fn adapter() -> LoraAdapter {
        let a = Array2::from_shape_fn((2, 3), |(i, j)| (i * 3 + j) as f32 * 0.25);
        let b = Array2::from_shape_fn((4, 2), |(i, j)| if i == j { 1.0 } else { 0.5 });
        LoraAdapter {
            rank: 2,
            alpha: 4.0,
            modules: BTreeMap::from([(
                "encoder.layer.0.attention.self.query".to_string(),
                LoraFactors { a, b },
            )]),
            base_model: "intfloat/multilingual-e5-small".into(),
        }
    }

    #[test]
    fn round_trips_through_peft_files() {
        let tmp = tempfile::tempdir().unwrap();
        let original = adapter();
        write_dir(&original, tmp.path());
        let read = LoraAdapter::read_dir(tmp.path()).unwrap();
        // The values above are exact in fp16.
        assert_eq!(read, original);
        let bytes = std::fs::read(tmp.path().join(WEIGHTS_FILE)).unwrap();
        let tensors = SafeTensors::deserialize(&bytes).unwrap();
        let a = tensors
            .tensor("base_model.model.encoder.layer.0.attention.self.query.lora_A.weight")
            .unwrap();
        assert_eq!((a.dtype(), a.shape()), (Dtype::F16, &[2usize, 3][..]));
        assert_eq!(
            original.weights_bytes().unwrap(),
            bytes,
            "deterministic bytes"
        );
    }

    #[test]
    fn the_delta_is_scaled_b_times_a() {
        let adapter = adapter();
        let delta = adapter
            .delta("encoder.layer.0.attention.self.query")
            .unwrap();
        assert_eq!(delta.shape(), &[4, 3]);
        // row 0 of B is (1, 0.5); column 0 of A is (0, 0.75); scale 2.
        assert_eq!(delta[[0, 0]], 2.0 * (0.0 + 0.5 * 0.75));
        assert!(adapter.delta("encoder.layer.0.output.dense").is_none());
        assert_eq!(adapter.parameter_count(), 6 + 8);
    }

    #[test]
    fn bad_files_are_named() {
        let tmp = tempfile::tempdir().unwrap();
        write_dir(&adapter(), tmp.path());
        std::fs::write(
            tmp.path().join(CONFIG_FILE),
            r#"{"peft_type":"LORA","r":3,"lora_alpha":4}"#,
        )
        .unwrap();
        let err = LoraAdapter::read_dir(tmp.path()).unwrap_err().to_string();
        assert!(
            err.contains(WEIGHTS_FILE) && err.contains("r is 3"),
            "{err}"
        );
        std::fs::write(tmp.path().join(CONFIG_FILE), "{").unwrap();
        let err = LoraAdapter::read_dir(tmp.path()).unwrap_err().to_string();
        assert!(err.contains(CONFIG_FILE), "{err}");
        let err = LoraAdapter::read_dir(&tmp.path().join("none"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot read"), "{err}");
    }
}
