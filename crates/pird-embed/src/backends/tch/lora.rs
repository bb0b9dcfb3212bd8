//! Low-rank adapters (LoRA, Hu et al. 2021) on the encoder's linear maps, for training.
//!
//! Each adapted map `W` (`out × in`) gains `scale · B · A` with `A` (`rank × in`) and `B`
//! (`out × rank`), `scale = alpha / rank`. `B` starts at zero, so an adapter starts as the identity
//! and training moves only `A` and `B`; the model's own weights stay frozen. The tensors are
//! variables of a caller's `tch::nn::VarStore`, so any tch optimiser trains them.
//!
//! The six maps of every layer are adapted, named as in Hugging Face checkpoints (and PEFT
//! adapters): `attention.self.{query,key,value}`, `attention.output.dense`, `intermediate.dense`
//! and `output.dense`.

use tch::{nn, TchError, Tensor};

/// The adapted maps of one layer, relative to `encoder.layer.N.`, in [`LayerLora`]'s order.
pub const ADAPTED_MODULES: [&str; 6] = [
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
];

/// Shape of the adapters: rank and scale numerator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoraConfig {
    /// Rank of `A` and `B`.
    pub rank: i64,
    /// `alpha / rank` scales the update (PEFT's `lora_alpha`).
    pub alpha: f64,
}

impl LoraConfig {
    /// The factor applied to `B · A`.
    pub fn scale(&self) -> f64 {
        self.alpha / self.rank as f64
    }
}

/// One adapted linear map's update.
pub(crate) struct LoraDelta {
    /// `rank × in`.
    pub(crate) a: Tensor,
    /// `out × rank`.
    pub(crate) b: Tensor,
    scale: f64,
}

impl LoraDelta {
    /// `scale · x Aᵀ Bᵀ`: what the adapter adds to the map's output for input `x`.
    pub(crate) fn delta(&self, x: &Tensor) -> Result<Tensor, TchError> {
        x.f_linear::<&Tensor>(&self.a, None)?
            .f_linear::<&Tensor>(&self.b, None)?
            .f_mul_scalar(self.scale)
    }
}

/// The adapters of one layer.
pub(crate) struct LayerLora {
    pub(crate) query: LoraDelta,
    pub(crate) key: LoraDelta,
    pub(crate) value: LoraDelta,
    pub(crate) attention_out: LoraDelta,
    pub(crate) intermediate: LoraDelta,
    pub(crate) output: LoraDelta,
}

impl LayerLora {
    /// New variables under `path` for maps of the given `(in, out)` shapes, in
    /// [`ADAPTED_MODULES`] order: `A` uniform in ±1/√in (PEFT's Kaiming default), `B` zero.
    pub(crate) fn new(path: &nn::Path, shapes: [(i64, i64); 6], config: LoraConfig) -> Self {
        let make = |slot: usize| {
            let (fan_in, fan_out) = shapes[slot];
            let bound = 1.0 / (fan_in as f64).sqrt();
            LoraDelta {
                a: path.var(
                    &format!("m{slot}_a"),
                    &[config.rank, fan_in],
                    nn::Init::Uniform {
                        lo: -bound,
                        up: bound,
                    },
                ),
                b: path.var(
                    &format!("m{slot}_b"),
                    &[fan_out, config.rank],
                    nn::Init::Const(0.0),
                ),
                scale: config.scale(),
            }
        };
        Self {
            query: make(0),
            key: make(1),
            value: make(2),
            attention_out: make(3),
            intermediate: make(4),
            output: make(5),
        }
    }

    /// The updates of the fused query-key-value projection, concatenated like its output.
    pub(crate) fn qkv_delta(&self, x: &Tensor) -> Result<Tensor, TchError> {
        Tensor::f_cat(
            &[
                self.query.delta(x)?,
                self.key.delta(x)?,
                self.value.delta(x)?,
            ],
            -1,
        )
    }

    /// The six updates in [`ADAPTED_MODULES`] order.
    pub(crate) fn deltas(&self) -> [&LoraDelta; 6] {
        [
            &self.query,
            &self.key,
            &self.value,
            &self.attention_out,
            &self.intermediate,
            &self.output,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{fixture, import_e5s1, MergeAdapter};
    use crate::{Encoder, ModelDir, TchBert, TchOptions, TokenBatch};
    use tch::{Device, Kind};

    /// What training ends with is what inference gets: an adapter attached in libtorch and the
    /// same adapter merged into the weights by the importer embed alike.
    #[test]
    fn a_merged_adapter_embeds_as_the_attached_one() {
        let tmp = tempfile::tempdir().unwrap();
        let source = tmp.path().join("tiny.bin");
        std::fs::write(&source, fixture::e5s1_bytes()).unwrap();
        let base = tmp.path().join("base");
        import_e5s1(&source, &base, None).unwrap();
        let options = TchOptions {
            compact_embeddings: false,
            ..TchOptions::default()
        };
        let mut encoder = TchBert::load_with(&ModelDir::open(&base).unwrap(), options).unwrap();
        let batch = TokenBatch::from_rows(&[&[0, 5, 6, 7, 2], &[0, 10, 11, 2]], 1);
        let plain = encoder.embed(&batch).unwrap();

        tch::manual_seed(3);
        let store = nn::VarStore::new(Device::Cpu);
        let config = LoraConfig {
            rank: 2,
            alpha: 4.0,
        };
        encoder.attach_lora(&store.root(), config).unwrap();
        // B starts at zero, so a fresh adapter changes nothing.
        assert_eq!(encoder.embed(&batch).unwrap(), plain);
        tch::no_grad(|| {
            for (name, mut var) in store.variables() {
                if name.ends_with("_b") {
                    var.copy_(&(Tensor::randn(var.size(), (Kind::Float, Device::Cpu)) * 0.2));
                }
            }
        });
        let attached = encoder.embed(&batch).unwrap();
        let change: f32 = (&attached - &plain).iter().map(|d| d.abs()).sum();
        assert!(change > 1e-3, "the adapter changes the vectors ({change})");

        let adapter = encoder.lora_adapter("tiny").unwrap().unwrap();
        assert_eq!(adapter.modules.len(), ADAPTED_MODULES.len(), "one layer");
        let weights = adapter.weights_bytes().unwrap();
        let merge =
            MergeAdapter::from_bytes("tiny", &weights, adapter.config_json().as_bytes()).unwrap();
        let merged_dir = tmp.path().join("merged");
        import_e5s1(&source, &merged_dir, Some(&merge)).unwrap();
        let mut merged =
            TchBert::load_with(&ModelDir::open(&merged_dir).unwrap(), options).unwrap();
        let from_merged = merged.embed(&batch).unwrap();
        for (a, b) in attached.outer_iter().zip(from_merged.outer_iter()) {
            let cosine = a.dot(&b);
            // fp16 storage of A and B is the only difference.
            assert!(cosine > 0.9999, "cosine {cosine}");
        }
    }
}
