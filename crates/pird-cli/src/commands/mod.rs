//! One module per subcommand; each turns parsed options into library calls and table I/O.

#[cfg(feature = "tch")]
mod adapt;
mod align;
mod calibrate;
pub mod docalign;
mod embed;
mod eval;
mod export;
mod model;
mod report;
mod segment;

use crate::cli::{Cli, Command, EvalCommand, ModelCommand};
use anyhow::Result;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Segment(args) => segment::run(&args, cli.quiet),
        Command::Embed(args) => embed::run(&args, cli.quiet),
        Command::Align(args) => align::run(&args, cli.quiet),
        Command::Docalign(args) => docalign::run(&args, cli.quiet),
        Command::Batch(args) => crate::batch::run(&args, cli.quiet),
        Command::Eval(args) => match &args.command {
            Some(EvalCommand::Suite(suite)) => eval::suite(suite, cli.quiet),
            None => eval::compare(&args),
        },
        Command::Report(args) => report::run(&args, cli.quiet),
        Command::Export(args) => export::run(&args, cli.quiet),
        #[cfg(feature = "tch")]
        Command::Adapt(args) => adapt::run(&args, cli.quiet),
        #[cfg(not(feature = "tch"))]
        Command::Adapt(_) => anyhow::bail!(
            "this pird was built without the `tch` backend, which `pird adapt` trains with"
        ),
        Command::Model(ModelCommand::Import(args)) => model::import(&args),
        Command::Model(ModelCommand::Calibrate(args)) => calibrate::run(&args, cli.quiet),
    }
}
