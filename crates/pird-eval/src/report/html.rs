//! The report as one self-contained HTML page: inline SVG figures and tables, inline CSS, no
//! script and no external resource.

use super::{plots, Findings, ReportBead, ReportInput};
use crate::rows::MetricRow;
use html_escape::encode_text;
use std::fmt::Write;

/// The drawn figures; `None` where the input lacks what a figure needs.
pub(super) struct Figures {
    pub histogram: String,
    pub curve: Option<String>,
    pub heatmap: Option<String>,
}

const STYLE: &str = "body{font-family:sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}\
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}\
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}\
td.text{font-size:1.05em;max-width:420px}figure{margin:1em 0 2em}figcaption{color:#555;font-size:.9em}\
p.missing{color:#777;font-style:italic}";

pub(super) fn page(input: &ReportInput, findings: &Findings<'_>, figures: &Figures) -> String {
    let mut out = String::new();
    let title = encode_text(&input.title);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{title}</h1>\n"
    );
    settings(&mut out, &input.settings);
    metrics(&mut out, &findings.metrics);
    control(&mut out, input, findings);

    out.push_str("<h2>Scores</h2>\n");
    let split = match findings.labelled {
        Some(_) => "true and false pairs (judged link by link against the gold beads)",
        None => "all scored pairs (no gold given, so true and false pairs are not told apart)",
    };
    figure(
        &mut out,
        &figures.histogram,
        &format!(
            "Histogram of {} for {split}; the vertical line is the threshold.",
            input.score_name
        ),
    );
    match &figures.curve {
        Some(svg) => figure(
            &mut out,
            svg,
            "Precision, recall and F1 of the pairs scoring at least each threshold (link level).",
        ),
        None => out.push_str(
            "<p class=\"missing\">Precision and recall against the threshold need gold beads (--gold) and scored pairs.</p>\n",
        ),
    }

    out.push_str("<h2>Similarity map</h2>\n");
    match (&figures.heatmap, &input.heatmap) {
        (Some(svg), Some(map)) => {
            let block = plots::heatmap_block(map);
            let blocks = match block {
                1 => String::new(),
                b => format!(" Each cell is the maximum of a block of {b}×{b} sentence pairs."),
            };
            figure(
                &mut out,
                svg,
                &format!(
                    "{} of each source (rows) and target (columns) sentence, {}×{}; red boxes are the chosen beads (score ≥ {}), joined in order when they form a monotone path; white dots are gold beads.{blocks}",
                    capitalised(&map.measure),
                    map.rows,
                    map.cols,
                    input.threshold
                ),
            );
        }
        _ => out.push_str(
            "<p class=\"missing\">The similarity map needs the pair's documents (--source and --target).</p>\n",
        ),
    }

    out.push_str("<h2>Bead types</h2>\n<table>\n<tr><th>bead</th><th>count</th><th>mean score</th><th>lowest score</th><th>exactly in gold</th><th>precision</th></tr>\n");
    for row in &findings.bead_types {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            row.kind,
            row.count,
            optional(row.mean_score.map(|s| format!("{s:.3}"))),
            optional(row.min_score.map(|s| format!("{s:.3}"))),
            optional(row.correct.map(|c| c.to_string())),
            optional(row.correct.map(|c| format!("{:.3}", c as f64 / row.count as f64))),
        );
    }
    out.push_str("</table>\n");

    out.push_str("<h2>Lowest-scoring chosen pairs</h2>\n");
    weakest(&mut out, &findings.weakest);
    out.push_str("</body>\n</html>\n");
    out
}

fn settings(out: &mut String, settings: &[(String, String)]) {
    out.push_str("<h2>Settings</h2>\n<table>\n");
    for (name, value) in settings {
        let _ = writeln!(
            out,
            "<tr><th>{}</th><td>{}</td></tr>",
            encode_text(name),
            encode_text(value)
        );
    }
    out.push_str("</table>\n");
}

fn metrics(out: &mut String, rows: &[MetricRow]) {
    out.push_str("<h2>Metrics</h2>\n");
    if rows.is_empty() {
        out.push_str("<p class=\"missing\">No metrics: give gold beads (--gold) or metrics tables (--metrics).</p>\n");
        return;
    }
    out.push_str("<table>\n<tr><th>dataset</th><th>method</th><th>model</th><th>metric</th><th>value</th><th>n</th></tr>\n");
    for row in rows {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{:.4}</td><td class=\"num\">{}</td></tr>",
            encode_text(&row.dataset),
            encode_text(&row.method),
            encode_text(&row.model),
            encode_text(&row.metric),
            row.value,
            row.n
        );
    }
    out.push_str("</table>\n");
}

/// The control pair's confident pairs, each a false one, after the metrics that count them.
pub(super) fn control(out: &mut String, input: &ReportInput, findings: &Findings<'_>) {
    let Some(control) = &input.control else {
        return;
    };
    let _ = writeln!(
        out,
        "<h2>Control pair: another story</h2>\n<p>{}: {} of its {} pairs reach the threshold {}; the documents tell different stories, so each is a false confident pair (the metrics above give the recall of the gold pairs beside it).</p>",
        encode_text(&control.name),
        findings.false_confident.len(),
        control.beads.len(),
        input.threshold
    );
    if !findings.false_confident.is_empty() {
        weakest(out, &findings.false_confident);
    }
}

fn weakest(out: &mut String, pairs: &[&ReportBead]) {
    if pairs.is_empty() {
        out.push_str("<p class=\"missing\">No chosen pair has a score.</p>\n");
        return;
    }
    out.push_str("<table>\n<tr><th>score</th><th>bead</th><th>source</th><th>target</th></tr>\n");
    for pair in pairs {
        let _ = writeln!(
            out,
            "<tr><td class=\"num\">{}</td><td>{}</td><td class=\"text\" dir=\"auto\">{}</td><td class=\"text\" dir=\"auto\">{}</td></tr>",
            optional(pair.score.map(|s| format!("{s:.3}"))),
            encode_text(&pair.bead.to_string()),
            encode_text(&pair.src_text),
            encode_text(&pair.tgt_text)
        );
    }
    out.push_str("</table>\n");
}

fn figure(out: &mut String, svg: &str, caption: &str) {
    let _ = writeln!(
        out,
        "<figure>\n{svg}\n<figcaption>{}</figcaption>\n</figure>",
        encode_text(caption)
    );
}

fn optional(value: Option<String>) -> String {
    value.unwrap_or_else(|| "–".to_string())
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
