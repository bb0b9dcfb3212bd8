//! BERT and XLM-RoBERTa encoders in torch ops.
//!
//! The two share one architecture (post-norm transformer, erf GELU, learned absolute positions);
//! they differ only in where position ids start: BERT counts from 0, XLM-R (RoBERTa) from
//! `pad_token_id + 1`. With right padding every real token of a row sits before the padding, so
//! position ids are a slice of the position table in both cases and no gather is needed (padding
//! positions get different rows than in Hugging Face's code, but padding is masked out of
//! attention and pooling, so no real token sees the difference).
//!
//! The word-embedding table, most of a multilingual model's memory (384 of 470 MB for
//! multilingual-e5-small), can be kept in fp16 and its rows widened on lookup: that halves it at
//! a cosine cost below 1e-6 (measured 0.9999998 at worst on the parity sentences).
//!
//! Speed-ups over a literal port: the three attention projections are one fused matrix
//! (concatenated once at load), attention is `scaled_dot_product_attention` (libtorch's fused
//! kernel), and the position and token-type rows are summed once at load.

use super::lora::LayerLora;
use super::weights::SafetensorsFile;
use crate::encoder::EncoderError;
use crate::model_dir::TransformerConfig;
use tch::{Device, Kind, TchError, Tensor};

/// Which of the two position schemes the checkpoint uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Architecture {
    /// BERT: positions count from 0.
    Bert,
    /// XLM-RoBERTa (and RoBERTa): positions count from `pad_token_id + 1`.
    XlmRoberta,
}

impl Architecture {
    /// The architecture a `config.json` `model_type` names, if pird supports it.
    pub fn from_model_type(model_type: &str) -> Option<Self> {
        match model_type {
            "bert" => Some(Self::Bert),
            "xlm-roberta" | "roberta" | "camembert" => Some(Self::XlmRoberta),
            _ => None,
        }
    }

    /// First position id of a sequence.
    fn position_offset(self, pad_token_id: u32) -> i64 {
        match self {
            Self::Bert => 0,
            Self::XlmRoberta => i64::from(pad_token_id) + 1,
        }
    }
}

/// A layer norm's parameters.
struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
}

/// A linear layer's parameters (`weight` is `out × in`).
struct Linear {
    weight: Tensor,
    bias: Tensor,
}

impl Linear {
    fn forward(&self, x: &Tensor) -> Result<Tensor, TchError> {
        x.f_linear(&self.weight, Some(&self.bias))
    }
}

/// One transformer layer.
pub(crate) struct Layer {
    /// Query, key and value projections stacked: `3·hidden × hidden`.
    qkv: Linear,
    attention_out: Linear,
    attention_norm: LayerNorm,
    intermediate: Linear,
    output: Linear,
    output_norm: LayerNorm,
    /// Low-rank adapters being trained on this layer's six linear maps, if any.
    pub(crate) lora: Option<LayerLora>,
}

impl Layer {
    /// Input and output widths of the adaptable linear maps, in [`LayerLora`]'s order.
    pub(crate) fn adaptable_shapes(&self) -> [(i64, i64); 6] {
        let shape = |w: &Tensor| {
            let size = w.size();
            (size[1], size[0])
        };
        let hidden = self.attention_out.weight.size()[0];
        [
            (hidden, hidden),
            (hidden, hidden),
            (hidden, hidden),
            shape(&self.attention_out.weight),
            shape(&self.intermediate.weight),
            shape(&self.output.weight),
        ]
    }
}

/// The encoder's weights and shape.
pub(crate) struct BertModel {
    architecture: Architecture,
    /// `vocab × hidden`, in `kind` or, compact, in fp16.
    word_embeddings: Tensor,
    /// Kind of the activations (and of every weight but, perhaps, the word embeddings).
    kind: Kind,
    /// Position embeddings plus token-type row 0 (pird feeds single segments): `positions × hidden`.
    position_and_type: Tensor,
    embedding_norm: LayerNorm,
    pub(crate) layers: Vec<Layer>,
    hidden: i64,
    heads: i64,
    eps: f64,
    position_offset: i64,
    max_positions: i64,
}

/// Loads tensors named after Hugging Face's modules, whatever prefix the checkpoint uses.
struct Loader<'a> {
    file: &'a mut SafetensorsFile,
    prefix: String,
    kind: Kind,
    device: Device,
}

