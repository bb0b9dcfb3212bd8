//! `pird report`: an `alignments` table (with gold, metrics and the documents, where given) in,
//! a self-contained HTML page and a Markdown summary out.

use crate::cli::ReportArgs;
use crate::embedding::{embed_runs, open_model};
use crate::progress;
use crate::sentence_input::{read_one_doc, SentenceDoc, SplitMode};
use crate::tables;
use anyhow::{bail, Context, Result};
use pird_align::{cosine_matrix, mean_row, CentredSide};
use pird_eval::{
    build_report, read_bead_file, Bead, ControlPair, Heatmap, ReportBead, ReportInput, RunLabel,
};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Builds the report and writes the page and its summary.
pub fn run(args: &ReportArgs, quiet: bool) -> Result<()> {
    let markdown_path = markdown_path(&args.output)?;
    let table = crate::export::read_pairs(&args.alignments)?;
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
    // Embedding the documents comes last among the checks: it is the slow part.
    let map = match (&args.source, &args.target) {
        (Some(source), Some(target)) => Some(similarity_map(args, source, target, quiet)?),
        _ => None,
    };
    // With documents given, the report is of that pair: rows of other pairs are left out.
    let rows: Vec<usize> = (0..table.beads.len())
        .filter(|&i| {
            map.as_ref().is_none_or(|m| {
                table.src_doc[i] == m.source_doc && table.tgt_doc[i] == m.target_doc
            })
        })
        .collect();
    if let (Some(map), true) = (&map, rows.is_empty() && !table.beads.is_empty()) {
        bail!(
            "{}: no rows align {} with {}, the documents given as --source and --target",
            args.alignments.display(),
            map.source_doc,
            map.target_doc
        );
    }
    let mut beads: Vec<ReportBead> = rows
        .iter()
        .map(|&i| ReportBead {
            bead: table.beads[i].clone(),
            score: scores[i],
            src_text: table.src_text[i].clone(),
            tgt_text: table.tgt_text[i].clone(),
        })
        .collect();
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
    let mut settings = vec![
        (
            "alignments".to_string(),
            args.alignments.display().to_string(),
        ),
        ("method".to_string(), table.method.clone()),
        ("model".to_string(), table.model.clone()),
        ("beads".to_string(), input_beads.to_string()),
        ("score".to_string(), score_name.to_string()),
        ("threshold".to_string(), args.threshold.to_string()),
    ];
    let mut add = |name: &str, value: Option<String>| {
        if let Some(value) = value {
            settings.push((name.to_string(), value));
        }
    };
    add("gold", args.gold.as_ref().map(|p| p.display().to_string()));
    add(
        "source document",
        args.source.as_ref().map(|p| p.display().to_string()),
    );
    add(
        "target document",
        args.target.as_ref().map(|p| p.display().to_string()),
    );
    add(
        "similarity map",
        heatmap
            .as_ref()
            .map(|m| format!("{} by {}", m.measure, args.model.model)),
    );
    if !args.metrics.is_empty() {
        add(
            "metrics tables",
            Some(
                args.metrics
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        );
    }
    add("pird", Some(env!("CARGO_PKG_VERSION").to_string()));

    // A pair of documents that tell different stories: its confident pairs are false ones.
    let control = match &args.control {
        Some(path) => {
            let control = crate::export::read_pairs(path)?;
            let beads = (0..control.beads.len())
                .map(|i| ReportBead {
                    bead: control.beads[i].clone(),
                    score: control.scores[i],
                    src_text: control.src_text[i].clone(),
                    tgt_text: control.tgt_text[i].clone(),
                })
                .collect();
            Some(ControlPair {
                name: path.file_name().map_or_else(
                    || path.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                ),
                beads,
            })
        }
        None => None,
    };
    add(
        "control pair",
        args.control.as_ref().map(|p| p.display().to_string()),
    );
    let mut extra_metrics = Vec::new();
    for path in &args.metrics {
        extra_metrics.extend(tables::metrics::read(path)?);
    }
    let dataset = args
        .gold
        .as_deref()
        .and_then(Path::file_stem)
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let title = args.title.clone().unwrap_or_else(|| match &pair {
        Some((src, tgt)) => format!("pird report: {src} ↔ {tgt}"),
        None => format!("pird report: {}", args.alignments.display()),
    });
    let input = ReportInput {
        title,
        settings,
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
    let write = |path: &Path, text: &str| {
        tables::write_atomically(path, |file| {
            file.write_all(text.as_bytes())
                .with_context(|| format!("{}: cannot write", path.display()))
        })
    };
    write(&args.output, &report.html)?;
    write(&markdown_path, &report.markdown)?;
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
    let background = crate::background::load(&model.dir.path, source.lang, target.lang)?;
    let (centred_source, centred_target, measure) = match &background {
        Some(b) => (
            CentredSide::with_mean(source_vectors.sentences(), mean_row(b.source.view())),
            CentredSide::with_mean(target_vectors.sentences(), mean_row(b.target.view())),
            "cosine after centring on each language's mean",
        ),
        None => (
            CentredSide::new(source_vectors.sentences()),
            CentredSide::new(target_vectors.sentences()),
            "cosine after centring on each document's mean",
        ),
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
