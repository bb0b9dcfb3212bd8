//! Beads: the unit of a sentence alignment.
//!
//! A bead pairs a set of source sentence ids with a set of target sentence ids (`[0]:[0, 1]` is a
//! 1-2 bead). Either side may be empty: `[3]:[]` is a deletion (1-0) and `[]:[3]` an insertion
//! (0-1). An [`Alignment`] is the list of beads of one document pair; a [`ScoredPair`] is a bead
//! with a score, as produced by a miner.

use std::fmt;
use std::str::FromStr;

/// A sentence id: the 0-based position of a sentence in its document.
pub type SentId = u32;

/// The beads of one document pair, in any order.
pub type Alignment = Vec<Bead>;

/// A group of source sentences aligned with a group of target sentences.
///
/// Both id lists are kept sorted and free of duplicates, so two beads over the same sentences are
/// equal whatever order their ids were given in.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bead {
    src: Vec<SentId>,
    tgt: Vec<SentId>,
}

/// The bead type of `src` source and `tgt` target sentences, e.g. `"2-1"` (the `alignments`
/// table's `bead` column).
pub fn bead_kind(src: usize, tgt: usize) -> String {
    format!("{src}-{tgt}")
}

impl Bead {
    /// Makes a bead from source and target ids, sorting them and dropping repeats.
    pub fn new(src: impl Into<Vec<SentId>>, tgt: impl Into<Vec<SentId>>) -> Self {
        Self {
            src: sorted_unique(src.into()),
            tgt: sorted_unique(tgt.into()),
        }
    }

    /// Makes the 1-1 bead `[src]:[tgt]`.
    pub fn one_to_one(src: SentId, tgt: SentId) -> Self {
        Self {
            src: vec![src],
            tgt: vec![tgt],
        }
    }

    /// The source sentence ids, sorted.
    pub fn src(&self) -> &[SentId] {
        &self.src
    }

    /// The target sentence ids, sorted.
    pub fn tgt(&self) -> &[SentId] {
        &self.tgt
    }

    /// True when both sides are empty (such a bead aligns nothing and every metric ignores it).
    pub fn is_empty(&self) -> bool {
        self.src.is_empty() && self.tgt.is_empty()
    }

    /// True for a deletion or insertion bead (1-0, 0-1, 2-0, …): exactly one side is empty.
    pub fn is_deletion(&self) -> bool {
        self.src.is_empty() != self.tgt.is_empty()
    }

    /// True when both sides hold at least one sentence.
    pub fn is_link(&self) -> bool {
        !self.src.is_empty() && !self.tgt.is_empty()
    }

    /// The bead type as in the `alignments` table's `bead` column, e.g. `"2-1"` or `"0-1"`.
    pub fn kind(&self) -> String {
        bead_kind(self.src.len(), self.tgt.len())
    }

    /// The sentence-level links of the bead: every (source id, target id) of its two sides.
    pub fn links(&self) -> impl Iterator<Item = (SentId, SentId)> + '_ {
        self.src
            .iter()
            .flat_map(move |&s| self.tgt.iter().map(move |&t| (s, t)))
    }
}

fn sorted_unique(mut ids: Vec<SentId>) -> Vec<SentId> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Writes the bead in Vecalign's format, `[0, 1]:[2]`.
impl fmt::Display for Bead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_id_list(f, &self.src)?;
        f.write_str(":")?;
        write_id_list(f, &self.tgt)
    }
}

fn write_id_list(f: &mut fmt::Formatter<'_>, ids: &[SentId]) -> fmt::Result {
    f.write_str("[")?;
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{id}")?;
    }
    f.write_str("]")
}

/// Why a line could not be read as a bead.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseBeadError(String);

/// Reads a bead in Vecalign's format: `[0]:[0, 1]`, `[]:[3]`, `[1, 2]:[]`.
///
/// A third `:`-separated field, as Vecalign's output carries (`[0]:[1]:0.83`), must be a number
/// and is ignored. Ids are sorted and repeats are an error.
impl FromStr for Bead {
    type Err = ParseBeadError;

