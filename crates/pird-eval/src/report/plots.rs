//! The report's figures, drawn with `plotters` into SVG strings.
//!
//! Text is left to the browser (no font files are read), so the figures render wherever the page
//! is opened.

use super::Heatmap;
use crate::bead::Bead;
use crate::mining::MiningScores;
use plotters::prelude::*;

/// A figure that could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("cannot draw the {figure}: {message}")]
pub struct PlotError {
    figure: &'static str,
    message: String,
}

fn failed<E: std::fmt::Debug>(figure: &'static str) -> impl Fn(E) -> PlotError {
    move |error| PlotError {
        figure,
        message: format!("{error:?}"),
    }
}

/// Draws the chart's series labels in a framed box at `position`.
fn draw_legend<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
    figure: &'static str,
) -> Result<(), PlotError>
where
    DB: DrawingBackend + 'a,
    CT: CoordTranslate,
{
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(failed(figure))
}

const WIDTH: u32 = 720;
const HEIGHT: u32 = 360;
/// Heat maps with more sentences a side than this are shown in blocks (the maximum of each).
const MAX_CELLS_PER_SIDE: usize = 160;
const SERIES_COLOURS: [RGBColor; 3] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(127, 127, 127),
];

/// Histograms of the scores of several series (e.g. true and false pairs) on shared bins, with
/// the threshold marked.
pub fn score_histogram(
    series: &[(&str, Vec<f32>)],
    score_name: &str,
    threshold: f32,
) -> Result<String, PlotError> {
    let fail = failed("score histogram");
    let finite = || {
        series
            .iter()
            .flat_map(|(_, scores)| scores.iter().copied())
            .filter(|s| s.is_finite())
    };
    let (mut low, mut high) = finite().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), s| {
        (lo.min(s), hi.max(s))
    });
    if !low.is_finite() {
        (low, high) = (0.0, 1.0);
    }
    // Calibrated probabilities get the whole unit interval, so that two reports compare.
    if low >= 0.0 && high <= 1.0 {
        (low, high) = (0.0, 1.0);
    }
    if high - low < 1e-6 {
        high = low + 1.0;
    }
    const BINS: usize = 20;
    let width = (high - low) / BINS as f32;
    let counts: Vec<Vec<usize>> = series
        .iter()
        .map(|(_, scores)| {
            let mut bins = vec![0usize; BINS];
            for &s in scores.iter().filter(|s| s.is_finite()) {
                let bin = (((s - low) / width) as usize).min(BINS - 1);
                bins[bin] += 1;
            }
            bins
        })
        .collect();
    let tallest = counts.iter().flatten().copied().max().unwrap_or(0).max(1);

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(&fail)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(low..high, 0usize..tallest + tallest / 10 + 1)
            .map_err(&fail)?;
        chart
            .configure_mesh()
            .x_desc(score_name)
            .y_desc("pairs")
            .disable_x_mesh()
            .draw()
            .map_err(&fail)?;
        for (index, ((name, _), bins)) in series.iter().zip(&counts).enumerate() {
            let colour = SERIES_COLOURS[index % SERIES_COLOURS.len()];
            // Side by side within a bin, so that neither series hides the other.
            let slot = width / series.len() as f32;
            chart
                .draw_series(bins.iter().enumerate().filter(|(_, &c)| c > 0).map(
                    |(bin, &count)| {
                        let x0 = low + bin as f32 * width + index as f32 * slot;
                        Rectangle::new([(x0, 0), (x0 + slot, count)], colour.mix(0.8).filled())
                    },
                ))
                .map_err(&fail)?
                .label(format!("{name} ({})", bins.iter().sum::<usize>()))
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 10, y + 5)], colour.filled())
                });
        }
        if (low..=high).contains(&threshold) {
            chart
                .draw_series(LineSeries::new(
                    [(threshold, 0), (threshold, tallest + tallest / 10 + 1)],
                    BLACK.stroke_width(1),
                ))
                .map_err(&fail)?
                .label(format!("threshold {threshold}"))
                .legend(|(x, y)| PathElement::new([(x, y), (x + 12, y)], BLACK));
        }
        draw_legend(
            &mut chart,
            SeriesLabelPosition::UpperLeft,
            "score histogram",
        )?;
        root.present().map_err(&fail)?;
    }
    Ok(svg)
}

/// Precision, recall and F1 of the pairs scoring at least each threshold, with the chosen
/// threshold marked. `curve` is [`crate::MiningCandidates::pr_curve`]'s output.
pub fn threshold_curve(
    curve: &[MiningScores],
    score_name: &str,
    threshold: f32,
) -> Result<String, PlotError> {
    let fail = failed("precision–recall curve");
    let xs = curve.iter().map(|p| p.threshold).filter(|t| t.is_finite());
    let (mut low, mut high) = xs.fold((threshold, threshold), |(lo, hi), t| (lo.min(t), hi.max(t)));
    if high - low < 1e-6 {
        (low, high) = (low - 0.5, high + 0.5);
    }
    let pad = (high - low) * 0.03;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(&fail)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(low - pad..high + pad, 0f64..1.05f64)
            .map_err(&fail)?;
        chart
            .configure_mesh()
            .x_desc(format!("threshold on {score_name}"))
            .y_desc("precision / recall / F1")
            .draw()
            .map_err(&fail)?;
        type Measure = fn(&MiningScores) -> f64;
        let lines: [(&str, Measure, RGBColor); 3] = [
            ("precision", |p| p.scores.precision, SERIES_COLOURS[0]),
            ("recall", |p| p.scores.recall, SERIES_COLOURS[1]),
            ("F1", |p| p.scores.f1, SERIES_COLOURS[2]),
        ];
        for (name, value, colour) in lines {
            chart
                .draw_series(LineSeries::new(
                    curve.iter().map(|p| (p.threshold, value(p))),
                    colour.stroke_width(2),
                ))
                .map_err(&fail)?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 12, y)], colour.stroke_width(2))
                });
        }
        chart
            .draw_series(LineSeries::new(
                [(threshold, 0.0), (threshold, 1.05)],
                BLACK.stroke_width(1),
            ))
            .map_err(&fail)?
            .label(format!("threshold {threshold}"))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 12, y)], BLACK));
        draw_legend(
            &mut chart,
            SeriesLabelPosition::LowerLeft,
            "precision–recall curve",
        )?;
        root.present().map_err(&fail)?;
    }
    Ok(svg)
}

