//! `pird segment`: documents in, `sentences` table out.

use crate::cli::SegmentArgs;
use crate::progress;
use crate::sentence_input::document_language;
use anyhow::{Context, Result};
use pird_io::sentences::SentenceRows;
use pird_io::{read_all_documents, Document};
use pird_text::{Lang, LineBreaks, SegmenterConfig, SentenceSegmenter};

/// Segments every input document and writes the `sentences` table.
pub fn run(args: &SegmentArgs, quiet: bool) -> Result<()> {
    pird_io::TableFormat::from_path(&args.output)?;
    let documents = read_all_documents(&args.inputs)?;
    let line_breaks = if args.wrapped_lines {
        LineBreaks::Wrapped
    } else {
        LineBreaks::Paragraph
    };
    let segmenter = SentenceSegmenter::new(SegmenterConfig { line_breaks });
    let bar = progress::bar(documents.len() as u64, "documents", quiet);
    let mut rows = SentenceRows::default();
    for doc in &documents {
        if doc.text.trim().is_empty() {
            progress::warn(
                &bar,
                format!(
                    "{}: document '{}' is empty: no sentences",
                    doc.origin, doc.doc_id
                ),
            );
            bar.inc(1);
            continue;
        }
        let lang = document_language(doc, args.lang, &bar)?;
        segment_document(&segmenter, doc, lang, &mut rows)?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    let sentence_count = rows.len();
    let mut frame = rows.into_frame()?;
    pird_io::write_table(&mut frame, &args.output)?;
    if !quiet {
        eprintln!(
            "pird: {} documents, {sentence_count} sentences → {}",
            documents.len(),
            args.output.display()
        );
    }
    Ok(())
}

/// Appends the sentences of one document to `rows`.
fn segment_document(
    segmenter: &SentenceSegmenter,
    doc: &Document,
    lang: Lang,
    rows: &mut SentenceRows,
) -> Result<()> {
    let too_long = || {
        format!(
            "{}: document '{}' is longer than 4 G characters",
            doc.origin, doc.doc_id
        )
    };
    for (sent_id, sentence) in segmenter.segment(&doc.text).into_iter().enumerate() {
        rows.push(
            &doc.doc_id,
            lang.code(),
            u32::try_from(sent_id).with_context(too_long)?,
            sentence.text.to_string(),
            u32::try_from(sentence.span.start).with_context(too_long)?,
            u32::try_from(sentence.span.end).with_context(too_long)?,
        );
    }
    Ok(())
}
