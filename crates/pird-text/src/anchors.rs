//! Cross-script anchors: the numbers, months, Latin-script tokens and name skeletons that a
//! Sorani sentence and its Arabic translation have in common.
//!
//! Anchors are extracted once per sentence and compared as sets, so that comparing a sentence
//! with many candidates costs a few set intersections.
//!
//! - **Numbers** are read from the original text with every digit as ASCII. `,` `٬` (U+066C),
//!   the Arabic comma `،` written between digits (Sorani writers type `٢،٢٥٠`) and a thin space
//!   (U+2009, U+202F) group thousands when the number starts with 1–3 digits and every group has
//!   exactly 3 (`1,500` = `١٬٥٠٠` = `1500`); a plain or no-break space never groups. `.` and `٫`
//!   (U+066B) are always decimal, so `1.500` is 1.5. A `,` followed by 1 or 2 digits is a
//!   decimal comma (`6,34` = `6.34`) unless it sits in a list of numbers (`1,2,3` are three
//!   numbers). A dotted run such as `12.11.2021` gives each part. Leading zeros of the integer
//!   part and trailing zeros of the fraction are dropped; signs and `%` `٪` are not kept.
//! - **Months** are Gregorian month names (Levantine/Iraqi, Egyptian, Maghreb and Sorani
//!   spellings) as numbers 1–12. Two-word names (`كانون الأول`, `کانوونی یەکەم`) are matched
//!   as a unit and their parts give nothing. Arabic proclitics (`و ف ب ل ك`) and Sorani
//!   suffixes (`ی`, `دا`, `ەوە`, `یش`) are allowed. Names that are also ordinary words count
//!   only beside a number (an ezafe `ی` between is looked through) or after `شهر`, `مانگی`,
//!   `في`, `منذ`, `حتى`: Arabic `مارس` ("practised"), Sorani `ئازار` ("pain"), `مەی` ("wine"),
//!   `جوان` ("beautiful"), and `ماي`/`مای`, `جون`, `جوون`. `آب` counts only with its madda
//!   (`أب` is "father").
//! - **Latin** tokens are runs of Latin letters and digits, joined by `- . _ / : @ & + '`
//!   between them, lower-cased, with at least one letter and two characters.
//! - **Words** are the other Arabic-script words as a consonantal key: the skeleton of
//!   [`crate::skeleton()`] after dropping the Arabic article with its proclitics (`وال`, `بال`,
//!   `لل`…) or a conjunction `و` before at least four letters, the common Sorani suffixes and
//!   an enclitic `ش` after `ا`/`ۆ`, the Sorani `ەت` that stands for Arabic `ة` (حکومەت/حكومة),
//!   and `و`/`ی` after the first letter (Sorani writes vowels Arabic leaves out: تورکیا/تركيا).
//!   Keys shorter than three letters are left out, and so are [`STOP_KEYS`], keys of frequent
//!   Sorani and Arabic words that collide (measured on FLORES-200 dev).

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use crate::chars::{ascii_digit, is_arabic_letter, is_arabic_mark, is_format_char};
use crate::normalize::normalize_for_matching;
use crate::skeleton::fold_word;
use crate::Lang;

/// The anchors of one sentence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Anchors {
    /// Numbers in canonical form: ASCII digits, no grouping, `.` before a fraction.
    pub numbers: BTreeSet<String>,
    /// Gregorian months named in the sentence, 1–12.
    pub months: BTreeSet<u8>,
    /// Latin-script tokens, lower-cased.
    pub latin: BTreeSet<String>,
    /// Consonantal keys of the other Arabic-script words.
    pub words: BTreeSet<String>,
}

impl Anchors {
    /// Extracts the anchors of `text`, a sentence in language `lang`.
    pub fn extract(text: &str, lang: Lang) -> Self {
        let mut anchors = Anchors::default();
        extract_numbers(text, &mut anchors.numbers);
        let normalized = normalize_for_matching(text, lang);
        extract_latin(&normalized, &mut anchors.latin);
        let tokens = tokenize(&normalized);
        let used = extract_months(&normalized, &tokens, lang, &mut anchors.months);
        for (token, used) in tokens.iter().zip(used) {
            if !used && token.kind == TokenKind::Arabic {
                if let Some(key) = word_key(token.text, lang) {
                    anchors.words.insert(key);
                }
            }
        }
        anchors
    }

    /// Whether the sentence has no anchor of any kind.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of anchors of all kinds.
    pub fn len(&self) -> usize {
        self.strong_len() + self.words.len()
    }

    /// The number of strong anchors: numbers, months and Latin tokens.
    pub fn strong_len(&self) -> usize {
        self.numbers.len() + self.months.len() + self.latin.len()
    }

    /// The anchors of several sentences taken together (a run of a multi-sentence bead).
    pub fn union<'a>(parts: impl IntoIterator<Item = &'a Anchors>) -> Anchors {
        let mut all = Anchors::default();
        for part in parts {
            all.numbers.extend(part.numbers.iter().cloned());
            all.months.extend(part.months.iter().copied());
            all.latin.extend(part.latin.iter().cloned());
            all.words.extend(part.words.iter().cloned());
        }
        all
    }
}

