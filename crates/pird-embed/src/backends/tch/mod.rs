//! The libtorch backend: BERT and XLM-RoBERTa sentence encoders with the forward pass in torch ops.
//!
//! libtorch is the one inside the PyPI wheel `torch==2.4.1` that `scripts/setup` installs
//! (tch 0.17 needs libtorch 2.4). Weights are read from `model.safetensors` directly; the network
//! is in `bert.rs`, pooling and normalisation here.

mod bert;
pub mod lora;
mod weights;

pub use bert::Architecture;
pub use lora::{LoraConfig, ADAPTED_MODULES};
/// Where a [`TchBert`] runs: `Device::Cpu` or `Device::Cuda(n)`.
pub use tch::Device;

use crate::adapter::{LoraAdapter, LoraFactors};
use crate::encoder::{DeviceSpec, Encoder, EncoderError, Pooling, Precision, TokenBatch};
use crate::model_dir::ModelDir;
use bert::BertModel;
use ndarray::Array2;
use std::collections::BTreeMap;
use std::thread::ThreadId;
use tch::{nn, Kind, TchError, Tensor};
use weights::SafetensorsFile;

/// How to load a model into libtorch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TchOptions {
    /// Where the model runs.
    pub device: Device,
    /// Threads for torch's CPU kernels (`None`: libtorch's default, one per core).
    pub threads: Option<usize>,
    /// Number format of weights and activations: fp16 and bf16 need CUDA; pooling and
    /// normalisation stay in fp32.
    pub precision: Precision,
    /// Keep the word-embedding table in fp16 and widen rows on lookup: halves most of the model's
    /// memory at a cosine cost below 1e-6. Only in fp32 (in fp16 or bf16 everything is narrow).
    pub compact_embeddings: bool,
}

impl Default for TchOptions {
    fn default() -> Self {
        Self {
            device: Device::Cpu,
            threads: None,
            precision: Precision::F32,
            compact_embeddings: true,
        }
    }
}

/// Parses `cpu`, `cuda` (device 0) or `cuda:N` into a [`Device`].
pub fn parse_device(name: &str) -> Result<Device, EncoderError> {
    Ok(name.parse::<DeviceSpec>()?.into())
}

impl From<DeviceSpec> for Device {
    fn from(spec: DeviceSpec) -> Self {
        match spec {
            DeviceSpec::Cpu => Device::Cpu,
            DeviceSpec::Cuda(n) => Device::Cuda(n),
        }
    }
}

/// A BERT or XLM-RoBERTa sentence encoder running on libtorch.
pub struct TchBert {
    model: BertModel,
    pooling: Pooling,
    device: Device,
    kind: Kind,
    threads: Option<usize>,
    /// The thread whose OpenMP thread count was last set (the setting is per calling thread).
    threads_set_on: Option<ThreadId>,
    /// The shape of the attached low-rank adapters, if any.
    lora: Option<LoraConfig>,
}

impl TchBert {
    /// Loads the model of `dir` onto `device`, with `threads` CPU threads (`None`: libtorch's
    /// default), in fp32 with the word-embedding table in fp16 ([`TchOptions::default`]).
    pub fn load(
        dir: &ModelDir,
        device: Device,
        threads: Option<usize>,
    ) -> Result<Self, EncoderError> {
        Self::load_with(
            dir,
            TchOptions {
                device,
                threads,
                ..TchOptions::default()
            },
        )
    }

    /// Loads the model of `dir` with all options.
    pub fn load_with(dir: &ModelDir, options: TchOptions) -> Result<Self, EncoderError> {
        let architecture = Architecture::from_model_type(&dir.config.model_type).ok_or_else(|| {
            EncoderError::Model(format!(
                "{}: model_type '{}' is not supported by the tch backend (bert, xlm-roberta, roberta)",
                dir.path.join("config.json").display(),
                dir.config.model_type
            ))
        })?;
        if let Device::Cuda(n) = options.device {
            let available = tch::Cuda::device_count();
            if (n as i64) >= available {
                return Err(EncoderError::Model(format!(
                    "cuda:{n} requested but libtorch sees {available} CUDA device(s)"
                )));
            }
        }
        if options.precision != Precision::F32 && !options.device.is_cuda() {
            return Err(EncoderError::Model(format!(
                "{} needs a CUDA device with the tch backend; on CPU it computes in fp32",
                options.precision
            )));
        }
        if options.threads == Some(0) {
            return Err(EncoderError::Model("threads must be at least 1".into()));
        }
        let kind = match options.precision {
            Precision::F32 => Kind::Float,
            Precision::F16 => Kind::Half,
            Precision::Bf16 => Kind::BFloat16,
        };
        let mut encoder = {
            let _no_grad = tch::no_grad_guard();
            let mut file = SafetensorsFile::open(&dir.weights())?;
            let model = BertModel::load(
                &mut file,
                &dir.config,
                architecture,
                kind,
                options.device,
                options.compact_embeddings,
            )?;
            Self {
                model,
                pooling: dir.pooling,
                device: options.device,
                kind,
                threads: options.threads,
                threads_set_on: None,
                lora: None,
            }
        };
        encoder.apply_threads();
        Ok(encoder)
    }

