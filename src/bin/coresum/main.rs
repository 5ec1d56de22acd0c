//! `coresum`: sum files at memory speed, benchmark the machine, show what coresum sees.
//!
//! Every failure prints one line on stderr and exits with status 2.

mod bench;
mod dtype;
mod info;
mod input;
mod npy;

use clap::{Parser, Subcommand, ValueEnum};
use coresum::{Cores, Mode, Pool};
use dtype::{Dtype, Endian};
use input::Element;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(version, about = "Exact SIMD sums on a bounded pool of pinned workers")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sum the elements of a .npy file, or of a raw binary file given --dtype.
    Sum {
        file: PathBuf,
        /// Element type of a raw file: i8 i16 i32 i64 u8 u16 u32 u64 f16 bf16 f32 f64.
        #[arg(long)]
        dtype: Option<String>,
        /// Raw data is big-endian (default little-endian).
        #[arg(long)]
        be: bool,
        /// Skip this many bytes at the start of a raw file.
        #[arg(long, default_value_t = 0)]
        offset: usize,
        #[arg(long, value_enum, default_value_t = ModeArg::Exact)]
        mode: ModeArg,
        /// Worker threads (default: one per allowed core, or CORESUM_THREADS).
        #[arg(long)]
        threads: Option<usize>,
        /// Cores to pin the workers to, e.g. 0-3,8 (default: the allowed cores, or CORESUM_CORES).
        #[arg(long)]
        cores: Option<String>,
        /// Print one JSON object instead of the bare sum.
        #[arg(long)]
        json: bool,
    },
    /// Generate data and measure coresum beside the read ceiling and std, in the same run.
    Bench(bench::Args),
    /// CPU features, ISA path, allowed cores, cache sizes and the default pool's plan.
    Info,
}

#[derive(Clone, Copy, ValueEnum)]
enum ModeArg {
    Exact,
    Compensated,
    Fast,
}

impl ModeArg {
    fn mode(self) -> Mode {
        match self {
            ModeArg::Exact => Mode::Exact,
            ModeArg::Compensated => Mode::Compensated,
            ModeArg::Fast => Mode::Fast,
        }
    }
    fn name(self) -> &'static str {
        match self {
            ModeArg::Exact => "exact",
            ModeArg::Compensated => "compensated",
            ModeArg::Fast => "fast",
        }
    }
}

/// Calls `$body` with `$t` bound to the Rust type of `$dtype`.
macro_rules! with_dtype {
    ($dtype:expr, $t:ident => $body:expr) => {
        match $dtype {
            Dtype::I8 => {
                type $t = i8;
                $body
            }
            Dtype::I16 => {
                type $t = i16;
                $body
            }
            Dtype::I32 => {
                type $t = i32;
                $body
            }
            Dtype::I64 => {
                type $t = i64;
                $body
            }
            Dtype::U8 => {
                type $t = u8;
                $body
            }
            Dtype::U16 => {
                type $t = u16;
                $body
            }
            Dtype::U32 => {
                type $t = u32;
                $body
            }
            Dtype::U64 => {
                type $t = u64;
                $body
            }
            Dtype::F16 => {
                type $t = half::f16;
                $body
            }
            Dtype::Bf16 => {
                type $t = half::bf16;
                $body
            }
            Dtype::F32 => {
                type $t = f32;
                $body
            }
            Dtype::F64 => {
                type $t = f64;
                $body
            }
        }
    };
}
pub(crate) use with_dtype;

/// A sum printed the way the command line promises: integers in full, floats as the shortest
/// string that reads back to the same value (`nan`, `inf`, `-inf`, `-0.0` spelled so).
pub(crate) trait Printable {
    fn print(&self) -> String;
}

impl Printable for i128 {
    fn print(&self) -> String {
        self.to_string()
    }
}

impl Printable for u128 {
    fn print(&self) -> String {
        self.to_string()
    }
}

