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
