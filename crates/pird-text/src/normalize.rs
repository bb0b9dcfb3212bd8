//! Normalisation for matching: one spelling for the many ways Sorani and Arabic are typed.
//!
//! The result is only ever compared, never shown: callers keep the original text beside it.

use crate::chars::{
    ascii_digit, is_arabic_letter, is_arabic_mark, is_format_char, is_vocalisation,
};
use crate::Lang;
use std::borrow::Cow;
use unicode_normalization::UnicodeNormalization;

const ZWNJ: char = '\u{200C}';
const ARABIC_HEH: char = '\u{0647}';
const SORANI_AE: char = '\u{06D5}';

/// Returns the form of `text` used for matching in language `lang`.
///
/// For both languages: Unicode NFC; tatweel, harakat and invisible formatting characters removed;
/// Arabic-Indic and Extended Arabic-Indic digits as ASCII; the Arabic decimal and thousands
/// separators as `.` and `,`; every double quotation mark as `"` and single one as `'`.
/// For Sorani also: legacy `ه` + ZWNJ and word-final `ه` as `ە`, Arabic `ك` as `ک`, Arabic
/// `ي`/`ى` as `ی`, and `ھ` as `ه`. Arabic keeps its own letters. The function is idempotent.
pub fn normalize_for_matching(text: &str, lang: Lang) -> String {
    let composed: Vec<char> = text.nfc().collect();
    let mut out: Vec<char> = Vec::with_capacity(composed.len());
    let mut i = 0;
    while i < composed.len() {
        let c = composed[i];
        i += 1;
        if lang == Lang::Ckb && c == ARABIC_HEH && composed.get(i) == Some(&ZWNJ) {
            out.push(SORANI_AE);
            i += 1;
            continue;
        }
        if is_vocalisation(c) || is_format_char(c) {
            continue;
        }
        out.push(map_common(c).unwrap_or_else(|| match lang {
            Lang::Ckb => map_sorani_letter(c),
            Lang::Arb => c,
        }));
    }
    if lang == Lang::Ckb {
        mark_word_final_heh(&mut out);
    }
    out.into_iter().collect::<String>().nfc().collect()
}

/// Returns `text` without Arabic vowel signs (harakat, dagger alef) and tatweel: the form pird
/// gives the encoder, for both languages.
///
/// Fully vocalised Arabic (the Van Dyck Bible, Quranic or didactic text) is otherwise split by the
/// XLM-R tokenizer into fragments the model barely recognises. Measured with centred-margin P@1 on
/// the held-out Gospel of John (879 verses, vocalised Arabic): base model 0.638/0.694 →
/// 0.927/0.943 (ckb→arb / arb→ckb); FLORES and TICO-19, nearly unvocalised, move by less than
/// 0.005. Nothing else changes: letters, digits and spacing are the model's business.
pub fn without_vocalisation(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_vocalisation) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().filter(|&c| !is_vocalisation(c)).collect())
}

/// Digits, separators and quotation marks, identical for both languages.
fn map_common(c: char) -> Option<char> {
    if let Some(d) = ascii_digit(c) {
        return Some(d);
    }
    match c {
        '\u{066B}' => Some('.'),
        '\u{066C}' => Some(','),
        '«' | '»' | '“' | '”' | '„' | '‟' | '″' | '〝' | '〞' | '＂' => Some('"'),
        '‘' | '’' | '‚' | '‛' | '′' => Some('\''),
        _ => None,
    }
}

/// Arabic letter forms that Sorani writers type for Sorani letters.
fn map_sorani_letter(c: char) -> char {
    match c {
        '\u{0643}' => '\u{06A9}',              // ك → ک
        '\u{064A}' | '\u{0649}' => '\u{06CC}', // ي ى → ی
        '\u{06BE}' => ARABIC_HEH,              // ھ → ه
        _ => c,
    }
}

/// In Sorani a word-final `ه` is almost always the vowel `ە` typed on a keyboard without it.
///
/// Marks are part of the word around them: a `ه` carrying a mark (such as hamza above) is left
/// alone, and a letter before the `ه` may carry marks.
fn mark_word_final_heh(chars: &mut [char]) {
    for i in 0..chars.len() {
        if chars[i] != ARABIC_HEH {
            continue;
        }
        let next = chars.get(i + 1).copied();
        let final_position = next.is_none_or(|c| !is_arabic_letter(c) && !is_arabic_mark(c));
        let previous = chars[..i].iter().rev().find(|c| !is_arabic_mark(**c));
        if final_position && previous.is_some_and(|&c| is_arabic_letter(c)) {
            chars[i] = SORANI_AE;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorani_variants_become_standard_letters() {
        // Legacy heh + ZWNJ, Arabic kaf and yeh, word-final heh.
        assert_eq!(
            normalize_for_matching("به\u{200C}ڕێوه\u{200C}چوو", Lang::Ckb),
            "بەڕێوەچوو"
        );
        assert_eq!(normalize_for_matching("كوردي", Lang::Ckb), "کوردی");
        assert_eq!(normalize_for_matching("نیشانانه", Lang::Ckb), "نیشانانە");
        assert_eq!(normalize_for_matching("ھەولێر", Lang::Ckb), "هەولێر");
        // A heh inside a word is a consonant and stays.
        assert_eq!(normalize_for_matching("هەیە", Lang::Ckb), "هەیە");
    }

    #[test]
    fn arabic_keeps_its_letters_but_loses_harakat_and_tatweel() {
        assert_eq!(normalize_for_matching("كِتَـــابٌ", Lang::Arb), "كتاب");
        assert_eq!(
            normalize_for_matching("مدينة كبيرة", Lang::Arb),
            "مدينة كبيرة"
        );
        assert_eq!(normalize_for_matching("على", Lang::Arb), "على");
    }

    #[test]
    fn vocalisation_is_removed_and_nothing_else() {
        assert_eq!(
            without_vocalisation("فِي الْبَدْءِ كَانَ الْكَلِمَةُ"),
            "في البدء كان الكلمة"
        );
        assert_eq!(without_vocalisation("أيضاً هـذا"), "أيضا هذا");
        // Hamza forms, Sorani letters, ZWNJ and digits are not vocalisation.
        let kept = "أؤئ ڕێ ە\u{200C} ١٢";
        assert!(matches!(without_vocalisation(kept), Cow::Borrowed(t) if t == kept));
    }

    #[test]
    fn digits_separators_and_quotes_are_unified() {
        assert_eq!(
            normalize_for_matching("١٢ - ١١ - ٢٠٢١", Lang::Ckb),
            "12 - 11 - 2021"
        );
        assert_eq!(
            normalize_for_matching("۳٫۵ و ١٬٠٠٠", Lang::Arb),
            "3.5 و 1,000"
        );
        assert_eq!(
            normalize_for_matching("«كامالا» “x”", Lang::Arb),
            "\"كامالا\" \"x\""
        );
    }

    #[test]
    fn nfc_composes_decomposed_hamza() {
        // alef + combining hamza above composes to alef with hamza above.
        assert_eq!(
            normalize_for_matching("\u{0627}\u{0654}", Lang::Arb),
            "\u{0623}"
        );
    }
}
