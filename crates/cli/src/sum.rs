//! `coresum sum`: its arguments, the pool they ask for, and a sum of a file with a progress bar.

use crate::dtype::{Dtype, Endian};
use crate::input::{self, Element, Input};
use crate::report::{Printable, SumReport};
use crate::with_dtype;
use clap::ValueEnum;
use coresum::{Cores, Mode, Pool};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The arguments of `coresum sum`.
#[derive(clap::Args, Clone, Debug)]
pub struct SumArgs {
    /// The file: a .npy file, or raw binary data given --dtype.
    pub file: PathBuf,
    /// Element type of a raw file: i8 i16 i32 i64 u8 u16 u32 u64 f16 bf16 f32 f64.
    #[arg(long)]
    pub dtype: Option<String>,
    /// Raw data is big-endian (default little-endian).
    #[arg(long)]
    pub be: bool,
    /// Skip this many bytes at the start of a raw file.
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// How floats are summed (integer sums are always exact).
    #[arg(long, value_enum, default_value_t = ModeArg::Exact)]
    pub mode: ModeArg,
    /// Worker threads (default: one per allowed core, or CORESUM_THREADS).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Cores to pin the workers to, e.g. 0-3,8 (default: the allowed cores, or CORESUM_CORES).
    #[arg(long)]
    pub cores: Option<String>,
    /// Print one JSON object instead of the bare sum.
    #[arg(long)]
    pub json: bool,
}

/// `--mode`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ModeArg {
    /// `Mode::Exact`: correctly rounded.
    Exact,
    /// `Mode::Compensated`: about twice the working precision.
    Compensated,
    /// `Mode::Fast`: plain vector accumulators.
    Fast,
}

impl From<ModeArg> for Mode {
    fn from(mode: ModeArg) -> Mode {
        match mode {
            ModeArg::Exact => Mode::Exact,
            ModeArg::Compensated => Mode::Compensated,
            ModeArg::Fast => Mode::Fast,
        }
    }
}

impl SumArgs {
    /// Opens and maps the file the arguments name (not yet summed).
    pub fn open(&self) -> Result<Input, String> {
        let dtype = self.dtype.as_deref().map(Dtype::from_name).transpose()?;
        let endian = if self.be { Endian::Big } else { Endian::Little };
        input::open(&self.file, dtype, endian, self.offset)
    }

    /// The whole command on this process: the file summed on the pool the arguments ask for.
    pub fn run(&self) -> Result<SumReport, String> {
        let pool = pool_for(self.threads, self.cores.as_deref())?;
        // Timed from before the file is mapped: the mapping and its page faults are part of the
        // cost.
        let start = Instant::now();
        let input = self.open()?;
        let (dtype, count) = (input.dtype, input.count);
        let mode = Mode::from(self.mode);
        let sum = with_dtype!(dtype, T => sum_with_progress::<T>(input, &pool, mode)?.print());
        Ok(SumReport {
            sum,
            dtype,
            count,
            mode,
            threads: pool.threads(),
            seconds: start.elapsed().as_secs_f64(),
            file: self.file.display().to_string(),
        })
    }
}

/// The pool a command runs on: the default one, or one built from --threads / --cores.
pub fn pool_for(threads: Option<usize>, cores: Option<&str>) -> Result<PoolRef, String> {
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
pub enum PoolRef {
    /// The process-wide default pool.
    Default(&'static Pool),
    /// A pool built for this command.
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
pub fn sum_with_progress<T: Element>(
    input: Input,
    pool: &Pool,
    mode: Mode,
) -> Result<T::Output, String> {
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
