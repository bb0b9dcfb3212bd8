//! SentencePiece "precompiled charsmap" built from an E5S1 normalisation map.
//!
//! The charsmap is what the `Precompiled` normaliser of `tokenizers` reads (XLM-R's own
//! `tokenizer.json` uses one): a little-endian u32 byte length of a double-array trie, the
//! trie's u32 units, then the replacement strings, each ended by a NUL byte. The trie maps
//! the UTF-8 bytes of each code point of the map to the offset of its replacement.
//!
//! Unit layout (as `spm_precompiled` decodes it): bits 0–7 label, bit 8 "has a value",
//! bits 10–30 the XOR offset from the node to the base of its children; a value unit sets
//! bit 31 and keeps the value in bits 0–30. A lookup of byte `c` from a node at position `p`
//! goes to `p ^ offset(p) ^ c` and succeeds if the label there is `c`; the value of a key
//! ending at that node sits at `p ^ offset(p)`. Bases are unique per node, so no lookup can
//! land on another node's child.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use super::e5s1::NormalisationMap;

const HAS_LEAF: u32 = 1 << 8;
const IS_VALUE: u32 = 1 << 31;
/// Offsets are stored in 21 bits (the extended, ×256 form is never needed here).
const MAX_OFFSET: usize = 1 << 21;

