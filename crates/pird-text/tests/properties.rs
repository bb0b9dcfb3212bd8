//! Property tests: segmentation loses and duplicates nothing; normalisation is idempotent.

use pird_text::{normalize_for_matching, Lang, LineBreaks, SegmenterConfig, SentenceSegmenter};
use proptest::prelude::*;

/// Text built from the characters that matter here: Sorani and Arabic letters, digits of three
/// scripts, end marks, quotes, brackets, harakat, ZWNJ, tatweel and every kind of white space.
fn arabic_script_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select("ئابپتجچحخدرڕزژسشعغفڤقکگلڵمنوۆهەیێكيىةأإآؤءھ".chars().collect::<Vec<_>>()),
            1 => prop::sample::select("0123456789٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫٬".chars().collect::<Vec<_>>()),
            2 => prop::sample::select(".!?؟…،؛:\"'«»“”()[]-+".chars().collect::<Vec<_>>()),
            2 => prop::sample::select(" \t\n\r\u{00A0}\u{2029}".chars().collect::<Vec<_>>()),
            1 => prop::sample::select("\u{064E}\u{0650}\u{0651}\u{0670}\u{0640}\u{200C}\u{200F}\u{0654}\u{0301}USDr".chars().collect::<Vec<_>>()),
        ],
        0..200,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

fn check_spans(text: &str, config: SegmenterConfig) -> Result<(), TestCaseError> {
    let chars: Vec<char> = text.chars().collect();
    let sentences = SentenceSegmenter::new(config).segment(text);
    let mut rebuilt = String::new();
    let mut previous_end = 0;
    for sentence in &sentences {
        let span = sentence.span;
        prop_assert!(
            span.start < span.end && span.end <= chars.len(),
            "bad span {span:?}"
        );
        prop_assert!(span.start >= previous_end, "overlapping span {span:?}");
        let gap = &chars[previous_end..span.start];
        prop_assert!(
            gap.iter().all(|c| c.is_whitespace()),
            "non-space gap {gap:?}"
        );
        prop_assert!(!chars[span.start].is_whitespace() && !chars[span.end - 1].is_whitespace());
        rebuilt.extend(gap);
        prop_assert_eq!(
            chars[span.start..span.end].iter().collect::<String>(),
            sentence.text
        );
        rebuilt.push_str(sentence.text);
        previous_end = span.end;
    }
    let tail = &chars[previous_end..];
    prop_assert!(
        tail.iter().all(|c| c.is_whitespace()),
        "text left after the last sentence: {tail:?}"
    );
    rebuilt.extend(tail);
    prop_assert_eq!(rebuilt, text);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn segmentation_keeps_every_character(text in arabic_script_text()) {
        check_spans(&text, SegmenterConfig::default())?;
        check_spans(&text, SegmenterConfig { line_breaks: LineBreaks::Wrapped })?;
    }

    #[test]
    fn segmentation_keeps_every_character_of_any_text(text in any::<String>()) {
        check_spans(&text, SegmenterConfig::default())?;
    }

    #[test]
    fn normalisation_is_idempotent(text in arabic_script_text()) {
        for lang in [Lang::Ckb, Lang::Arb] {
            let once = normalize_for_matching(&text, lang);
            prop_assert_eq!(normalize_for_matching(&once, lang), once.clone(), "lang {}", lang);
        }
    }

    #[test]
    fn normalisation_of_any_text_is_idempotent(text in any::<String>()) {
        for lang in [Lang::Ckb, Lang::Arb] {
            let once = normalize_for_matching(&text, lang);
            prop_assert_eq!(normalize_for_matching(&once, lang), once.clone(), "lang {}", lang);
        }
    }
}
