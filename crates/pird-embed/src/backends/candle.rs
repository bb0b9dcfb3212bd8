//! The pure-Rust backend: Hugging Face candle, with no libtorch, on the CPU and (feature `cuda`)
//! on NVIDIA GPUs.
//!
//! The networks are candle-transformers' own `BertModel` and `XLMRobertaModel`, loaded from the
//! same Hugging Face directories as the tch backend; this module adds what a sentence encoder
//! needs around them: the attention mask from [`TokenBatch`] lengths, pooling, L2 normalisation
//! and the thread count. It computes in fp32 (see [`CandleOptions::precision`]).

use crate::encoder::{DeviceSpec, Encoder, EncoderError, Pooling, Precision, TokenBatch};
use crate::model_dir::ModelDir;
use candle_core::{DType, Device, Tensor, D};
use candle_nn::VarBuilder;
use candle_transformers::models::{bert, xlm_roberta};
use ndarray::Array2;

/// How to load a model into candle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CandleOptions {
    /// Where the model runs (`cuda` needs pird built with the `cuda` feature).
    pub device: DeviceSpec,
    /// Threads for the CPU kernels (`None`: one per core).
    pub threads: Option<usize>,
    /// Number format of weights and activations: fp32 only for now. candle-transformers 0.11
    /// builds the attention mask as `(1 − mask) · f32::MIN` in the model's format, which is −∞ in
    /// fp16 and bf16, so unmasked positions get 0 · −∞ = NaN (BERT), and XLM-R adds an fp32 mask
    /// to narrow scores; both are refused with that reason.
    pub precision: Precision,
}

/// The network of a checkpoint, by `config.json`'s `model_type`.
enum Network {
    Bert(bert::BertModel),
    XlmRoberta(xlm_roberta::XLMRobertaModel),
}

/// A BERT or XLM-RoBERTa sentence encoder running on candle.
pub struct CandleBert {
    network: Network,
    pooling: Pooling,
    device: Device,
    device_spec: DeviceSpec,
    hidden: usize,
    max_tokens: usize,
    /// The CPU threads the kernels run on when `threads` was given: candle's matrix products
    /// split their work over the rayon pool they are called from.
    pool: Option<rayon::ThreadPool>,
}

fn backend_error(e: candle_core::Error) -> EncoderError {
    EncoderError::Backend(format!("candle: {e}"))
}

fn open_device(spec: DeviceSpec) -> Result<Device, EncoderError> {
    match spec {
        DeviceSpec::Cpu => Ok(Device::Cpu),
        DeviceSpec::Cuda(n) if cfg!(feature = "cuda") => Device::new_cuda(n)
            .map_err(|e| EncoderError::Model(format!("cuda:{n} cannot be opened by candle: {e}"))),
        DeviceSpec::Cuda(_) => Err(EncoderError::Model(
            "this pird was built without CUDA for candle; rebuild with the `cuda` feature".into(),
        )),
    }
}

