//! `pird export`: the pairs of an `alignments` table as TMX, Moses parallel text or JSON Lines
//! (the formats and filters are `pird_io::export`'s).

use crate::cli::{ExportArgs, ExportFormat};
use crate::progress;
use anyhow::Result;
use pird_io::export::filter::FilterConfig;
use pird_io::export::{self, ExportRequest};

/// Exports the pairs of an `alignments` table in the chosen format.
pub fn run(args: &ExportArgs, quiet: bool) -> Result<()> {
    let request = ExportRequest {
        format: match args.format {
            ExportFormat::Tmx => export::ExportFormat::Tmx,
            ExportFormat::Moses => export::ExportFormat::Moses,
            ExportFormat::Jsonl => export::ExportFormat::Jsonl,
        },
        output: args.output.clone(),
        src_lang: args.src_lang.clone(),
        tgt_lang: args.tgt_lang.clone(),
        keep_doc_ids: args.keep_doc_ids,
        filter: FilterConfig {
            min_score: args.min_score,
            beads: args.beads.clone(),
            length_ratio: args.length_ratio,
            max_chars: args.max_chars,
            dedupe: args.dedupe,
        },
    };
    request.check()?;
    let bar = progress::bar(0, "pairs", quiet);
    let done = request.run(&args.alignments, |rows| bar.inc(rows as u64))?;
    bar.finish_and_clear();
    if !quiet {
        let names: Vec<String> = done
            .outputs
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        eprintln!("pird: exported {} → {}", done.tally, names.join(", "));
    }
    Ok(())
}
