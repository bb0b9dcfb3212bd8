//! `pird`: align Sorani (ckb) and Arabic (arb) text at the sentence level.

mod cli;
mod commands;
mod documents;
mod progress;
mod tables;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("pird: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
