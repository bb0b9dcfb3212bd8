//! Sentence segmentation for Sorani and Arabic.
//!
//! A sentence ends at `.`, `!`, `?`, `؟`, `…` or `۔` followed by white space (or by an
//! Arabic-script letter, as web text often omits the space), and at a paragraph break. A closing
//! quotation mark or bracket after the end mark stays with its sentence, even with a space
//! before it, as in `... دەبێت. "`. The comma `،` and the semicolon `؛` never end a sentence,
//! and neither do the full stops of numbers (`2.5`), list numbers, `[...]`, Latin
//! abbreviations and initials (`U.S.`, `Dr.`, `J. R. R.`) or Arabic-letter abbreviations (`د.`).
//!
//! Spans are character offsets into the original text, and only white space lies between
//! them: concatenating the sentences and the gaps gives back the input exactly.

use crate::chars::is_arabic_letter;

/// Latin abbreviations that a full stop does not end a sentence after (compared lower-case).
const LATIN_ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "etc", "inc", "ltd", "co", "corp",
    "no", "vol", "pp", "fig", "gen", "gov", "sen", "rep", "lt", "col", "capt", "mt", "ave",
    "approx", "dept", "est", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
    "nov", "dec", "ca", "cf", "al", "ed", "eds", "op", "cit",
];

/// How single line breaks are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineBreaks {
    /// Every line break ends a paragraph (one paragraph per line, the usual corpus layout).
    #[default]
    Paragraph,
    /// Only an empty line ends a paragraph; single line breaks are hard wrapping.
    Wrapped,
}

/// Settings of the [`SentenceSegmenter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SegmenterConfig {
    /// How single line breaks are read.
    pub line_breaks: LineBreaks,
}

/// One sentence: a half-open range of character (not byte) offsets into the original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentenceSpan {
    /// Offset of the first character.
    pub start: usize,
    /// Offset one past the last character.
    pub end: usize,
}

/// Splits Sorani and Arabic text into sentences.
#[derive(Debug, Clone, Default)]
pub struct SentenceSegmenter {
    config: SegmenterConfig,
}

impl SentenceSegmenter {
    /// A segmenter with the given settings.
    pub fn new(config: SegmenterConfig) -> Self {
        Self { config }
    }

    /// The sentences of `text`, in order, with their character spans.
    pub fn segment<'t>(&self, text: &'t str) -> Vec<Sentence<'t>> {
        let chars: Vec<char> = text.chars().collect();
        let spans = Scanner::new(&chars, self.config).run();
        // Spans count characters; map them to bytes once to slice the text.
        let byte_of: Vec<usize> = text
            .char_indices()
            .map(|(b, _)| b)
            .chain(std::iter::once(text.len()))
            .collect();
        spans
            .into_iter()
            .map(|span| Sentence {
                span,
                text: &text[byte_of[span.start]..byte_of[span.end]],
            })
            .collect()
    }
}

/// One sentence of a text: its span and the original characters it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sentence<'t> {
    /// Where the sentence lies in the text, in characters.
    pub span: SentenceSpan,
    /// The sentence exactly as written.
    pub text: &'t str,
}

/// One pass over a text, carrying the state that decides where sentences end.
struct Scanner<'a> {
    chars: &'a [char],
    config: SegmenterConfig,
    spans: Vec<SentenceSpan>,
    /// Start of the sentence being read, if any non-space character has been seen.
    start: Option<usize>,
    /// Offset one past the last non-space character of the sentence being read.
    last_content: usize,
    /// Whether an ASCII `"` is open in the current paragraph (quotes alternate open/close).
    quote_open: bool,
}

impl<'a> Scanner<'a> {
    fn new(chars: &'a [char], config: SegmenterConfig) -> Self {
        Self {
            chars,
            config,
            spans: Vec::new(),
            start: None,
            last_content: 0,
            quote_open: false,
        }
    }

    fn run(mut self) -> Vec<SentenceSpan> {
        let mut i = 0;
        while i < self.chars.len() {
            let c = self.chars[i];
            if is_line_break(c) {
                i = self.line_break(i);
                continue;
            }
            if c.is_whitespace() {
                i += 1;
                continue;
            }
            self.start.get_or_insert(i);
            match c {
                '"' => self.quote_open = !self.quote_open,
                // Writers mix straight and curly quotes: `"...”` closes like `"..."`.
                '”' | '»' => self.quote_open = false,
                _ => {}
            }
            self.last_content = i + 1;
            i = if is_end_mark(c) {
                self.end_mark(i)
            } else {
                i + 1
            };
        }
        self.close();
        self.spans
    }

