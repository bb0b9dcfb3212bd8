//! `pird model calibrate`: fit the model's score calibration on line-parallel gold files.
//!
//! The gold lines are grouped into documents. Every other document becomes the model's
//! background (stored as `pird-background.<lang>.npy`). The others are joined, topic by topic,
//! into news-length documents, and each is mined by the comparable aligner itself
//! ([`pird_align::PairAligner`], runs embedded as joined text, as `pird align` embeds them)
//! against its translation with 40–80 % of each side dropped and the rest shuffled (low overlap,
//! as in comparable news), as two reports sharing passages in order (20–60 % of the sentences,
//! in runs of 3 on average, the rest on one side only), with 30 % dropped and the rest shuffled,
//! and against the most similar other document, shuffled or in order (same topic, another
//! story: every pair mined there is wrong). Every
//! mined pair is an example, correct or wrong by the gold, and each document pair's examples stay
//! together, since the score also weighs what the other pairs of the document pair say. The
//! fitted calibration (with the anchor weights its margins include and the reliability measured
//! on documents held out of the fit) is stored as `pird-calibration.json`.

use crate::cli::{LangChoice, ModelCalibrateArgs};
use crate::embedding::{embed_runs, open_model};
use crate::progress;
use crate::sentence_input::{read_one_doc, SplitMode};
use anyhow::{bail, Context, Result};
use pird_align::{
    most_similar_other_documents, AnchorScorer, Background, Calibration, MinedCase, PairAligner,
    PairSide, ReliabilityBin, DEFAULT_K,
};
use pird_eval::{
    coarse_topic, draw_mining_cases, join_by_topic, CaseSettings, MiningCase, TopicDocument,
};
use pird_io::background;
use pird_text::Lang;
use std::ops::Range;
use std::path::Path;

/// Lines a pseudo-document holds when no `--groups` file is given.
const LINES_PER_PSEUDO_DOCUMENT: usize = 8;

/// Sentences of a joined calibration document: at least the first, at most the second (news
/// articles run to 15–30 sentences).
const JOINED_LENGTH: (usize, usize) = (15, 30);

/// Range of the share of sentences each side of a low-overlap case loses.
const LOW_OVERLAP_DROP: Range<f64> = 0.4..0.8;

/// Range of the share of sentences in passages both sides keep, in order.
const SHARED_PASSAGES: Range<f64> = 0.2..0.6;

/// Share of sentences each side of the high-overlap case loses (as `pird eval suite` drops).
const HIGH_OVERLAP_DROP: f64 = 0.3;

/// Times each document is drawn into cases (one draw of every kind served as well as three on
/// the bundled data, and embedding the cases' joined runs is most of the time).
const DRAWS: usize = 1;

/// Folds of documents for the reliability measured out of sample.
const RELIABILITY_FOLDS: usize = 2;

/// Seed of the cases (the calibration is reproducible).
const CALIBRATION_SEED: u64 = 20_211_224;

/// Fits and stores the calibration and background of the model.
pub fn run(args: &ModelCalibrateArgs, quiet: bool) -> Result<()> {
    let bar = progress::bar(0, "texts", quiet);
    let gold = GoldSet::read(args, &bar)?;
    if gold.lines.len() < 4 {
        bail!(
            "calibration needs at least 4 documents in {}, found {}",
            args.source.display(),
            gold.lines.len()
        );
    }
    let mut model = open_model(&args.model)?;

    // Background: the even documents' sentences, embedded one by one.
    let background_docs: Vec<&TopicDocument> = gold.lines.iter().step_by(2).collect();
    let side = |pick: fn(&TopicDocument) -> &Vec<String>| -> Vec<String> {
        background_docs
            .iter()
            .flat_map(|d| pick(d).iter().cloned())
            .collect()
    };
    let mut runs = embed_runs(
        &mut model,
        &[&side(|d| &d.source), &side(|d| &d.target)],
        1,
        &bar,
    )?;
    let background = Background {
        target: runs.pop().expect("two sides").sentences().to_owned(),
        source: runs.pop().expect("two sides").sentences().to_owned(),
    };

    // Calibration documents: the odd ones, joined by topic to news length, and the others given.
    let odd: Vec<&TopicDocument> = gold.lines.iter().skip(1).step_by(2).collect();
    let mut documents = join_by_topic(&odd, JOINED_LENGTH);
    let joined = documents.len();
    documents.extend(gold.more.iter().cloned());
    let cases = draw_cases(&documents, &background, &mut model, &bar)?;
    bar.finish_and_clear();

    let anchor_scorer = AnchorScorer::default();
    let miner = PairAligner::uncalibrated_miner(Some(background.clone()), anchor_scorer);
    let mined = mine_cases(&miner, &cases, (gold.source_lang, gold.target_lang))?;
    if let Some(path) = &args.examples {
        write_examples(path, &cases.cases, &documents, &mined)?;
    }
    let fitted_on = fitted_on(args, &gold, background_docs.len(), odd.len(), joined);
    let mut calibration = Calibration::fit_documents(&mined, &fitted_on)?;
    calibration.reliability = Calibration::cross_fitted_reliability(&mined, RELIABILITY_FOLDS)?;
    calibration.anchors = Some(anchor_scorer);
    calibration.text_form = Some(pird_embed::TEXT_FORM.to_string());
    pird_io::write_bytes_atomically(
        &model.dir.path.join(pird_align::CALIBRATION_FILE),
        calibration.to_json().as_bytes(),
    )?;
    background::save(&model.dir.path, gold.source_lang, &background.source)?;
    background::save(&model.dir.path, gold.target_lang, &background.target)?;
    print_summary(
        &model.label,
        &calibration,
        &mined,
        background.source.nrows(),
    );
    Ok(())
}