    /// The architecture read from `config.json`.
    pub fn architecture(&self) -> Architecture {
        self.model.architecture()
    }

    /// Longest row, in tokens, that the model accepts.
    pub fn max_tokens(&self) -> usize {
        self.model.max_tokens() as usize
    }

    /// Sets torch's thread count on the calling thread if it is not set there yet: OpenMP keeps
    /// the count per thread, and an encoder may move between threads.
    fn apply_threads(&mut self) {
        let Some(threads) = self.threads else { return };
        let here = std::thread::current().id();
        if self.threads_set_on != Some(here) {
            tch::set_num_threads(threads as i32);
            self.threads_set_on = Some(here);
        }
    }

    /// Adds trainable low-rank adapters to every layer, as variables under `path` (whose
    /// `VarStore` must be on this encoder's device); the model's own weights stay frozen.
    pub fn attach_lora(&mut self, path: &nn::Path, config: LoraConfig) -> Result<(), EncoderError> {
        if config.rank < 1 {
            return Err(EncoderError::Model("LoRA rank must be at least 1".into()));
        }
        if path.device() != self.device {
            return Err(EncoderError::Model(format!(
                "LoRA variables on {:?} but the model on {:?}",
                path.device(),
                self.device
            )));
        }
        for (i, layer) in self.model.layers.iter_mut().enumerate() {
            let shapes = layer.adaptable_shapes();
            layer.lora = Some(lora::LayerLora::new(
                &(path / format!("layer{i}")),
                shapes,
                config,
            ));
        }
        self.lora = Some(config);
        Ok(())
    }

    /// The attached adapters' current values as a [`LoraAdapter`] (fp32, on the CPU), modules
    /// named as in Hugging Face checkpoints; `None` without [`Self::attach_lora`].
    pub fn lora_adapter(&self, base_model: &str) -> Result<Option<LoraAdapter>, EncoderError> {
        let Some(config) = self.lora else {
            return Ok(None);
        };
        let matrix = |t: &Tensor| -> Result<Array2<f32>, TchError> {
            let (rows, cols) = t.size2()?;
            let flat = t
                .f_detach()?
                .f_to_device(Device::Cpu)?
                .f_to_kind(Kind::Float)?
                .f_contiguous()?
                .f_view([-1])?;
            let values = Vec::<f32>::try_from(&flat)?;
            Ok(
                Array2::from_shape_vec((rows as usize, cols as usize), values)
                    .expect("the shape is the tensor's"),
            )
        };
        let torch = |e: TchError| EncoderError::Backend(format!("libtorch: {e}"));
        let mut modules = BTreeMap::new();
        for (i, layer) in self.model.layers.iter().enumerate() {
            let Some(lora) = &layer.lora else { continue };
            for (module, delta) in ADAPTED_MODULES.iter().zip(lora.deltas()) {
                modules.insert(
                    format!("encoder.layer.{i}.{module}"),
                    LoraFactors {
                        a: matrix(&delta.a).map_err(torch)?,
                        b: matrix(&delta.b).map_err(torch)?,
                    },
                );
            }
        }
        Ok(Some(LoraAdapter {
            rank: config.rank as usize,
            alpha: config.alpha,
            modules,
            base_model: base_model.to_string(),
        }))
    }

    /// Pooled, L2-normalised vectors of `batch` (`rows × hidden`, fp32) on the model's device,
    /// recording autograd history when gradients are enabled: the training forward pass.
    pub fn embed_tensor(&mut self, batch: &TokenBatch) -> Result<Tensor, EncoderError> {
        if batch.rows() == 0 {
            return Err(EncoderError::Backend("invalid batch: no rows".into()));
        }
        batch.check(self.max_tokens())?;
        self.apply_threads();
        self.pooled(batch)
            .map_err(|e| EncoderError::Backend(format!("libtorch: {e}")))
    }

    /// Pooled, L2-normalised vectors of a checked, non-empty batch, `rows × hidden` in fp32 on the CPU.
    fn forward(&self, batch: &TokenBatch) -> Result<Tensor, TchError> {
        self.pooled(batch)?.f_to_device(Device::Cpu)?.f_contiguous()
    }

