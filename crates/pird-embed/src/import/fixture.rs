//! A tiny E5S1 model written byte by byte, for tests that must not depend on the real file.

use half::f16;

use super::q4_0::{BLOCK_BYTES, BLOCK_WEIGHTS};

/// Hidden size of the tiny model (one Q4_0 block per row).
pub const HIDDEN: usize = 32;
/// Feed-forward width of the tiny model.
pub const FFN: usize = 64;
/// Rows of the word embeddings (more than there are pieces, like e5-small).
pub const VOCAB: usize = 20;
/// Number of positions.
pub const POSITIONS: usize = 8;

/// Pieces of the tiny model with their scores.
pub const PIECES: &[(&str, f32)] = &[
    ("<s>", 0.0),
    ("<pad>", 0.0),
    ("</s>", 0.0),
    ("<unk>", 0.0),
    ("▁", -2.0),
    ("▁passage", -3.0),
    (":", -2.5),
    ("▁hello", -4.0),
    ("▁he", -3.0),
    ("llo", -3.0),
    ("▁world", -4.0),
    ("fi", -3.5),
    ("▁س", -5.0),
    ("ڵاو", -6.0),
    ("<mask>", 0.0),
];

/// One tensor as it will be stored.
pub struct StoredTensor {
    /// E5S1 name.
    pub name: String,
    /// Dtype code: 0 f32, 1 Q4_0.
    pub dtype: u8,
    /// Number of values.
    pub elements: u32,
    /// Stored bytes.
    pub data: Vec<u8>,
}

/// f32 values `0.01 × ((seed + 7i) mod 13 − 6)`.
pub fn f32_values(seed: usize, n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| 0.01 * (((seed + 7 * i) % 13) as f32 - 6.0))
        .collect()
}

/// Q4_0 blocks whose block `b` has scale `(b mod 5 + 1) / 64` and nibble `j` = `(seed + 3j) mod 16`.
pub fn q4_blocks(seed: usize, elements: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for b in 0..elements / BLOCK_WEIGHTS {
        let scale = ((b % 5) + 1) as f32 / 64.0;
        out.extend_from_slice(&f16::from_f32(scale).to_bits().to_le_bytes());
        let nibble = |j: usize| ((seed + b + 3 * j) % 16) as u8;
        for j in 0..BLOCK_WEIGHTS / 2 {
            out.push(nibble(j) | (nibble(j + 16) << 4));
        }
    }
    assert_eq!(out.len(), elements / BLOCK_WEIGHTS * BLOCK_BYTES);
    out
}

/// The tensors of a one-layer BERT of the tiny dimensions, in `e5.c` naming.
pub fn tensors() -> Vec<StoredTensor> {
    let mut out = Vec::new();
    let mut seed = 0;
    let mut f32_tensor = |out: &mut Vec<StoredTensor>, name: &str, n: usize| {
        seed += 1;
        out.push(StoredTensor {
            name: name.to_string(),
            dtype: 0,
            elements: n as u32,
            data: f32_values(seed, n)
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
        });
    };
    let q4_tensor = |out: &mut Vec<StoredTensor>, name: &str, n: usize| {
        out.push(StoredTensor {
            name: name.to_string(),
            dtype: 1,
            elements: n as u32,
            data: q4_blocks(out.len(), n),
        });
    };
    q4_tensor(&mut out, "emb.word", VOCAB * HIDDEN);
    f32_tensor(&mut out, "emb.pos", POSITIONS * HIDDEN);
    f32_tensor(&mut out, "emb.type", 2 * HIDDEN);
    f32_tensor(&mut out, "emb.ln.w", HIDDEN);
    f32_tensor(&mut out, "emb.ln.b", HIDDEN);
    for (short, rows, cols) in [
        ("q", HIDDEN, HIDDEN),
        ("k", HIDDEN, HIDDEN),
        ("v", HIDDEN, HIDDEN),
        ("ao", HIDDEN, HIDDEN),
        ("aln", HIDDEN, 0),
        ("fi", FFN, HIDDEN),
        ("fo", HIDDEN, FFN),
        ("oln", HIDDEN, 0),
    ] {
        if cols == 0 {
            f32_tensor(&mut out, &format!("l0.{short}.w"), rows);
        } else {
            q4_tensor(&mut out, &format!("l0.{short}.w"), rows * cols);
        }
        f32_tensor(&mut out, &format!("l0.{short}.b"), rows);
    }
    out
}

/// The normalisation map of the tiny model: (code point, output code points).
pub fn normalisation() -> Vec<(u32, Vec<u32>)> {
    vec![
        (0x01, vec![]),
        (0x09, vec![0x20]),
        (0xa0, vec![0x20]),
        (0x200c, vec![0x20]),
        (0x2581, vec![0x20]),
        (0xfb01, vec![0x66, 0x69]),
    ]
}

/// Serialises a tiny model with the given tensors in the E5S1 layout `e5.c` reads.
pub fn e5s1_bytes_with(tensors: &[StoredTensor]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(b"E5S1");
    b.extend_from_slice(&1u32.to_le_bytes());
    for dim in [HIDDEN, 1, 2, FFN, VOCAB, POSITIONS, 2] {
        b.extend_from_slice(&(dim as i32).to_le_bytes());
    }
    b.extend_from_slice(&1e-12f32.to_le_bytes());
    b.extend_from_slice(&32i32.to_le_bytes());

    b.extend_from_slice(&(PIECES.len() as i32).to_le_bytes());
    for id in [0i32, 2, 1, 3] {
        b.extend_from_slice(&id.to_le_bytes());
    }
    let blob: Vec<u8> = PIECES.iter().flat_map(|(p, _)| p.bytes()).collect();
    b.extend_from_slice(&(blob.len() as u64).to_le_bytes());
    let mut offset = 0u32;
    b.extend_from_slice(&offset.to_le_bytes());
    for (p, _) in PIECES {
        offset += p.len() as u32;
        b.extend_from_slice(&offset.to_le_bytes());
    }
    for (_, s) in PIECES {
        b.extend_from_slice(&s.to_le_bytes());
    }
    b.extend_from_slice(&blob);

    let mut map = Vec::new();
    for (cp, outs) in normalisation() {
        map.extend_from_slice(&cp.to_le_bytes());
        map.push(outs.len() as u8);
        for o in outs {
            map.extend_from_slice(&o.to_le_bytes());
        }
    }
    b.extend_from_slice(&(normalisation().len() as i32).to_le_bytes());
    b.extend_from_slice(&(map.len() as u32).to_le_bytes());
    b.extend_from_slice(&map);

    // Directory first with placeholder offsets, then 64-byte aligned data, as in the real file.
    b.extend_from_slice(&(tensors.len() as i32).to_le_bytes());
    let mut offset_slots = Vec::new();
    for t in tensors {
        b.extend_from_slice(&(t.name.len() as u16).to_le_bytes());
        b.extend_from_slice(t.name.as_bytes());
        b.push(t.dtype);
        b.extend_from_slice(&t.elements.to_le_bytes());
        offset_slots.push(b.len());
        b.extend_from_slice(&0u64.to_le_bytes());
        b.extend_from_slice(&(t.data.len() as u64).to_le_bytes());
    }
    for (t, slot) in tensors.iter().zip(offset_slots) {
        b.resize(b.len().next_multiple_of(64), 0);
        let at = b.len() as u64;
        b[slot..slot + 8].copy_from_slice(&at.to_le_bytes());
        b.extend_from_slice(&t.data);
    }
    b
}

/// Serialises the tiny model.
pub fn e5s1_bytes() -> Vec<u8> {
    e5s1_bytes_with(&tensors())
}
