//! Where each E5S1 tensor goes in a Hugging Face `BertModel` checkpoint, and with what shape.
//!
//! E5S1 records flat element counts under short names (`emb.word`, `l3.fi.w`, …); shapes
//! follow from the header. Linear weights are `[out, in]` in both formats (`e5.c` computes
//! `x · Wᵀ`, as `torch.nn.Linear` does), so no transposition is needed.
//!
//! The pooler: E5S1 has none, and e5 embeddings are mean-pooled. The layout still adds
//! `pooler.dense.weight` and `pooler.dense.bias` filled with zeros, because rust-bert's
//! `BertForSentenceEmbeddings` always builds a pooler and refuses a checkpoint without its
//! tensors, and transformers would otherwise initialise it at random with a warning. Zeros
//! make the (unused) pooler output exactly zero, so accidental use of it shows at once instead
//! of yielding plausible-looking vectors.

use std::path::PathBuf;

use super::e5s1::{E5s1File, E5s1Header, TensorDtype};
use super::q4_0;

/// Where the values of a checkpoint tensor come from.
#[derive(Debug, Clone, PartialEq)]
pub enum TensorSource {
    /// The E5S1 tensor of this name, dequantised to f32.
    E5s1(String),
    /// Zeros: the tensor is not in the source file (the pooler).
    Zeros,
}

/// One tensor of the Hugging Face checkpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct BertTensor {
    /// Hugging Face `BertModel` name, e.g. `encoder.layer.0.attention.self.query.weight`.
    pub hf_name: String,
    /// Shape in the checkpoint.
    pub shape: Vec<usize>,
    /// Where the values come from.
    pub source: TensorSource,
}

impl BertTensor {
    /// Number of values.
    pub fn elements(&self) -> usize {
        self.shape.iter().product()
    }
}

/// A tensor of the source file that does not fit the BERT layout.
#[derive(Debug, thiserror::Error)]
#[error("{}: tensor {name}{}: {problem}", path.display(), at.map(|o| format!(" (directory entry at byte {o})")).unwrap_or_default())]
pub struct LayoutError {
    /// The source file.
    pub path: PathBuf,
    /// The E5S1 tensor name.
    pub name: String,
    /// Offset of its directory entry, when it has one.
    pub at: Option<u64>,
    /// What is wrong.
    pub problem: String,
}

/// The full list of checkpoint tensors for a model of the header's dimensions.
#[derive(Debug, Clone, PartialEq)]
pub struct BertLayout {
    /// Tensors in checkpoint order: embeddings, layers, pooler.
    pub tensors: Vec<BertTensor>,
}

impl BertLayout {
    /// Lays out a BERT encoder of the header's dimensions.
    pub fn for_header(header: &E5s1Header) -> Self {
        let h = header.hidden_size;
        let ff = header.intermediate_size;
        let mut tensors = Vec::new();
        let mut push = |hf_name: String, shape: Vec<usize>, source: TensorSource| {
            tensors.push(BertTensor {
                hf_name,
                shape,
                source,
            })
        };
        let from = |name: &str| TensorSource::E5s1(name.to_string());

        let emb = "embeddings";
        push(
            format!("{emb}.word_embeddings.weight"),
            vec![header.vocab_size, h],
            from("emb.word"),
        );
        push(
            format!("{emb}.position_embeddings.weight"),
            vec![header.max_positions, h],
            from("emb.pos"),
        );
        push(
            format!("{emb}.token_type_embeddings.weight"),
            vec![header.type_vocab_size, h],
            from("emb.type"),
        );
        push(format!("{emb}.LayerNorm.weight"), vec![h], from("emb.ln.w"));
        push(format!("{emb}.LayerNorm.bias"), vec![h], from("emb.ln.b"));

        for l in 0..header.num_layers {
            let hf = format!("encoder.layer.{l}");
            // (E5S1 suffix, Hugging Face module, output width, input width); `None` = layer norm.
            let modules: [(&str, &str, usize, Option<usize>); 7] = [
                ("q", "attention.self.query", h, Some(h)),
                ("k", "attention.self.key", h, Some(h)),
                ("v", "attention.self.value", h, Some(h)),
                ("ao", "attention.output.dense", h, Some(h)),
                ("aln", "attention.output.LayerNorm", h, None),
                ("fi", "intermediate.dense", ff, Some(h)),
                ("fo", "output.dense", h, Some(ff)),
            ];
            for (short, module, out, input) in modules {
                let weight_shape = match input {
                    Some(input) => vec![out, input],
                    None => vec![out],
                };
                push(
                    format!("{hf}.{module}.weight"),
                    weight_shape,
                    from(&format!("l{l}.{short}.w")),
                );
                push(
                    format!("{hf}.{module}.bias"),
                    vec![out],
                    from(&format!("l{l}.{short}.b")),
                );
            }
            push(
                format!("{hf}.output.LayerNorm.weight"),
                vec![h],
                from(&format!("l{l}.oln.w")),
            );
            push(
                format!("{hf}.output.LayerNorm.bias"),
                vec![h],
                from(&format!("l{l}.oln.b")),
            );
        }

        push(
            "pooler.dense.weight".to_string(),
            vec![h, h],
            TensorSource::Zeros,
        );
        push(
            "pooler.dense.bias".to_string(),
            vec![h],
            TensorSource::Zeros,
        );
        Self { tensors }
    }