/// How far two anchor sets agree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AnchorOverlap {
    /// Strong anchors (numbers, months, Latin tokens) found on both sides.
    pub shared_strong: usize,
    /// Strong anchors on each side.
    pub strong: (usize, usize),
    /// Word keys found on both sides.
    pub shared_words: usize,
    /// Word keys on each side.
    pub words: (usize, usize),
}

impl AnchorOverlap {
    /// Dice coefficient of the strong anchors (0 when neither side has any).
    pub fn strong_dice(&self) -> f32 {
        dice(self.shared_strong, self.strong)
    }

    /// Dice coefficient of the word keys (0 when neither side has any).
    pub fn word_dice(&self) -> f32 {
        dice(self.shared_words, self.words)
    }
}

/// Compares the anchors of two sentences.
pub fn anchor_overlap(a: &Anchors, b: &Anchors) -> AnchorOverlap {
    AnchorOverlap {
        shared_strong: a.numbers.intersection(&b.numbers).count()
            + a.months.intersection(&b.months).count()
            + a.latin.intersection(&b.latin).count(),
        strong: (a.strong_len(), b.strong_len()),
        shared_words: a.words.intersection(&b.words).count(),
        words: (a.words.len(), b.words.len()),
    }
}

fn dice(shared: usize, (a, b): (usize, usize)) -> f32 {
    if a + b == 0 {
        0.0
    } else {
        2.0 * shared as f32 / (a + b) as f32
    }
}

// ---------------------------------------------------------------------------------------------
// Numbers

/// Adds the numbers of `text` to `out` (see the module documentation for the rules).
fn extract_numbers(text: &str, out: &mut BTreeSet<String>) {
    let chars: Vec<char> = text
        .chars()
        .filter(|&c| !is_format_char(c) && c != '\u{0640}')
        .map(|c| ascii_digit(c).unwrap_or(c))
        .collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            i = read_number(&chars, i, out);
        } else {
            i += 1;
        }
    }
}

/// End of the run of ASCII digits starting at `i`.
fn digits_end(chars: &[char], mut i: usize) -> usize {
    while i < chars.len() && chars[i].is_ascii_digit() {
        i += 1;
    }
    i
}

fn digit_at(chars: &[char], i: usize) -> bool {
    chars.get(i).is_some_and(char::is_ascii_digit)
}

/// Reads the number starting at `start` into `out`; returns the offset after it.
fn read_number(chars: &[char], start: usize, out: &mut BTreeSet<String>) -> usize {
    let mut end = digits_end(chars, start);
    let mut integer: String = chars[start..end].iter().collect();
    // Thousands groups: 1–3 leading digits, then groups of exactly three.
    let mut grouped = false;
    if end - start <= 3 {
        while end < chars.len() && matches!(chars[end], ',' | '٬' | '،' | '\u{2009}' | '\u{202F}')
        {
            let group_end = digits_end(chars, end + 1);
            if group_end - (end + 1) != 3 {
                break;
            }
            integer.extend(&chars[end + 1..group_end]);
            end = group_end;
            grouped = true;
        }
    }
    let mut fraction = String::new();
    if digit_at(chars, end + 1) {
        let fraction_end = digits_end(chars, end + 1);
        match chars[end] {
            '.' if !grouped
                && chars.get(fraction_end) == Some(&'.')
                && digit_at(chars, fraction_end + 1) =>
            {
                // A dotted run such as a date (12.11.2021): every part is a number of its own.
                let mut part_start = start;
                loop {
                    let part_end = digits_end(chars, part_start);
                    out.insert(canonical(
                        &chars[part_start..part_end].iter().collect::<String>(),
                        "",
                    ));
                    if chars.get(part_end) == Some(&'.') && digit_at(chars, part_end + 1) {
                        part_start = part_end + 1;
                    } else {
                        return part_end;
                    }
                }
            }
            '.' | '٫' => {
                fraction = chars[end + 1..fraction_end].iter().collect();
                end = fraction_end;
            }
            ',' if !grouped => {
                let in_list_before =
                    start >= 2 && chars[start - 1] == ',' && digit_at(chars, start - 2);
                let in_list_after =
                    chars.get(fraction_end) == Some(&',') && digit_at(chars, fraction_end + 1);
                if fraction_end - (end + 1) <= 2 && !in_list_before && !in_list_after {
                    fraction = chars[end + 1..fraction_end].iter().collect();
                    end = fraction_end;
                }
            }
            _ => {}
        }
    }
    out.insert(canonical(&integer, &fraction));
    end
}

/// `integer[.fraction]` without leading zeros of the integer part or trailing zeros of the fraction.
fn canonical(integer: &str, fraction: &str) -> String {
    let integer = integer.trim_start_matches('0');
    let integer = if integer.is_empty() { "0" } else { integer };
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        integer.to_string()
    } else {
        format!("{integer}.{fraction}")
    }
}

// ---------------------------------------------------------------------------------------------
// Latin tokens

