//! `coresum`: sum files at memory speed, benchmark the machine, show what coresum sees.
//!
//! Every failure prints one line on stderr and exits with status 2.

mod bench;
mod info;

use clap::{Parser, Subcommand};
use coresum_cli::sum::SumArgs;
use std::process::ExitCode;

#[derive(Parser)]
#[command(version, about = "Exact SIMD sums on a bounded pool of pinned workers")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sum the elements of a .npy file, or of a raw binary file given --dtype.
    Sum(SumArgs),
    /// Generate data and measure coresum beside the read ceiling and std, in the same run.
    Bench(bench::Args),
    /// CPU features, ISA path, allowed cores, cache sizes and the default pool's plan.
    Info,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are not errors.
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Sum(args) => args
            .run()
            .map(|report| println!("{}", report.render(args.json))),
        Command::Bench(args) => bench::run(args),
        Command::Info => info::run(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("coresum: error: {message}");
            ExitCode::from(2)
        }
    }
}
