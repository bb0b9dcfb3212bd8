//! `pird`: align Sorani (ckb) and Arabic (arb) text at the sentence level.

mod background;
mod cli;
mod commands;
mod documents;
mod embedding;
mod export;
mod progress;
mod sentence_input;
mod suite;
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
