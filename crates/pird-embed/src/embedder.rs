//! Sentences in, vectors out: deduplication, cache, tokenisation, length-sorted batches, encoder.

use crate::batching::{plan_batches, BatchLimits};
use crate::cache::{CacheError, EmbeddingCache};
use crate::encoder::{Encoder, EncoderError, TokenBatch};
use crate::tokenize::{SentenceTokenizer, TokenizeError};
use ndarray::Array2;
use std::collections::HashMap;

/// Why sentences could not be embedded.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// Tokenisation failed.
    #[error(transparent)]
    Tokenize(#[from] TokenizeError),
    /// The encoder failed.
    #[error(transparent)]
    Encoder(#[from] EncoderError),
    /// The cache could not be read or written.
    #[error(transparent)]
    Cache(#[from] CacheError),
}

/// What one call of [`Embedder::embed`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EmbedStats {
    /// Sentences asked for.
    pub sentences: usize,
    /// Distinct texts among them.
    pub unique: usize,
    /// Distinct texts found in the cache.
    pub cached: usize,
    /// Distinct texts run through the encoder.
    pub encoded: usize,
    /// Encoded texts cut at the model's maximum length.
    pub truncated: usize,
    /// Tokens run through the encoder, padding excluded.
    pub tokens: usize,
    /// Tokens run through the encoder, padding included.
    pub padded_tokens: usize,
}

/// Embeds sentences with one model: each distinct text once, cached vectors reused.
pub struct Embedder {
    tokenizer: SentenceTokenizer,
    encoder: Box<dyn Encoder>,
    limits: BatchLimits,
    cache: Option<EmbeddingCache>,
}

impl Embedder {
    /// An embedder over `encoder`, tokenising with `tokenizer` and batching within `limits`.
    pub fn new(
        tokenizer: SentenceTokenizer,
        encoder: Box<dyn Encoder>,
        limits: BatchLimits,
    ) -> Self {
        Self {
            tokenizer,
            encoder,
            limits,
            cache: None,
        }
    }

    /// Reads and writes vectors through `cache`.
    pub fn with_cache(mut self, cache: EmbeddingCache) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Dimension of the vectors.
    pub fn dim(&self) -> usize {
        self.encoder.dim()
    }

    /// Where the encoder runs.
    pub fn device(&self) -> String {
        self.encoder.device()
    }

    /// Embeds `sentences`; row i of the result is the L2-normalised vector of sentence i.
    ///
    /// `progress` is called with the number of sentences finished after each batch (cached
    /// ones count at once).
    pub fn embed(
        &mut self,
        sentences: &[&str],
        progress: &mut dyn FnMut(usize),
    ) -> Result<(Array2<f32>, EmbedStats), EmbedError> {
        let dim = self.encoder.dim();
        // Texts are told apart (and cached) by the tokenizer's normal form: two texts that differ
        // only where the model cannot see it share one vector.
        let normal: Vec<std::borrow::Cow<'_, str>> = sentences
            .iter()
            .map(|text| self.tokenizer.normal_form(text))
            .collect::<Result<_, _>>()?;
        let mut unique: Vec<&str> = Vec::new();
        let mut slot_of_text: HashMap<&str, usize> = HashMap::new();
        let slots: Vec<usize> = normal
            .iter()
            .map(|text| {
                *slot_of_text.entry(text).or_insert_with(|| {
                    unique.push(text);
                    unique.len() - 1
                })
            })
            .collect();
        let mut vectors = Array2::<f32>::zeros((unique.len(), dim));
        let mut stats = EmbedStats {
            sentences: sentences.len(),
            unique: unique.len(),
            ..EmbedStats::default()
        };
        let sentences_in_slot = {
            let mut counts = vec![0usize; unique.len()];
            slots.iter().for_each(|&s| counts[s] += 1);
            counts
        };

        let mut missing: Vec<usize> = Vec::new();
        match &self.cache {
            Some(cache) => {
                for (slot, found) in cache.get_many(&unique, dim)?.into_iter().enumerate() {
                    match found {
                        Some(vector) => {
                            vectors
                                .row_mut(slot)
                                .assign(&ndarray::ArrayView1::from(&vector));
                            stats.cached += 1;
                        }
                        None => missing.push(slot),
                    }
                }
            }
            None => missing = (0..unique.len()).collect(),
        }
        progress(sentences.len() - missing.iter().map(|&s| sentences_in_slot[s]).sum::<usize>());

        let texts: Vec<&str> = missing.iter().map(|&slot| unique[slot]).collect();
        let tokenized = self.tokenizer.encode(&texts)?;
        stats.truncated = tokenized.truncated;
        stats.encoded = texts.len();
        let lengths: Vec<usize> = tokenized.ids.iter().map(Vec::len).collect();
        for batch in plan_batches(&lengths, self.limits) {
            let rows: Vec<&[u32]> = batch.iter().map(|&i| tokenized.ids[i].as_slice()).collect();
            let tokens = TokenBatch::from_rows(&rows, self.tokenizer.pad_id());
            stats.tokens += tokens.lengths.iter().sum::<usize>();
            stats.padded_tokens += tokens.ids.len();
            let embedded = self.encoder.embed(&tokens)?;
            for (row, &i) in batch.iter().enumerate() {
                vectors.row_mut(missing[i]).assign(&embedded.row(row));
            }
            if let Some(cache) = &self.cache {
                let batch_texts: Vec<&str> = batch.iter().map(|&i| texts[i]).collect();
                let rows: Vec<&[f32]> = (0..batch.len())
                    .map(|r| embedded.row(r).to_slice().expect("rows are contiguous"))
                    .collect();
                cache.put_many(&batch_texts, &rows)?;
            }
            progress(batch.iter().map(|&i| sentences_in_slot[missing[i]]).sum());
        }

        let mut out = Array2::<f32>::zeros((sentences.len(), dim));
        for (row, &slot) in slots.iter().enumerate() {
            out.row_mut(row).assign(&vectors.row(slot));
        }
        Ok((out, stats))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use tokenizers::Tokenizer;

    /// A word-level tokenizer over a five-word vocabulary.
    fn toy_tokenizer() -> SentenceTokenizer {
        let json = r#"{"version":"1.0","truncation":null,"padding":null,"added_tokens":[],"normalizer":null,
            "pre_tokenizer":{"type":"WhitespaceSplit"},"post_processor":null,"decoder":null,
            "model":{"type":"WordLevel","vocab":{"<unk>":0,"<pad>":1,"a":2,"b":3,"c":4},"unk_token":"<unk>"}}"#;
        SentenceTokenizer::from_tokenizer(Tokenizer::from_str(json).unwrap(), "", 1)
    }

    /// Embeds a row as the unit vector along (token count, sum of ids); counts rows it is given.
    struct CountingEncoder(Arc<AtomicUsize>);

    impl Encoder for CountingEncoder {
        fn embed(&mut self, batch: &TokenBatch) -> Result<Array2<f32>, EncoderError> {
            self.0.fetch_add(batch.rows(), Ordering::SeqCst);
            let mut out = Array2::zeros((batch.rows(), 2));
            for (r, &len) in batch.lengths.iter().enumerate() {
                let row = &batch.ids[r * batch.width..r * batch.width + len];
                let (x, y) = (len as f32, row.iter().sum::<i64>() as f32);
                let norm = (x * x + y * y).sqrt();
                out[[r, 0]] = x / norm;
                out[[r, 1]] = y / norm;
            }
            Ok(out)
        }
        fn dim(&self) -> usize {
            2
        }
        fn device(&self) -> String {
            "test".into()
        }
    }

    fn embedder(calls: &Arc<AtomicUsize>) -> Embedder {
        Embedder::new(
            toy_tokenizer(),
            Box::new(CountingEncoder(calls.clone())),
            BatchLimits {
                token_budget: 4,
                max_rows: 8,
            },
        )
    }

    #[test]
    fn vectors_come_back_in_input_order_and_duplicates_are_embedded_once() {
        let calls = Arc::new(AtomicUsize::new(0));
        let mut done = 0;
        let texts = ["a b c", "a", "b b", "a", "c c c c c"];
        let (vectors, stats) = embedder(&calls).embed(&texts, &mut |n| done += n).unwrap();
        assert_eq!(done, 5);
        assert_eq!(calls.load(Ordering::SeqCst), 4);
        assert_eq!(
            (stats.unique, stats.encoded, stats.cached, stats.tokens),
            (4, 4, 0, 11)
        );
        let expected = |len: f32, sum: f32| {
            let n = (len * len + sum * sum).sqrt();
            [len / n, sum / n]
        };
        assert_eq!(vectors.row(0).to_vec(), expected(3.0, 9.0));
        assert_eq!(vectors.row(1).to_vec(), expected(1.0, 2.0));
        assert_eq!(vectors.row(3).to_vec(), expected(1.0, 2.0));
        assert_eq!(vectors.row(4).to_vec(), expected(5.0, 20.0));
    }

    #[test]
    fn texts_the_tokenizer_normalises_alike_share_one_vector() {
        let json = r#"{"version":"1.0","truncation":null,"padding":null,"added_tokens":[],
            "normalizer":{"type":"Lowercase"},
            "pre_tokenizer":{"type":"WhitespaceSplit"},"post_processor":null,"decoder":null,
            "model":{"type":"WordLevel","vocab":{"<unk>":0,"<pad>":1,"a":2,"b":3,"c":4},"unk_token":"<unk>"}}"#;
        let tokenizer =
            SentenceTokenizer::from_tokenizer(Tokenizer::from_str(json).unwrap(), "", 1);
        assert_eq!(tokenizer.normal_form("A b").unwrap(), "a b");
        assert!(matches!(
            tokenizer.normal_form("a b").unwrap(),
            std::borrow::Cow::Borrowed(_)
        ));
        let calls = Arc::new(AtomicUsize::new(0));
        let mut embedder = Embedder::new(
            tokenizer,
            Box::new(CountingEncoder(calls.clone())),
            BatchLimits::default(),
        );
        let (vectors, stats) = embedder
            .embed(&["A b", "a b", "a B", "c"], &mut |_| {})
            .unwrap();
        assert_eq!((stats.unique, stats.encoded), (2, 2));
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert_eq!(vectors.row(0), vectors.row(2));
        assert_ne!(vectors.row(0), vectors.row(3));
    }

    #[test]
    fn a_second_run_reads_the_cache_and_encodes_only_new_texts() {
        let dir = tempfile::tempdir().unwrap();
        let calls = Arc::new(AtomicUsize::new(0));
        let cache_path = dir.path().join("cache.redb");
        let (first, _) = embedder(&calls)
            .with_cache(EmbeddingCache::open(&cache_path, "toy").unwrap())
            .embed(&["a b", "c"], &mut |_| {})
            .unwrap();
        assert_eq!(calls.swap(0, Ordering::SeqCst), 2);
        let mut done = Vec::new();
        let (second, stats) = embedder(&calls)
            .with_cache(EmbeddingCache::open(&cache_path, "toy").unwrap())
            .embed(&["c", "b b", "a b"], &mut |n| done.push(n))
            .unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!((stats.cached, stats.encoded), (2, 1));
        assert_eq!(done, vec![2, 1]);
        assert_eq!(second.row(0), first.row(1));
        assert_eq!(second.row(2), first.row(0));
    }
}
