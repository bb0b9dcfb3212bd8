//! Telling Sorani from Arabic (and from anything else) by the letters a text uses.

use crate::chars::is_arabic_letter;
use crate::Lang;

/// The evidence for a text's language and the verdict drawn from it.
#[derive(Debug, Clone, PartialEq)]
pub struct LanguageGuess {
    /// The language, or `None` when the text is neither Sorani nor Arabic (or has too few letters).
    pub lang: Option<Lang>,
    /// Letters of any script in the text.
    pub letters: usize,
    /// Share of the letters that are in Arabic script.
    pub arabic_script_share: f64,
    /// Share of the Arabic-script letters that only Sorani uses (ە ێ ۆ ڵ ڕ ڤ).
    pub kurdish_vowel_share: f64,
    /// Share of the Arabic-script letters that Sorani (and Persian) use and Arabic does not.
    pub perso_kurdish_share: f64,
    /// Share of the Arabic-script letters that only Arabic uses (ة ي ى ك أ إ ؤ ث ذ ض ظ).
    pub arabic_only_share: f64,
}

/// Fewest letters a verdict is drawn from; shorter texts get `lang: None`.
const MIN_LETTERS: usize = 8;

/// Guesses whether `text` is Sorani, Arabic or neither from the letters it uses.
///
/// Sorani writes the vowels ە ێ ۆ and the letters ڵ ڕ ڤ that Arabic lacks; Arabic uses ة, ى
/// and forms of hamza that Sorani rarely does. Sorani typed with Arabic ي/ك is still Sorani:
/// its own vowels decide. Persian and Urdu, which share ی ک گ پ چ ژ but not the Kurdish vowels,
/// come out as neither.
pub fn detect_language(text: &str) -> LanguageGuess {
    let (mut letters, mut arabic, mut kurdish_vowels, mut perso_kurdish, mut arabic_only) =
        (0usize, 0usize, 0usize, 0usize, 0usize);
    for c in text.chars() {
        if !c.is_alphabetic() {
            continue;
        }
        letters += 1;
        if !is_arabic_letter(c) {
            continue;
        }
        arabic += 1;
        match c {
            'ە' | 'ێ' | 'ۆ' | 'ڵ' | 'ڕ' | 'ڤ' => kurdish_vowels += 1,
            'ی' | 'ک' | 'گ' | 'پ' | 'چ' | 'ژ' | 'ھ' => perso_kurdish += 1,
            'ة' | 'ي' | 'ى' | 'ك' | 'أ' | 'إ' | 'ؤ' | 'ث' | 'ذ' | 'ض' | 'ظ' => {
                arabic_only += 1
            }
            _ => {}
        }
    }
    let share = |n: usize, of: usize| if of == 0 { 0.0 } else { n as f64 / of as f64 };
    let arabic_script_share = share(arabic, letters);
    let kurdish_vowel_share = share(kurdish_vowels, arabic);
    let perso_kurdish_share = share(perso_kurdish, arabic);
    let arabic_only_share = share(arabic_only, arabic);
    let lang = if letters < MIN_LETTERS || arabic_script_share < 0.5 {
        None
    } else if kurdish_vowel_share + perso_kurdish_share > arabic_only_share {
        // Sorani text has roughly one Kurdish vowel letter in six; Persian has none.
        (kurdish_vowel_share >= 0.02).then_some(Lang::Ckb)
    } else {
        Some(Lang::Arb)
    };
    LanguageGuess {
        lang,
        letters,
        arabic_script_share,
        kurdish_vowel_share,
        perso_kurdish_share,
        arabic_only_share,
    }
}

/// Letters of a text by the language of the paragraph (line) they stand in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LanguageMix {
    /// Letters in paragraphs that read as Sorani.
    pub ckb: usize,
    /// Letters in paragraphs that read as Arabic.
    pub arb: usize,
    /// Letters in paragraphs that read as neither (or are too short to tell).
    pub other: usize,
}

impl LanguageMix {
    /// Share of all letters that stand in paragraphs of `lang`.
    pub fn share(&self, lang: Lang) -> f64 {
        let total = self.ckb + self.arb + self.other;
        let part = match lang {
            Lang::Ckb => self.ckb,
            Lang::Arb => self.arb,
        };
        if total == 0 {
            0.0
        } else {
            part as f64 / total as f64
        }
    }

    /// True when at least `min_share` of the letters are in Sorani paragraphs and as many in
    /// Arabic ones: one file holding both languages.
    pub fn is_mixed(&self, min_share: f64) -> bool {
        self.share(Lang::Ckb) >= min_share && self.share(Lang::Arb) >= min_share
    }
}

/// Tells each paragraph's language with [`detect_language`] and adds up its letters, so that a
/// file mixing Sorani and Arabic paragraphs can be told from a file in one language.
pub fn language_mix(text: &str) -> LanguageMix {
    let mut mix = LanguageMix::default();
    for paragraph in text.lines() {
        let guess = detect_language(paragraph);
        match guess.lang {
            Some(Lang::Ckb) => mix.ckb += guess.letters,
            Some(Lang::Arb) => mix.arb += guess.letters,
            None => mix.other += guess.letters,
        }
    }
    mix
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixed_files_are_told_from_single_language_ones() {
        let ckb =
            "لە کۆنفرانسەکەدا جەخت لەوە کرایەوە، دەبێت هەموو هێزە بەکرێگیراوەکان ئەو وڵاتە جێبهێڵن.";
        let arb = "وقد تم تنظيم الاجتماع بالاشتراك مع فرنسا وألمانيا وإيطاليا بدعم من الأمم المتحدة.";
        let mixed = language_mix(&format!("{ckb}\n{arb}\n{ckb}"));
        assert!(mixed.is_mixed(0.2), "{mixed:?}");
        assert!((mixed.share(Lang::Ckb) - 2.0 / 3.0).abs() < 0.1);
        let sorani = language_mix(&format!("{ckb}\n{ckb}\nThe title in English"));
        assert!(!sorani.is_mixed(0.2), "{sorani:?}");
        assert_eq!(language_mix(""), LanguageMix::default());
        assert_eq!(language_mix("").share(Lang::Arb), 0.0);
    }

    #[test]
    fn tells_sorani_from_arabic() {
        let ckb =
            "لە کۆنفرانسەکەدا جەخت لەوە کرایەوە، دەبێت هەموو هێزە بەکرێگیراوەکان ئەو وڵاتە جێبهێڵن.";
        let arb = "وقد تم تنظيم الاجتماع بالاشتراك مع فرنسا وألمانيا وإيطاليا بدعم من الأمم المتحدة.";
        assert_eq!(detect_language(ckb).lang, Some(Lang::Ckb));
        assert_eq!(detect_language(arb).lang, Some(Lang::Arb));
    }

    #[test]
    fn sorani_typed_with_arabic_letters_is_still_sorani() {
        let ckb = "ئەم نيشانانه لە كەيەوە بوونيان هەيە؟ ئێمە دەمانەوێت بزانين";
        assert_eq!(detect_language(ckb).lang, Some(Lang::Ckb));
    }

    #[test]
    fn other_scripts_and_persian_are_neither() {
        assert_eq!(
            detect_language("The quick brown fox jumps over the lazy dog.").lang,
            None
        );
        assert_eq!(
            detect_language("این یک متن فارسی است که پیش از این نوشته شده").lang,
            None
        );
        assert_eq!(detect_language("١٢٣ ...").lang, None);
    }
}
