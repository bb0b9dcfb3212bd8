//! `pird`: align Sorani (ckb) and Arabic (arb) text at the sentence level.

mod batch;
mod cli;
mod commands;
mod embedding;
mod pair_alignment;
mod progress;
mod sentence_input;
mod suite;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    init_logs();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("pird: error: {error:#}");
            // A batch run that finished with failed pairs is told from one that could not run.
            match error.downcast_ref::<batch::PairsFailed>() {
                Some(_) => ExitCode::from(2),
                None => ExitCode::FAILURE,
            }
        }
    }
}

/// Structured logs on standard error, off unless `RUST_LOG` asks for them (e.g.
/// `RUST_LOG=pird=info`); `PIRD_LOG_FORMAT=json` writes one JSON object per event.
fn init_logs() {
    use tracing_subscriber::{filter::LevelFilter, EnvFilter};
    let filter = EnvFilter::builder()
        .with_default_directive(LevelFilter::OFF.into())
        .from_env_lossy();
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("PIRD_LOG_FORMAT").is_ok_and(|f| f == "json") {
        logs.json().init();
    } else {
        logs.init();
    }
}
