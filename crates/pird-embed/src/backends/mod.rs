//! Backends: the implementations of [`Encoder`](crate::Encoder), one per inference library, each
//! behind a cargo feature of the same name.
//!
//! - `tch` (default): libtorch through the `tch` crate, with the forward pass written in torch ops
//!   ([`tch::TchBert`]); runs on CPU and, with the CUDA libtorch of the PyTorch wheel, on GPUs.
//! - `candle`: Hugging Face candle ([`candle::CandleBert`]), pure Rust, so pird builds with no
//!   libtorch at all; with the `cuda` feature also on NVIDIA GPUs.

#[cfg(feature = "tch")]
pub mod tch;

#[cfg(feature = "candle")]
pub mod candle;

use crate::{DeviceSpec, Encoder, EncoderError, ModelDir, Precision};

/// Which backend computes the vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    /// libtorch through tch (feature `tch`).
    Tch,
    /// Hugging Face candle, pure Rust (feature `candle`).
    Candle,
}

impl BackendKind {
    /// The fastest backend this build has: tch (measured faster on CPU), else candle.
    pub fn preferred() -> Self {
        if cfg!(feature = "tch") {
            BackendKind::Tch
        } else {
            BackendKind::Candle
        }
    }
}

/// How to load an encoder: backend, device, threads and number format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncoderOptions {
    /// The backend.
    pub backend: BackendKind,
    /// Where it runs.
    pub device: DeviceSpec,
    /// CPU threads (all cores when `None`).
    pub threads: Option<usize>,
    /// Number format of weights and activations.
    pub precision: Precision,
}

/// Loads the model in `dir` with the backend `options` name (as text-embeddings-inference's
/// `init_backend` picks its backend); a backend this build lacks is an error that says how to
/// get it.
pub fn load_encoder(
    dir: &ModelDir,
    options: &EncoderOptions,
) -> Result<Box<dyn Encoder>, EncoderError> {
    match options.backend {
        BackendKind::Tch => load_tch(dir, options),
        BackendKind::Candle => load_candle(dir, options),
    }
}

#[cfg(feature = "tch")]
fn load_tch(dir: &ModelDir, options: &EncoderOptions) -> Result<Box<dyn Encoder>, EncoderError> {
    let options = tch::TchOptions {
        device: options.device.into(),
        threads: options.threads,
        precision: options.precision,
        ..tch::TchOptions::default()
    };
    Ok(Box::new(tch::TchBert::load_with(dir, options)?))
}

#[cfg(not(feature = "tch"))]
fn load_tch(_dir: &ModelDir, _options: &EncoderOptions) -> Result<Box<dyn Encoder>, EncoderError> {
    Err(EncoderError::Model(
        "this pird was built without the tch backend: use --backend candle, or rebuild with the `tch` feature".into(),
    ))
}

#[cfg(feature = "candle")]
fn load_candle(dir: &ModelDir, options: &EncoderOptions) -> Result<Box<dyn Encoder>, EncoderError> {
    let options = candle::CandleOptions {
        device: options.device,
        threads: options.threads,
        precision: options.precision,
    };
    Ok(Box::new(candle::CandleBert::load(dir, options)?))
}

#[cfg(not(feature = "candle"))]
fn load_candle(
    _dir: &ModelDir,
    _options: &EncoderOptions,
) -> Result<Box<dyn Encoder>, EncoderError> {
    Err(EncoderError::Model(
        "this pird was built without the candle backend: use --backend tch, or rebuild with the `candle` feature".into(),
    ))
}
