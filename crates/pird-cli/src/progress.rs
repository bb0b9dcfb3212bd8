//! Progress reporting: indicatif bars on a terminal, nothing when piped or `--quiet`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar over `len` items named `what`, hidden when `quiet` or standard error is no terminal.
pub fn bar(len: u64, what: &str, quiet: bool) -> ProgressBar {
    let target = if quiet {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    };
    let bar = ProgressBar::with_draw_target(Some(len), target);
    bar.set_style(
        ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} ({per_sec}, ETA {eta})")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

/// Prints a warning to standard error without tearing the progress bar.
pub fn warn(bar: &ProgressBar, message: impl AsRef<str>) {
    bar.suspend(|| eprintln!("pird: warning: {}", message.as_ref()));
}
