//! The one interface every backend implements: token ids in, sentence vectors out.
//!
//! Like text-embeddings-inference's `Backend`, the trait is small so that the rest of pird never
//! knows which backend runs: tokenisation, batching, caching and I/O live outside it.

use ndarray::Array2;
use std::fmt;
use std::str::FromStr;

/// How token vectors become one sentence vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooling {
    /// Mean of the token vectors under the attention mask (e5, LaBSE-style sentence-transformers).
    Mean,
    /// The vector of the first token (`<s>` / `[CLS]`).
    Cls,
}

/// Where a backend runs, named as on the command line (`cpu`, `cuda`, `cuda:N`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeviceSpec {
    /// The CPU.
    #[default]
    Cpu,
    /// CUDA device N.
    Cuda(usize),
}

impl FromStr for DeviceSpec {
    type Err = EncoderError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name.trim() {
            "cpu" => Ok(Self::Cpu),
            "cuda" | "gpu" => Ok(Self::Cuda(0)),
            other => other
                .strip_prefix("cuda:")
                .and_then(|n| n.parse().ok())
                .map(Self::Cuda)
                .ok_or_else(|| {
                    EncoderError::Model(format!(
                        "unknown device '{other}': expected cpu, cuda or cuda:N"
                    ))
                }),
        }
    }
}

impl fmt::Display for DeviceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cpu => write!(f, "cpu"),
            Self::Cuda(n) => write!(f, "cuda:{n}"),
        }
    }
}

/// The number format of a model's weights and activations (pooling and normalisation always run
/// in fp32).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Precision {
    /// 32-bit floats: the reference.
    #[default]
    F32,
    /// IEEE half precision.
    F16,
    /// bfloat16 (fp32's range, 8 bits of mantissa).
    Bf16,
}

impl FromStr for Precision {
    type Err = EncoderError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name.trim() {
            "fp32" | "f32" => Ok(Self::F32),
            "fp16" | "f16" | "half" => Ok(Self::F16),
            "bf16" => Ok(Self::Bf16),
            other => Err(EncoderError::Model(format!(
                "unknown precision '{other}': expected fp32, fp16 or bf16"
            ))),
        }
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::F32 => "fp32",
            Self::F16 => "fp16",
            Self::Bf16 => "bf16",
        })
    }
}

/// A batch of tokenised sentences, right-padded to the longest one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenBatch {
    /// Token ids, row-major `rows × width`; padding positions hold the model's pad id.
    pub ids: Vec<i64>,
    /// Real tokens in each row (the rest of the row is padding).
    pub lengths: Vec<usize>,
    /// Width of every row (the longest row's length).
    pub width: usize,
}

impl TokenBatch {
    /// Pads `rows` of token ids to the longest with `pad_id`.
    pub fn from_rows(rows: &[&[u32]], pad_id: u32) -> Self {
        let width = rows.iter().map(|r| r.len()).max().unwrap_or(0);
        let mut ids = Vec::with_capacity(rows.len() * width);
        for row in rows {
            ids.extend(row.iter().map(|&t| i64::from(t)));
            ids.extend(std::iter::repeat_n(i64::from(pad_id), width - row.len()));
        }
        Self {
            ids,
            lengths: rows.iter().map(|r| r.len()).collect(),
            width,
        }
    }

    /// Number of sentences.
    pub fn rows(&self) -> usize {
        self.lengths.len()
    }

    /// Checks that the batch is well formed (ids fill `rows × width`, every row is 1..=width
    /// tokens) and no wider than `max_tokens`, the model's longest row.
    pub fn check(&self, max_tokens: usize) -> Result<(), EncoderError> {
        let bad = |message: String| Err(EncoderError::Backend(format!("invalid batch: {message}")));
        if self.ids.len() != self.rows() * self.width {
            return bad(format!(
                "{} ids for {} rows of width {}",
                self.ids.len(),
                self.rows(),
                self.width
            ));
        }
        if let Some(len) = self.lengths.iter().find(|&&l| l == 0 || l > self.width) {
            return bad(format!(
                "a row of length {len} in a batch of width {}",
                self.width
            ));
        }
        if self.width > max_tokens {
            return bad(format!(
                "rows of {} tokens, but the model takes at most {max_tokens}",
                self.width
            ));
        }
        Ok(())
    }

    /// Attention mask, row-major `rows × width`: 1 for real tokens, 0 for padding.
    pub fn attention_mask(&self) -> Vec<i64> {
        let mut mask = Vec::with_capacity(self.ids.len());
        for &len in &self.lengths {
            mask.extend(std::iter::repeat_n(1, len));
            mask.extend(std::iter::repeat_n(0, self.width - len));
        }
        mask
    }
}

/// Why a backend could not embed a batch or load a model.
#[derive(Debug, thiserror::Error)]
pub enum EncoderError {
    /// The model directory lacks something the backend needs, or holds something it cannot use.
    #[error("{0}")]
    Model(String),
    /// The backend failed while computing.
    #[error("{0}")]
    Backend(String),
}

/// A sentence encoder: a transformer plus pooling and L2 normalisation.
pub trait Encoder: Send {
    /// Embeds a batch; returns one L2-normalised vector per row, in row order (`rows × dim`).
    fn embed(&mut self, batch: &TokenBatch) -> Result<Array2<f32>, EncoderError>;
    /// Dimension of the vectors.
    fn dim(&self) -> usize;
    /// Where it runs, e.g. `cpu` or `cuda:0`, with the backend's name (`tch cpu`).
    fn device(&self) -> String;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_devices_and_precisions() {
        assert_eq!("cpu".parse::<DeviceSpec>().unwrap(), DeviceSpec::Cpu);
        assert_eq!("cuda".parse::<DeviceSpec>().unwrap(), DeviceSpec::Cuda(0));
        assert_eq!("cuda:2".parse::<DeviceSpec>().unwrap(), DeviceSpec::Cuda(2));
        assert!("tpu".parse::<DeviceSpec>().is_err());
        assert_eq!(DeviceSpec::Cuda(1).to_string(), "cuda:1");
        assert_eq!("bf16".parse::<Precision>().unwrap(), Precision::Bf16);
        assert_eq!("half".parse::<Precision>().unwrap(), Precision::F16);
        assert!("int8".parse::<Precision>().is_err());
    }

    #[test]
    fn pads_rows_and_builds_the_mask() {
        let batch = TokenBatch::from_rows(&[&[0, 5, 2], &[0, 2]], 1);
        assert_eq!(batch.ids, vec![0, 5, 2, 0, 2, 1]);
        assert_eq!(batch.width, 3);
        assert_eq!(batch.rows(), 2);
        assert_eq!(batch.attention_mask(), vec![1, 1, 1, 1, 1, 0]);
        assert!(batch.check(3).is_ok());
        assert!(batch
            .check(2)
            .unwrap_err()
            .to_string()
            .contains("at most 2"));
        let mut broken = batch.clone();
        broken.lengths[1] = 0;
        assert!(broken.check(3).is_err());
    }
}