/// Why a charsmap could not be built.
#[derive(Debug, thiserror::Error)]
#[error("the normalisation map is too large for a double-array trie ({0})")]
pub struct CharsmapError(&'static str);

/// A byte trie node: children by byte, and the value of the key that ends here.
#[derive(Default)]
struct TrieNode {
    children: BTreeMap<u8, usize>,
    value: Option<u32>,
}

/// Builds the precompiled charsmap that maps each code point of `map` to its replacement.
pub fn precompiled_charsmap(map: &NormalisationMap) -> Result<Vec<u8>, CharsmapError> {
    // Replacement strings, each stored once.
    let mut blob: Vec<u8> = Vec::new();
    let mut stored: HashMap<&str, u32> = HashMap::new();
    let mut nodes = vec![TrieNode::default()];
    for (c, replacement) in map.iter() {
        let value = *stored.entry(replacement).or_insert_with(|| {
            let at = blob.len() as u32;
            blob.extend_from_slice(replacement.as_bytes());
            blob.push(0);
            at
        });
        let mut node = 0;
        let mut utf8 = [0u8; 4];
        for &byte in c.encode_utf8(&mut utf8).as_bytes() {
            node = match nodes[node].children.get(&byte) {
                Some(&child) => child,
                None => {
                    nodes.push(TrieNode::default());
                    let child = nodes.len() - 1;
                    nodes[node].children.insert(byte, child);
                    child
                }
            };
        }
        nodes[node].value = Some(value);
    }
    if blob.len() >= IS_VALUE as usize {
        return Err(CharsmapError("replacement strings exceed 2 GiB"));
    }

    let units = DoubleArray::build(&nodes)?.units;
    let mut out = Vec::with_capacity(4 + units.len() * 4 + blob.len());
    out.extend_from_slice(&((units.len() * 4) as u32).to_le_bytes());
    for unit in &units {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out.extend_from_slice(&blob);
    Ok(out)
}

/// The units of a double array under construction.
struct DoubleArray {
    units: Vec<u32>,
    used: Vec<bool>,
    used_offsets: HashSet<usize>,
    /// Every position below this one is used.
    first_free: usize,
}

impl DoubleArray {
    fn build(nodes: &[TrieNode]) -> Result<Self, CharsmapError> {
        // The root's children may sit anywhere in the first block of 256 units.
        let mut used = vec![false; 256];
        used[0] = true;
        let mut array = Self {
            units: vec![0; 256],
            used,
            used_offsets: HashSet::new(),
            first_free: 1,
        };
        let mut queue = VecDeque::from([(0usize, 0usize)]);
        while let Some((node, position)) = queue.pop_front() {
            let node = &nodes[node];
            // Label 0 stands for the value of a key ending at this node.
            let labels: Vec<u8> = node
                .value
                .map(|_| 0u8)
                .into_iter()
                .chain(node.children.keys().copied())
                .collect();
            if labels.is_empty() {
                continue;
            }
            let offset = array.find_offset(&labels)?;
            array.used_offsets.insert(offset);
            // Stored relative to the node's own position: lookups XOR it in.
            let relative = offset ^ position;
            if relative >= MAX_OFFSET {
                return Err(CharsmapError("offsets overflow 21 bits"));
            }
            array.units[position] |= (relative as u32) << 10;
            if let Some(value) = node.value {
                array.units[position] |= HAS_LEAF;
                array.place(offset, IS_VALUE | value);
            }
            for (&label, &child) in &node.children {
                let child_position = offset ^ usize::from(label);
                array.place(child_position, u32::from(label));
                queue.push_back((child, child_position));
            }
        }
        Ok(array)
    }

    /// Finds an unused offset whose positions for all `labels` are free.
    fn find_offset(&mut self, labels: &[u8]) -> Result<usize, CharsmapError> {
        while self.first_free < self.used.len() && self.used[self.first_free] {
            self.first_free += 1;
        }
        let mut position = self.first_free;
        loop {
            if !self.is_used(position) {
                let offset = position ^ usize::from(labels[0]);
                let fits = !self.used_offsets.contains(&offset)
                    && labels
                        .iter()
                        .all(|&l| !self.is_used(offset ^ usize::from(l)));
                if fits {
                    return Ok(offset);
                }
            }
            position += 1;
        }
    }

    fn is_used(&self, position: usize) -> bool {
        self.used.get(position).copied().unwrap_or(false)
    }

    fn place(&mut self, position: usize, unit: u32) {
        if position >= self.units.len() {
            // Grow by whole 256-unit blocks, the span one node's children can reach.
            let len = (position | 0xff) + 1;
            self.units.resize(len, 0);
            self.used.resize(len, false);
        }
        self.units[position] = unit;
        self.used[position] = true;
    }
}

/// Checks that `charsmap`, read back by `tokenizers`, maps every code point exactly as `map`
/// does; returns the first code point that differs.
pub fn first_mismatch(
    charsmap: &[u8],
    map: &NormalisationMap,
) -> Result<Option<char>, tokenizers::Error> {
    let precompiled = tokenizers::normalizers::Precompiled::from(charsmap)
        .map_err(|e| format!("the charsmap does not parse: {e:?}"))?;
    let mut utf8 = [0u8; 4];
    for c in (0..=char::MAX as u32).filter_map(char::from_u32) {
        if c == '\0' {
            continue; // A NUL ends every lookup; the map never holds it.
        }
        if precompiled.transform(c.encode_utf8(&mut utf8)) != map.get(c) {
            return Ok(Some(c));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokenizers::normalizers::Precompiled;

    fn toy_map() -> NormalisationMap {
        NormalisationMap::new(vec![
            ('\u{1}', String::new()),
            ('\t', " ".to_string()),
            ('\u{a0}', " ".to_string()),
            ('\u{200c}', " ".to_string()),
            ('\u{2581}', " ".to_string()),
            ('\u{fb01}', "fi".to_string()),
            ('\u{fefb}', "\u{644}\u{627}".to_string()),
            ('\u{1d400}', "A".to_string()),
            ('\u{ff21}', "A".to_string()),
        ])
    }

    #[test]
    fn every_code_point_maps_as_in_the_map() {
        let map = toy_map();
        let charsmap = precompiled_charsmap(&map).unwrap();
        assert_eq!(first_mismatch(&charsmap, &map).unwrap(), None);
        let precompiled = Precompiled::from(&charsmap).unwrap();
        assert_eq!(precompiled.transform("\u{fefb}"), Some("لا"));
        assert_eq!(precompiled.transform("\u{1}"), Some(""));
        assert_eq!(precompiled.transform("a"), None);
        assert_eq!(precompiled.transform("\u{fb02}"), None);
    }

    #[test]
    fn replacements_are_stored_once() {
        let charsmap = precompiled_charsmap(&toy_map()).unwrap();
        let trie_len = u32::from_le_bytes(charsmap[..4].try_into().unwrap()) as usize;
        let blob = &charsmap[4 + trie_len..];
        assert_eq!(blob, "\0 \0fi\0لا\0A\0".as_bytes());
    }

    #[test]
    fn an_empty_map_changes_nothing() {
        let map = NormalisationMap::default();
        let charsmap = precompiled_charsmap(&map).unwrap();
        assert_eq!(first_mismatch(&charsmap, &map).unwrap(), None);
    }

    #[test]
    fn a_map_of_every_bmp_letter_still_fits() {
        let map = NormalisationMap::new(
            (0x100u32..0x3000)
                .filter_map(char::from_u32)
                .map(|c| (c, "x".to_string()))
                .collect(),
        );
        let charsmap = precompiled_charsmap(&map).unwrap();
        assert_eq!(first_mismatch(&charsmap, &map).unwrap(), None);
    }
}