impl Loader<'_> {
    fn tensor(&mut self, name: &str) -> Result<Tensor, EncoderError> {
        self.file
            .load(&format!("{}{name}", self.prefix), self.kind, self.device)
    }

    /// `name.weight` / `name.bias`, or the old TensorFlow-era `gamma` / `beta`.
    fn layer_norm(&mut self, name: &str) -> Result<LayerNorm, EncoderError> {
        let gamma = format!("{}{name}.gamma", self.prefix);
        if self.file.contains(&gamma) {
            return Ok(LayerNorm {
                weight: self.tensor(&format!("{name}.gamma"))?,
                bias: self.tensor(&format!("{name}.beta"))?,
            });
        }
        Ok(LayerNorm {
            weight: self.tensor(&format!("{name}.weight"))?,
            bias: self.tensor(&format!("{name}.bias"))?,
        })
    }

    /// The word-embedding table; `compact`: in fp16 when every value fits.
    fn word_embeddings(&mut self, compact: bool) -> Result<Tensor, EncoderError> {
        const NAME: &str = "embeddings.word_embeddings.weight";
        if compact {
            let kind = self.kind;
            self.kind = Kind::Half;
            let table = self.tensor(NAME);
            self.kind = kind;
            let table = table?;
            // Values beyond fp16's range became infinite (reductions, so no table-sized temporary).
            let extreme = |t: Result<Tensor, TchError>| {
                t.and_then(|t| t.f_double_value(&[])).map_err(model_error)
            };
            let (max, min) = (extreme(table.f_max())?, extreme(table.f_min())?);
            if max.is_finite() && min.is_finite() {
                return Ok(table);
            }
        }
        self.tensor(NAME)
    }

    fn linear(&mut self, name: &str) -> Result<Linear, EncoderError> {
        Ok(Linear {
            weight: self.tensor(&format!("{name}.weight"))?,
            bias: self.tensor(&format!("{name}.bias"))?,
        })
    }
}

/// The prefix before `embeddings.word_embeddings.weight` (`""`, `bert.`, `roberta.`, …).
fn find_prefix(file: &SafetensorsFile) -> Result<String, EncoderError> {
    const ANCHOR: &str = "embeddings.word_embeddings.weight";
    let mut prefixes: Vec<&str> = file
        .names()
        .filter_map(|name| name.strip_suffix(ANCHOR))
        .filter(|prefix| prefix.is_empty() || prefix.ends_with('.'))
        .collect();
    prefixes.sort_by_key(|p| p.len());
    prefixes.first().map(|p| p.to_string()).ok_or_else(|| {
        EncoderError::Model(format!(
            "model.safetensors has no tensor '{ANCHOR}': not a BERT or XLM-R checkpoint"
        ))
    })
}

fn model_error(e: TchError) -> EncoderError {
    EncoderError::Model(e.to_string())
}

impl BertModel {
    /// Loads the weights of a BERT or XLM-R checkpoint as `kind` on `device`; with
    /// `compact_embeddings`, the word-embedding table is kept in fp16 unless a value does not fit.
    pub(crate) fn load(
        file: &mut SafetensorsFile,
        config: &TransformerConfig,
        architecture: Architecture,
        kind: Kind,
        device: Device,
        compact_embeddings: bool,
    ) -> Result<Self, EncoderError> {
        let hidden = config.hidden_size as i64;
        let heads = config.num_heads as i64;
        if heads == 0 || hidden % heads != 0 {
            return Err(EncoderError::Model(format!(
                "config.json: hidden_size {hidden} is not a multiple of num_attention_heads {heads}"
            )));
        }
        let prefix = find_prefix(file)?;
        let word_shape = file
            .shape(&format!("{prefix}embeddings.word_embeddings.weight"))
            .unwrap_or_default();
        if word_shape.len() != 2 || word_shape[1] != hidden {
            return Err(EncoderError::Model(format!(
                "model.safetensors: word embeddings of shape {word_shape:?} do not match hidden_size {hidden}"
            )));
        }
        let mut loader = Loader {
            file,
            prefix,
            kind,
            device,
        };
        let word_embeddings = loader.word_embeddings(compact_embeddings && kind == Kind::Float)?;
        let positions = loader.tensor("embeddings.position_embeddings.weight")?;
        let position_and_type = if loader.file.contains(&format!(
            "{}embeddings.token_type_embeddings.weight",
            loader.prefix
        )) {
            let types = loader.tensor("embeddings.token_type_embeddings.weight")?;
            positions
                .f_add(&types.f_narrow(0, 0, 1).map_err(model_error)?)
                .map_err(model_error)?
        } else {
            positions
        };
        let embedding_norm = loader.layer_norm("embeddings.LayerNorm")?;
        let mut layers = Vec::with_capacity(config.num_layers);
        for i in 0..config.num_layers {
            let at = |name: &str| format!("encoder.layer.{i}.{name}");
            let query = loader.linear(&at("attention.self.query"))?;
            let key = loader.linear(&at("attention.self.key"))?;
            let value = loader.linear(&at("attention.self.value"))?;
            let qkv = Linear {
                weight: Tensor::f_cat(&[&query.weight, &key.weight, &value.weight], 0)
                    .map_err(model_error)?,
                bias: Tensor::f_cat(&[&query.bias, &key.bias, &value.bias], 0)
                    .map_err(model_error)?,
            };
            layers.push(Layer {
                qkv,
                attention_out: loader.linear(&at("attention.output.dense"))?,
                attention_norm: loader.layer_norm(&at("attention.output.LayerNorm"))?,
                intermediate: loader.linear(&at("intermediate.dense"))?,
                output: loader.linear(&at("output.dense"))?,
                output_norm: loader.layer_norm(&at("output.LayerNorm"))?,
                lora: None,
            });
        }
        let max_positions = position_and_type.size()[0];
        Ok(Self {
            architecture,
            word_embeddings,
            kind,
            position_and_type,
            embedding_norm,
            layers,
            hidden,
            heads,
            eps: config.layer_norm_eps,
            position_offset: architecture.position_offset(config.pad_token_id),
            max_positions,
        })
    }