impl Printable for f64 {
    fn print(&self) -> String {
        if self.is_nan() {
            "nan".into()
        } else if self.is_infinite() {
            if *self > 0.0 {
                "inf".into()
            } else {
                "-inf".into()
            }
        } else {
            // `Debug` is the shortest round-trip form, with an exponent where it is shorter.
            format!("{self:?}")
        }
    }
}

/// The pool a command runs on: the default one, or one built from --threads / --cores.
pub(crate) fn pool_for(threads: Option<usize>, cores: Option<&str>) -> Result<PoolRef, String> {
    if threads.is_none() && cores.is_none() {
        return coresum::default_pool()
            .map(PoolRef::Default)
            .ok_or_else(|| "the default pool could not start (see the warning above)".into());
    }
    let mut builder = Pool::builder();
    if let Some(threads) = threads {
        builder = builder.threads(threads);
    }
    if let Some(cores) = cores {
        let cores = coresum::pool::parse_core_list(cores).map_err(|e| format!("--cores: {e}"))?;
        builder = builder.cores(Cores::List(cores));
    }
    builder.build().map(PoolRef::Own).map_err(|e| e.to_string())
}

/// A pool the command either owns or borrows (the process-wide default).
pub(crate) enum PoolRef {
    Default(&'static Pool),
    Own(Pool),
}

impl std::ops::Deref for PoolRef {
    type Target = Pool;
    fn deref(&self) -> &Pool {
        match self {
            PoolRef::Default(pool) => pool,
            PoolRef::Own(pool) => pool,
        }
    }
}

/// Sums `input` on `pool`, with a progress bar on a terminal once it has taken a second.
fn sum_file<T: Element>(input: input::Input, pool: &Pool, mode: Mode) -> Result<T::Output, String>
where
    T::Output: Printable,
{
    let owner = input::view::<T>(input)?;
    let task = pool.sum_async_with(owner, mode);
    let started = Instant::now();
    let mut bar: Option<indicatif::ProgressBar> = None;
    while !task.is_finished() {
        std::thread::sleep(Duration::from_millis(20));
        let (done, total) = task.progress();
        if bar.is_none() && started.elapsed() > Duration::from_secs(1) {
            // Hidden by indicatif itself when stderr is not a terminal.
            let new = indicatif::ProgressBar::new(total as u64);
            new.set_style(
                indicatif::ProgressStyle::with_template("{bar:40} {percent:>3}% {elapsed} {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar = Some(new);
        }
        if let Some(bar) = &bar {
            bar.set_position(done as u64);
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    task.wait().map_err(|e| e.to_string())
}

#[allow(clippy::too_many_arguments)]
fn sum_command(
    file: PathBuf,
    dtype: Option<String>,
    be: bool,
    offset: usize,
    mode: ModeArg,
    threads: Option<usize>,
    cores: Option<String>,
    json: bool,
) -> Result<(), String> {
    let dtype = dtype.as_deref().map(Dtype::from_name).transpose()?;
    let endian = if be { Endian::Big } else { Endian::Little };
    let pool = pool_for(threads, cores.as_deref())?;
    // Timed from before the file is mapped: the mapping and its page faults are part of the cost.
    let start = Instant::now();
    let input = input::open(&file, dtype, endian, offset)?;
    let (dtype, count) = (input.dtype, input.count);
    let total = with_dtype!(dtype, T => sum_file::<T>(input, &pool, mode.mode())?.print());
    let seconds = start.elapsed().as_secs_f64();
    if json {
        let report = serde_json::json!({
            "sum": total,
            "dtype": dtype.code(),
            "count": count,
            "mode": mode.name(),
            "threads": pool.threads(),
            "seconds": seconds,
            "bytes_per_second": (count * dtype.size()) as f64 / seconds.max(1e-9),
            "isa": coresum::isa().name(),
            "file": file.display().to_string(),
        });
        println!("{report}");
    } else {
        println!("{total}");
    }
    Ok(())
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
        Command::Sum {
            file,
            dtype,
            be,
            offset,
            mode,
            threads,
            cores,
            json,
        } => sum_command(file, dtype, be, offset, mode, threads, cores, json),
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
