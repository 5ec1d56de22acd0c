//! `coresum-mpi`: `coresum sum` across MPI ranks.
//!
//! `mpirun -n N coresum-mpi sum FILE.npy [--json]`: each rank maps only its share of the file's
//! data and sums it on its share of the node's cores; the exact partials are reduced across ranks,
//! and rank 0 prints exactly what `coresum sum` prints (`--json` adds `"ranks": N`).
//!
//! Every failure prints one line on stderr (from the lowest rank that failed) and every rank exits
//! with status 2.

mod share;

use clap::{Parser, Subcommand};
use coresum::Mode;
use coresum_cli::report::{Printable, SumReport};
use coresum_cli::sum::SumArgs;
use coresum_cli::with_dtype;
use mpi::collective::SystemOperation;
use mpi::traits::*;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser)]
#[command(
    name = "coresum-mpi",
    version,
    about = "Exact SIMD sums across MPI ranks (run under mpirun)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sum the elements of a .npy file, or of a raw binary file given --dtype, across the ranks.
    Sum(SumArgs),
}

fn main() -> ExitCode {
    let Some(universe) = mpi::initialize() else {
        eprintln!("coresum-mpi: error: MPI could not be initialised");
        return ExitCode::from(2);
    };
    let world = universe.world();
    let root = world.rank() == 0;
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Every rank parses the same arguments; rank 0 speaks. --help is not an error.
            if root {
                let _ = e.print();
            }
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let Command::Sum(args) = cli.command;
    match sum(&world, &args) {
        Ok(line) => {
            if root {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(Reported) => ExitCode::from(2),
    }
}

/// A failure already printed (once, by the lowest rank that failed).
struct Reported;

/// Every rank learns whether any rank failed; the lowest failing rank prints its error.
fn agree<T, C: Communicator>(comm: &C, result: Result<T, String>) -> Result<T, Reported> {
    let mine = if result.is_err() {
        comm.rank()
    } else {
        comm.size()
    };
    let mut first = 0;
    comm.all_reduce_into(&mine, &mut first, SystemOperation::min());
    match result {
        Ok(value) if first == comm.size() => Ok(value),
        Ok(_) => Err(Reported),
        Err(message) => {
            if first == comm.rank() {
                eprintln!("coresum-mpi: error: {message}");
            }
            Err(Reported)
        }
    }
}

/// The line rank 0 prints: `coresum sum`'s, for the whole file.
fn sum<C: Communicator>(world: &C, args: &SumArgs) -> Result<String, Reported> {
    let ranks = usize::try_from(world.size()).unwrap_or(1);
    let rank = usize::try_from(world.rank()).unwrap_or(0);
    // Timed from before the file is mapped, as `coresum sum` is.
    let start = Instant::now();
    let placement = if args.threads.is_some() || args.cores.is_some() {
        Err(
            "--threads and --cores do not apply: each rank's cores are its share of its node's"
                .into(),
        )
    } else {
        Ok(())
    };
    let share = agree(
        world,
        placement.and_then(|()| share::open(args, rank, ranks)),
    )?;
    let (dtype, count, mode) = (share.dtype, share.count, Mode::from(args.mode));
    let sum = with_dtype!(dtype, T => {
        let owner = agree(world, share.view::<T>())?;
        coresum_mpi::sum_with(world, (*owner).as_ref(), mode).print()
    });
    let seconds = start.elapsed().as_secs_f64();
    let mine = coresum_mpi::node_cores(world).len().max(1) as u64;
    let mut threads = 0u64;
    world.all_reduce_into(&mine, &mut threads, SystemOperation::sum());
    let report = SumReport {
        sum,
        dtype,
        count,
        mode,
        threads: threads as usize,
        seconds,
        file: args.file.display().to_string(),
    };
    Ok(render(&report, args.json, ranks))
}

/// `coresum sum`'s line; with `--json`, its object with `"ranks"` added (in key order, as the
/// CLI's keys are).
fn render(report: &SumReport, json: bool, ranks: usize) -> String {
    let line = report.render(json);
    if !json {
        return line;
    }
    match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&line) {
        Ok(mut object) => {
            object.insert("ranks".into(), ranks.into());
            serde_json::to_string(&object).unwrap_or(line)
        }
        Err(_) => line,
    }
}
