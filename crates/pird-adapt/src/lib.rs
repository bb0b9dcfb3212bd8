//! Contrastive adaptation of the sentence encoder to Sorani–Arabic.
//!
//! Training moves only low-rank adapters (LoRA) on the encoder's linear maps, attached through
//! pird-embed's libtorch backend; the loss is a symmetric InfoNCE over in-batch negatives. Data
//! preparation ([`pairs`]), the loss ([`loss`]), held-out evaluation ([`heldout`]) and the training
//! loop ([`trainer`]) are separate; reading files and drawing progress are the caller's.

#![warn(missing_docs)]

pub mod heldout;
pub mod loss;
pub mod pairs;
pub mod record;
pub mod trainer;

pub use heldout::HeldOutScores;
pub use pairs::{deduplicate, Deduplicated, TrainingPair};
pub use record::{BaseModelRecord, ConfigRecord, TrainDataRecord, TrainFileRecord, TrainingRecord};
pub use trainer::{
    train, EpochReport, HeldOutSet, TrainConfig, TrainError, TrainObserver, TrainReport,
};
