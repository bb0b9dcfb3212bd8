//! `pird eval suite`: the standard evaluation of one model, as one `metrics` table.

use crate::cli::{EvalSuiteArgs, SuiteTask};
use crate::embedding::open_model;
use crate::progress;
use crate::suite::{self, Suite};
use crate::tables::{self, metrics, TableFormat};
use anyhow::{bail, Result};
use pird_align::{AnchorScorer, Calibration};
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
    let model = open_model(&args.model)?;
    let calibration = Calibration::load(&model.dir.path)?;
    let background = match args.no_background {
        true => None,
        false => crate::background::load(&model.dir.path, Some(Lang::Ckb), Some(Lang::Arb))?,
    };
    if calibration.is_none() && args.tasks.contains(&SuiteTask::Comparable) {
        bail!(pird_align::PairError::NoCalibration);
    }
    let mut suite = Suite {
        model,
        background,
        calibration,
        strategy: args.strategy.into(),
        deletion_percentile: args.deletion_percentile,
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
            SuiteTask::Documents => suite::documents::run(&mut suite, &args.data)?,
        }
    }
    suite.bar.finish_and_clear();
    let mut frame = metrics::frame(&suite.rows)?;
    tables::write_table(&mut frame, &args.output)?;
    print!("{}", metrics::to_text(&suite.rows));
    Ok(())
}