/// Sentences a side of one heat-map cell: 1, or more for documents too long to show each pair.
pub fn heatmap_block(map: &Heatmap) -> usize {
    map.rows.max(map.cols).div_ceil(MAX_CELLS_PER_SIDE).max(1)
}

/// The similarity of every source (rows, top down) and target (columns) sentence, with the chosen
/// beads outlined (and joined in order when they form a monotone path), and gold beads marked by
/// white dots.
pub fn heatmap(map: &Heatmap, path: &[&Bead], gold: &[&Bead]) -> Result<String, PlotError> {
    let fail = failed("similarity heat map");
    if map.values.len() != map.rows * map.cols {
        return Err(PlotError {
            figure: "similarity heat map",
            message: format!(
                "{} values for a {}×{} matrix",
                map.values.len(),
                map.rows,
                map.cols
            ),
        });
    }
    let block = heatmap_block(map);
    let (rows, cols) = (map.rows.max(1), map.cols.max(1));
    let finite = map.values.iter().copied().filter(|v| v.is_finite());
    let (low, high) = finite.fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let (low, high) = if low.is_finite() {
        (low, high.max(low + 1e-6))
    } else {
        (0.0, 1.0)
    };
    let side = 620u32;
    let (width, height) = if cols >= rows {
        (side, ((side as usize * rows / cols) as u32).max(120))
    } else {
        (((side as usize * cols / rows) as u32).max(120), side)
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width + 80, height + 70)).into_drawing_area();
        root.fill(&WHITE).map_err(&fail)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0f64..cols as f64, rows as f64..0f64)
            .map_err(&fail)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("target sentence")
            .y_desc("source sentence")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .draw()
            .map_err(&fail)?;
        let mut cells = Vec::new();
        for r0 in (0..map.rows).step_by(block) {
            for c0 in (0..map.cols).step_by(block) {
                let mut best = f32::NEG_INFINITY;
                for r in r0..(r0 + block).min(map.rows) {
                    for c in c0..(c0 + block).min(map.cols) {
                        best = best.max(map.values[r * map.cols + c]);
                    }
                }
                let colour = ViridisRGB.get_color_normalized(best.max(low), low, high);
                let (r1, c1) = ((r0 + block).min(map.rows), (c0 + block).min(map.cols));
                cells.push(Rectangle::new(
                    [(c0 as f64, r0 as f64), (c1 as f64, r1 as f64)],
                    colour.filled(),
                ));
            }
        }
        chart.draw_series(cells).map_err(&fail)?;
        let span = |ids: &[u32]| -> (f64, f64) {
            let first = ids.iter().copied().min().unwrap_or(0) as f64;
            let last = ids.iter().copied().max().unwrap_or(0) as f64 + 1.0;
            (first, last)
        };
        let chosen = RGBColor(230, 30, 30);
        chart
            .draw_series(path.iter().map(|bead| {
                let (r0, r1) = span(bead.src());
                let (c0, c1) = span(bead.tgt());
                Rectangle::new([(c0, r0), (c1, r1)], chosen.stroke_width(2))
            }))
            .map_err(&fail)?
            .label(format!("chosen beads ({})", path.len()))
            .legend(move |(x, y)| {
                Rectangle::new([(x, y - 5), (x + 10, y + 5)], chosen.stroke_width(2))
            });
        let mut in_order: Vec<&&Bead> = path.iter().collect();
        in_order.sort_by_key(|b| (b.src().first().copied(), b.tgt().first().copied()));
        let centre = |bead: &Bead| {
            let (r0, r1) = span(bead.src());
            let (c0, c1) = span(bead.tgt());
            ((c0 + c1) / 2.0, (r0 + r1) / 2.0)
        };
        // A monotone alignment (parallel texts) is a path; mined pairs in any order are not.
        let monotone = in_order
            .windows(2)
            .all(|w| w[0].tgt().iter().max() < w[1].tgt().iter().min());
        if monotone {
            chart
                .draw_series(LineSeries::new(
                    in_order.iter().map(|b| centre(b)),
                    chosen.mix(0.6).stroke_width(1),
                ))
                .map_err(&fail)?;
        }
        if !gold.is_empty() {
            chart
                .draw_series(
                    gold.iter()
                        .map(|bead| Circle::new(centre(bead), 3, WHITE.filled())),
                )
                .map_err(&fail)?
                .label(format!("gold beads ({})", gold.len()))
                .legend(|(x, y)| Circle::new((x + 5, y), 3, BLACK.filled()));
        }
        draw_legend(
            &mut chart,
            SeriesLabelPosition::LowerLeft,
            "similarity heat map",
        )?;
        root.present().map_err(&fail)?;
    }
    Ok(svg)
}