    fn from_str(line: &str) -> Result<Self, Self::Err> {
        let fields: Vec<&str> = line.split(':').map(str::trim).collect();
        if fields.len() < 2 || fields.len() > 3 {
            return Err(ParseBeadError(format!(
                "expected a bead like `[0]:[0, 1]` (source ids, a colon, target ids), found {:?}",
                line.trim()
            )));
        }
        if let Some(score) = fields.get(2) {
            if score.parse::<f64>().is_err() {
                return Err(ParseBeadError(format!(
                    "the third field of a bead must be a score, found {score:?}"
                )));
            }
        }
        let src = parse_id_list(fields[0], "source")?;
        let tgt = parse_id_list(fields[1], "target")?;
        Ok(Self { src, tgt })
    }
}

fn parse_id_list(field: &str, side: &str) -> Result<Vec<SentId>, ParseBeadError> {
    let inner = field
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .ok_or_else(|| {
            ParseBeadError(format!(
                "the {side} side must be a bracketed list of ids like `[0, 1]`, found {field:?}"
            ))
        })?;
    let mut ids = Vec::new();
    if !inner.trim().is_empty() {
        for item in inner.split(',') {
            let item = item.trim();
            let id = item.parse::<SentId>().map_err(|_| {
                ParseBeadError(format!(
                    "the {side} side holds {item:?}, which is not a sentence id (a number from 0)"
                ))
            })?;
            ids.push(id);
        }
    }
    let given = ids.len();
    let ids = sorted_unique(ids);
    if ids.len() != given {
        return Err(ParseBeadError(format!(
            "the {side} side {field} repeats an id"
        )));
    }
    Ok(ids)
}

/// A candidate pair from a miner: a bead and its score (higher means more likely a translation).
#[derive(Clone, Debug, PartialEq)]
pub struct ScoredPair {
    /// The source and target sentence ids of the pair.
    pub bead: Bead,
    /// The pair's score, e.g. the calibrated probability of the `alignments` table.
    pub score: f32,
}

impl ScoredPair {
    /// Makes a scored pair from source ids, target ids and a score.
    pub fn new(src: impl Into<Vec<SentId>>, tgt: impl Into<Vec<SentId>>, score: f32) -> Self {
        Self {
            bead: Bead::new(src, tgt),
            score,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_sorts_and_deduplicates() {
        let bead = Bead::new(vec![3, 1, 3], vec![2]);
        assert_eq!(bead.src(), &[1, 3]);
        assert_eq!(bead.kind(), "2-1");
    }

    #[test]
    fn kinds_of_beads() {
        assert!(Bead::new(vec![], vec![]).is_empty());
        assert!(Bead::new(vec![1], vec![]).is_deletion());
        assert!(Bead::new(vec![], vec![1]).is_deletion());
        assert!(Bead::new(vec![1], vec![1]).is_link());
        assert_eq!(Bead::new(vec![], vec![4]).kind(), "0-1");
    }

    #[test]
    fn parses_vecalign_lines() {
        assert_eq!("[0]:[0, 1]".parse(), Ok(Bead::new(vec![0], vec![0, 1])));
        assert_eq!("[]:[3]".parse(), Ok(Bead::new(vec![], vec![3])));
        assert_eq!(" [1, 2]:[] ".parse(), Ok(Bead::new(vec![1, 2], vec![])));
        assert_eq!(
            "[2,1]:[5]:0.731".parse(),
            Ok(Bead::new(vec![1, 2], vec![5]))
        );
        assert_eq!("[ ]:[ 7 ]".parse(), Ok(Bead::new(vec![], vec![7])));
    }

    #[test]
    fn rejects_malformed_lines() {
        for line in [
            "",
            "[0]",
            "[0]:[1]:x",
            "0:[1]",
            "[a]:[1]",
            "[0]:[-1]",
            "[1, 1]:[2]",
            "[0]:[1]:2:3",
            "[0,]:[1]",
        ] {
            assert!(line.parse::<Bead>().is_err(), "{line:?} should not parse");
        }
    }

    #[test]
    fn display_round_trips() {
        for line in ["[0]:[0, 1]", "[]:[3]", "[1, 2]:[]", "[]:[]"] {
            assert_eq!(line.parse::<Bead>().unwrap().to_string(), line);
        }
    }

    #[test]
    fn links_are_the_cartesian_product() {
        let links: Vec<_> = Bead::new(vec![1, 2], vec![5, 6]).links().collect();
        assert_eq!(links, vec![(1, 5), (1, 6), (2, 5), (2, 6)]);
        assert_eq!(Bead::new(vec![1], vec![]).links().count(), 0);
    }
}