fn is_latin_letter(c: char) -> bool {
    c.is_ascii_alphabetic()
        || (matches!(c, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}') && c.is_alphabetic())
}

fn is_latin_alphanumeric(c: char) -> bool {
    c.is_ascii_digit() || is_latin_letter(c)
}

/// Adds the Latin-script tokens of `normalized` to `out`.
fn extract_latin(normalized: &str, out: &mut BTreeSet<String>) {
    if !normalized.chars().any(is_latin_letter) {
        return;
    }
    let chars: Vec<char> = normalized.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !is_latin_alphanumeric(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i + 1;
        loop {
            if end < chars.len() && is_latin_alphanumeric(chars[end]) {
                end += 1;
            } else if end + 1 < chars.len()
                && matches!(
                    chars[end],
                    '-' | '.' | '_' | '/' | ':' | '@' | '&' | '+' | '\''
                )
                && is_latin_alphanumeric(chars[end + 1])
            {
                end += 2;
            } else {
                break;
            }
        }
        let token = &chars[start..end];
        if token.len() >= 2 && token.iter().any(|&c| is_latin_letter(c)) {
            out.insert(token.iter().flat_map(|c| c.to_lowercase()).collect());
        }
        i = end;
    }
}

// ---------------------------------------------------------------------------------------------
// Words

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenKind {
    /// Only Arabic-script letters and marks.
    Arabic,
    /// Starts with a digit (`24`, `24ی`).
    Number,
    /// Anything else (Latin, mixed).
    Other,
}

/// A word of the normalised text: a run of letters, digits and Arabic marks.
#[derive(Debug, Clone, Copy)]
struct Token<'t> {
    text: &'t str,
    start: usize,
    end: usize,
    kind: TokenKind,
}

fn tokenize(normalized: &str) -> Vec<Token<'_>> {
    let is_word_char = |c: char| c.is_alphanumeric() || is_arabic_mark(c);
    let mut tokens = Vec::new();
    let mut start = None;
    for (b, c) in normalized
        .char_indices()
        .chain(std::iter::once((normalized.len(), ' ')))
    {
        match (is_word_char(c), start) {
            (true, None) => start = Some(b),
            (false, Some(s)) => {
                let text = &normalized[s..b];
                let kind = if text.starts_with(|c: char| c.is_ascii_digit()) {
                    TokenKind::Number
                } else if text
                    .chars()
                    .all(|c| is_arabic_letter(c) || is_arabic_mark(c))
                {
                    TokenKind::Arabic
                } else {
                    TokenKind::Other
                };
                tokens.push(Token {
                    text,
                    start: s,
                    end: b,
                    kind,
                });
                start = None;
            }
            _ => {}
        }
    }
    tokens
}

/// Sorani suffixes a word key drops, longest first.
const SORANI_WORD_SUFFIXES: &[&str] = &[
    "ەکانیان",
    "ەکانیش",
    "ەکانی",
    "ەکانە",
    "ەکان",
    "ەکەی",
    "ەکەدا",
    "ەکەش",
    "ەکە",
    "یەکان",
    "ێکی",
    "ێک",
    "یەوە",
    "ەوە",
    "یدا",
    "دا",
    "یش",
];

/// Arabic proclitics with the article, which a word key drops, longest first.
const ARABIC_ARTICLE_PREFIXES: &[&str] = &["وبال", "وكال", "وال", "فال", "بال", "كال", "ولل", "لل"];

/// Keys shared by frequent unrelated words of the two languages, e.g. ckb وڵات "country" / arb
/// ولايات "states", ckb لایەن / arb لأن, ckb لەگەڵ / arb لكل, ckb ساڵ / arb سأل, ckb ئێستا.
const STOP_KEYS: &[&str] = &[
    "ولات", "هند", "لان", "كان", "سال", "امر", "بان", "لكل", "بست", "جاز", "دبت", "بكن", "استا",
    "بدا",
];

