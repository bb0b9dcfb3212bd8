//! TMX 1.4b translation memories for CAT tools (OmegaT, Trados, memoQ), written and read back.
//!
//! One `<tu>` per pair, with `<prop>`s of pird's own (`x-pird-…`: score, bead type and, with
//! `--keep-doc-ids`, documents and sentence ids) and one `<tuv xml:lang=…><seg>` per side. Text
//! is escaped by quick-xml (and carriage returns as `&#13;`, which XML parsers would otherwise
//! fold); characters XML 1.0 cannot carry at all (C0 controls other than tab and line breaks,
//! U+FFFE, U+FFFF) are dropped. Right-to-left text and bidi marks are written as they are.

use super::{ExportOptions, ExportPair, PairWriter};
use crate::alignments::ReadAlignments;
use crate::columns::{format_id_list, parse_id_list};
use crate::{Error, Result};
use pird_eval::Bead;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::Path;

const SCORE: &str = "x-pird-score";
const BEAD: &str = "x-pird-bead";
const SRC_DOC: &str = "x-pird-src-doc";
const TGT_DOC: &str = "x-pird-tgt-doc";
const SRC_IDS: &str = "x-pird-src-ids";
const TGT_IDS: &str = "x-pird-tgt-ids";
const METHOD: &str = "x-pird-method";
const MODEL: &str = "x-pird-model";

/// Writes a TMX document, one `<tu>` per pair.
pub struct TmxWriter<W: Write> {
    xml: Writer<W>,
    options: ExportOptions,
    units: u64,
}

impl<W: Write> TmxWriter<W> {
    /// Writes the prologue and the `<header>`.
    pub fn new(out: W, options: ExportOptions) -> std::io::Result<Self> {
        let mut xml = Writer::new_with_indent(out, b' ', 2);
        xml.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        xml.write_event(Event::DocType(BytesText::from_escaped(
            "tmx SYSTEM \"tmx14.dtd\"",
        )))?;
        xml.write_event(Event::Start(
            BytesStart::new("tmx").with_attributes([("version", "1.4")]),
        ))?;
        xml.create_element("header")
            .with_attributes([
                ("creationtool", "pird"),
                ("creationtoolversion", env!("CARGO_PKG_VERSION")),
                ("datatype", "plaintext"),
                ("segtype", "sentence"),
                ("adminlang", "en"),
                ("srclang", options.src_lang.as_str()),
                ("o-tmf", "pird alignments"),
            ])
            .write_inner_content(|xml| {
                prop(xml, METHOD, &options.method)?;
                prop(xml, MODEL, &options.model)
            })?;
        xml.write_event(Event::Start(BytesStart::new("body")))?;
        Ok(Self {
            xml,
            options,
            units: 0,
        })
    }
}

fn prop<W: Write>(xml: &mut Writer<W>, kind: &str, value: &str) -> std::io::Result<()> {
    xml.create_element("prop")
        .with_attribute(("type", kind))
        .write_text_content(BytesText::from_escaped(escaped(value)))?;
    Ok(())
}

fn tuv<W: Write>(xml: &mut Writer<W>, lang: &str, text: &str) -> std::io::Result<()> {
    xml.create_element("tuv")
        .with_attribute(("xml:lang", lang))
        .write_inner_content(|xml| {
            xml.create_element("seg")
                .write_text_content(BytesText::from_escaped(escaped(text)))?;
            Ok(())
        })?;
    Ok(())
}

