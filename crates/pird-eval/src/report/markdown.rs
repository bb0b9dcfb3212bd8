//! The report's Markdown summary: the tables of the HTML page without the figures.

use super::{Findings, ReportBead, ReportInput};
use std::fmt::Write;

pub(super) fn summary(input: &ReportInput, findings: &Findings<'_>) -> String {
    let mut out = format!("# {}\n\n## Settings\n\n", cell(&input.title));
    table(
        &mut out,
        &["setting", "value"],
        input
            .settings
            .iter()
            .map(|(name, value)| vec![cell(name), cell(value)]),
    );

    out.push_str("## Metrics\n\n");
    if findings.metrics.is_empty() {
        out.push_str("No metrics: give gold beads (--gold) or metrics tables (--metrics).\n\n");
    } else {
        table(
            &mut out,
            &["dataset", "method", "model", "metric", "value", "n"],
            findings.metrics.iter().map(|row| {
                vec![
                    cell(&row.dataset),
                    cell(&row.method),
                    cell(&row.model),
                    cell(&row.metric),
                    format!("{:.4}", row.value),
                    row.n.to_string(),
                ]
            }),
        );
    }

    if let Some(control) = &input.control {
        let _ = writeln!(
            out,
            "## Control pair: another story\n\n{}: {} of its {} pairs reach the threshold {}; each is a false confident pair.\n",
            cell(&control.name),
            findings.false_confident.len(),
            control.beads.len(),
            input.threshold
        );
        if !findings.false_confident.is_empty() {
            pairs_table(&mut out, &findings.false_confident);
        }
    }

    out.push_str("## Bead types\n\n");
    let dash = || "–".to_string();
    table(
        &mut out,
        &[
            "bead",
            "count",
            "mean score",
            "lowest score",
            "exactly in gold",
        ],
        findings.bead_types.iter().map(|row| {
            vec![
                row.kind.clone(),
                row.count.to_string(),
                row.mean_score.map_or_else(dash, |s| format!("{s:.3}")),
                row.min_score.map_or_else(dash, |s| format!("{s:.3}")),
                row.correct.map_or_else(dash, |c| c.to_string()),
            ]
        }),
    );

    out.push_str("## Lowest-scoring chosen pairs\n\n");
    if findings.weakest.is_empty() {
        out.push_str("No chosen pair has a score.\n");
    } else {
        pairs_table(&mut out, &findings.weakest);
    }
    out
}

/// Scored pairs with their text, one row each.
fn pairs_table(out: &mut String, pairs: &[&ReportBead]) {
    table(
        out,
        &["score", "bead", "source", "target"],
        pairs.iter().map(|pair| {
            vec![
                pair.score
                    .map_or_else(|| "–".to_string(), |s| format!("{s:.3}")),
                pair.bead.to_string(),
                cell(&pair.src_text),
                cell(&pair.tgt_text),
            ]
        }),
    );
}

fn table(out: &mut String, header: &[&str], rows: impl Iterator<Item = Vec<String>>) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out.push('\n');
}

/// Text made safe for one Markdown table cell: pipes escaped, line breaks as spaces.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}