/// The consonantal key of one Arabic-script word, when it has at least three letters.
fn word_key(word: &str, lang: Lang) -> Option<String> {
    let mut stem = word;
    match lang {
        Lang::Ckb => {
            if let Some(s) = SORANI_WORD_SUFFIXES
                .iter()
                .find_map(|suffix| stem.strip_suffix(suffix).filter(|s| s.chars().count() >= 3))
            {
                stem = s;
            }
            // The enclitic ش "also" after a vowel: ڕووسیاش.
            if let Some(s) = stem
                .strip_suffix('ش')
                .filter(|s| (s.ends_with('ا') || s.ends_with('ۆ')) && s.chars().count() >= 3)
            {
                stem = s;
            }
            // Sorani `ەت` for the Arabic feminine ending `ة`, with or without the ezafe:
            // حکومەت / حکومەتی / حكومة.
            let base = stem.strip_suffix('ی').unwrap_or(stem);
            if let Some(s) = base.strip_suffix('ت').filter(|s| s.ends_with('ە')) {
                stem = s;
            }
        }
        Lang::Arb => {
            if let Some(s) = ARABIC_ARTICLE_PREFIXES
                .iter()
                .find_map(|prefix| stem.strip_prefix(prefix).filter(|s| s.chars().count() >= 3))
            {
                stem = s;
            } else if let Some(s) = stem.strip_prefix('و').filter(|s| s.chars().count() >= 4) {
                // The conjunction: وتركيا / تورکیا. Shorter words keep a leading و (وزير).
                stem = s;
            }
        }
    }
    let folded = fold_word(stem);
    let mut key = String::with_capacity(folded.len());
    let mut last = None;
    for (i, c) in folded.chars().enumerate() {
        if i > 0 && matches!(c, 'و' | 'ي') {
            continue;
        }
        if last != Some(c) {
            key.push(c);
        }
        last = Some(c);
    }
    if key.chars().count() >= 3 && !STOP_KEYS.contains(&key.as_str()) {
        Some(key)
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------------
// Months

/// When a month name that is also an ordinary word counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Guard {
    /// Always a month.
    Never,
    /// Only beside a number or a cue in Arabic text.
    InArabic,
    /// Only beside a number or a cue in Sorani text.
    InSorani,
    /// Only beside a number or a cue in either language.
    Always,
}

impl Guard {
    fn applies(self, lang: Lang) -> bool {
        match self {
            Guard::Never => false,
            Guard::InArabic => lang == Lang::Arb,
            Guard::InSorani => lang == Lang::Ckb,
            Guard::Always => true,
        }
    }
}

/// One-word month names as written; each is folded with [`month_fold`] before use.
const MONTH_NAMES: &[(u8, &str, Guard)] = &[
    // Arabic, Levantine and Iraqi (the two-word names are in `TWO_WORD_MONTHS`).
    (2, "شباط", Guard::Never),
    (3, "آذار", Guard::Never),
    (3, "اذار", Guard::Never),
    (4, "نيسان", Guard::Never),
    (5, "أيار", Guard::Never),
    (6, "حزيران", Guard::Never),
    (7, "تموز", Guard::Never),
    (8, "آب", Guard::Never),
    (9, "أيلول", Guard::Never),
    // Arabic, Egyptian and Maghreb.
    (1, "يناير", Guard::Never),
    (1, "جانفي", Guard::Never),
    (2, "فبراير", Guard::Never),
    (2, "فيفري", Guard::Never),
    (3, "مارس", Guard::InArabic),
    (4, "أبريل", Guard::Never),
    (4, "إبريل", Guard::Never),
    (4, "أفريل", Guard::Never),
    (5, "مايو", Guard::Never),
    (5, "ماي", Guard::Always),
    (6, "يونيو", Guard::Never),
    (6, "يونيه", Guard::Never),
    (6, "جوان", Guard::Always),
    (7, "يوليو", Guard::Never),
    (7, "يوليه", Guard::Never),
    (7, "يوليوز", Guard::Never),
    (7, "جويلية", Guard::Never),
    (8, "أغسطس", Guard::Never),
    (8, "غشت", Guard::Never),
    (8, "أوت", Guard::Never),
    (9, "سبتمبر", Guard::Never),
    (9, "شتنبر", Guard::Never),
    (10, "أكتوبر", Guard::Never),
    (11, "نوفمبر", Guard::Never),
    (11, "نونبر", Guard::Never),
    (12, "ديسمبر", Guard::Never),
    (12, "دجنبر", Guard::Never),
    // Sorani, Syriac-derived names.
    (2, "شوبات", Guard::Never),
    (3, "ئازار", Guard::InSorani),
    (3, "ئادار", Guard::Never),
    (4, "نیسان", Guard::Never),
    (5, "ئایار", Guard::Never),
    (6, "حوزەیران", Guard::Never),
    (7, "تەمموز", Guard::Never),
    (7, "تەموز", Guard::Never),
    (7, "تەمووز", Guard::Never),
    (8, "ئاب", Guard::Never),
    (9, "ئەیلوول", Guard::Never),
    (9, "ئەیلول", Guard::Never),
    // Sorani spellings of the English names.
    (1, "جانیوەری", Guard::Never),
    (1, "جەنیوەری", Guard::Never),
    (2, "فێبروەری", Guard::Never),
    (2, "فێبریوەری", Guard::Never),
    (3, "مارچ", Guard::Never),
    (4, "ئەپریل", Guard::Never),
    (4, "ئەپرێل", Guard::Never),
    (5, "مەی", Guard::Always),
    (6, "جون", Guard::Always),
    (6, "جوون", Guard::Always),
    (7, "جولای", Guard::Never),
    (7, "جولایی", Guard::Never),
    (8, "ئۆگەست", Guard::Never),
    (8, "ئۆگستۆس", Guard::Never),
    (8, "ئۆگست", Guard::Never),
    (9, "سێپتەمبەر", Guard::Never),
    (9, "سەپتەمبەر", Guard::Never),
    (10, "ئۆکتۆبەر", Guard::Never),
    (11, "نۆڤەمبەر", Guard::Never),
    (11, "نۆفەمبەر", Guard::Never),
    (12, "دیسەمبەر", Guard::Never),
];

const ARABIC_FIRST: &[&str] = &["الأول", "أول"];
const ARABIC_SECOND: &[&str] = &["الثاني", "ثاني"];
const SORANI_FIRST: &[&str] = &["یەکەم"];
const SORANI_SECOND: &[&str] = &["دووەم", "دوەم", "دووهەم", "دوهەم"];

/// Two-word month names: every first word with every second word. Never guarded.
const TWO_WORD_MONTHS: &[(u8, &[&str], &[&str])] = &[
    (1, &["كانون"], ARABIC_SECOND),
    (10, &["تشرين"], ARABIC_FIRST),
    (11, &["تشرين"], ARABIC_SECOND),
    (12, &["كانون"], ARABIC_FIRST),
    (1, &["کانوونی", "کانونی"], SORANI_SECOND),
    (10, &["تشرینی", "تەشرینی"], SORANI_FIRST),
    (11, &["تشرینی", "تەشرینی"], SORANI_SECOND),
    (12, &["کانوونی", "کانونی"], SORANI_FIRST),
];

/// Words before a guarded month name that show it is one ("month", "in", "since", "until").
const MONTH_CUES: &[&str] = &["شهر", "مانگی", "مانگ", "في", "منذ", "حتى"];

/// Arabic proclitics a month name may carry, longest first.
const ARABIC_MONTH_PREFIXES: &[&str] = &["وب", "ول", "فب", "فل", "وک", "و", "ف", "ب", "ل", "ک"];

/// Sorani suffixes a month name may carry, longest first.
const SORANI_MONTH_SUFFIXES: &[&str] = &["یدا", "یەوە", "یش", "دا", "ەوە", "ی"];

/// A month name, found by its first word.
struct MonthName {
    month: u8,
    /// The folded second word of a two-word name.
    second: Option<String>,
    guard: Guard,
}

/// Month names by their folded first word, two-word names first.
fn month_table() -> &'static HashMap<String, Vec<MonthName>> {
    static TABLE: OnceLock<HashMap<String, Vec<MonthName>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let fold = |w: &str| month_fold(&normalize_for_matching(w, Lang::Arb));
        let mut table: HashMap<String, Vec<MonthName>> = HashMap::new();
        for &(month, firsts, seconds) in TWO_WORD_MONTHS {
            for first in firsts {
                for second in seconds {
                    table.entry(fold(first)).or_default().push(MonthName {
                        month,
                        second: Some(fold(second)),
                        guard: Guard::Never,
                    });
                }
            }
        }
        for &(month, name, guard) in MONTH_NAMES {
            table.entry(fold(name)).or_default().push(MonthName {
                month,
                second: None,
                guard,
            });
        }
        table
    })
}

