//! Backends: the implementations of [`Encoder`](crate::Encoder), one per inference library, each
//! behind a cargo feature of the same name.
//!
//! - `tch` (default): libtorch through the `tch` crate, with the forward pass written in torch ops
//!   ([`tch::TchBert`]); runs on CPU and, with the CUDA libtorch of the PyTorch wheel, on GPUs.

#[cfg(feature = "tch")]
pub mod tch;
