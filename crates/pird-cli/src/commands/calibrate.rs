//! `pird model calibrate`: fit the model's score calibration on line-parallel gold files.
//!
//! The gold lines are grouped into documents. Every other document becomes the model's
//! background (stored as `pird-background.<lang>.npy`). Each remaining document is mined the way
//! `pird align --mode comparable` mines a pair (against that background, with anchors) in three
//! settings: against its translation, against its translation with 30 % of each side dropped and
//! the rest shuffled, and against an unrelated document. Every mined pair is an example, correct
//! or wrong by the gold, so that the probability describes the pairs the miner proposes, in
//! translations, comparable texts and unrelated texts alike. The fitted calibration (with the
//! anchor weights its margins include) is stored as `pird-calibration.json`.

use crate::background;
use crate::cli::{LangChoice, ModelCalibrateArgs};
use crate::embedding::open_model;
use crate::progress;
use crate::sentence_input::{read_one_doc, SplitMode};
use anyhow::{bail, Context, Result};
use ndarray::ArrayView2;
use ndarray::{Array2, Axis};
use pird_align::{
    mine_with_scorer, AnchorEvidence, AnchorScorer, Background, Calibration, MiningConfig,
    Overlaps, PairFeatures, PairScorer, DEFAULT_K,
};
use pird_eval::drop_and_shuffle;
use pird_text::{Anchors, Lang};
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::path::Path;

/// Lines a pseudo-document holds when no `--groups` file is given.
const LINES_PER_PSEUDO_DOCUMENT: usize = 8;

/// Share of sentences each side of a comparable training case loses.
const COMPARABLE_DROP_RATE: f64 = 0.3;

/// Seed of the comparable training cases (the calibration is reproducible).
const CALIBRATION_SEED: u64 = 20_211_224;

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

    let anchor_scorer = AnchorScorer::default();
    let anchors = |texts: &[String], lang: Lang| -> Vec<Anchors> {
        keep.iter()
            .map(|&i| Anchors::extract(&texts[i], lang))
            .collect()
    };
    let (source_anchors, target_anchors) = (
        anchors(&source.texts, source_lang),
        anchors(&target.texts, target_lang),
    );
    let held_out: Vec<&std::ops::Range<usize>> = documents
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|d| d.len() >= 2)
        .collect();
    let mut rng = StdRng::seed_from_u64(CALIBRATION_SEED);
    let mut examples = Examples::default();
    for (d, doc) in held_out.iter().enumerate() {
        let other = held_out[(d + 1) % held_out.len()];
        let whole: Vec<usize> = (*doc).clone().collect();
        // Translations: every sentence has its partner.
        let gold = |s: usize, t: usize| s == t;
        examples.mine(
            &Side::of(&whole, &source_vectors, &source_anchors),
            &Side::of(&whole, &target_vectors, &target_anchors),
            &background,
            anchor_scorer,
            gold,
        );
        // Comparable texts: each side loses 30 % of its sentences and the rest are shuffled.
        let case = drop_and_shuffle(doc.len(), COMPARABLE_DROP_RATE, &mut rng);
        let rows = |units: &[usize]| units.iter().map(|&u| doc.start + u).collect::<Vec<_>>();
        let (kept_source, kept_target) = (rows(&case.source), rows(&case.target));
        if !kept_source.is_empty() && !kept_target.is_empty() {
            let gold = |s: usize, t: usize| kept_source[s] == kept_target[t];
            examples.mine(
                &Side::of(&kept_source, &source_vectors, &source_anchors),
                &Side::of(&kept_target, &target_vectors, &target_anchors),
                &background,
                anchor_scorer,
                gold,
            );
        }
        // Unrelated texts: another document's sentences, none a translation.
        if !std::ptr::eq(other, *doc) {
            let unrelated: Vec<usize> = other.clone().collect();
            examples.mine(
                &Side::of(&whole, &source_vectors, &source_anchors),
                &Side::of(&unrelated, &target_vectors, &target_anchors),
                &background,
                anchor_scorer,
                |_, _| false,
            );
        }
    }
    let Examples {
        positives,
        negatives,
    } = examples;
    let fitted_on = format!(
        "{} + {}: {} documents as background; pairs mined (mutual best, ratio margin k = {DEFAULT_K}, anchors) from {} others as translations, with 30 % dropped and shuffled, and against an unrelated document",
        args.source.display(),
        args.target.display(),
        documents.len().div_ceil(2),
        held_out.len()
    );
    let mut calibration = Calibration::fit(&positives, &negatives, &fitted_on)?;
    calibration.anchors = Some(anchor_scorer);
    calibration.text_form = Some(pird_embed::TEXT_FORM.to_string());
    calibration.save(&model.dir.path)?;
    background::save(&model.dir.path, source_lang, &background.source)?;
    background::save(&model.dir.path, target_lang, &background.target)?;
    let kept = |set: &[PairFeatures]| {
        set.iter()
            .filter(|f| calibration.probability(**f) >= 0.5)
            .count()
    };
    println!(
        "calibrated {} ({source_lang}–{target_lang}): P = σ({:.3}·margin + {:.3}·cosine + {:.3}); at 0.5 it keeps {}/{} correct mined pairs and {}/{} wrong ones; background {} sentences a language",
        model.label,
        calibration.margin_weight,
        calibration.cosine_weight,
        calibration.intercept,
        kept(&positives),
        positives.len(),
        kept(&negatives),
        negatives.len(),
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

/// Some sentences of one language: their rows in the embedded lines, vectors and anchors.
struct Side {
    vectors: Array2<f32>,
    anchors: Vec<Anchors>,
}

impl Side {
    fn of(rows: &[usize], vectors: &ArrayView2<f32>, anchors: &[Anchors]) -> Self {
        Self {
            vectors: vectors.select(Axis(0), rows),
            anchors: rows.iter().map(|&r| anchors[r].clone()).collect(),
        }
    }
}

/// Features of mined pairs, sorted into correct and wrong.
#[derive(Default)]
struct Examples {
    positives: Vec<PairFeatures>,
    negatives: Vec<PairFeatures>,
}

impl Examples {
    /// Mines the two sides as `pird align --mode comparable` does and files every mined pair by
    /// `gold(source, target)` of its sentences (a merged pair is correct when one link is).
    fn mine(
        &mut self,
        source: &Side,
        target: &Side,
        background: &Background,
        anchor_scorer: AnchorScorer,
        gold: impl Fn(usize, usize) -> bool,
    ) {
        let source_runs = Overlaps::by_summing(source.vectors.view(), 2);
        let target_runs = Overlaps::by_summing(target.vectors.view(), 2);
        let evidence = AnchorEvidence::from_anchors(
            source.anchors.clone(),
            target.anchors.clone(),
            anchor_scorer,
        );
        let scorer = PairScorer::with_background(&source_runs, &target_runs, background, DEFAULT_K)
            .with_anchors(evidence);
        for pair in mine_with_scorer(
            &scorer,
            &source_runs,
            &target_runs,
            &MiningConfig::default(),
        ) {
            let features = PairFeatures {
                margin: pair.margin,
                cosine: pair.cosine,
            };
            let correct = pair
                .source
                .clone()
                .any(|s| pair.target.clone().any(|t| gold(s, t)));
            if correct {
                self.positives.push(features);
            } else {
                self.negatives.push(features);
            }
        }
    }
}
