//! Moses-style parallel text: two line-aligned plain-text files, line i of one translating line i
//! of the other (`OUT.ckb`, `OUT.ar`), the input of most MT training pipelines.

use super::{ExportPair, PairWriter};
use std::borrow::Cow;
use std::io::Write;

/// Writes each pair as one line in each of two files.
pub struct MosesWriter<S: Write, T: Write> {
    source: S,
    target: T,
}

impl<S: Write, T: Write> MosesWriter<S, T> {
    /// Writes to the source-language and target-language files.
    pub fn new(source: S, target: T) -> Self {
        Self { source, target }
    }
}

impl<S: Write, T: Write> PairWriter for MosesWriter<S, T> {
    fn write_pair(&mut self, pair: &ExportPair<'_>) -> std::io::Result<()> {
        writeln!(self.source, "{}", one_line(pair.src_text))?;
        writeln!(self.target, "{}", one_line(pair.tgt_text))?;
        Ok(())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.source.flush()?;
        self.target.flush()?;
        Ok(())
    }
}

/// `text` as one line with no tab: every line or paragraph break and every tab becomes a space
/// (Moses tools split on both), and the ends are trimmed.
pub fn one_line(text: &str) -> Cow<'_, str> {
    let breaks = |c: char| {
        matches!(
            c,
            '\t' | '\n' | '\r' | '\u{B}' | '\u{C}' | '\u{85}' | '\u{2028}' | '\u{2029}'
        )
    };
    let trimmed = text.trim();
    if trimmed.contains(breaks) {
        Cow::Owned(trimmed.replace(breaks, " "))
    } else {
        Cow::Borrowed(trimmed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pird_eval::Bead;

    #[test]
    fn every_pair_is_one_line_in_each_file() {
        let (mut source, mut target) = (Vec::new(), Vec::new());
        let mut writer = MosesWriter::new(&mut source, &mut target);
        let bead = Bead::new([0, 1], [0]);
        for (src, tgt) in [("یەک\nدوو\tسێ", " واحد\r\n"), ("چوار\u{2028}پێنج", "خمسة")]
        {
            writer
                .write_pair(&ExportPair {
                    src_doc: "a",
                    tgt_doc: "b",
                    bead: &bead,
                    src_text: src,
                    tgt_text: tgt,
                    score: None,
                })
                .unwrap();
        }
        writer.finish().unwrap();
        assert_eq!(
            String::from_utf8(source).unwrap(),
            "یەک دوو سێ\nچوار پێنج\n"
        );
        assert_eq!(String::from_utf8(target).unwrap(), "واحد\nخمسة\n");
        assert!(matches!(one_line("ok"), Cow::Borrowed("ok")));
    }
}