impl<W: Write> PairWriter for TmxWriter<W> {
    fn write_pair(&mut self, pair: &ExportPair<'_>) -> std::io::Result<()> {
        self.units += 1;
        let options = &self.options;
        let tuid = self.units.to_string();
        self.xml
            .create_element("tu")
            .with_attribute(("tuid", tuid.as_str()))
            .write_inner_content(|xml| {
                if let Some(score) = pair.score {
                    prop(xml, SCORE, &score.to_string())?;
                }
                prop(xml, BEAD, &pair.bead.kind())?;
                if options.keep_doc_ids {
                    prop(xml, SRC_DOC, pair.src_doc)?;
                    prop(xml, TGT_DOC, pair.tgt_doc)?;
                    prop(xml, SRC_IDS, &format_id_list(pair.bead.src()))?;
                    prop(xml, TGT_IDS, &format_id_list(pair.bead.tgt()))?;
                }
                tuv(xml, &options.src_lang, pair.src_text)?;
                tuv(xml, &options.tgt_lang, pair.tgt_text)
            })?;
        Ok(())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.xml.write_event(Event::End(BytesEnd::new("body")))?;
        self.xml.write_event(Event::End(BytesEnd::new("tmx")))?;
        self.xml.get_mut().write_all(b"\n")?;
        self.xml.get_mut().flush()?;
        Ok(())
    }
}

/// `text` as XML character data: markup characters escaped by quick-xml, carriage returns as
/// `&#13;` (a parser would turn a literal CR LF into LF), and the characters XML 1.0 does not
/// allow anywhere dropped.
fn escaped(text: &str) -> String {
    quick_xml::escape::escape(xml_chars(text)).replace('\r', "&#13;")
}

/// `text` without the characters XML 1.0 does not allow anywhere.
fn xml_chars(text: &str) -> Cow<'_, str> {
    let allowed = |c: char| !matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}');
    if text.chars().all(allowed) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|&c| allowed(c)).collect())
    }
}

/// One `<tu>` as read: its props and its segments by language.
#[derive(Default)]
struct Unit {
    props: HashMap<String, String>,
    segments: Vec<(String, String)>,
}

/// Reads a TMX file written by `pird export --keep-doc-ids` back into pairs with their ids.
pub fn read(path: &Path) -> Result<ReadAlignments> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, "cannot open", e))?;
    read_from(std::io::BufReader::new(file), path)
}

/// Where the reader is: the header's source language, the unit being read, and the prop or
/// segment whose text is being gathered.
#[derive(Default)]
struct ReadState {
    pairs: ReadAlignments,
    src_lang: Option<String>,
    header_props: HashMap<String, String>,
    unit: Option<Unit>,
    open_prop: Option<String>,
    open_tuv: Option<String>,
    text: Option<String>,
}

impl ReadState {
    fn open(&mut self, element: &BytesStart<'_>, at: &str) -> Result<()> {
        let xml = |source: quick_xml::Error| Error::Xml {
            at: at.to_string(),
            source,
        };
        let attribute = |name: &str| -> Result<Option<String>> {
            Ok(
                match element.try_get_attribute(name).map_err(|e| xml(e.into()))? {
                    Some(a) => Some(a.unescape_value().map_err(xml)?.into_owned()),
                    None => None,
                },
            )
        };
        match element.name().as_ref() {
            b"header" => self.src_lang = attribute("srclang")?,
            b"tu" => self.unit = Some(Unit::default()),
            b"prop" => {
                self.open_prop = attribute("type")?;
                self.text = Some(String::new());
            }
            b"tuv" => self.open_tuv = attribute("xml:lang")?.or(attribute("lang")?),
            b"seg" => self.text = Some(String::new()),
            _ => {}
        }
        Ok(())
    }

    fn close(&mut self, name: &[u8], at: &str) -> Result<()> {
        match name {
            b"prop" => {
                let value = self.text.take().unwrap_or_default();
                if let Some(kind) = self.open_prop.take() {
                    match self.unit.as_mut() {
                        Some(unit) => unit.props.insert(kind, value),
                        None => self.header_props.insert(kind, value),
                    };
                }
            }
            b"seg" => {
                let value = self.text.take().unwrap_or_default();
                if let (Some(unit), Some(lang)) = (self.unit.as_mut(), self.open_tuv.clone()) {
                    unit.segments.push((lang, value));
                }
            }
            b"tu" => {
                let unit = self.unit.take().unwrap_or_default();
                push_unit(&mut self.pairs, unit, self.src_lang.as_deref(), at)?;
            }
            _ => {}
        }
        Ok(())
    }
}