    /// Checks that the file holds exactly the tensors of this layout, each of the right size.
    pub fn check(&self, file: &E5s1File) -> Result<(), LayoutError> {
        let error = |name: &str, at: Option<usize>, problem: String| LayoutError {
            path: file.path().to_path_buf(),
            name: name.to_string(),
            at: at.map(|o| o as u64),
            problem,
        };
        for tensor in &self.tensors {
            let TensorSource::E5s1(name) = &tensor.source else {
                continue;
            };
            let entry = file.tensor(name).ok_or_else(|| {
                error(
                    name,
                    None,
                    format!("is missing; it should hold {}", tensor.hf_name),
                )
            })?;
            if entry.elements != tensor.elements() {
                return Err(error(
                    name,
                    Some(entry.entry_offset),
                    format!(
                        "holds {} values, but {} of shape {:?} needs {}",
                        entry.elements,
                        tensor.hf_name,
                        tensor.shape,
                        tensor.elements()
                    ),
                ));
            }
            let row = *tensor.shape.last().expect("shapes are never empty");
            if entry.dtype == TensorDtype::Q4_0 && row % q4_0::BLOCK_WEIGHTS != 0 {
                return Err(error(
                    name,
                    Some(entry.entry_offset),
                    format!("is Q4_0 with rows of {row} weights, which do not fill whole blocks"),
                ));
            }
        }
        for entry in &file.tensors {
            let known = self
                .tensors
                .iter()
                .any(|t| matches!(&t.source, TensorSource::E5s1(n) if *n == entry.name));
            if !known {
                return Err(error(
                    &entry.name,
                    Some(entry.entry_offset),
                    "is not part of the BERT layout this importer knows; refusing to drop it silently"
                        .to_string(),
                ));
            }
        }
        Ok(())
    }

    /// Total number of values in the checkpoint.
    pub fn parameter_count(&self) -> usize {
        self.tensors.iter().map(BertTensor::elements).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e5_small_header() -> E5s1Header {
        E5s1Header {
            version: 1,
            hidden_size: 384,
            num_layers: 12,
            num_heads: 12,
            intermediate_size: 1536,
            vocab_size: 250_037,
            max_positions: 512,
            type_vocab_size: 2,
            layer_norm_eps: 1e-12,
            block_size: 32,
        }
    }

    #[test]
    fn e5_small_has_197_source_tensors_and_a_zero_pooler() {
        let layout = BertLayout::for_header(&e5_small_header());
        let from_file = layout
            .tensors
            .iter()
            .filter(|t| matches!(t.source, TensorSource::E5s1(_)))
            .count();
        assert_eq!(from_file, 197);
        assert_eq!(layout.tensors.len(), 199);
        let names: Vec<&str> = layout.tensors.iter().map(|t| t.hf_name.as_str()).collect();
        assert!(names.contains(&"encoder.layer.11.attention.self.query.weight"));
        assert!(names.contains(&"encoder.layer.0.output.LayerNorm.bias"));
        let ffn_in = layout
            .tensors
            .iter()
            .find(|t| t.hf_name == "encoder.layer.3.intermediate.dense.weight")
            .unwrap();
        assert_eq!(ffn_in.shape, vec![1536, 384]);
        assert_eq!(ffn_in.source, TensorSource::E5s1("l3.fi.w".to_string()));
        // multilingual-e5-small has 117,653,760 parameters, pooler included.
        assert_eq!(layout.parameter_count(), 117_653_760);
    }
}