    /// The position scheme.
    pub(crate) fn architecture(&self) -> Architecture {
        self.architecture
    }

    /// Whether the word-embedding table is held in fp16 while the activations are not.
    pub(crate) fn compact_embeddings(&self) -> bool {
        self.word_embeddings.kind() != self.kind
    }

    /// Width of the hidden states.
    pub(crate) fn hidden(&self) -> i64 {
        self.hidden
    }

    /// Longest row the position table allows.
    pub(crate) fn max_tokens(&self) -> i64 {
        self.max_positions - self.position_offset
    }

    /// Hidden states of the last layer, `rows × width × hidden`.
    ///
    /// `ids` is `rows × width` (int64, on the model's device); `mask` is a boolean
    /// `rows × 1 × 1 × width` tensor, true at real tokens.
    pub(crate) fn forward(&self, ids: &Tensor, mask: &Tensor) -> Result<Tensor, TchError> {
        let (rows, width) = ids.size2()?;
        let hidden = self.hidden;
        let mut x = self
            .word_embeddings
            .f_index_select(0, &ids.f_reshape([-1])?)?
            .f_view([rows, width, hidden])?;
        if x.kind() != self.kind {
            x = x.f_to_kind(self.kind)?;
        }
        let _ = x.f_add_(
            &self
                .position_and_type
                .f_narrow(0, self.position_offset, width)?,
        )?;
        let mut x = self.layer_norm(&x, &self.embedding_norm)?;
        for layer in &self.layers {
            x = self.layer(&x, layer, mask, rows, width)?;
        }
        Ok(x)
    }

    fn layer_norm(&self, x: &Tensor, norm: &LayerNorm) -> Result<Tensor, TchError> {
        x.f_layer_norm(
            [self.hidden],
            Some(&norm.weight),
            Some(&norm.bias),
            self.eps,
            true,
        )
    }

    fn layer(
        &self,
        x: &Tensor,
        layer: &Layer,
        mask: &Tensor,
        rows: i64,
        width: i64,
    ) -> Result<Tensor, TchError> {
        let head_dim = self.hidden / self.heads;
        let lora = layer.lora.as_ref();
        // In-place updates save memory at inference; under training autograd needs the inputs
        // (GELU's backward reads its input), so the out-of-place forms are used there.
        let training = lora.is_some();
        // The blocks free each intermediate as soon as it is used, which keeps peak memory down.
        let attended = {
            let context = {
                let mut qkv = layer.qkv.forward(x)?;
                if let Some(lora) = lora {
                    qkv = qkv.f_add(&lora.qkv_delta(x)?)?;
                }
                // rows × width × (3 · heads · head_dim) → 3 × rows × heads × width × head_dim
                let qkv = qkv
                    .f_view([rows, width, 3, self.heads, head_dim])?
                    .f_permute([2, 0, 3, 1, 4])?;
                let (q, k, v) = (
                    qkv.f_select(0, 0)?,
                    qkv.f_select(0, 1)?,
                    qkv.f_select(0, 2)?,
                );
                Tensor::f_scaled_dot_product_attention(&q, &k, &v, Some(mask), 0.0, false, None)?
                    .f_transpose(1, 2)?
                    .f_reshape([rows, width, self.hidden])?
            };
            let mut projected = layer.attention_out.forward(&context)?;
            if let Some(lora) = lora {
                projected = projected.f_add(&lora.attention_out.delta(&context)?)?;
            }
            drop(context);
            let _ = projected.f_add_(x)?;
            self.layer_norm(&projected, &layer.attention_norm)?
        };
        let mut out = {
            let mut inner = layer.intermediate.forward(&attended)?;
            if let Some(lora) = lora {
                inner = inner.f_add(&lora.intermediate.delta(&attended)?)?;
            }
            if training {
                inner = inner.f_gelu("none")?;
            } else {
                let _ = inner.f_gelu_("none")?;
            }
            let mut out = layer.output.forward(&inner)?;
            if let Some(lora) = lora {
                out = out.f_add(&lora.output.delta(&inner)?)?;
            }
            out
        };
        let _ = out.f_add_(&attended)?;
        drop(attended);
        self.layer_norm(&out, &layer.output_norm)
    }
}
