//! Q4_0 blocks: the 4-bit weight encoding of E5S1 files.
//!
//! A block holds 32 weights in 18 bytes: a little-endian fp16 scale `d`, then 16 bytes of
//! nibbles where byte `j` carries weight `j` in its low nibble and weight `j + 16` in its high
//! nibble. Weight `i` is `d × (nibble_i − 8)`, computed in f32 exactly as `e5.c` does.

use half::f16;

/// Number of weights in one Q4_0 block.
pub const BLOCK_WEIGHTS: usize = 32;

/// Number of bytes in one Q4_0 block (fp16 scale and 16 bytes of nibbles).
pub const BLOCK_BYTES: usize = 2 + BLOCK_WEIGHTS / 2;

/// Returns the scale of a block as f32.
pub fn block_scale(block: &[u8; BLOCK_BYTES]) -> f32 {
    f16::from_bits(u16::from_le_bytes([block[0], block[1]])).to_f32()
}

/// Dequantises one block into its 32 weights.
pub fn dequantise_block(block: &[u8; BLOCK_BYTES]) -> [f32; BLOCK_WEIGHTS] {
    let scale = block_scale(block);
    let mut weights = [0.0f32; BLOCK_WEIGHTS];
    for (j, &byte) in block[2..].iter().enumerate() {
        weights[j] = (i32::from(byte & 0x0f) - 8) as f32 * scale;
        weights[j + BLOCK_WEIGHTS / 2] = (i32::from(byte >> 4) - 8) as f32 * scale;
    }
    weights
}

/// Iterates over the blocks of a byte slice whose length is a multiple of [`BLOCK_BYTES`].
///
/// Trailing bytes that do not form a whole block are ignored; callers check the length first.
pub fn blocks(bytes: &[u8]) -> impl Iterator<Item = &[u8; BLOCK_BYTES]> {
    bytes
        .chunks_exact(BLOCK_BYTES)
        .map(|chunk| chunk.try_into().expect("chunks_exact yields whole blocks"))
}

/// Dequantises consecutive blocks, in order, into a vector of weights.
pub fn dequantise(bytes: &[u8]) -> Vec<f32> {
    let mut weights = Vec::with_capacity(bytes.len() / BLOCK_BYTES * BLOCK_WEIGHTS);
    for block in blocks(bytes) {
        weights.extend_from_slice(&dequantise_block(block));
    }
    weights
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a block from a scale and 32 nibbles given in weight order.
    fn block(scale: f32, nibbles: [u8; BLOCK_WEIGHTS]) -> [u8; BLOCK_BYTES] {
        let mut out = [0u8; BLOCK_BYTES];
        out[..2].copy_from_slice(&f16::from_f32(scale).to_bits().to_le_bytes());
        for j in 0..16 {
            out[2 + j] = nibbles[j] | (nibbles[j + 16] << 4);
        }
        out
    }

    #[test]
    fn nibble_order_is_low_half_then_high_half() {
        let nibbles: [u8; 32] = std::array::from_fn(|i| (i % 16) as u8);
        let weights = dequantise_block(&block(1.0, nibbles));
        for (i, w) in weights.iter().enumerate() {
            assert_eq!(*w, (i % 16) as f32 - 8.0, "weight {i}");
        }
    }

    #[test]
    fn scale_multiplies_nibble_minus_eight() {
        let mut nibbles = [8u8; 32];
        nibbles[0] = 0; // -8
        nibbles[15] = 15; // +7
        nibbles[16] = 9; // +1
        nibbles[31] = 7; // -1
        let weights = dequantise_block(&block(0.125, nibbles));
        assert_eq!(weights[0], -1.0);
        assert_eq!(weights[15], 0.875);
        assert_eq!(weights[16], 0.125);
        assert_eq!(weights[31], -0.125);
        assert!(weights[1..15].iter().all(|&w| w == 0.0));
    }

    #[test]
    fn hand_made_bytes_decode_as_documented() {
        // Scale 0x3C00 = 1.0 in fp16; byte 0xF0: weight 0 = 0 - 8, weight 16 = 15 - 8.
        let mut raw = [0x88u8; BLOCK_BYTES];
        raw[0] = 0x00;
        raw[1] = 0x3C;
        raw[2] = 0xF0;
        let weights = dequantise_block(&raw);
        assert_eq!(weights[0], -8.0);
        assert_eq!(weights[16], 7.0);
        assert!(weights
            .iter()
            .enumerate()
            .all(|(i, &w)| i == 0 || i == 16 || w == 0.0));
    }

    #[test]
    fn negative_and_subnormal_scales_are_exact() {
        let tiny = f16::from_bits(0x0001).to_f32(); // smallest fp16 subnormal, 2^-24
        assert_eq!(tiny, 2f32.powi(-24));
        let mut nibbles = [8u8; 32];
        nibbles[3] = 15;
        let mut raw = block(0.0, nibbles);
        raw[..2].copy_from_slice(&0x0001u16.to_le_bytes());
        assert_eq!(dequantise_block(&raw)[3], 7.0 * tiny);
        let weights = dequantise_block(&block(-2.0, nibbles));
        assert_eq!(weights[3], -14.0);
    }

    #[test]
    fn consecutive_blocks_concatenate() {
        let mut bytes = block(1.0, [9; 32]).to_vec();
        bytes.extend_from_slice(&block(2.0, [7; 32]));
        let weights = dequantise(&bytes);
        assert_eq!(weights.len(), 64);
        assert!(weights[..32].iter().all(|&w| w == 1.0));
        assert!(weights[32..].iter().all(|&w| w == -2.0));
    }
}
