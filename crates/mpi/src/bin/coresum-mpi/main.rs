//! `coresum-mpi`: `coresum sum` across MPI ranks.
//!
//! `mpirun -n N coresum-mpi sum FILE.npy... [--json]`: each rank reads only its share of each
//! file's data and sums it on its share of the node's cores; the exact partials are reduced across
//! ranks, and rank 0 prints exactly what `coresum sum` prints (`--json` adds `"ranks": N`).
//! Standard input and `.npz` archives cannot be split, and are refused.
//!
//! Every failure prints one line on stderr (from the lowest rank that failed) and every rank exits
//! with status 2.

mod share;

use clap::{Parser, Subcommand};
use coresum::Mode;
use coresum_cli::input;
use coresum_cli::report::{SumReport, render_all};
use coresum_cli::sum::{SumArgs, Summed};
use coresum_cli::total::Total;
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
    /// Sum the elements of .npy files, or of raw binary files given --dtype, across the ranks.
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

/// What rank 0 prints: `coresum sum`'s lines for the files named, summed across the ranks.
fn sum<C: Communicator>(world: &C, args: &SumArgs) -> Result<String, Reported> {
    let ranks = usize::try_from(world.size()).unwrap_or(1);
    let rank = usize::try_from(world.rank()).unwrap_or(0);
    let start = Instant::now();
    let placement = if args.threads.is_some() || args.cores.is_some() {
        Err(
            "--threads and --cores do not apply: each rank's cores are its share of its node's"
                .into(),
        )
    } else {
        Ok(())
    };
    agree(world, placement)?;
    let pool =
        coresum_mpi::node_pool(world).ok_or_else(|| "this rank's pool could not start".into());
    let pool = agree(world, pool)?;
    // `threads` counts the workers of every rank.
    let mut threads = 0u64;
    world.all_reduce_into(
        &(pool.threads() as u64),
        &mut threads,
        SystemOperation::sum(),
    );
    let mode = Mode::from(args.mode);
    let mut summed = Vec::new();
    for path in &args.files {
        // Timed from opening the file, as `coresum sum` is.
        let opened = Instant::now();
        let share = agree(world, share::open(args, path, rank, ranks))?;
        let mine = with_dtype!(share.dtype, T => {
            input::sum_file::<T>(&share.file, &share.name, share.extent, &pool, mode)
        });
        let mine = agree(world, mine.and_then(|t| share.unchanged().map(|()| t)))?;
        let total = all_reduce(world, mine);
        summed.push(Summed {
            report: SumReport {
                sum: total.print(),
                dtype: share.dtype,
                count: share.count as usize,
                mode,
                threads: threads as usize,
                seconds: opened.elapsed().as_secs_f64(),
                file: share.name,
            },
            total,
        });
    }
    let line = render_all(&summed, args.json, start.elapsed().as_secs_f64());
    Ok(with_ranks(agree(world, line)?, args.json, ranks))
}

/// Every rank's total of its share, added exactly: the same total on every rank. Every rank
/// holds the same kind of total (the file's element type decides it).
fn all_reduce<C: Communicator>(comm: &C, mine: Total) -> Total {
    match mine {
        Total::Signed(x) => Total::Signed(coresum_mpi::all_reduce_i128(comm, x)),
        // Two's complement: the same addition, cast back.
        Total::Unsigned(x) => {
            Total::Unsigned(coresum_mpi::all_reduce_i128(comm, x as i128) as u128)
        }
        Total::Float(state) => Total::Float(Box::new(coresum_mpi::all_reduce_exact(comm, &state))),
    }
}

/// `coresum sum`'s output; with `--json`, its object with `"ranks"` added (in key order, as the
/// CLI's keys are).
fn with_ranks(line: String, json: bool, ranks: usize) -> String {
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
