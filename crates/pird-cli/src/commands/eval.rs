//! `pird eval`: predictions against gold, and `pird eval suite`, the standard evaluation of one
//! model; both write the `metrics` table.

use crate::cli::{EvalArgs, EvalSuiteArgs, ModelArgs, SuiteTask};
use crate::embedding::{model_label, open_model};
use crate::progress;
use crate::suite::{self, Suite};
use anyhow::{bail, Result};
use pird_align::AnchorScorer;
use pird_eval::{alignment_metrics, read_bead_file, RunLabel};
use pird_io::{metrics, TableFormat};
use pird_text::Lang;

/// Runs the chosen tasks of the suite and writes (and prints) their metrics.
pub fn suite(args: &EvalSuiteArgs, quiet: bool) -> Result<()> {
    TableFormat::from_path(&args.output)?;
    if !args.data.join("flores200-dev").is_dir() {
        bail!(
            "{}: no flores200-dev/ here; pass --data with the project's data folder",
            args.data.display()
        );
    }
    // The model to compare with runs first; both are labelled before either runs, so that a
    // clash is found before an hour of embedding, not after.
    let mut models = Vec::new();
    if let Some(other) = &args.compare_model {
        models.push(ModelArgs {
            model: other.clone(),
            ..args.model.clone()
        });
    }
    models.push(args.model.clone());
    let labels: Vec<String> = models.iter().map(|m| model_label(&m.model)).collect();
    if labels.len() == 2 && labels[0] == labels[1] {
        bail!(
            "both models are labelled '{}' (their directories' names): rename one to compare them",
            labels[0]
        );
    }
    let mut rows = Vec::new();
    for model in &models {
        rows.extend(run_suite(args, model, quiet)?);
    }
    let mut frame = metrics::frame(&rows)?;
    pird_io::write_table(&mut frame, &args.output)?;
    match labels.len() {
        1 => print!("{}", metrics::to_text(&rows)),
        _ => print!("{}", metrics::to_text_by_model(&rows, &labels)),
    }
    Ok(())
}

/// Runs the suite's tasks with one model and returns its rows.
fn run_suite(
    args: &EvalSuiteArgs,
    model: &ModelArgs,
    quiet: bool,
) -> Result<Vec<pird_eval::MetricRow>> {
    let model = open_model(model)?;
    let calibration = crate::embedding::load_calibration(&model.dir)?;
    let background = match args.no_background {
        true => None,
        false => pird_io::background::load(&model.dir.path, Some(Lang::Ckb), Some(Lang::Arb))?,
    };
    let mines = [SuiteTask::Comparable, SuiteTask::ComparableHard];
    if calibration.is_none() && args.tasks.iter().any(|t| mines.contains(t)) {
        bail!(pird_align::PairError::NoCalibration);
    }
    let mut suite = Suite {
        model,
        background,
        calibration,
        strategy: args.search.strategy.into(),
        deletion_percentile: args.search.deletion_percentile,
        retrieval_k: args.retrieval_k.max(1),
        anchors: AnchorScorer {
            strong_weight: args.anchor_strong_weight,
            one_sided_penalty: args.anchor_one_sided_penalty,
            word_weight: args.anchor_word_weight,
        },
        seed: args.seed,
        limit: args.limit,
        bar: progress::bar(0, "texts embedded", quiet),
        rows: Vec::new(),
    };
    for task in &args.tasks {
        match task {
            SuiteTask::Retrieval => suite::retrieval::run(&mut suite, &args.data)?,
            SuiteTask::Parallel => suite::parallel::run(&mut suite, &args.data)?,
            SuiteTask::Comparable => suite::comparable::run(&mut suite, &args.data)?,
            SuiteTask::ComparableHard => suite::comparable_hard::run(&mut suite, &args.data)?,
            SuiteTask::Documents => suite::documents::run(&mut suite, &args.data)?,
        }
    }
    suite.bar.finish_and_clear();
    Ok(suite.rows)
}

/// Scores one predicted `alignments` table against a gold bead file: strict and lax bead
/// precision/recall/F1, and, when the predictions carry calibrated scores, link-level mining
/// precision/recall/F1 at `--threshold`, best F1 and average precision.
pub fn compare(args: &EvalArgs) -> Result<()> {
    let (Some(pred_path), Some(gold_path), Some(output)) = (&args.pred, &args.gold, &args.output)
    else {
        bail!("pird eval needs --pred, --gold and --output (or the `suite` subcommand)");
    };
    TableFormat::from_path(output)?;
    let gold = read_bead_file(gold_path)?;
    let predicted = pird_io::read_alignments(pred_path)?;
    predicted.single_pair(pred_path)?;
    let dataset = gold_path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let label = RunLabel::new(dataset, &predicted.method, &predicted.model);
    let rows = alignment_metrics(
        &predicted.beads,
        &predicted.scores,
        &gold,
        args.threshold,
        &label,
    );
    let mut frame = metrics::frame(&rows)?;
    pird_io::write_table(&mut frame, output)?;
    print!("{}", metrics::to_text(&rows));
    Ok(())
}
