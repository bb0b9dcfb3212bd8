//! The one interface every backend implements: token ids in, sentence vectors out.
//!
//! Like text-embeddings-inference's `Backend`, the trait is small so that the rest of pird never
//! knows which backend runs: tokenisation, batching, caching and I/O live outside it.

use ndarray::Array2;

/// How token vectors become one sentence vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooling {
    /// Mean of the token vectors under the attention mask (e5, LaBSE-style sentence-transformers).
    Mean,
    /// The vector of the first token (`<s>` / `[CLS]`).
    Cls,
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
    fn pads_rows_and_builds_the_mask() {
        let batch = TokenBatch::from_rows(&[&[0, 5, 2], &[0, 2]], 1);
        assert_eq!(batch.ids, vec![0, 5, 2, 0, 2, 1]);
        assert_eq!(batch.width, 3);
        assert_eq!(batch.rows(), 2);
        assert_eq!(batch.attention_mask(), vec![1, 1, 1, 1, 1, 0]);
    }
}