/// The spelling month names are compared in: alef forms but `آ` as `ا`, `ك` as `ک`, `ي ى` as `ی`.
fn month_fold(word: &str) -> String {
    word.chars()
        .filter(|&c| !is_arabic_mark(c))
        .map(|c| match c {
            'أ' | 'إ' | 'ٱ' => 'ا',
            'ك' => 'ک',
            'ي' | 'ى' => 'ی',
            _ => c,
        })
        .collect()
}

/// The folded word and its forms without the clitics a month name may carry in `lang`.
fn month_forms(folded: &str, lang: Lang) -> impl Iterator<Item = &str> {
    let strip: Box<dyn Iterator<Item = &str>> = match lang {
        Lang::Arb => Box::new(
            ARABIC_MONTH_PREFIXES
                .iter()
                .filter_map(move |p| folded.strip_prefix(p)),
        ),
        Lang::Ckb => Box::new(
            SORANI_MONTH_SUFFIXES
                .iter()
                .filter_map(move |s| folded.strip_suffix(s)),
        ),
    };
    std::iter::once(folded).chain(strip.filter(|s| s.chars().count() >= 2))
}

/// Adds the months named among `tokens` to `months`; returns which tokens month names used.
fn extract_months(
    normalized: &str,
    tokens: &[Token<'_>],
    lang: Lang,
    months: &mut BTreeSet<u8>,
) -> Vec<bool> {
    let mut used = vec![false; tokens.len()];
    let table = month_table();
    let folded: Vec<String> = tokens
        .iter()
        .map(|t| {
            if t.kind == TokenKind::Arabic {
                month_fold(t.text)
            } else {
                String::new()
            }
        })
        .collect();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i].kind != TokenKind::Arabic {
            i += 1;
            continue;
        }
        let found = month_forms(&folded[i], lang).find_map(|form| {
            table.get(form)?.iter().find_map(|name| match &name.second {
                None => Some((name, i + 1)),
                Some(second) => {
                    let next = tokens.get(i + 1)?;
                    let gap = &normalized[tokens[i].end..next.start];
                    (gap.chars().all(char::is_whitespace)
                        && month_forms(&folded[i + 1], lang).any(|f| f == second))
                    .then_some((name, i + 2))
                }
            })
        });
        match found {
            Some((name, end)) => {
                if !name.guard.applies(lang) || guard_met(tokens, &folded, i, end) {
                    months.insert(name.month);
                    used[i..end].iter_mut().for_each(|u| *u = true);
                }
                i = end;
            }
            None => i += 1,
        }
    }
    used
}