    /// Handles the line break at `i`; returns the offset after the run of white space it starts.
    fn line_break(&mut self, i: usize) -> usize {
        let mut j = i;
        let mut newlines = 0;
        while j < self.chars.len() && self.chars[j].is_whitespace() {
            // "\r\n" is one break; a lone "\r" counts as one too.
            if is_line_break(self.chars[j])
                && !(self.chars[j] == '\r' && self.chars.get(j + 1) == Some(&'\n'))
            {
                newlines += 1;
            }
            j += 1;
        }
        if newlines >= 2 || self.config.line_breaks == LineBreaks::Paragraph {
            self.close();
            self.quote_open = false;
        }
        j
    }

    /// Handles the end mark at `i`; returns the offset to continue scanning from.
    fn end_mark(&mut self, i: usize) -> usize {
        let n = self.chars.len();
        let mut j = i + 1;
        while j < n && is_end_mark(self.chars[j]) {
            j += 1;
        }
        self.last_content = j;
        if self.is_not_an_end(i, j) {
            return j;
        }
        let end = self.absorb_closers(j);
        let boundary = match self.chars.get(end) {
            None => true,
            Some(&next) if next.is_whitespace() => true,
            // "جديد.وقال": a missing space between two Arabic-script words.
            Some(&next) => is_arabic_letter(next) && i > 0 && is_arabic_letter(self.chars[i - 1]),
        };
        if boundary {
            self.last_content = end;
            self.close();
        }
        end
    }

    /// Whether the end marks in `i..j` belong to a number, an ellipsis in brackets or an abbreviation.
    fn is_not_an_end(&self, i: usize, j: usize) -> bool {
        if i > 0 && matches!(self.chars[i - 1], '[' | '(') {
            return true;
        }
        if j - i > 1 || self.chars[i] != '.' {
            return false;
        }
        if self
            .chars
            .get(j)
            .is_some_and(|c| c.is_ascii_digit() || is_digit(*c))
        {
            return true;
        }
        let word_start = (0..i)
            .rev()
            .find(|&k| self.chars[k].is_whitespace())
            .map_or(0, |k| k + 1);
        let word: String = self.chars[word_start..i]
            .iter()
            .skip_while(|c| !c.is_alphanumeric())
            .collect();
        if word.is_empty() {
            return false;
        }
        let first_in_paragraph = self.start == Some(word_start);
        if first_in_paragraph && word.chars().all(is_digit) {
            return true; // a list number: "1. ..."
        }
        let letters: Vec<char> = word.chars().filter(|c| *c != '.').collect();
        if letters.len() == 1 && (letters[0].is_ascii_alphabetic() || is_arabic_letter(letters[0]))
        {
            return true; // an initial or a one-letter abbreviation: "J.", "د."
        }
        let latin_with_dots = word.chars().all(|c| c.is_ascii_alphabetic() || c == '.');
        latin_with_dots
            && (word.contains('.')
                || LATIN_ABBREVIATIONS.contains(&word.to_ascii_lowercase().as_str()))
    }

    /// Extends a sentence over the closing quotes and brackets that follow its end mark at `j`.
    fn absorb_closers(&mut self, mut j: usize) -> usize {
        let n = self.chars.len();
        loop {
            match self.chars.get(j) {
                Some('"') if self.quote_open => {
                    self.quote_open = false;
                    j += 1;
                }
                Some(&c) if is_closer(c) => j += 1,
                Some(&c) if c.is_whitespace() && !is_line_break(c) => {
                    // `... دەبێت. "` — a closing quote after a space; an opening one would be
                    // followed by its first word instead of a space.
                    let k = (j..n)
                        .find(|&k| !self.chars[k].is_whitespace() || is_line_break(self.chars[k]));
                    let Some(k) = k else { return j };
                    let closes = match self.chars[k] {
                        '"' => self.quote_open,
                        c => matches!(c, '»' | '”'),
                    };
                    let then_space = self.chars.get(k + 1).is_none_or(|c| c.is_whitespace());
                    if !(closes && then_space) {
                        return j;
                    }
                    if self.chars[k] == '"' {
                        self.quote_open = false;
                    }
                    j = k + 1;
                }
                _ => return j,
            }
        }
    }

    /// Ends the sentence being read, if any, at the last non-space character.
    fn close(&mut self) {
        if let Some(start) = self.start.take() {
            self.spans.push(SentenceSpan {
                start,
                end: self.last_content,
            });
        }
    }
}

fn is_end_mark(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '؟' | '…' | '۔' | '‼' | '⁇' | '⁈' | '⁉')
}

fn is_closer(c: char) -> bool {
    matches!(c, '»' | '”' | '’' | '›' | ')' | ']' | '}' | '\'')
}

fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0085}' | '\u{2028}' | '\u{2029}' | '\u{000B}' | '\u{000C}'
    )
}

