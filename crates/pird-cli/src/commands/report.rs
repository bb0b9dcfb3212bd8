//! `pird report`: an `alignments` table (with gold, metrics and the documents, where given) in,
//! a self-contained HTML page and a Markdown summary out.

use crate::cli::ReportArgs;
use crate::embedding::{embed_runs, open_model};
use crate::progress;
use crate::sentence_input::{read_one_doc, SentenceDoc, SplitMode};
use anyhow::{bail, Result};
use pird_align::{centre_pair, cosine_matrix};
use pird_eval::{
    build_report, read_bead_file, Bead, ControlPair, Heatmap, ReportBead, ReportInput, RunLabel,
};
use pird_io::ReadAlignments;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Builds the report and writes the page and its summary.
pub fn run(args: &ReportArgs, quiet: bool) -> Result<()> {
    let markdown_path = markdown_path(&args.output)?;
    let table = pird_io::read_alignments(&args.alignments)?;
    let calibrated = table.scores.iter().any(Option::is_some);
    let (score_name, scores) = match calibrated {
        true => ("calibrated score", &table.scores),
        false => ("ratio margin", &table.margins),
    };
    // Gold beads are of one pair: the documents given, or the table's only pair.
    let mut gold = match &args.gold {
        Some(path) => {
            if args.source.is_none() {
                table.single_pair(&args.alignments)?;
            }
            Some(read_bead_file(path)?)
        }
        None => None,
    };
    let control = args.control.as_deref().map(read_control).transpose()?;
    let mut extra_metrics = Vec::new();
    for path in &args.metrics {
        extra_metrics.extend(pird_io::metrics::read(path)?);
    }
    // Embedding the documents comes last among the checks: it is the slow part.
    let map = match (&args.source, &args.target) {
        (Some(source), Some(target)) => Some(similarity_map(args, source, target, quiet)?),
        _ => None,
    };
    let mut beads = report_beads(&table, rows_of_pair(&table, map.as_ref(), args)?, scores);
    let pair = match &map {
        Some(m) => Some((m.source_doc.clone(), m.target_doc.clone())),
        None => table.single_pair(&args.alignments).ok().flatten(),
    };
    let heatmap = map.map(|map| {
        // The map's rows and columns are sentence positions; the tables hold sentence ids.
        map.reindex(&mut beads, gold.as_mut());
        map.heatmap
    });
    let input_beads = beads.len();
    let dataset = args
        .gold
        .as_deref()
        .and_then(Path::file_stem)
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let input = ReportInput {
        title: args.title.clone().unwrap_or_else(|| match &pair {
            Some((src, tgt)) => format!("pird report: {src} ↔ {tgt}"),
            None => format!("pird report: {}", args.alignments.display()),
        }),
        settings: settings(args, &table, input_beads, score_name, heatmap.as_ref()),
        beads,
        score_name: score_name.to_string(),
        threshold: args.threshold,
        gold,
        heatmap,
        label: RunLabel::new(dataset, &table.method, &table.model),
        extra_metrics,
        control,
    };
    let report = build_report(&input)?;
    pird_io::write_bytes_atomically(&args.output, report.html.as_bytes())?;
    pird_io::write_bytes_atomically(&markdown_path, report.markdown.as_bytes())?;
    if !quiet {
        eprintln!(
            "pird: report of {} beads → {} and {}",
            input_beads,
            args.output.display(),
            markdown_path.display()
        );
    }
    Ok(())
}

/// The table's rows: all of them, or with documents given (`map`) those of that pair, which
/// must have some when the table has any.
fn rows_of_pair(
    table: &ReadAlignments,
    map: Option<&SimilarityMap>,
    args: &ReportArgs,
) -> Result<Vec<usize>> {
    let rows: Vec<usize> = (0..table.beads.len())
        .filter(|&i| {
            map.is_none_or(|m| table.src_doc[i] == m.source_doc && table.tgt_doc[i] == m.target_doc)
        })
        .collect();
    if let (Some(map), true) = (map, rows.is_empty() && !table.beads.is_empty()) {
        bail!(
            "{}: no rows align {} with {}, the documents given as --source and --target",
            args.alignments.display(),
            map.source_doc,
            map.target_doc
        );
    }
    Ok(rows)
}

/// The report's beads: the table's `rows`, each with its score from `scores`.
fn report_beads(
    table: &ReadAlignments,
    rows: impl IntoIterator<Item = usize>,
    scores: &[Option<f32>],
) -> Vec<ReportBead> {
    rows.into_iter()
        .map(|i| ReportBead {
            bead: table.beads[i].clone(),
            score: scores[i],
            src_text: table.src_text[i].clone(),
            tgt_text: table.tgt_text[i].clone(),
        })
        .collect()
}

/// A pair of documents that tell different stories: its confident pairs are false ones.
fn read_control(path: &Path) -> Result<ControlPair> {
    let control = pird_io::read_alignments(path)?;
    Ok(ControlPair {
        name: path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        ),
        beads: report_beads(&control, 0..control.beads.len(), &control.scores),
    })
}

