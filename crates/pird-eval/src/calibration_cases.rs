//! Labelled comparable-mining cases made from parallel documents, for fitting and checking a
//! score calibration: each document against its translation with low overlap (sides thinned
//! and shuffled), as two reports sharing passages in order, with high overlap, and against its
//! most similar other document (same topic, another story: every pair mined there is wrong).

use crate::synthetic::{drop_and_shuffle, drop_and_shuffle_sides, shared_passages, ComparableCase};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::ops::Range;

/// A parallel document (sentence i of one side translating sentence i of the other) and its
/// topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicDocument {
    /// The document's id.
    pub id: String,
    /// Its topic ("" when unknown).
    pub topic: String,
    /// Source sentences.
    pub source: Vec<String>,
    /// Target sentences.
    pub target: Vec<String>,
}

/// A topic label reduced to its first word, lower-cased and singular, so that "Crime and Law"
/// and "crime" meet.
pub fn coarse_topic(label: &str) -> String {
    let word = label
        .trim()
        .split([',', ' ', '/'])
        .next()
        .unwrap_or_default()
        .to_lowercase();
    word.strip_suffix('s').unwrap_or(&word).to_string()
}

/// Packs documents, grouped by topic (in order of first appearance), into documents of
/// `length.0` to `length.1` sentences: a document is closed once it reaches the shortest
/// length, or before the next would take it past the longest; a short last one joins the one
/// before.
pub fn join_by_topic(documents: &[&TopicDocument], length: (usize, usize)) -> Vec<TopicDocument> {
    let mut topics: Vec<&str> = Vec::new();
    for doc in documents {
        if !topics.contains(&doc.topic.as_str()) {
            topics.push(&doc.topic);
        }
    }
    let ordered = topics
        .iter()
        .flat_map(|topic| documents.iter().filter(move |d| d.topic == *topic));
    let mut joined: Vec<TopicDocument> = Vec::new();
    let mut current: Option<TopicDocument> = None;
    for doc in ordered {
        if let Some(open) = current.as_mut() {
            if open.source.len() + doc.source.len() > length.1 {
                joined.extend(current.take());
            }
        }
        let open = current.get_or_insert_with(|| TopicDocument {
            id: doc.id.clone(),
            topic: doc.topic.clone(),
            source: Vec::new(),
            target: Vec::new(),
        });
        open.source.extend(doc.source.iter().cloned());
        open.target.extend(doc.target.iter().cloned());
        if open.source.len() >= length.0 {
            joined.extend(current.take());
        }
    }
    if let Some(rest) = current {
        match joined.last_mut() {
            Some(last) if last.source.len() + rest.source.len() <= length.1 => {
                last.source.extend(rest.source);
                last.target.extend(rest.target);
            }
            _ => joined.push(rest),
        }
    }
    joined
}

/// One document pair to mine: its sentences, and which sentence of which document each side's
/// sentences are (a pair is correct when both are the same sentence of one document).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MiningCase {
    /// The document the source side comes from.
    pub document: usize,
    /// The document the target side comes from (the same one, or another story).
    pub other: usize,
    /// The source side's sentences as positions in its document.
    pub source_units: Vec<usize>,
    /// The target side's sentences as positions in its document.
    pub target_units: Vec<usize>,
    /// The source side's sentences.
    pub source_texts: Vec<String>,
    /// The target side's sentences.
    pub target_texts: Vec<String>,
    /// The construction: `low-overlap`, `shared-passages`, `high-overlap`, `same-topic` or
    /// `same-topic-in-order`.
    pub kind: &'static str,
}

impl MiningCase {
    /// A case whose source side is document `document` kept as `source` keeps its source
    /// units, and whose target side is document `other` kept as `target` keeps its target units.
    fn new(
        documents: &[TopicDocument],
        (document, source): (usize, &ComparableCase),
        (other, target): (usize, &ComparableCase),
        kind: &'static str,
    ) -> Self {
        let pick = |texts: &[String], units: &[usize]| -> Vec<String> {
            units.iter().map(|&u| texts[u].clone()).collect()
        };
        MiningCase {
            document,
            other,
            source_texts: pick(&documents[document].source, &source.source),
            target_texts: pick(&documents[other].target, &target.target),
            source_units: source.source.clone(),
            target_units: target.target.clone(),
            kind,
        }
    }

    /// Whether source sentence `s` and target sentence `t` of the case translate each other.
    pub fn is_gold(&self, s: usize, t: usize) -> bool {
        self.document == self.other && self.source_units[s] == self.target_units[t]
    }
}