/// Mines every case with the uncalibrated miner and marks each candidate correct or wrong by
/// the case's gold.
fn mine_cases(miner: &PairAligner, cases: &Cases, langs: (Lang, Lang)) -> Result<Vec<MinedCase>> {
    let mut mined = Vec::with_capacity(cases.cases.len());
    for (case, (source_runs, target_runs)) in cases.cases.iter().zip(&cases.runs) {
        let side = |texts, runs, lang| PairSide { runs, texts, lang };
        let candidates = miner.mine_candidates(
            side(&case.source_texts, source_runs, Some(langs.0)),
            side(&case.target_texts, target_runs, Some(langs.1)),
        )?;
        mined.push(MinedCase {
            sizes: (case.source_texts.len(), case.target_texts.len()),
            pairs: candidates
                .into_iter()
                .map(|c| {
                    let correct = c
                        .source
                        .clone()
                        .any(|s| c.target.clone().any(|t| case.is_gold(s, t)));
                    (c.evidence, correct)
                })
                .collect(),
            group: case.document,
        });
    }
    Ok(mined)
}

/// What the calibration was fitted on, for its `fitted_on` record.
fn fitted_on(
    args: &ModelCalibrateArgs,
    gold: &GoldSet,
    background_docs: usize,
    odd: usize,
    joined: usize,
) -> String {
    let more = match args.documents.is_empty() {
        true => String::new(),
        false => format!(
            " and {} documents of {}",
            gold.more.len(),
            args.documents
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    format!(
        "{} + {}: {background_docs} documents as background; {odd} others joined by topic into {joined} documents of {}–{} sentences{more}, each mined (mutual best and diagonal neighbours, ratio margin k = {DEFAULT_K}, anchors, runs of two embedded joined) with 40–80 % of each side dropped and shuffled, as shared passages in order, with 30 % dropped and shuffled, and against its most similar other document (shuffled and in order)",
        args.source.display(),
        args.target.display(),
        JOINED_LENGTH.0,
        JOINED_LENGTH.1,
    )
}

/// The calibration's gold: the line-parallel files' documents and the other documents given.
struct GoldSet {
    source_lang: Lang,
    target_lang: Lang,
    /// Documents of the line-parallel files, in file order.
    lines: Vec<TopicDocument>,
    /// Documents of the `--documents` files, as they are.
    more: Vec<TopicDocument>,
}

impl GoldSet {
    fn read(args: &ModelCalibrateArgs, bar: &indicatif::ProgressBar) -> Result<Self> {
        let lines = SplitMode::Lines { keep_blank: true };
        let source = read_one_doc(&args.source, lines, LangChoice::Auto, bar)?;
        let target = read_one_doc(&args.target, lines, LangChoice::Auto, bar)?;
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
        Ok(Self {
            source_lang,
            target_lang,
            lines: group_lines(args, &source.texts, &target.texts)?,
            more: read_more(args, (source_lang, target_lang))?,
        })
    }
}

/// The line-parallel files' usable lines (both sides non-empty, not skipped) grouped into
/// documents by `--groups`, or into pseudo-documents of [`LINES_PER_PSEUDO_DOCUMENT`] lines.
fn group_lines(
    args: &ModelCalibrateArgs,
    source: &[String],
    target: &[String],
) -> Result<Vec<TopicDocument>> {
    let n = source.len();
    let (groups, topics) = match &args.groups {
        Some(path) => read_groups(path, n)?,
        None => (
            (0..n)
                .map(|i| (i / LINES_PER_PSEUDO_DOCUMENT).to_string())
                .collect(),
            vec![String::new(); n],
        ),
    };
    let mut documents: Vec<TopicDocument> = Vec::new();
    for i in 0..n {
        let usable = !args.skip_lines.contains(&(i + 1))
            && !source[i].trim().is_empty()
            && !target[i].trim().is_empty();
        if !usable {
            continue;
        }
        if documents.last().is_none_or(|d| d.id != groups[i]) {
            documents.push(TopicDocument {
                id: groups[i].clone(),
                source: Vec::new(),
                target: Vec::new(),
                topic: topics[i].clone(),
            });
        }
        let doc = documents.last_mut().expect("pushed above");
        doc.source.push(source[i].clone());
        doc.target.push(target[i].clone());
    }
    Ok(documents)
}

/// The documents of the `--documents` files whose ids start with a `--select` prefix (all
/// without one); an error when files are given and nothing is selected.
fn read_more(
    args: &ModelCalibrateArgs,
    (source_lang, target_lang): (Lang, Lang),
) -> Result<Vec<TopicDocument>> {
    let mut more = Vec::new();
    for path in &args.documents {
        let documents =
            pird_eval::read_bilingual_documents(path, source_lang.code(), target_lang.code())
                .with_context(|| {
                    format!(
                        "{}: cannot read its {source_lang} and {target_lang} documents",
                        path.display()
                    )
                })?;
        more.extend(
            documents
                .into_iter()
                .filter(|doc| {
                    args.select.is_empty()
                        || args.select.iter().any(|p| doc.id.starts_with(p.as_str()))
                })
                .map(|doc| TopicDocument {
                    id: doc.id,
                    topic: String::new(),
                    source: doc.source,
                    target: doc.target,
                }),
        );
    }
    if !args.documents.is_empty() && more.is_empty() {
        bail!(
            "no document of {} has an id starting with {}",
            args.documents
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            args.select.join(" or ")
        );
    }
    Ok(more)
}

/// The group of each line from a TSV with a header (the first column), and its topic (the
/// `topic` column lower-cased up to its first comma, space or slash, without a plural `s`, so
/// that "Crime and Law" and "crime" meet; empty when there is no such column).
fn read_groups(path: &Path, lines: usize) -> Result<(Vec<String>, Vec<String>)> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    let mut rows = text.lines();
    let header: Vec<&str> = rows.next().unwrap_or_default().split('\t').collect();
    let topic_column = header.iter().position(|h| h.trim() == "topic");
    let (mut groups, mut topics) = (Vec::new(), Vec::new());
    for row in rows {
        let fields: Vec<&str> = row.split('\t').collect();
        groups.push(fields[0].to_string());
        let topic = topic_column
            .and_then(|c| fields.get(c))
            .map(|t| coarse_topic(t))
            .unwrap_or_default();
        topics.push(topic);
    }
    if groups.len() != lines {
        bail!(
            "{}: {} rows after the header, but the gold files have {lines} lines",
            path.display(),
            groups.len()
        );
    }
    Ok((groups, topics))
}

/// The cases and their embedded runs (runs of one and two sentences).
struct Cases {
    cases: Vec<MiningCase>,
    runs: Vec<(pird_align::Overlaps, pird_align::Overlaps)>,
}

/// Draws every case of every document and embeds their runs in one pass.
fn draw_cases(
    documents: &[TopicDocument],
    background: &Background,
    model: &mut crate::embedding::OpenModel,
    bar: &indicatif::ProgressBar,
) -> Result<Cases> {
    // The most similar other document, by the mean of its centred sentence vectors (source
    // side against target side, as a user's same-topic pair would be found).
    let side = |pick: fn(&TopicDocument) -> &Vec<String>| -> Vec<String> {
        documents
            .iter()
            .flat_map(|d| pick(d).iter().cloned())
            .collect()
    };
    let runs = embed_runs(model, &[&side(|d| &d.source), &side(|d| &d.target)], 1, bar)?;
    let lengths: Vec<usize> = documents.iter().map(|d| d.source.len()).collect();
    let nearest = most_similar_other_documents(
        runs[0].sentences(),
        runs[1].sentences(),
        &lengths,
        Some(background),
    );

    let settings = CaseSettings {
        low_overlap_drop: LOW_OVERLAP_DROP,
        shared_passages: SHARED_PASSAGES,
        high_overlap_drop: HIGH_OVERLAP_DROP,
        draws: DRAWS,
        seed: CALIBRATION_SEED,
    };
    let cases = draw_mining_cases(documents, &nearest, &settings);
    let texts: Vec<&[String]> = cases
        .iter()
        .flat_map(|c| [c.source_texts.as_slice(), c.target_texts.as_slice()])
        .collect();
    let mut runs = embed_runs(model, &texts, 2, bar)?.into_iter();
    let runs = cases
        .iter()
        .map(|_| {
            (
                runs.next().expect("source runs"),
                runs.next().expect("target runs"),
            )
        })
        .collect();
    Ok(Cases { cases, runs })
}

/// Writes every example (case, kind, document, sizes, features, correct) as a TSV.
fn write_examples(
    path: &Path,
    cases: &[MiningCase],
    documents: &[TopicDocument],
    mined: &[MinedCase],
) -> Result<()> {
    let mut out = String::from("case\tkind\tdocument\tother\tsource_sentences\ttarget_sentences\tmargin\tcosine\tneighbour_margin\tneighbour_cosine\tcorrect\n");
    for (c, (case, mined)) in cases.iter().zip(mined).enumerate() {
        for (evidence, correct) in &mined.pairs {
            out.push_str(&format!(
                "{c}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{correct}\n",
                case.kind,
                documents[case.document].id,
                documents[case.other].id,
                mined.sizes.0,
                mined.sizes.1,
                evidence.features.margin,
                evidence.features.cosine,
                evidence
                    .neighbour
                    .map_or(String::new(), |n| n.margin.to_string()),
                evidence
                    .neighbour
                    .map_or(String::new(), |n| n.cosine.to_string()),
            ));
        }
    }
    pird_io::write_atomically(path, |file| {
        use std::io::Write;
        std::io::BufWriter::new(file)
            .write_all(out.as_bytes())
            .context("cannot write the calibration examples")
    })?;
    Ok(())
}

fn print_summary(label: &str, calibration: &Calibration, mined: &[MinedCase], background: usize) {
    let (mut kept_right, mut right, mut kept_wrong, mut wrong) = (0, 0, 0, 0);
    for case in mined {
        let evidence = case.evidence();
        let scores = calibration.document_probabilities(&evidence, case.sizes);
        for (p, (_, correct)) in scores.iter().zip(&case.pairs) {
            let kept = usize::from(*p >= 0.5);
            if *correct {
                (right, kept_right) = (right + 1, kept_right + kept);
            } else {
                (wrong, kept_wrong) = (wrong + 1, kept_wrong + kept);
            }
        }
    }
    let stage = calibration.document.map_or(String::new(), |d| {
        format!(
            "; document stage: σ({:.3}·pair logit + {:.3}·support share + {:.3}·neighbour + {:.3}·neighbour × order + {:.3})",
            d.pair_weight, d.share_weight, d.neighbour_weight, d.ordered_neighbour_weight, d.intercept
        )
    });
    println!(
        "calibrated {label}: pair logit = {:.3}·margin + {:.3}·cosine + {:.3}{stage}; at 0.5 it keeps {kept_right}/{right} correct mined pairs and {kept_wrong}/{wrong} wrong ones; background {background} sentences a language",
        calibration.margin_weight, calibration.cosine_weight, calibration.intercept,
    );
    println!("reliability on documents held out of the fit ({RELIABILITY_FOLDS} folds):");
    println!("  predicted     pairs  mean predicted  observed");
    for ReliabilityBin {
        lower,
        upper,
        pairs,
        predicted,
        observed,
    } in &calibration.reliability
    {
        println!("  {lower:.1}–{upper:.1}  {pairs:>9}  {predicted:>14.3}  {observed:>8.3}");
    }
}