impl CandleBert {
    /// Loads the model of `dir` with `options`.
    pub fn load(dir: &ModelDir, options: CandleOptions) -> Result<Self, EncoderError> {
        if options.threads == Some(0) {
            return Err(EncoderError::Model("threads must be at least 1".into()));
        }
        let config_path = dir.path.join("config.json");
        let config_text = std::fs::read_to_string(&config_path)
            .map_err(|e| EncoderError::Model(format!("{}: {e}", config_path.display())))?;
        let config_error =
            |e: serde_json::Error| EncoderError::Model(format!("{}: {e}", config_path.display()));
        if options.precision != Precision::F32 {
            return Err(EncoderError::Model(format!(
                "the candle backend computes in fp32 only: candle-transformers' attention mask overflows in {} and turns every vector into NaN; use --backend tch for {0} on a GPU",
                options.precision
            )));
        }
        let device = open_device(options.device)?;
        let weights = dir.weights();
        // SAFETY: the weights file is memory-mapped read-only; pird never writes a model
        // directory while it is loaded, as candle's loader requires.
        let vb = unsafe { VarBuilder::from_mmaped_safetensors(&[&weights], DType::F32, &device) }
            .map_err(|e| EncoderError::Model(format!("{}: {e}", weights.display())))?;
        let load_error = |e: candle_core::Error| {
            EncoderError::Model(format!(
                "{}: not a {} checkpoint candle can load: {e}",
                weights.display(),
                dir.config.model_type
            ))
        };
        let network = match dir.config.model_type.as_str() {
            "bert" => {
                let config: bert::Config =
                    serde_json::from_str(&config_text).map_err(config_error)?;
                Network::Bert(bert::BertModel::load(vb, &config).map_err(load_error)?)
            }
            "xlm-roberta" | "roberta" | "camembert" => {
                let config: xlm_roberta::Config =
                    serde_json::from_str(&config_text).map_err(config_error)?;
                let vb = if vb.contains_tensor("roberta.embeddings.word_embeddings.weight") {
                    vb.pp("roberta")
                } else {
                    vb
                };
                Network::XlmRoberta(
                    xlm_roberta::XLMRobertaModel::new(&config, vb).map_err(load_error)?,
                )
            }
            other => {
                return Err(EncoderError::Model(format!(
                    "{}: model_type '{other}' is not supported by the candle backend (bert, xlm-roberta, roberta)",
                    config_path.display()
                )))
            }
        };
        let pool = options
            .threads
            .map(|threads| rayon::ThreadPoolBuilder::new().num_threads(threads).build())
            .transpose()
            .map_err(|e| EncoderError::Backend(format!("cannot start CPU threads: {e}")))?;
        Ok(Self {
            network,
            pooling: dir.pooling,
            device,
            device_spec: options.device,
            hidden: dir.config.hidden_size,
            max_tokens: dir.max_tokens,
            pool,
        })
    }

    /// Pooled, L2-normalised vectors of a checked, non-empty batch, `rows × hidden` in fp32.
    fn forward(&self, batch: &TokenBatch) -> candle_core::Result<Vec<f32>> {
        let shape = (batch.rows(), batch.width);
        let ids: Vec<u32> = batch.ids.iter().map(|&id| id as u32).collect();
        let ids = Tensor::from_vec(ids, shape, &self.device)?;
        let mask: Vec<u32> = batch.attention_mask().iter().map(|&m| m as u32).collect();
        let mask = Tensor::from_vec(mask, shape, &self.device)?;
        let token_types = ids.zeros_like()?;
        let hidden = match &self.network {
            Network::Bert(model) => model.forward(&ids, &token_types, Some(&mask))?,
            Network::XlmRoberta(model) => {
                model.forward(&ids, &mask, &token_types, None, None, None)?
            }
        };
        let pooled = match self.pooling {
            Pooling::Cls => hidden.narrow(1, 0, 1)?.squeeze(1)?,
            Pooling::Mean => {
                let weights = mask.to_dtype(DType::F32)?.unsqueeze(D::Minus1)?;
                let lengths: Vec<f32> = batch.lengths.iter().map(|&l| l as f32).collect();
                let lengths = Tensor::from_vec(lengths, (batch.rows(), 1), &self.device)?;
                hidden
                    .broadcast_mul(&weights)?
                    .sum(1)?
                    .broadcast_div(&lengths)?
            }
        };
        // As torch.nn.functional.normalize: v / max(‖v‖, 1e-12).
        let norms = pooled
            .sqr()?
            .sum_keepdim(1)?
            .sqrt()?
            .clamp(1e-12f32, f32::MAX)?;
        pooled
            .broadcast_div(&norms)?
            .to_device(&Device::Cpu)?
            .flatten_all()?
            .to_vec1()
    }
}

impl Encoder for CandleBert {
    fn embed(&mut self, batch: &TokenBatch) -> Result<Array2<f32>, EncoderError> {
        if batch.rows() == 0 {
            return Ok(Array2::zeros((0, self.hidden)));
        }
        batch.check(self.max_tokens)?;
        let values = match &self.pool {
            Some(pool) => pool.install(|| self.forward(batch)),
            None => self.forward(batch),
        }
        .map_err(backend_error)?;
        Array2::from_shape_vec((batch.rows(), self.hidden), values)
            .map_err(|e| EncoderError::Backend(e.to_string()))
    }

    fn dim(&self) -> usize {
        self.hidden
    }

    fn device(&self) -> String {
        format!("candle {} fp32", self.device_spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuda_without_the_feature_is_a_clear_error() {
        if cfg!(feature = "cuda") {
            return;
        }
        let error = open_device(DeviceSpec::Cuda(0)).unwrap_err().to_string();
        assert!(error.contains("`cuda` feature"), "{error}");
    }
}
