//! The workspace's one integration-test binary: end-to-end runs of the `pird` command line (one
//! module per command) and the segmenter's accuracy on real data. One binary links polars and
//! libtorch once instead of once per test file.
mod util;

#[cfg(feature = "tch")]
mod adapt;
#[cfg(feature = "tch")]
mod align;
#[cfg(feature = "tch")]
mod batch;
#[cfg(all(feature = "tch", feature = "candle"))]
mod embed;
#[cfg(feature = "tch")]
mod eval;
mod export;
mod segment;
mod segmentation_accuracy;
