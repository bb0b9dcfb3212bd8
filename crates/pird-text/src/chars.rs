//! Character classes of the Arabic script shared by normalisation, segmentation and detection.

/// Whether `c` is a letter of the Arabic script (any Arabic block), excluding digits and marks.
pub(crate) fn is_arabic_letter(c: char) -> bool {
    matches!(c, '\u{0620}'..='\u{064A}' | '\u{066E}'..='\u{066F}' | '\u{0671}'..='\u{06D3}' | '\u{06D5}'
        | '\u{06EE}'..='\u{06EF}' | '\u{06FA}'..='\u{06FC}' | '\u{06FF}' | '\u{0750}'..='\u{077F}'
        | '\u{08A0}'..='\u{08C9}' | '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}')
        && c != '\u{0640}'
        && c != '\u{FEFF}'
}

/// Whether `c` is an Arabic vowel sign or other mark that matching ignores (harakat, U+0670).
pub(crate) fn is_harakah(c: char) -> bool {
    matches!(c, '\u{064B}'..='\u{0652}' | '\u{0670}')
}

/// Whether `c` is vocalisation: a harakah (or U+0670) or tatweel, which only spell out or stretch.
pub(crate) fn is_vocalisation(c: char) -> bool {
    c == '\u{0640}' || is_harakah(c)
}

/// Whether `c` is a combining mark of the Arabic script (harakat, hamza above/below, Quranic marks).
pub(crate) fn is_arabic_mark(c: char) -> bool {
    matches!(c, '\u{0610}'..='\u{061A}' | '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06DC}'
        | '\u{06DF}'..='\u{06E4}' | '\u{06E7}'..='\u{06E8}' | '\u{06EA}'..='\u{06ED}')
}

/// Whether `c` is an invisible formatting character that matching ignores.
pub(crate) fn is_format_char(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{061C}' | '\u{FEFF}' | '\u{00AD}' | '\u{2066}'..='\u{2069}' | '\u{202A}'..='\u{202E}'
    )
}

/// The ASCII digit for an ASCII, Arabic-Indic or Extended Arabic-Indic digit.
pub(crate) fn ascii_digit(c: char) -> Option<char> {
    let value = match c {
        '0'..='9' => return Some(c),
        '\u{0660}'..='\u{0669}' => c as u32 - 0x0660,
        '\u{06F0}'..='\u{06F9}' => c as u32 - 0x06F0,
        _ => return None,
    };
    char::from_digit(value, 10)
}
