//! `coresum`: sum files at memory speed, describe them (`stats`, `dot`), benchmark the machine, show what coresum sees.
//!
//! Every failure prints one line on stderr and exits with status 2.

mod bench;
mod info;

use clap::{CommandFactory, Parser, Subcommand};
use coresum_cli::report::render_all;
use coresum_cli::stats::{DotArgs, StatsArgs};
use coresum_cli::sum::SumArgs;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser)]
#[command(version, about = "Exact SIMD sums on a bounded pool of pinned workers")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sum the arrays of .npy and .npz files, raw binary files given --dtype, or standard input.
    Sum(SumArgs),
    /// Count, sum, mean, variance, std, min, max, argmin and argmax of a file, in one pass.
    Stats(StatsArgs),
    /// The dot product of two files of the same type and length.
    Dot(DotArgs),
    /// Generate data and measure coresum beside the read ceiling and std, in the same run.
    Bench(bench::Args),
    /// CPU features, ISA path, allowed cores, cache sizes and the default pool's plan.
    Info,
    /// Print a completion script for the shell, e.g. `coresum completions bash > coresum.bash`.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
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
        Command::Sum(args) => {
            let start = Instant::now();
            args.run()
                .and_then(|summed| render_all(&summed, args.json, start.elapsed().as_secs_f64()))
                .map(|text| println!("{text}"))
        }
        Command::Stats(args) => args.run().map(|text| println!("{text}")),
        Command::Dot(args) => args.run().map(|text| println!("{text}")),
        Command::Bench(args) => bench::run(args),
        Command::Info => info::run(),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "coresum", &mut script);
            std::io::Write::write_all(&mut std::io::stdout(), &script)
                .map_err(|e| format!("cannot write the completion script: {e}"))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("coresum: error: {message}");
            ExitCode::from(2)
        }
    }
}
