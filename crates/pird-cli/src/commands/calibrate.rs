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

use crate::background;
use crate::cli::{LangChoice, ModelCalibrateArgs};
use crate::embedding::{embed_runs, open_model};
use crate::progress;
use crate::sentence_input::{read_one_doc, SplitMode};
use anyhow::{bail, Context, Result};
use pird_align::{
    most_similar_other_documents, AnchorScorer, Background, Calibration, MinedCase, PairAligner,
    PairSide, ReliabilityBin, DEFAULT_K,
};
use pird_eval::{drop_and_shuffle, drop_and_shuffle_sides, shared_passages, ComparableCase};
use pird_text::Lang;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
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
    let background_docs: Vec<&GoldDoc> = gold.lines.iter().step_by(2).collect();
    let side = |pick: fn(&GoldDoc) -> &Vec<String>| -> Vec<String> {
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
    let odd: Vec<&GoldDoc> = gold.lines.iter().skip(1).step_by(2).collect();
    let mut documents = join_by_topic(&odd);
    let joined = documents.len();
    documents.extend(gold.more.iter().cloned());
    let cases = draw_cases(&documents, &background, &mut model, &bar)?;
    bar.finish_and_clear();

    let anchor_scorer = AnchorScorer::default();
    let miner = PairAligner::uncalibrated_miner(Some(background.clone()), anchor_scorer);
    let mut mined = Vec::with_capacity(cases.cases.len());
    for (case, (source_runs, target_runs)) in cases.cases.iter().zip(&cases.runs) {
        let side = |texts, runs, lang| PairSide { runs, texts, lang };
        let candidates = miner.mine_candidates(
            side(&case.source_texts, source_runs, Some(gold.source_lang)),
            side(&case.target_texts, target_runs, Some(gold.target_lang)),
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
    if let Some(path) = &args.examples {
        write_examples(path, &cases.cases, &documents, &mined)?;
    }
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
    let fitted_on = format!(
        "{} + {}: {} documents as background; {} others joined by topic into {joined} documents of {}–{} sentences{more}, each mined (mutual best and diagonal neighbours, ratio margin k = {DEFAULT_K}, anchors, runs of two embedded joined) with 40–80 % of each side dropped and shuffled, as shared passages in order, with 30 % dropped and shuffled, and against its most similar other document (shuffled and in order)",
        args.source.display(),
        args.target.display(),
        background_docs.len(),
        odd.len(),
        JOINED_LENGTH.0,
        JOINED_LENGTH.1,
    );
    let mut calibration = Calibration::fit_documents(&mined, &fitted_on)?;
    calibration.reliability = Calibration::cross_fitted_reliability(&mined, RELIABILITY_FOLDS)?;
    calibration.anchors = Some(anchor_scorer);
    calibration.text_form = Some(pird_embed::TEXT_FORM.to_string());
    calibration.save(&model.dir.path)?;
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

/// A gold document: parallel sentences (line i of one side translating line i of the other),
/// its topic, and where it comes from.
#[derive(Debug, Clone)]
struct GoldDoc {
    id: String,
    source: Vec<String>,
    target: Vec<String>,
    topic: String,
}

/// The calibration's gold: the line-parallel files' documents and the other documents given.
struct GoldSet {
    source_lang: Lang,
    target_lang: Lang,
    /// Documents of the line-parallel files, in file order.
    lines: Vec<GoldDoc>,
    /// Documents of the `--documents` files, as they are.
    more: Vec<GoldDoc>,
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
        let n = source.texts.len();
        let (groups, topics) = match &args.groups {
            Some(path) => read_groups(path, n)?,
            None => (
                (0..n)
                    .map(|i| (i / LINES_PER_PSEUDO_DOCUMENT).to_string())
                    .collect(),
                vec![String::new(); n],
            ),
        };
        let mut documents: Vec<GoldDoc> = Vec::new();
        for i in 0..n {
            let usable = !args.skip_lines.contains(&(i + 1))
                && !source.texts[i].trim().is_empty()
                && !target.texts[i].trim().is_empty();
            if !usable {
                continue;
            }
            if documents.last().is_none_or(|d| d.id != groups[i]) {
                documents.push(GoldDoc {
                    id: groups[i].clone(),
                    source: Vec::new(),
                    target: Vec::new(),
                    topic: topics[i].clone(),
                });
            }
            let doc = documents.last_mut().expect("pushed above");
            doc.source.push(source.texts[i].clone());
            doc.target.push(target.texts[i].clone());
        }
        let mut more = Vec::new();
        for path in &args.documents {
            let read = |lang: Lang| {
                pird_eval::read_document_tsv_column(path, lang.code()).with_context(|| {
                    format!("{}: cannot read its {lang} documents", path.display())
                })
            };
            for (s, t) in read(source_lang)?.into_iter().zip(read(target_lang)?) {
                let selected = args.select.is_empty()
                    || args.select.iter().any(|p| s.id.starts_with(p.as_str()));
                if !selected {
                    continue;
                }
                let texts = |doc: pird_eval::Document| -> Vec<String> {
                    doc.sentences.into_iter().map(|s| s.text).collect()
                };
                more.push(GoldDoc {
                    id: s.id.clone(),
                    topic: String::new(),
                    source: texts(s),
                    target: texts(t),
                });
            }
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
        Ok(Self {
            source_lang,
            target_lang,
            lines: documents,
            more,
        })
    }
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

/// A topic label reduced to its first word, lower-cased and singular.
fn coarse_topic(label: &str) -> String {
    let word = label
        .trim()
        .split([',', ' ', '/'])
        .next()
        .unwrap_or_default()
        .to_lowercase();
    word.strip_suffix('s').unwrap_or(&word).to_string()
}

/// Packs documents, grouped by topic (in order of first appearance), into documents of
/// [`JOINED_LENGTH`] sentences: a document is closed once it reaches the shortest length, or
/// before the next would take it past the longest; a short last one joins the one before.
fn join_by_topic(documents: &[&GoldDoc]) -> Vec<GoldDoc> {
    let mut topics: Vec<&str> = Vec::new();
    for doc in documents {
        if !topics.contains(&doc.topic.as_str()) {
            topics.push(&doc.topic);
        }
    }
    let ordered = topics
        .iter()
        .flat_map(|topic| documents.iter().filter(move |d| d.topic == *topic));
    let mut joined: Vec<GoldDoc> = Vec::new();
    let mut current: Option<GoldDoc> = None;
    for doc in ordered {
        if let Some(open) = current.as_mut() {
            if open.source.len() + doc.source.len() > JOINED_LENGTH.1 {
                joined.extend(current.take());
            }
        }
        let open = current.get_or_insert_with(|| GoldDoc {
            id: doc.id.clone(),
            source: Vec::new(),
            target: Vec::new(),
            topic: doc.topic.clone(),
        });
        open.source.extend(doc.source.iter().cloned());
        open.target.extend(doc.target.iter().cloned());
        if open.source.len() >= JOINED_LENGTH.0 {
            joined.extend(current.take());
        }
    }
    if let Some(rest) = current {
        match joined.last_mut() {
            Some(last) if last.source.len() + rest.source.len() <= JOINED_LENGTH.1 => {
                last.source.extend(rest.source);
                last.target.extend(rest.target);
            }
            _ => joined.push(rest),
        }
    }
    joined
}

/// One document pair to mine: its sentences, and which sentence of which gold document each
/// side's sentences are (a pair is correct when both are the same sentence of one document).
struct Case {
    document: usize,
    other: usize,
    source_units: Vec<usize>,
    target_units: Vec<usize>,
    source_texts: Vec<String>,
    target_texts: Vec<String>,
    /// The kind of case, for the examples file.
    kind: &'static str,
}

impl Case {
    /// A case whose source side is document `document` kept as `source` keeps its source units,
    /// and whose target side is document `other` kept as `target` keeps its target units.
    fn new(
        documents: &[GoldDoc],
        (document, source): (usize, &ComparableCase),
        (other, target): (usize, &ComparableCase),
        kind: &'static str,
    ) -> Self {
        let pick = |texts: &[String], units: &[usize]| -> Vec<String> {
            units.iter().map(|&u| texts[u].clone()).collect()
        };
        Case {
            document,
            other,
            source_texts: pick(&documents[document].source, &source.source),
            target_texts: pick(&documents[other].target, &target.target),
            source_units: source.source.clone(),
            target_units: target.target.clone(),
            kind,
        }
    }

    fn is_gold(&self, s: usize, t: usize) -> bool {
        self.document == self.other && self.source_units[s] == self.target_units[t]
    }
}

/// The cases and their embedded runs (runs of one and two sentences).
struct Cases {
    cases: Vec<Case>,
    runs: Vec<(pird_align::Overlaps, pird_align::Overlaps)>,
}

/// Draws every case of every document and embeds their runs in one pass.
fn draw_cases(
    documents: &[GoldDoc],
    background: &Background,
    model: &mut crate::embedding::OpenModel,
    bar: &indicatif::ProgressBar,
) -> Result<Cases> {
    // The most similar other document, by the mean of its centred sentence vectors (source
    // side against target side, as a user's same-topic pair would be found).
    let side = |pick: fn(&GoldDoc) -> &Vec<String>| -> Vec<String> {
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

    let mut rng = StdRng::seed_from_u64(CALIBRATION_SEED);
    let mut cases = Vec::new();
    for _ in 0..DRAWS {
        for (d, doc) in documents.iter().enumerate() {
            let n = doc.source.len();
            let rates = (
                rng.random_range(LOW_OVERLAP_DROP),
                rng.random_range(LOW_OVERLAP_DROP),
            );
            let low = drop_and_shuffle_sides(n, rates, &mut rng);
            let ordered = shared_passages(n, rng.random_range(SHARED_PASSAGES), &mut rng);
            let high = drop_and_shuffle(n, HIGH_OVERLAP_DROP, &mut rng);
            cases.push(Case::new(documents, (d, &low), (d, &low), "low-overlap"));
            cases.push(Case::new(
                documents,
                (d, &ordered),
                (d, &ordered),
                "shared-passages",
            ));
            cases.push(Case::new(documents, (d, &high), (d, &high), "high-overlap"));
            if let Some(other) = nearest[d] {
                // Another story: its target side, thinned (and shuffled or not) like ours.
                let m = documents[other].source.len();
                let theirs = drop_and_shuffle_sides(m, rates, &mut rng);
                cases.push(Case::new(
                    documents,
                    (d, &low),
                    (other, &theirs),
                    "same-topic",
                ));
                let theirs = shared_passages(m, rng.random_range(SHARED_PASSAGES), &mut rng);
                let kind = "same-topic-in-order";
                cases.push(Case::new(documents, (d, &ordered), (other, &theirs), kind));
            }
        }
    }
    cases.retain(|c| !c.source_texts.is_empty() && !c.target_texts.is_empty());
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
    cases: &[Case],
    documents: &[GoldDoc],
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
    crate::tables::write_atomically(path, |file| {
        use std::io::Write;
        std::io::BufWriter::new(file)
            .write_all(out.as_bytes())
            .context("cannot write the calibration examples")
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(topic: &str, len: usize) -> GoldDoc {
        GoldDoc {
            id: format!("{topic}{len}"),
            source: (0..len).map(|i| format!("{topic} {i}")).collect(),
            target: (0..len).map(|i| format!("{topic} {i}")).collect(),
            topic: topic.to_string(),
        }
    }

    #[test]
    fn documents_are_packed_by_topic_to_news_length() {
        let docs = [
            doc("travel", 6),
            doc("sport", 5),
            doc("travel", 7),
            doc("travel", 8),
            doc("travel", 4),
            doc("sport", 3),
        ];
        let refs: Vec<&GoldDoc> = docs.iter().collect();
        let joined = join_by_topic(&refs);
        let sizes: Vec<usize> = joined.iter().map(|d| d.source.len()).collect();
        // travel 6 + 7 + 8 = 21 closes one; travel 4 + sport 5 + 3 = 12 is short but would
        // take it past 30, so it stands alone.
        assert_eq!(sizes, vec![21, 12]);
        let joined = join_by_topic(&refs[..4]);
        // The short sport document joins the travel one (26 ≤ 30).
        assert_eq!(joined.len(), 1);
        assert_eq!(joined[0].source.len(), 26);
        assert_eq!(joined[0].source[21], "sport 0");
    }

    #[test]
    fn topics_meet_in_their_first_word() {
        assert_eq!(coarse_topic("Crime and Law"), "crime");
        assert_eq!(coarse_topic("travel, accomodation"), "travel");
        assert_eq!(coarse_topic("Sports"), "sport");
        assert_eq!(coarse_topic("science/disease"), "science");
    }
}