/// The report's settings table: its inputs and how they were read.
fn settings(
    args: &ReportArgs,
    table: &ReadAlignments,
    beads: usize,
    score_name: &str,
    heatmap: Option<&Heatmap>,
) -> Vec<(String, String)> {
    let path = |p: &PathBuf| p.display().to_string();
    let metrics = (!args.metrics.is_empty())
        .then(|| args.metrics.iter().map(path).collect::<Vec<_>>().join(", "));
    let given = [
        ("alignments", Some(path(&args.alignments))),
        ("method", Some(table.method.clone())),
        ("model", Some(table.model.clone())),
        ("beads", Some(beads.to_string())),
        ("score", Some(score_name.to_string())),
        ("threshold", Some(args.threshold.to_string())),
        ("gold", args.gold.as_ref().map(path)),
        ("source document", args.source.as_ref().map(path)),
        ("target document", args.target.as_ref().map(path)),
        (
            "similarity map",
            heatmap.map(|m| format!("{} by {}", m.measure, args.model.model)),
        ),
        ("metrics tables", metrics),
        ("pird", Some(env!("CARGO_PKG_VERSION").to_string())),
        ("control pair", args.control.as_ref().map(path)),
    ];
    given
        .into_iter()
        .filter_map(|(name, value)| Some((name.to_string(), value?)))
        .collect()
}

/// `report.html` → `report.md`; any other extension is refused, so that the page cannot
/// overwrite an input by mistake.
fn markdown_path(output: &Path) -> Result<PathBuf> {
    match output.extension().and_then(|e| e.to_str()) {
        Some(ext) if ext.eq_ignore_ascii_case("html") || ext.eq_ignore_ascii_case("htm") => {
            Ok(output.with_extension("md"))
        }
        _ => bail!(
            "{}: the report is an HTML page; name it with the extension .html",
            output.display()
        ),
    }
}

/// A document pair's similarity map and the sentence ids of its rows and columns.
struct SimilarityMap {
    heatmap: Heatmap,
    source_doc: String,
    target_doc: String,
    source_ids: Vec<u32>,
    target_ids: Vec<u32>,
}

impl SimilarityMap {
    /// Rewrites bead ids as row and column positions of the map.
    fn reindex(&self, beads: &mut [ReportBead], gold: Option<&mut Vec<Bead>>) {
        let positions = |ids: &[u32]| -> HashMap<u32, u32> {
            ids.iter()
                .enumerate()
                .map(|(i, &id)| (id, i as u32))
                .collect()
        };
        let (source, target) = (positions(&self.source_ids), positions(&self.target_ids));
        let move_bead = |bead: &Bead| {
            let place = |ids: &[u32], map: &HashMap<u32, u32>| -> Vec<u32> {
                ids.iter().filter_map(|id| map.get(id).copied()).collect()
            };
            Bead::new(place(bead.src(), &source), place(bead.tgt(), &target))
        };
        for bead in beads.iter_mut() {
            bead.bead = move_bead(&bead.bead);
        }
        for bead in gold.into_iter().flatten() {
            *bead = move_bead(bead);
        }
    }
}

/// Embeds both documents and computes the cosine of every sentence pair after centring each
/// side on its language's background mean (the model's), or on its own mean without one: the
/// space the aligner compares sentences in.
fn similarity_map(
    args: &ReportArgs,
    source: &Path,
    target: &Path,
    quiet: bool,
) -> Result<SimilarityMap> {
    let bar = progress::bar(0, "sentences", quiet);
    let split = SplitMode::of(&args.sentences);
    let source = read_one_doc(source, split, args.sentences.src_lang, &bar)?;
    let target = read_one_doc(target, split, args.sentences.tgt_lang, &bar)?;
    let mut model = open_model(&args.model)?;
    let mut runs = embed_runs(&mut model, &[&source.texts, &target.texts], 1, &bar)?;
    bar.finish_and_clear();
    let target_vectors = runs.pop().expect("two documents");
    let source_vectors = runs.pop().expect("two documents");
    let background = pird_io::background::load(&model.dir.path, source.lang, target.lang)?;
    let (centred_source, centred_target) = centre_pair(
        source_vectors.sentences(),
        target_vectors.sentences(),
        background.as_ref(),
    );
    let measure = match background {
        Some(_) => "cosine after centring on each language's mean",
        None => "cosine after centring on each document's mean",
    };
    let similarity = cosine_matrix(
        centred_source.sentences.view(),
        centred_target.sentences.view(),
    );
    let ids = |doc: &SentenceDoc| doc.ids.clone();
    Ok(SimilarityMap {
        heatmap: Heatmap {
            measure: measure.to_string(),
            rows: similarity.nrows(),
            cols: similarity.ncols(),
            values: similarity.iter().copied().collect(),
        },
        source_ids: ids(&source),
        target_ids: ids(&target),
        source_doc: source.doc_id.clone(),
        target_doc: target.doc_id.clone(),
    })
}
