//! Text processing for Sorani (Central Kurdish, `ckb`) and Arabic (`arb`).
//!
//! Everything here works on the original text and never rewrites it: normalised and skeleton
//! forms are derived strings used for matching, and sentence spans are character offsets into
//! the original, so that no character is lost.

mod anchors;
mod chars;
mod detect;
mod lang;
mod normalize;
mod segment;
mod skeleton;

pub use anchors::{anchor_overlap, AnchorOverlap, Anchors};
pub use detect::{detect_language, language_mix, LanguageGuess, LanguageMix};
pub use lang::{Lang, ParseLangError};
pub use normalize::{normalize_for_matching, without_vocalisation};
pub use segment::{LineBreaks, SegmenterConfig, Sentence, SentenceSegmenter, SentenceSpan};
pub use skeleton::{skeleton, skeleton_similarity};