/// Whether the month name in `tokens[start..end]` stands beside a number or after a cue word.
///
/// An ezafe `ی` written apart from its number (`٢٠ ی ئازار`) is looked through.
fn guard_met(tokens: &[Token<'_>], folded: &[String], start: usize, end: usize) -> bool {
    let number = |j: usize| tokens.get(j).is_some_and(|t| t.kind == TokenKind::Number);
    let mut before = start;
    if before > 0 && folded[before - 1] == "ی" {
        before -= 1;
    }
    (before > 0 && number(before - 1))
        || number(end)
        || (start > 0
            && MONTH_CUES
                .iter()
                .any(|cue| month_fold(cue) == folded[start - 1]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SentenceSegmenter;

    fn numbers(text: &str, lang: Lang) -> Vec<String> {
        Anchors::extract(text, lang).numbers.into_iter().collect()
    }

    fn months(text: &str, lang: Lang) -> Vec<u8> {
        Anchors::extract(text, lang).months.into_iter().collect()
    }

    fn key(word: &str, lang: Lang) -> Option<String> {
        word_key(&normalize_for_matching(word, lang), lang)
    }

    fn data(path: &str) -> String {
        let path = format!("{}/../../data/{path}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn digits_and_thousands_separators_across_scripts() {
        for text in [
            "١٬٥٠٠",
            "1,500",
            "1500",
            "۱٬۵۰۰",
            "١،٥٠٠",
            "1\u{2009}500",
            "1\u{202F}500",
        ] {
            assert_eq!(numbers(text, Lang::Arb), ["1500"], "{text}");
        }
        assert_eq!(numbers("5,000,000 و ٥٬٠٠٠٬٠٠٠", Lang::Arb), ["5000000"]);
        assert_eq!(numbers("2021", Lang::Arb), numbers("ساڵی ٢٠٢١", Lang::Ckb));
        assert_eq!(numbers("٢٠٢١", Lang::Ckb), ["2021"]);
        // A plain space never groups, and a group must have exactly three digits.
        assert_eq!(numbers("1 500", Lang::Arb), ["1", "500"]);
        assert_eq!(numbers("1,5000", Lang::Arb), ["1", "5000"]);
        assert_eq!(numbers("2021,500", Lang::Arb), ["2021", "500"]);
    }

    #[test]
    fn decimals_lists_dates_and_zeros() {
        for text in ["2.5", "٢٫٥", "2,5", "2.50", "۲٫۵"] {
            assert_eq!(numbers(text, Lang::Arb), ["2.5"], "{text}");
        }
        assert_eq!(numbers("6,34", Lang::Arb), numbers("6.34", Lang::Ckb));
        assert_eq!(numbers("1.500", Lang::Arb), ["1.5"]);
        assert_eq!(numbers("1,2,3", Lang::Arb), ["1", "2", "3"]);
        assert_eq!(numbers("12.11.2021", Lang::Arb), ["11", "12", "2021"]);
        assert_eq!(numbers("١٢ - ١١ - ٢٠٢١", Lang::Ckb), ["11", "12", "2021"]);
        assert_eq!(
            numbers("0230 و 2.0 و 50٪ و -3", Lang::Arb),
            ["2", "230", "3", "50"]
        );
        assert_eq!(numbers("١٬٥٠٠٫٢٥", Lang::Arb), ["1500.25"]);
        assert_eq!(numbers("نهاية الجملة 2021.", Lang::Arb), ["2021"]);
    }

    #[test]
    fn month_names_across_languages() {
        for (text, lang) in [
            ("کانوونی یەکەم", Lang::Ckb),
            ("کانونی یەکەمی ٢٠٢١", Lang::Ckb),
            ("دیسەمبەر", Lang::Ckb),
            ("ديسمبر", Lang::Arb),
            ("كانون الأول", Lang::Arb),
            ("كانون الاول", Lang::Arb),
            ("وفي كانون الأوّل", Lang::Arb),
        ] {
            assert_eq!(months(text, lang), [12], "{text}");
        }
        assert_eq!(months("كانون الثاني", Lang::Arb), [1]);
        assert_eq!(months("کانوونی دووەمدا", Lang::Ckb), [1]);
        assert_eq!(months("تشرين الأول وتشرين الثاني", Lang::Arb), [10, 11]);
        assert_eq!(months("تشرینی یەکەم و تشرینی دووهەم", Lang::Ckb), [10, 11]);
        assert_eq!(months("آذار / مارس 2020", Lang::Arb), [3]);
        assert_eq!(months("لە نیسانەوە تا ئەیلوول", Lang::Ckb), [4, 9]);
        assert_eq!(
            months("في شباط وأيار وبحزيران ولتموز", Lang::Arb),
            [2, 5, 6, 7]
        );
        assert_eq!(months("أغسطس/آب", Lang::Arb), [8]);
        assert_eq!(months("يونيه ويوليه", Lang::Arb), [6, 7]);
        // Sorani writers use ك and ي too.
        assert_eq!(months("كانووني يەكەم", Lang::Ckb), [12]);
    }

    #[test]
    fn a_day_and_a_two_word_month_give_both_and_nothing_else() {
        let anchors = Anchors::extract("24ی کانوونی یەکەم", Lang::Ckb);
        assert_eq!(anchors.numbers.iter().collect::<Vec<_>>(), ["24"]);
        assert_eq!(anchors.months.iter().collect::<Vec<_>>(), [&12]);
        assert!(anchors.words.is_empty(), "{:?}", anchors.words);
        let anchors = Anchors::extract("في كانون الأول", Lang::Arb);
        assert_eq!(anchors.months.iter().collect::<Vec<_>>(), [&12]);
        assert!(anchors.words.is_empty(), "{:?}", anchors.words);
        // The parts alone name no month.
        assert!(months("كانون", Lang::Arb).is_empty());
        assert!(months("الأول", Lang::Arb).is_empty());
        assert!(months("یەکەم", Lang::Ckb).is_empty());
    }

    #[test]
    fn ambiguous_month_names_need_a_number_or_a_cue() {
        assert!(months("مارس الضغط على الحكومة", Lang::Arb).is_empty());
        assert_eq!(months("في 20 مارس", Lang::Arb), [3]);
        assert_eq!(months("في مارس", Lang::Arb), [3]);
        assert!(months("ئازارێکی زۆری چەشت", Lang::Ckb).is_empty());
        assert!(months("ئازار و ئەشکەنجە", Lang::Ckb).is_empty());
        assert_eq!(months("لە ٢٠ ی ئازاردا", Lang::Ckb), [3]);
        assert!(months("مەی و شەراب", Lang::Ckb).is_empty());
        assert_eq!(months("٣ی مەی", Lang::Ckb), [5]);
        assert_eq!(months("مانگی جون", Lang::Ckb), [6]);
        assert!(months("کچێکی جوان", Lang::Ckb).is_empty());
        // Without its madda آب is August only when so written; أب is "father".
        assert!(months("أب وابنه", Lang::Arb).is_empty());
    }

    #[test]
    fn latin_tokens() {
        let anchors = Anchors::extract(
            "قال «ماريو دراغي» (Mario Draghi) إن UN و NATO وCOVID-19 وwww.un.org x",
            Lang::Arb,
        );
        let latin: Vec<_> = anchors.latin.iter().map(String::as_str).collect();
        assert_eq!(
            latin,
            ["covid-19", "draghi", "mario", "nato", "un", "www.un.org"]
        );
        assert!(Anchors::extract("ئەمە HIV ە.", Lang::Ckb)
            .latin
            .contains("hiv"));
    }

    #[test]
    fn names_and_loan_words_share_a_key() {
        for (ckb, arb) in [
            ("ماکرۆن", "ماكرون"),
            ("تورکیا", "تركيا"),
            ("تورکیا", "وتركيا"),
            ("رووسیا", "روسيا"),
            ("ڕووسیاش", "وروسيا"),
            ("حکومەت", "الحكومة"),
            ("حکومەتی", "بالحكومة"),
            ("پاریسی", "باريس"),
            ("قەزافی", "القذافي"),
            ("ستانفۆرد", "ستانفورد"),
            ("تەلەفزیۆنەکان", "التلفزيون"),
            ("فەرەنسا", "وفرنسا"),
        ] {
            assert_eq!(key(ckb, Lang::Ckb), key(arb, Lang::Arb), "{ckb} / {arb}");
            assert!(key(ckb, Lang::Ckb).is_some(), "{ckb}");
        }
        // Short function words and the listed collisions give no key.
        for (word, lang) in [
            ("ئەو", Lang::Ckb),
            ("أو", Lang::Arb),
            ("لەگەڵ", Lang::Ckb),
            ("لكل", Lang::Arb),
            ("كان", Lang::Arb),
            ("لایەن", Lang::Ckb),
            ("لأن", Lang::Arb),
        ] {
            assert_eq!(key(word, lang), None, "{word}");
        }
        // Numbers and month names are not words.
        let anchors = Anchors::extract("لە ٢٤ی ئایاردا ماکرۆن", Lang::Ckb);
        assert_eq!(anchors.words.iter().collect::<Vec<_>>(), ["ماكرن"]);
    }

    #[test]
    fn overlap_and_dice() {
        let ckb = Anchors::extract("ماکرۆن لە ٢٤ی کانوونی یەکەمی ٢٠٢١ گوتی UN", Lang::Ckb);
        let arb = Anchors::extract("قال ماكرون في 24 ديسمبر 2021", Lang::Arb);
        let overlap = anchor_overlap(&ckb, &arb);
        assert_eq!(overlap.shared_strong, 3);
        assert_eq!(overlap.strong, (4, 3));
        assert!((overlap.strong_dice() - 6.0 / 7.0).abs() < 1e-6);
        assert_eq!(overlap.shared_words, 1);
        assert!(overlap.word_dice() > 0.0);
        let empty = Anchors::extract("", Lang::Arb);
        assert!(empty.is_empty());
        assert_eq!(empty.len(), 0);
        let none = anchor_overlap(&empty, &empty);
        assert_eq!((none.strong_dice(), none.word_dice()), (0.0, 0.0));
        assert_eq!(ckb.len(), ckb.strong_len() + ckb.words.len());
    }

    #[test]
    fn paris_conference_election_sentences_share_day_month_and_year() {
        let ckb_text = data("seeds/paris-conference.ckb.txt");
        let arb_text = data("seeds/paris-conference.arb.txt");
        let segmenter = SentenceSegmenter::default();
        let ckb: Vec<_> = segmenter.segment(&ckb_text);
        let arb: Vec<_> = segmenter.segment(&arb_text);
        let ckb_sentence = ckb
            .iter()
            .find(|s| s.text.contains("٢٤ی کانوونی یەکەمی ٢٠٢١"))
            .expect("the Sorani joint statement");
        let ckb_anchors = Anchors::extract(ckb_sentence.text, Lang::Ckb);
        assert!(ckb_anchors.numbers.contains("24") && ckb_anchors.numbers.contains("2021"));
        assert!(ckb_anchors.months.contains(&12));
        // The Arabic sentence with most strong anchors in common is the joint statement.
        let best = arb
            .iter()
            .max_by(|a, b| {
                let score = |s: &str| {
                    anchor_overlap(&ckb_anchors, &Anchors::extract(s, Lang::Arb)).strong_dice()
                };
                score(a.text).total_cmp(&score(b.text))
            })
            .unwrap();
        assert!(best.text.contains("24 ديسمبر 2021"), "{}", best.text);
        let arb_anchors = Anchors::extract(best.text, Lang::Arb);
        let overlap = anchor_overlap(&ckb_anchors, &arb_anchors);
        assert!(overlap.shared_strong >= 3, "{overlap:?}");
        // Macron's quote: Russia and Turkey by their skeletons.
        let ckb_quote = ckb.iter().find(|s| s.text.contains("دەستبەجێ")).unwrap();
        let arb_quote = arb
            .iter()
            .find(|s| s.text.contains("سحب مرتزقتها"))
            .unwrap();
        let overlap = anchor_overlap(
            &Anchors::extract(ckb_quote.text, Lang::Ckb),
            &Anchors::extract(arb_quote.text, Lang::Arb),
        );
        assert!(overlap.shared_words >= 2, "{overlap:?}");
    }

    /// FLORES-200 dev, line-parallel ckb/arb: numbers almost always agree, months agree, and
    /// word keys score translations far above other sentences of the same documents.
    #[test]
    fn flores_dev_pairs_share_numbers_months_and_words() {
        let ckb_text = data("flores200-dev/ckb_Arab.dev");
        let arb_text = data("flores200-dev/arb_Arab.dev");
        let ckb: Vec<Anchors> = ckb_text
            .lines()
            .map(|l| Anchors::extract(l, Lang::Ckb))
            .collect();
        let arb: Vec<Anchors> = arb_text
            .lines()
            .map(|l| Anchors::extract(l, Lang::Arb))
            .collect();
        assert_eq!(ckb.len(), 997);
        assert_eq!(arb.len(), 997);
        let has_digit = |l: &str| l.chars().any(|c| ascii_digit(c).is_some());
        let (mut with_digits, mut shared_number) = (0, 0);
        for (i, (c, a)) in ckb_text.lines().zip(arb_text.lines()).enumerate() {
            if has_digit(c) && has_digit(a) {
                with_digits += 1;
                if ckb[i]
                    .numbers
                    .intersection(&arb[i].numbers)
                    .next()
                    .is_some()
                {
                    shared_number += 1;
                }
            }
        }
        let number_rate = shared_number as f64 / with_digits as f64;
        let with_months = (0..ckb.len())
            .filter(|&i| !ckb[i].months.is_empty() || !arb[i].months.is_empty())
            .count();
        let same_months = (0..ckb.len())
            .filter(|&i| !ckb[i].months.is_empty() && ckb[i].months == arb[i].months)
            .count();
        let n = ckb.len();
        let mean = |f: &dyn Fn(usize) -> f32| (0..n).map(f).sum::<f32>() / n as f32;
        let word_true = mean(&|i| anchor_overlap(&ckb[i], &arb[i]).word_dice());
        let word_next = mean(&|i| anchor_overlap(&ckb[i], &arb[(i + 1) % n]).word_dice());
        let strong_true = mean(&|i| anchor_overlap(&ckb[i], &arb[i]).strong_dice());
        let strong_next = mean(&|i| anchor_overlap(&ckb[i], &arb[(i + 1) % n]).strong_dice());
        eprintln!(
            "FLORES dev: numbers shared on {shared_number}/{with_digits} lines with digits on both sides ({number_rate:.3}); \
             months equal on {same_months}/{with_months} lines naming one; \
             mean word Dice {word_true:.3} (next line {word_next:.3}), strong Dice {strong_true:.3} (next line {strong_next:.3})"
        );
        assert!(with_digits >= 190, "{with_digits}");
        assert!(number_rate >= 0.97, "{number_rate}");
        assert!(
            same_months + 2 >= with_months,
            "{same_months}/{with_months}"
        );
        assert!(
            word_true >= 0.05 && word_next <= 0.01,
            "{word_true} {word_next}"
        );
        assert!(
            strong_true >= 0.15 && strong_next <= 0.01,
            "{strong_true} {strong_next}"
        );
    }
}