    /// Pooled, L2-normalised vectors of a checked, non-empty batch on the model's device.
    fn pooled(&self, batch: &TokenBatch) -> Result<Tensor, TchError> {
        let (rows, width) = (batch.rows() as i64, batch.width as i64);
        let ids = Tensor::f_from_slice(&batch.ids)?
            .f_view([rows, width])?
            .f_to_device(self.device)?;
        let full = batch.lengths.iter().all(|&l| l == batch.width);
        let mask: Vec<bool> = batch
            .lengths
            .iter()
            .flat_map(|&len| (0..batch.width).map(move |i| i < len))
            .collect();
        let mask = Tensor::f_from_slice(&mask)?
            .f_view([rows, width])?
            .f_to_device(self.device)?;
        // tch 0.17 passes a missing mask to libtorch as an undefined tensor, which
        // scaled_dot_product_attention rejects; so there is always a mask, all true for full rows.
        let attention_mask = mask.f_view([rows, 1, 1, width])?;
        let hidden = self.model.forward(&ids, &attention_mask)?;
        let hidden = if self.kind == Kind::Float {
            hidden
        } else {
            hidden.f_to_kind(Kind::Float)?
        };
        let pooled = match self.pooling {
            Pooling::Cls => hidden.f_select(1, 0)?,
            Pooling::Mean if full => hidden.f_mean_dim([1i64].as_slice(), false, None::<Kind>)?,
            Pooling::Mean => {
                let weights = mask.f_to_kind(Kind::Float)?.f_unsqueeze(-1)?;
                let lengths: Vec<f32> = batch.lengths.iter().map(|&l| l as f32).collect();
                let lengths = Tensor::f_from_slice(&lengths)?
                    .f_view([rows, 1])?
                    .f_to_device(self.device)?;
                hidden
                    .f_mul(&weights)?
                    .f_sum_dim_intlist([1i64].as_slice(), false, None::<Kind>)?
                    .f_div(&lengths)?
            }
        };
        // As torch.nn.functional.normalize: v / max(‖v‖, 1e-12).
        let norms = pooled
            .f_norm_scalaropt_dim(2, [1i64].as_slice(), true)?
            .f_clamp_min(1e-12)?;
        pooled.f_div(&norms)
    }
}

impl Encoder for TchBert {
    fn embed(&mut self, batch: &TokenBatch) -> Result<Array2<f32>, EncoderError> {
        let dim = self.dim();
        if batch.rows() == 0 {
            return Ok(Array2::zeros((0, dim)));
        }
        batch.check(self.max_tokens())?;
        self.apply_threads();
        let _no_grad = tch::no_grad_guard();
        let vectors = self
            .forward(batch)
            .map_err(|e| EncoderError::Backend(format!("libtorch: {e}")))?;
        let mut data = vec![0f32; batch.rows() * dim];
        vectors
            .f_copy_data(&mut data, batch.rows() * dim)
            .map_err(|e| EncoderError::Backend(format!("libtorch: {e}")))?;
        Array2::from_shape_vec((batch.rows(), dim), data)
            .map_err(|e| EncoderError::Backend(e.to_string()))
    }

    fn dim(&self) -> usize {
        self.model.hidden() as usize
    }

    fn device(&self) -> String {
        let device = match self.device {
            Device::Cpu => "cpu".to_string(),
            Device::Cuda(n) => format!("cuda:{n}"),
            other => format!("{other:?}").to_lowercase(),
        };
        let precision = if self.kind == Kind::Half {
            " fp16"
        } else if self.kind == Kind::BFloat16 {
            " bf16"
        } else if self.model.compact_embeddings() {
            " fp32 (fp16 word embeddings)"
        } else {
            " fp32"
        };
        format!("tch {device}{precision}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_device_names() {
        assert_eq!(parse_device("cpu").unwrap(), Device::Cpu);
        assert_eq!(parse_device("cuda").unwrap(), Device::Cuda(0));
        assert_eq!(parse_device("cuda:2").unwrap(), Device::Cuda(2));
        assert!(parse_device("tpu").is_err());
    }

    #[test]
    fn knows_the_position_schemes() {
        assert_eq!(
            Architecture::from_model_type("bert"),
            Some(Architecture::Bert)
        );
        assert_eq!(
            Architecture::from_model_type("xlm-roberta"),
            Some(Architecture::XlmRoberta)
        );
        assert_eq!(Architecture::from_model_type("gpt2"), None);
    }
}
