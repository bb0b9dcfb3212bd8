//! The cross-script skeleton: one consonantal spelling for a word written in Sorani or Arabic.
//!
//! Sorani writes its vowels (`ە`, `ێ`, `ۆ`) and has letters Arabic lacks (`ڵ`, `ڕ`, `ڤ`, `گ`,
//! `پ`, `چ`, `ژ`); Arabic leaves short vowels out and has emphatic consonants that Sorani
//! writers spell with plain ones. A name such as حەفتەر/حفتر or ماکرۆن/ماكرون therefore differs
//! letter by letter across the two languages. The skeleton folds every such pair onto one
//! letter, drops the short vowel `ە`/`ة`, the Arabic article `ال` and doubled letters, so that
//! the two spellings compare equal or close.

use crate::chars::is_arabic_letter;
use crate::normalize::normalize_for_matching;
use crate::Lang;

/// Returns the skeleton of `text`: its words folded onto one spelling, separated by single spaces.
///
/// Words are runs of letters and digits; punctuation is dropped. Latin letters are lower-cased.
pub fn skeleton(text: &str) -> String {
    // Arabic normalisation removes harakat, tatweel and formatting and unifies digits without
    // changing letters; the folding below handles both languages' letters alike.
    let normalized = normalize_for_matching(text, Lang::Arb);
    let mut words: Vec<String> = Vec::new();
    for word in normalized.split(|c: char| !c.is_alphanumeric()) {
        let folded = fold_word(word);
        if !folded.is_empty() {
            words.push(folded);
        }
    }
    words.join(" ")
}

/// Similarity in [0, 1] of the skeletons of two texts (normalised Levenshtein distance).
pub fn skeleton_similarity(a: &str, b: &str) -> f64 {
    strsim::normalized_levenshtein(&skeleton(a), &skeleton(b))
}

/// Folds one word onto its skeleton.
pub(crate) fn fold_word(word: &str) -> String {
    let mut letters: Vec<char> = word.chars().filter_map(fold_letter).collect();
    // The Arabic article is written, the Sorani word has none: الجزائر / جەزائیر.
    if letters.len() >= 4 && letters[0] == 'ا' && letters[1] == 'ل' && is_arabic_letter(letters[2])
    {
        letters.drain(..2);
    }
    letters.dedup();
    letters.into_iter().collect()
}

/// The skeleton letter of one character, or `None` when the skeleton drops it.
fn fold_letter(c: char) -> Option<char> {
    let folded = match c {
        // Short vowel and feminine ending: written in Sorani, absent or `ة` in Arabic.
        'ە' | 'ة' => return None,
        'ێ' | 'ی' | 'ي' | 'ى' => 'ي',
        'ۆ' | 'و' | 'ؤ' => 'و',
        'ڵ' | 'ل' => 'ل',
        'ڕ' | 'ر' => 'ر',
        'ڤ' | 'ف' => 'ف',
        'گ' | 'ک' | 'ك' => 'ك',
        'ئ' | 'أ' | 'إ' | 'آ' | 'ٱ' | 'ء' | 'ا' => 'ا',
        'ھ' | 'ه' | 'ۀ' => 'ه',
        'پ' | 'ب' => 'ب',
        'چ' | 'ج' => 'ج',
        'ژ' | 'ز' | 'ذ' | 'ظ' => 'ز',
        'ط' | 'ت' => 'ت',
        'ص' | 'س' | 'ث' => 'س',
        'ض' | 'د' => 'د',
        _ if c.is_alphanumeric() => return c.to_lowercase().next(),
        _ => return None,
    };
    Some(folded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_across_scripts_share_a_skeleton() {
        assert_eq!(skeleton("حەفتەر"), skeleton("حفتر"));
        assert_eq!(skeleton("ماکرۆن"), skeleton("ماكرون"));
        assert_eq!(skeleton("لیبیا"), skeleton("ليبيا"));
        assert_eq!(skeleton("ڕووسیا"), skeleton("روسيا"));
        assert_eq!(skeleton("پاریس"), skeleton("باريس"));
        assert_eq!(skeleton("ئیتاڵیا"), skeleton("إيطاليا"));
        assert_eq!(skeleton("هاریس"), skeleton("هاريس"));
    }

    #[test]
    fn close_spellings_score_high_and_unrelated_words_low() {
        assert!(skeleton_similarity("قەزافی", "القذافي") > 0.7);
        assert!(skeleton_similarity("کوردستان", "كردستان") > 0.8);
        assert!(skeleton_similarity("جەزائیر", "الجزائر") > 0.7);
        assert!(skeleton_similarity("ماکرۆن", "دراغي") < 0.4);
    }

    #[test]
    fn digits_latin_and_punctuation() {
        assert_eq!(skeleton("COVID-19، ٢٠٢١"), "covid 19 2021");
        assert_eq!(skeleton("  «»  "), "");
    }
}