fn read_from(input: impl BufRead, path: &Path) -> Result<ReadAlignments> {
    let mut reader = Reader::from_reader(input);
    let mut buf = Vec::new();
    let mut state = ReadState::default();
    loop {
        let at = format!("{}: byte {}", path.display(), reader.buffer_position());
        let xml = |source: quick_xml::Error| Error::Xml {
            at: at.clone(),
            source,
        };
        let event = reader.read_event_into(&mut buf).map_err(xml)?;
        match event {
            Event::Start(e) => state.open(&e, &at)?,
            Event::Empty(e) => {
                state.open(&e, &at)?;
                state.close(e.name().as_ref(), &at)?;
            }
            Event::End(e) => state.close(e.name().as_ref(), &at)?,
            Event::Text(t) => {
                if let Some(text) = state.text.as_mut() {
                    text.push_str(&t.xml_content().map_err(|e| xml(e.into()))?);
                }
            }
            Event::CData(t) => {
                if let Some(text) = state.text.as_mut() {
                    text.push_str(&t.decode().map_err(|e| xml(e.into()))?);
                }
            }
            Event::GeneralRef(r) => {
                if let Some(text) = state.text.as_mut() {
                    match r.resolve_char_ref().map_err(xml)? {
                        Some(c) => text.push(c),
                        None => {
                            let name = r.decode().map_err(|e| xml(e.into()))?;
                            let resolved = quick_xml::escape::resolve_predefined_entity(&name)
                                .ok_or_else(|| {
                                    Error::invalid_at(&at, format!("unknown entity &{name};"))
                                })?;
                            text.push_str(resolved);
                        }
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    let mut pairs = state.pairs;
    pairs.method = state.header_props.remove(METHOD).unwrap_or_default();
    pairs.model = state.header_props.remove(MODEL).unwrap_or_default();
    Ok(pairs)
}

fn push_unit(
    pairs: &mut ReadAlignments,
    mut unit: Unit,
    src_lang: Option<&str>,
    at: &str,
) -> Result<()> {
    let Some(src_lang) = src_lang else {
        return Err(Error::invalid_at(at, "a <tu> before a <header srclang=…>"));
    };
    let (source, target): (Vec<_>, Vec<_>) = unit
        .segments
        .into_iter()
        .partition(|(lang, _)| lang == src_lang);
    let (Some((_, src_text)), Some((_, tgt_text))) =
        (source.into_iter().next(), target.into_iter().next())
    else {
        return Err(Error::invalid_at(
            at,
            format!("a <tu> needs one <tuv> in the source language {src_lang} and one in another"),
        ));
    };
    let mut take = |name: &str| -> Result<String> {
        unit.props.remove(name).ok_or_else(|| {
            Error::invalid_at(
                at,
                format!("the <tu> has no <prop type=\"{name}\">; export with --keep-doc-ids to read pairs back"),
            )
        })
    };
    let ids = |name: &str, value: String| -> Result<Vec<u32>> {
        parse_id_list(&value).map_err(|_| {
            Error::invalid_at(at, format!("{name} {value:?} is not a list like [3, 4]"))
        })
    };
    let src_ids = ids(SRC_IDS, take(SRC_IDS)?)?;
    let tgt_ids = ids(TGT_IDS, take(TGT_IDS)?)?;
    pairs.src_doc.push(take(SRC_DOC)?);
    pairs.tgt_doc.push(take(TGT_DOC)?);
    let score =
        match unit.props.remove(SCORE) {
            Some(value) => Some(value.trim().parse::<f32>().map_err(|_| {
                Error::invalid_at(at, format!("{SCORE} {value:?} is not a number"))
            })?),
            None => None,
        };
    pairs.beads.push(Bead::new(src_ids, tgt_ids));
    pairs.scores.push(score);
    pairs.margins.push(None);
    pairs.src_text.push(src_text);
    pairs.tgt_text.push(tgt_text);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(keep_doc_ids: bool) -> ExportOptions {
        ExportOptions {
            src_lang: "ckb".into(),
            tgt_lang: "ar".into(),
            keep_doc_ids,
            method: "parallel-dp".into(),
            model: "e5 <small> & \"q4\"".into(),
        }
    }

    fn write(pairs: &[(Bead, &str, &str, Option<f32>)], keep_doc_ids: bool) -> String {
        let mut out = Vec::new();
        let mut writer = TmxWriter::new(&mut out, options(keep_doc_ids)).unwrap();
        for (bead, src, tgt, score) in pairs {
            writer
                .write_pair(&ExportPair {
                    src_doc: "doc<1>",
                    tgt_doc: "doc&2",
                    bead,
                    src_text: src,
                    tgt_text: tgt,
                    score: *score,
                })
                .unwrap();
        }
        writer.finish().unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escapes_markup_drops_forbidden_characters_and_keeps_rtl_text() {
        let tricky = "<b>\"ئەمە\" & 'that'</b>\u{1}\u{200F}ـ\tتاب";
        let xml = write(
            &[(Bead::new([0], [0, 1]), tricky, "٣ < ٤ && ٥ > ٢", Some(0.75))],
            true,
        );
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE tmx SYSTEM \"tmx14.dtd\">\n<tmx version=\"1.4\">"), "{xml}");
        assert!(xml.contains("creationtool=\"pird\""));
        assert!(xml.contains("srclang=\"ckb\""));
        assert!(xml.contains("<seg>&lt;b&gt;&quot;ئەمە&quot; &amp; &apos;that&apos;&lt;/b&gt;\u{200F}ـ\tتاب</seg>"), "{xml}");
        assert!(!xml.contains('\u{1}'));
        assert!(
            xml.contains(
                "<prop type=\"x-pird-model\">e5 &lt;small&gt; &amp; &quot;q4&quot;</prop>"
            ),
            "{xml}"
        );
        assert!(xml.contains("<prop type=\"x-pird-bead\">1-2</prop>"));
        assert!(xml.contains("<tuv xml:lang=\"ar\">"));
        assert!(xml.trim_end().ends_with("</body>\n</tmx>"), "{xml}");
    }

    #[test]
    fn pairs_read_back_as_written() {
        let pairs = [
            (
                Bead::new([0], [0]),
                "یەک & دوو",
                "واحد <و> اثنان",
                Some(0.5),
            ),
            (Bead::new([1, 2], [1]), "سێ\r\nچوار", "ثلاثة", None),
        ];
        let xml = write(&pairs, true);
        let read = read_from(xml.as_bytes(), Path::new("t.tmx")).unwrap();
        assert_eq!(read.beads, [pairs[0].0.clone(), pairs[1].0.clone()]);
        assert_eq!(read.src_text, ["یەک & دوو", "سێ\r\nچوار"]);
        assert_eq!(read.tgt_text, ["واحد <و> اثنان", "ثلاثة"]);
        assert_eq!(read.scores, [Some(0.5), None]);
        assert_eq!(read.src_doc, ["doc<1>", "doc<1>"]);
        assert_eq!(read.tgt_doc, ["doc&2", "doc&2"]);
        assert_eq!(read.model, "e5 <small> & \"q4\"");
        assert_eq!(read.method, "parallel-dp");
    }

    #[test]
    fn reading_back_needs_the_ids_and_well_formed_xml() {
        let xml = write(&[(Bead::new([0], [0]), "a", "b", Some(0.5))], false);
        let error = read_from(xml.as_bytes(), Path::new("t.tmx"))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("t.tmx") && error.contains("--keep-doc-ids"),
            "{error}"
        );
        let broken = "<tmx><header srclang=\"ckb\"/><body><tu><tuv xml:lang=\"ckb\"><seg>a</tuv></tu></body></tmx>";
        let error = read_from(broken.as_bytes(), Path::new("b.tmx"))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("b.tmx: byte") && error.contains("XML"),
            "{error}"
        );
    }
}
