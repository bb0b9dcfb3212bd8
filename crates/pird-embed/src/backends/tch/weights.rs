//! Reads a `model.safetensors` file tensor by tensor into libtorch tensors.
//!
//! Each tensor is copied from the file in chunks of about 8 MiB straight into a tensor of the
//! wanted kind on the wanted device, so loading never holds the whole file in memory a second time
//! (`tch::Tensor::read_safetensors` reads all of it into one buffer first).

use crate::encoder::EncoderError;
use serde_json::Value;
use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use tch::{Device, Kind, Tensor};

/// Bytes read from the file at a time.
const CHUNK_BYTES: usize = 8 << 20;

/// Where one tensor lies in the file.
#[derive(Debug, Clone)]
struct Entry {
    kind: Kind,
    shape: Vec<i64>,
    start: u64,
    end: u64,
}

/// An open safetensors file: its header, and the file to read tensors from.
pub(crate) struct SafetensorsFile {
    path: PathBuf,
    file: File,
    entries: HashMap<String, Entry>,
}

impl SafetensorsFile {
    /// Opens the file and parses its header.
    pub(crate) fn open(path: &Path) -> Result<Self, EncoderError> {
        let invalid =
            |message: String| EncoderError::Model(format!("{}: {message}", path.display()));
        let mut file = File::open(path).map_err(|e| invalid(format!("cannot open: {e}")))?;
        let file_len = file
            .metadata()
            .map_err(|e| invalid(format!("cannot read: {e}")))?
            .len();
        let mut len_bytes = [0u8; 8];
        file.read_exact(&mut len_bytes)
            .map_err(|e| invalid(format!("not a safetensors file: {e}")))?;
        let header_len = u64::from_le_bytes(len_bytes);
        if header_len > 100 << 20 || 8 + header_len > file_len {
            return Err(invalid(format!(
                "not a safetensors file: header length {header_len} in a file of {file_len} bytes"
            )));
        }
        let mut header = vec![0u8; header_len as usize];
        file.read_exact(&mut header)
            .map_err(|e| invalid(format!("cannot read the header: {e}")))?;
        let header: Value = serde_json::from_slice(&header)
            .map_err(|e| invalid(format!("the header is not valid JSON: {e}")))?;
        let header = header
            .as_object()
            .ok_or_else(|| invalid("the header is not a JSON object".into()))?;
        let data_start = 8 + header_len;
        let mut entries = HashMap::new();
        for (name, info) in header {
            if name == "__metadata__" {
                continue;
            }
            let entry = parse_entry(info, data_start)
                .ok_or_else(|| invalid(format!("tensor '{name}' has an invalid header entry")))?;
            if entry.end > file_len {
                return Err(invalid(format!(
                    "tensor '{name}' lies past the end of the file"
                )));
            }
            let bytes =
                entry.shape.iter().product::<i64>() as u64 * entry.kind.elt_size_in_bytes() as u64;
            if bytes != entry.end - entry.start {
                return Err(invalid(format!(
                    "tensor '{name}' has shape {:?} but {} bytes",
                    entry.shape,
                    entry.end - entry.start
                )));
            }
            entries.insert(name.clone(), entry);
        }
        Ok(Self {
            path: path.to_path_buf(),
            file,
            entries,
        })
    }

    /// Names of all tensors in the file.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// Whether the file holds a tensor of that name.
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.entries.contains_key(name)
    }

    /// Shape of a tensor, if the file holds it.
    pub(crate) fn shape(&self, name: &str) -> Option<&[i64]> {
        self.entries.get(name).map(|e| e.shape.as_slice())
    }

    /// Reads one tensor, converted to `kind` on `device`.
    pub(crate) fn load(
        &mut self,
        name: &str,
        kind: Kind,
        device: Device,
    ) -> Result<Tensor, EncoderError> {
        let entry = self.entries.get(name).cloned().ok_or_else(|| {
            EncoderError::Model(format!("{}: no tensor '{name}'", self.path.display()))
        })?;
        let failed = |what: String| {
            EncoderError::Model(format!("{}: tensor '{name}': {what}", self.path.display()))
        };
        let tensor = Tensor::f_empty(entry.shape.as_slice(), (kind, device))
            .map_err(|e| failed(e.to_string()))?;
        if entry.shape.contains(&0) {
            return Ok(tensor);
        }
        self.file
            .seek(SeekFrom::Start(entry.start))
            .map_err(|e| failed(format!("cannot read: {e}")))?;
        // Copy whole rows (first dimension) at a time; a scalar or vector is one chunk.
        let rows = entry.shape.first().copied().unwrap_or(1).max(1);
        let row_shape: Vec<i64> = entry.shape.iter().skip(1).copied().collect();
        let row_bytes = ((entry.end - entry.start) / rows as u64) as usize;
        let rows_per_chunk = (CHUNK_BYTES / row_bytes.max(1)).max(1) as i64;
        let mut buffer = Vec::new();
        let mut row = 0;
        while row < rows {
            let n = rows_per_chunk.min(rows - row);
            buffer.resize(n as usize * row_bytes, 0);
            self.file
                .read_exact(&mut buffer)
                .map_err(|e| failed(format!("cannot read: {e}")))?;
            let chunk_shape: Vec<i64> = if entry.shape.is_empty() {
                Vec::new()
            } else {
                std::iter::once(n)
                    .chain(row_shape.iter().copied())
                    .collect()
            };
            let chunk = Tensor::f_from_data_size(&buffer, &chunk_shape, entry.kind)
                .map_err(|e| failed(e.to_string()))?;
            let mut target = if entry.shape.is_empty() {
                tensor.shallow_clone()
            } else {
                tensor.narrow(0, row, n)
            };
            target.f_copy_(&chunk).map_err(|e| failed(e.to_string()))?;
            row += n;
        }
        Ok(tensor)
    }
}

fn parse_entry(info: &Value, data_start: u64) -> Option<Entry> {
    let kind = match info.get("dtype")?.as_str()? {
        "F64" => Kind::Double,
        "F32" => Kind::Float,
        "F16" => Kind::Half,
        "BF16" => Kind::BFloat16,
        "I64" => Kind::Int64,
        "I32" => Kind::Int,
        _ => return None,
    };
    let shape = info
        .get("shape")?
        .as_array()?
        .iter()
        .map(|d| d.as_i64().filter(|&d| d >= 0))
        .collect::<Option<Vec<i64>>>()?;
    let offsets = info.get("data_offsets")?.as_array()?;
    let (start, end) = (offsets.first()?.as_u64()?, offsets.get(1)?.as_u64()?);
    (start <= end).then_some(Entry {
        kind,
        shape,
        start: data_start + start,
        end: data_start + end,
    })
}
