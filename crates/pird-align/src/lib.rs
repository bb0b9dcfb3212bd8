//! Sentence and document alignment over sentence embeddings.
//!
//! As in Vecalign, scoring, search and candidates are kept apart: [`similarity`] and [`margin`]
//! score pairs, [`overlap`] makes the multi-sentence candidates, [`bead_cost`] prices a bead and
//! [`bead_search`] finds the cheapest monotone path for translations; [`mining`] finds the
//! shared sentences of comparable documents; [`pair_aligner`] runs either on one document pair,
//! and is the only path from two documents' vectors to scored beads.

#![warn(missing_docs)]

pub mod anchor_score;
pub mod bead_cost;
pub mod bead_search;
pub mod calibration;
pub mod docalign;
pub mod margin;
pub mod mining;
pub mod overlap;
pub mod pair_aligner;
pub mod pair_score;
pub mod similarity;
pub mod two_step;

pub use anchor_score::{AnchorEvidence, AnchorScorer};
pub use bead_cost::CostConfig;
pub use bead_search::{align_parallel, Bead, ParallelConfig, ScoredBead};
pub use calibration::{
    reliability_bins, Calibration, CalibrationError, CandidateEvidence, DocumentWeights, MinedCase,
    PairFeatures, ReliabilityBin, CALIBRATION_FILE,
};
pub use docalign::{
    document_vectors, document_vectors_around, document_vectors_with, match_documents,
    most_similar_other, most_similar_other_documents, DocPair,
};
pub use margin::{margin_matrix, ratio_margin, MarginScorer, DEFAULT_K, RETRIEVAL_K};
pub use mining::{aligned_neighbours, mine_comparable, mine_with_scorer, MinedPair, MiningConfig};
pub use overlap::{overlap_spans, OverlapError, Overlaps};
pub use pair_aligner::{
    bead_shapes, AlignedBead, MinedCandidate, PairAligner, PairError, PairMode, PairSide,
    ParallelStrategy,
};
pub use pair_score::{centre_pair, mean_row, Background, CentredSide, NeighbourSearch, PairScorer};
pub use similarity::{
    centre, cosine_matrix, nearest_neighbours, nearest_neighbours_near_diagonal, normalize_rows,
    Neighbours,
};