/// How the cases are drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseSettings {
    /// Range of the share of sentences each side of a low-overlap case loses.
    pub low_overlap_drop: Range<f64>,
    /// Range of the share of sentences in passages both sides keep, in order.
    pub shared_passages: Range<f64>,
    /// Share of sentences each side of the high-overlap case loses.
    pub high_overlap_drop: f64,
    /// Times each document is drawn into cases.
    pub draws: usize,
    /// Seed of the draws (the cases are reproducible).
    pub seed: u64,
}

/// Draws the cases of every document: low overlap, shared passages and high overlap against
/// its own translation, and, where `nearest[d]` names document `d`'s most similar other
/// document, against that one shuffled and in order. Cases with an empty side are left out.
pub fn draw_mining_cases(
    documents: &[TopicDocument],
    nearest: &[Option<usize>],
    settings: &CaseSettings,
) -> Vec<MiningCase> {
    let mut rng = StdRng::seed_from_u64(settings.seed);
    let mut cases = Vec::new();
    for _ in 0..settings.draws {
        for (d, doc) in documents.iter().enumerate() {
            let n = doc.source.len();
            let rates = (
                rng.random_range(settings.low_overlap_drop.clone()),
                rng.random_range(settings.low_overlap_drop.clone()),
            );
            let low = drop_and_shuffle_sides(n, rates, &mut rng);
            let ordered = shared_passages(
                n,
                rng.random_range(settings.shared_passages.clone()),
                &mut rng,
            );
            let high = drop_and_shuffle(n, settings.high_overlap_drop, &mut rng);
            let own = |case: &ComparableCase, kind| {
                MiningCase::new(documents, (d, case), (d, case), kind)
            };
            cases.push(own(&low, "low-overlap"));
            cases.push(own(&ordered, "shared-passages"));
            cases.push(own(&high, "high-overlap"));
            if let Some(other) = nearest.get(d).copied().flatten() {
                // Another story: its target side, thinned (and shuffled or not) like ours.
                let m = documents[other].source.len();
                let theirs = drop_and_shuffle_sides(m, rates, &mut rng);
                cases.push(MiningCase::new(
                    documents,
                    (d, &low),
                    (other, &theirs),
                    "same-topic",
                ));
                let share = rng.random_range(settings.shared_passages.clone());
                let theirs = shared_passages(m, share, &mut rng);
                let kind = "same-topic-in-order";
                cases.push(MiningCase::new(
                    documents,
                    (d, &ordered),
                    (other, &theirs),
                    kind,
                ));
            }
        }
    }
    cases.retain(|c| !c.source_texts.is_empty() && !c.target_texts.is_empty());
    cases
}

#[cfg(test)]
mod tests {
    use super::*;

    fn story(id: &str, topic: &str, n: usize) -> TopicDocument {
        let lines = |side: &str| (0..n).map(|i| format!("{id} {side} {i}")).collect();
        TopicDocument {
            id: id.into(),
            topic: topic.into(),
            source: lines("s"),
            target: lines("t"),
        }
    }

    fn doc(topic: &str, len: usize) -> TopicDocument {
        TopicDocument {
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
        let refs: Vec<&TopicDocument> = docs.iter().collect();
        let joined = join_by_topic(&refs, (15, 30));
        let sizes: Vec<usize> = joined.iter().map(|d| d.source.len()).collect();
        // travel 6 + 7 + 8 = 21 closes one; travel 4 + sport 5 + 3 = 12 is short but would
        // take it past 30, so it stands alone.
        assert_eq!(sizes, vec![21, 12]);
        let joined = join_by_topic(&refs[..4], (15, 30));
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

    #[test]
    fn gold_pairs_exist_only_against_the_own_translation() {
        let docs = [story("a", "x", 20), story("b", "x", 20)];
        let settings = CaseSettings {
            low_overlap_drop: 0.4..0.8,
            shared_passages: 0.2..0.6,
            high_overlap_drop: 0.3,
            draws: 1,
            seed: 7,
        };
        let cases = draw_mining_cases(&docs, &[Some(1), Some(0)], &settings);
        assert_eq!(cases.len(), 10);
        for case in &cases {
            let gold = (0..case.source_texts.len())
                .flat_map(|s| (0..case.target_texts.len()).map(move |t| (s, t)))
                .filter(|&(s, t)| case.is_gold(s, t))
                .count();
            match case.kind {
                "same-topic" | "same-topic-in-order" => assert_eq!(gold, 0),
                _ => assert!(gold > 0, "{}", case.kind),
            }
            for (s, text) in case.source_texts.iter().enumerate() {
                assert_eq!(text, &docs[case.document].source[case.source_units[s]]);
            }
        }
        assert_eq!(
            cases,
            draw_mining_cases(&docs, &[Some(1), Some(0)], &settings)
        );
    }
}
