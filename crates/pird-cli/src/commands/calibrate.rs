//! `pird model calibrate`: fit the model's score calibration on line-parallel gold files.
//!
//! The gold lines are grouped into documents. Every other document becomes the model's
//! background (stored as `pird-background.<lang>.npy`); each remaining document pair is scored
//! the way `pird align` scores a document pair, against that background, and gives its gold
//! pairs as positives and each sentence's best wrong partner (both directions) as hard
//! negatives. The fitted calibration is stored as `pird-calibration.json`.

use crate::background;
use crate::cli::{LangChoice, ModelCalibrateArgs};
use crate::embedding::open_model;
use crate::progress;
use crate::sentence_input::{read_one_doc, SplitMode};
use anyhow::{bail, Context, Result};
use ndarray::{Array2, Axis};
use pird_align::{Background, Calibration, Overlaps, PairFeatures, PairScorer, DEFAULT_K};
use std::path::Path;

/// Lines a pseudo-document holds when no `--groups` file is given.
const LINES_PER_PSEUDO_DOCUMENT: usize = 8;

/// Fits and stores the calibration and background of the model.
pub fn run(args: &ModelCalibrateArgs, quiet: bool) -> Result<()> {
    let bar = progress::bar(0, "sentences", quiet);
    let lines = SplitMode::Lines { keep_blank: true };
    let source = read_one_doc(&args.source, lines, LangChoice::Auto, &bar)?;
    let target = read_one_doc(&args.target, lines, LangChoice::Auto, &bar)?;
    if source.texts.len() != target.texts.len() {
        bail!(
            "{} has {} lines but {} has {}: calibration needs line-parallel files",
            args.source.display(),
            source.texts.len(),
            args.target.display(),
            target.texts.len()
        );
    }
    let (Some(source_lang), Some(target_lang)) = (source.lang, target.lang) else {
        bail!("cannot tell the languages of the calibration files; they must be Sorani and Arabic");
    };
    let groups = match &args.groups {
        Some(path) => read_groups(path, source.texts.len())?,
        None => (0..source.texts.len())
            .map(|i| (i / LINES_PER_PSEUDO_DOCUMENT).to_string())
            .collect(),
    };
    let keep: Vec<usize> = (0..source.texts.len())
        .filter(|&i| {
            !args.skip_lines.contains(&(i + 1))
                && !source.texts[i].trim().is_empty()
                && !target.texts[i].trim().is_empty()
        })
        .collect();
    // Documents: runs of kept lines with the same group, as ranges into `keep`.
    let mut documents: Vec<std::ops::Range<usize>> = Vec::new();
    for (k, &line) in keep.iter().enumerate() {
        match documents.last_mut() {
            Some(doc) if groups[keep[doc.start]] == groups[line] => doc.end = k + 1,
            _ => documents.push(k..k + 1),
        }
    }
    if documents.len() < 4 {
        bail!(
            "calibration needs at least 4 documents, found {}",
            documents.len()
        );
    }

    let mut texts: Vec<&str> = keep.iter().map(|&i| source.texts[i].as_str()).collect();
    texts.extend(keep.iter().map(|&i| target.texts[i].as_str()));
    let mut model = open_model(&args.model)?;
    bar.set_length(texts.len() as u64);
    let (vectors, _) = model.embedder.embed(&texts, &mut |n| bar.inc(n as u64))?;
    bar.finish_and_clear();
    let n = keep.len();
    let (source_vectors, target_vectors) = (
        vectors.slice(ndarray::s![..n, ..]),
        vectors.slice(ndarray::s![n.., ..]),
    );

    let rows_of = |parity: usize| -> Vec<usize> {
        documents
            .iter()
            .enumerate()
            .filter(|(d, _)| d % 2 == parity)
            .flat_map(|(_, r)| r.clone())
            .collect()
    };
    let background_rows = rows_of(0);
    let background = Background {
        source: source_vectors.select(Axis(0), &background_rows),
        target: target_vectors.select(Axis(0), &background_rows),
    };

    let mut positives = Vec::new();
    let mut negatives = Vec::new();
    let (mut right, mut asked) = (0usize, 0usize);
    for doc in documents.iter().skip(1).step_by(2).filter(|d| d.len() >= 2) {
        let source_doc =
            Overlaps::by_summing(source_vectors.slice(ndarray::s![doc.clone(), ..]), 1);
        let target_doc =
            Overlaps::by_summing(target_vectors.slice(ndarray::s![doc.clone(), ..]), 1);
        let scorer = PairScorer::with_background(&source_doc, &target_doc, &background, DEFAULT_K);
        let size = doc.len();
        let features = |i: usize, j: usize| {
            let (cosine, margin) = scorer.score(&(i..i + 1), &(j..j + 1));
            PairFeatures { margin, cosine }
        };
        let margins = Array2::from_shape_fn((size, size), |(i, j)| features(i, j).margin);
        for i in 0..size {
            positives.push(features(i, i));
            let best_wrong = |scores: &mut dyn Iterator<Item = (usize, f32)>| {
                scores
                    .filter(|&(k, _)| k != i)
                    .max_by(|a, b| a.1.total_cmp(&b.1))
                    .map(|(k, _)| k)
            };
            if let Some(j) = best_wrong(&mut (0..size).map(|j| (j, margins[[i, j]]))) {
                negatives.push(features(i, j));
                right += usize::from(margins[[i, i]] > margins[[i, j]]);
                asked += 1;
            }
            if let Some(k) = best_wrong(&mut (0..size).map(|k| (k, margins[[k, i]]))) {
                negatives.push(features(k, i));
            }
        }
    }
    let fitted_on = format!(
        "{} + {}: {} documents as background, {} gold pairs in the others; hard negatives by ratio margin, k = {DEFAULT_K}",
        args.source.display(),
        args.target.display(),
        documents.len().div_ceil(2),
        positives.len()
    );
    let calibration = Calibration::fit(&positives, &negatives, &fitted_on)?;
    calibration.save(&model.dir.path)?;
    background::save(&model.dir.path, source_lang, &background.source)?;
    background::save(&model.dir.path, target_lang, &background.target)?;
    let kept = |set: &[PairFeatures]| {
        set.iter()
            .filter(|f| calibration.probability(**f) >= 0.5)
            .count()
    };
    println!(
        "calibrated {} ({source_lang}–{target_lang}): P = σ({:.3}·margin + {:.3}·cosine + {:.3}); at 0.5 it keeps {}/{} gold pairs and {}/{} hard negatives; in-document margin P@1 {:.3}; background {} sentences a language",
        model.label,
        calibration.margin_weight,
        calibration.cosine_weight,
        calibration.intercept,
        kept(&positives),
        positives.len(),
        kept(&negatives),
        negatives.len(),
        right as f64 / asked.max(1) as f64,
        background_rows.len()
    );
    Ok(())
}

/// The group of each line from a TSV with a header: the first column of row i names line i's group.
fn read_groups(path: &Path, lines: usize) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    let groups: Vec<String> = text
        .lines()
        .skip(1)
        .map(|row| row.split('\t').next().unwrap_or_default().to_string())
        .collect();
    if groups.len() != lines {
        bail!(
            "{}: {} rows after the header, but the gold files have {lines} lines",
            path.display(),
            groups.len()
        );
    }
    Ok(groups)
}
