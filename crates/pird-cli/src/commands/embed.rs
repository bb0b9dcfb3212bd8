//! `pird embed`: sentences in, `embeddings` table (or .npy matrix) out.

use crate::cli::{EmbedArgs, LangChoice};
use crate::embedding::open_model;
use crate::progress;
use crate::sentence_input::{read_sentence_docs, SplitMode};
use anyhow::{bail, Result};
use pird_io::{embeddings, TableFormat};

/// Embeds every input sentence and writes the result.
pub fn run(args: &EmbedArgs, quiet: bool) -> Result<()> {
    let npy = args
        .output
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"));
    if !npy {
        if let TableFormat::Csv | TableFormat::Tsv = TableFormat::from_path(&args.output)? {
            bail!(
                "{}: CSV cannot hold vectors; write .parquet, .ndjson or .npy",
                args.output.display()
            );
        }
    }
    let bar = progress::bar(0, "sentences", quiet);
    let (mut doc_ids, mut sent_ids, mut texts) = (Vec::new(), Vec::new(), Vec::new());
    for path in &args.inputs {
        // Plain text is one sentence per line, blank lines included, so that row i is line i.
        for doc in read_sentence_docs(
            path,
            SplitMode::Lines { keep_blank: true },
            LangChoice::Auto,
            &bar,
        )? {
            doc_ids.extend(std::iter::repeat_n(doc.doc_id.clone(), doc.ids.len()));
            sent_ids.extend(doc.ids);
            texts.extend(doc.texts);
        }
    }

    let mut model = open_model(&args.model)?;
    bar.set_length(texts.len() as u64);
    let text_refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let started = std::time::Instant::now();
    let (vectors, stats) = model
        .embedder
        .embed(&text_refs, &mut |n| bar.inc(n as u64))?;
    bar.finish_and_clear();
    if stats.truncated > 0 {
        eprintln!(
            "pird: warning: {} sentences were longer than the model's {} tokens and were truncated",
            stats.truncated, model.dir.max_tokens
        );
    }

    if npy {
        embeddings::write_npy(&args.output, &vectors)?;
    } else {
        let mut frame = embeddings::frame(doc_ids, sent_ids, &model.label, &vectors)?;
        pird_io::write_table(&mut frame, &args.output)?;
    }
    if !quiet {
        eprintln!(
            "pird: {} sentences ({} distinct, {} from the cache, {} encoded on {}) in {:.1} s → {}",
            stats.sentences,
            stats.unique,
            stats.cached,
            stats.encoded,
            model.embedder.device(),
            started.elapsed().as_secs_f64(),
            args.output.display()
        );
    }
    Ok(())
}
