//! Progress reporting: indicatif bars on a terminal, nothing when piped or `--quiet` (batch runs
//! print plain periodic lines instead when piped).

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

/// Progress of a batch run: bars for pairs and embedded texts on a terminal, a plain line every
/// [`BatchProgress::PLAIN_EVERY`] (or `$PIRD_PROGRESS_SECONDS`) when standard error is a file or
/// pipe, nothing with `--quiet`.
pub struct BatchProgress {
    _bars: indicatif::MultiProgress,
    /// Pairs done (finished earlier, aligned or failed) of the run's pairs.
    pub pairs: ProgressBar,
    /// Texts embedded (or found in the cache).
    pub texts: ProgressBar,
    plain_every: Option<std::time::Duration>,
    state: std::sync::Mutex<PlainState>,
}

struct PlainState {
    started: std::time::Instant,
    last: std::time::Instant,
    failed: u64,
}

impl BatchProgress {
    /// Plain progress lines' default interval.
    pub const PLAIN_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

    /// Progress over `pairs` pairs.
    pub fn new(pairs: u64, quiet: bool) -> Self {
        use std::io::IsTerminal;
        let terminal = std::io::stderr().is_terminal();
        let bars = indicatif::MultiProgress::with_draw_target(if quiet || !terminal {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        });
        let pair_bar = bars.add(bar(pairs, "pairs", false));
        let text_bar = bars.add(bar(0, "texts", false));
        let plain_every = (!quiet && !terminal).then(|| {
            std::env::var("PIRD_PROGRESS_SECONDS")
                .ok()
                .and_then(|s| s.parse::<f64>().ok())
                .map_or(Self::PLAIN_EVERY, std::time::Duration::from_secs_f64)
        });
        let now = std::time::Instant::now();
        Self {
            _bars: bars,
            pairs: pair_bar,
            texts: text_bar,
            plain_every,
            state: std::sync::Mutex::new(PlainState {
                started: now,
                last: now,
                failed: 0,
            }),
        }
    }

    /// Counts one pair done, `failed` or not, and prints a plain line when one is due.
    pub fn pair_done(&self, failed: bool) {
        self.pairs.inc(1);
        let mut state = self.state.lock().expect("progress lock");
        state.failed += u64::from(failed);
        let Some(every) = self.plain_every else {
            return;
        };
        let done = self.pairs.position();
        let total = self.pairs.length().unwrap_or(done);
        if state.last.elapsed() < every && done < total {
            return;
        }
        state.last = std::time::Instant::now();
        let elapsed = state.started.elapsed().as_secs_f64();
        let eta = match done {
            0 => String::from("?"),
            _ => format!(
                "{:.0}s",
                elapsed / done as f64 * total.saturating_sub(done) as f64
            ),
        };
        eprintln!(
            "pird batch: {done}/{total} pairs ({} failed), {} texts embedded, {elapsed:.0}s elapsed, ETA {eta}",
            state.failed,
            self.texts.position()
        );
    }

    /// Prints a message without tearing the bars.
    pub fn println(&self, message: impl AsRef<str>) {
        self.pairs.suspend(|| eprintln!("{}", message.as_ref()));
    }

    /// Removes the bars.
    pub fn finish(&self) {
        self.pairs.finish_and_clear();
        self.texts.finish_and_clear();
    }
}