fn is_digit(c: char) -> bool {
    crate::chars::ascii_digit(c).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<&str> {
        SentenceSegmenter::default()
            .segment(text)
            .into_iter()
            .map(|s| s.text)
            .collect()
    }

    #[test]
    fn splits_at_end_marks_and_keeps_arabic_commas() {
        assert_eq!(
            split("لاڤرۆڤ دەڵێت، گرنگە.   ماکرۆن گوت؛ لیبیا لە دووڕیانیدایە! ئایا؟"),
            vec![
                "لاڤرۆڤ دەڵێت، گرنگە.",
                "ماکرۆن گوت؛ لیبیا لە دووڕیانیدایە!",
                "ئایا؟"
            ]
        );
    }

    #[test]
    fn closing_quote_after_a_space_stays_with_its_sentence() {
        let text = "هۆشداریش دەدات کە \"ئەگەر تێکبدرێت، شەڕ زیاد دەبێت. \"  یەکێکی دیکە لەوە بوو.";
        assert_eq!(
            split(text),
            vec![
                "هۆشداریش دەدات کە \"ئەگەر تێکبدرێت، شەڕ زیاد دەبێت. \"",
                "یەکێکی دیکە لەوە بوو."
            ]
        );
    }

    #[test]
    fn an_opening_quote_after_an_end_starts_the_next_sentence() {
        assert_eq!(
            split("گوتی. \"ئێمە دەڕۆین.\" ئینجا ڕۆیشت."),
            vec!["گوتی.", "\"ئێمە دەڕۆین.\"", "ئینجا ڕۆیشت."]
        );
        assert_eq!(split("قال: «نعم.» ثم ذهب."), vec!["قال: «نعم.»", "ثم ذهب."]);
    }

    #[test]
    fn numbers_dates_and_ellipses_in_brackets_do_not_split() {
        assert_eq!(
            split("نسبة 2.5 في الساعة 9:30 و 5 + 5 اليوم."),
            vec!["نسبة 2.5 في الساعة 9:30 و 5 + 5 اليوم."]
        );
        assert_eq!(
            split("رۆژی ١٢ - ١١ - ٢٠٢١ بوو."),
            vec!["رۆژی ١٢ - ١١ - ٢٠٢١ بوو."]
        );
        assert_eq!(
            split("بموافقة الجميع [...] ليس غداً."),
            vec!["بموافقة الجميع [...] ليس غداً."]
        );
    }

    #[test]
    fn abbreviations_and_initials_do_not_split() {
        assert_eq!(
            split("زار U.S. وقال Dr. Smith ذلك."),
            vec!["زار U.S. وقال Dr. Smith ذلك."]
        );
        assert_eq!(
            split("کتێبی J. R. R. Tolkien خوێندەوە."),
            vec!["کتێبی J. R. R. Tolkien خوێندەوە."]
        );
        assert_eq!(split("قال د. محمد ذلك."), vec!["قال د. محمد ذلك."]);
        assert_eq!(split("1. السطر الأول"), vec!["1. السطر الأول"]);
    }

    #[test]
    fn a_latin_word_or_number_can_end_a_sentence() {
        assert_eq!(
            split("قال (Mario Draghi). ثم ذهب."),
            vec!["قال (Mario Draghi).", "ثم ذهب."]
        );
        assert_eq!(split("لە ساڵی ٢٠١١. ئینجا"), vec!["لە ساڵی ٢٠١١.", "ئینجا"]);
    }

    #[test]
    fn a_missing_space_between_arabic_words_still_splits() {
        assert_eq!(
            split("انتهى الاجتماع.وقال الرئيس"),
            vec!["انتهى الاجتماع.", "وقال الرئيس"]
        );
        assert_eq!(
            split("see example.com today"),
            vec!["see example.com today"]
        );
    }

    #[test]
    fn paragraph_breaks_end_sentences() {
        assert_eq!(
            split("یەکەم\nدووەم\r\n\r\nسێیەم"),
            vec!["یەکەم", "دووەم", "سێیەم"]
        );
        let wrapped = SentenceSegmenter::new(SegmenterConfig {
            line_breaks: LineBreaks::Wrapped,
        });
        let texts: Vec<&str> = wrapped
            .segment("یەکەم\nدووەم\n\nسێیەم")
            .iter()
            .map(|s| s.text)
            .collect();
        assert_eq!(texts, vec!["یەکەم\nدووەم", "سێیەم"]);
    }

    #[test]
    fn empty_and_blank_text_have_no_sentences() {
        assert!(split("").is_empty());
        assert!(split(" \n\t ").is_empty());
    }

    #[test]
    fn offsets_are_characters_not_bytes() {
        let spans: Vec<SentenceSpan> = SentenceSegmenter::default()
            .segment("ئا. ب")
            .iter()
            .map(|s| s.span)
            .collect();
        assert_eq!(
            spans,
            vec![
                SentenceSpan { start: 0, end: 3 },
                SentenceSpan { start: 4, end: 5 }
            ]
        );
    }
}
