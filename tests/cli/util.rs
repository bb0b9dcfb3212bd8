//! What the command-line tests share: the project's folders, the models `scripts/fetch-model`
//! makes, and running the `pird` binary.
use std::ffi::OsStr;
use std::path::PathBuf;
use std::process::{Command, Output};

/// The project root, where `data/` and `scripts/` are.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The path of a seed article in `data/seeds`.
pub fn seed(name: &str) -> String {
    repo().join("data/seeds").join(name).display().to_string()
}

/// The imported and calibrated default model; the tests fail (not skip) without it.
pub fn default_model() -> String {
    let dir = repo().join("data/models/multilingual-e5-small");
    assert!(
        dir.join("pird-calibration.json").is_file(),
        "{} is missing or uncalibrated: run scripts/fetch-model first",
        dir.display()
    );
    dir.display().to_string()
}

/// The base model without the adapter; the tests fail (not skip) without it.
pub fn base_model() -> String {
    let dir = repo().join("data/models/multilingual-e5-small-base");
    assert!(
        dir.join("model.safetensors").is_file(),
        "{} is missing: run scripts/fetch-model {} none first",
        dir.display(),
        dir.display()
    );
    dir.display().to_string()
}

/// A `pird` command with two encoder threads, for arguments and environment still to come.
pub fn pird_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pird"));
    command.env("PIRD_THREADS", "2");
    command
}

/// Runs `pird ARGS` with two encoder threads.
pub fn pird<S: AsRef<OsStr>>(args: &[S]) -> Output {
    pird_command().args(args).output().expect("pird runs")
}

/// A run's standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
