//! `coresum sum`: its arguments, the pool they ask for, and the sum of each file, archive member or
//! stream they name.

use crate::dtype::{Dtype, Endian};
use crate::input::{self, Extent};
use crate::npy::{self, Header};
use crate::report::SumReport;
use crate::total::Total;
use crate::{npz, with_dtype};
use clap::ValueEnum;
use coresum::{Cores, Mode, Pool};
use std::fs::File;
use std::io::{Cursor, Read};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The arguments of `coresum sum`.
#[derive(clap::Args, Clone, Debug)]
pub struct SumArgs {
    /// Files: .npy, .npz, raw binary given --dtype, or - for standard input. A quoted glob
    /// (`'data/*.npy'`) is expanded here when no file has that name.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Element type of raw data; for a .npy file, its header must agree.
    #[arg(long, value_enum)]
    pub dtype: Option<Dtype>,
    /// Raw data is big-endian (default little-endian).
    #[arg(long)]
    pub be: bool,
    /// Skip this many bytes at the start of raw data.
    #[arg(long, default_value_t = 0)]
    pub offset: u64,
    /// How floats are summed (integer sums are always exact).
    #[arg(long, value_enum, default_value_t = ModeArg::Exact)]
    pub mode: ModeArg,
    /// Worker threads (default: one per allowed core, or CORESUM_THREADS).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Cores to pin the workers to, e.g. 0-3,8 (default: the allowed cores, or CORESUM_CORES).
    #[arg(long)]
    pub cores: Option<String>,
    /// Print JSON: one object for one array, else the arrays and their total.
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

/// `--dtype`: the names of [`Dtype::name`].
impl ValueEnum for Dtype {
    fn value_variants<'a>() -> &'a [Self] {
        &Dtype::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name()))
    }
}

/// One array summed: its report and its exact total, for the grand total.
pub struct Summed {
    /// What `coresum sum` prints for it.
    pub report: SumReport,
    /// Its sum, unrounded.
    pub total: Total,
}

impl SumArgs {
    /// The whole command on this process: every array the arguments name, summed on the pool
    /// they ask for, in order.
    pub fn run(&self) -> Result<Vec<Summed>, String> {
        let pool = pool_for(self.threads, self.cores.as_deref())?;
        let mut summed = Vec::new();
        for path in expand(&self.files)? {
            if path.as_os_str() == "-" {
                summed.push(self.sum_stdin(&pool)?);
            } else if npz::is_npz(&path) {
                npz::sum_archive(self, &path, &mut summed)?;
            } else {
                summed.push(self.sum_path(&path, &pool)?);
            }
        }
        Ok(summed)
    }

    /// Sums standard input: redirected from a regular file, like that file; else as a stream, from
    /// a pipe widened to take more at a time.
    fn sum_stdin(&self, pool: &Pool) -> Result<Summed, String> {
        let stdin = std::io::stdin();
        let start = Instant::now();
        let fd = stdin
            .as_fd()
            .try_clone_to_owned()
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        let file = File::from(fd);
        if file.metadata().is_ok_and(|meta| meta.is_file()) {
            return self.sum_file(&file, "-".into(), pool, start);
        }
        input::widen_pipe(&stdin);
        self.sum_stream(&mut stdin.lock(), "-", false)
    }

    /// Sums the file at `path`.
    fn sum_path(&self, path: &Path, pool: &Pool) -> Result<Summed, String> {
        let name = path.display().to_string();
        let start = Instant::now();
        let file = File::open(path).map_err(|e| format!("cannot open {name}: {e}"))?;
        self.sum_file(&file, name, pool, start)
    }

    /// Sums an open file: a regular one on every worker of `pool`, from its start, anything
    /// else (a pipe, a device) as a stream.
    fn sum_file(
        &self,
        file: &File,
        name: String,
        pool: &Pool,
        start: Instant,
    ) -> Result<Summed, String> {
        let before = file
            .metadata()
            .map_err(|e| format!("cannot read {name}: {e}"))?;
        if before.is_dir() {
            return Err(format!("{name} is a directory"));
        }
        if !before.is_file() {
            return self.sum_stream(&mut &*file, &name, false);
        }
        let (dtype, extent) = self.locate(file, &name, before.len())?;
        let count = extent.count;
        let mode = Mode::from(self.mode);
        let total = with_dtype!(dtype, T => input::sum_file::<T>(file, &name, extent, pool, mode)?);
        unchanged(file, &name, &before)?;
        Ok(self.summed(total, dtype, count, pool.threads(), start, name))
    }

    /// Where the elements of the regular file `file` (of `len` bytes) are, and their type: after
    /// its `.npy` header, or raw data of `--dtype` from `--offset`. Front ends that read part of a
    /// file (`coresum-mpi`) start here too.
    pub fn locate(&self, file: &File, name: &str, len: u64) -> Result<(Dtype, Extent), String> {
        let (header, _) = npy::read_header(&mut &*file).map_err(|e| format!("{name}: {e}"))?;
        let (dtype, endian) = self.layout(header.as_ref(), name)?;
        let (offset, body) = match &header {
            Some(header) => (
                header.data_offset as u64,
                len.saturating_sub(header.data_offset as u64),
            ),
            None => (
                self.offset,
                len.checked_sub(self.offset).ok_or_else(|| {
                    format!(
                        "{name}: --offset {} is past its end ({} bytes)",
                        self.offset, len
                    )
                })?,
            ),
        };
        let size = dtype.size() as u64;
        let count = match &header {
            Some(header) => {
                let count = header.count().map_err(|e| format!("{name}: {e}"))? as u64;
                if count.checked_mul(size) != Some(body) {
                    return Err(format!(
                        "{name}: the header promises {count} elements of {dtype} but the file holds {body} bytes of data"
                    ));
                }
                count
            }
            None if body % size != 0 => {
                return Err(format!(
                    "{name}: {body} bytes is not a whole number of {dtype} elements ({size} bytes each)"
                ));
            }
            None => body / size,
        };
        Ok((
            dtype,
            Extent {
                offset,
                count,
                endian,
            },
        ))
    }

    /// Sums a stream (standard input, a pipe, an archive member) named `name`: a `.npy` stream
    /// (by its magic bytes) or, unless `npy_only`, raw data of `--dtype`, read in bounded memory.
    pub fn sum_stream(
        &self,
        reader: &mut dyn Read,
        name: &str,
        npy_only: bool,
    ) -> Result<Summed, String> {
        let start = Instant::now();
        let (header, rest) = npy::read_header(reader).map_err(|e| format!("{name}: {e}"))?;
        if npy_only && header.is_none() {
            return Err(format!("{name} is not a .npy array"));
        }
        let (dtype, endian) = self.layout(header.as_ref(), name)?;
        let mut reader = Cursor::new(rest).chain(reader);
        let count = match &header {
            Some(header) => Some(header.count().map_err(|e| format!("{name}: {e}"))? as u64),
            None => {
                let skipped =
                    std::io::copy(&mut (&mut reader).take(self.offset), &mut std::io::sink())
                        .map_err(|e| format!("cannot read {name}: {e}"))?;
                if skipped < self.offset {
                    return Err(format!(
                        "{name}: --offset {} is past its end ({skipped} bytes)",
                        self.offset
                    ));
                }
                None
            }
        };
        let mode = Mode::from(self.mode);
        let (total, count) = with_dtype!(dtype, T => input::sum_stream::<T>(&mut reader, name, count, endian, mode)?);
        Ok(self.summed(total, dtype, count, 1, start, name.to_owned()))
    }

    /// The element type and byte order of data with `header` (or raw data, for `None`), checked
    /// against `--dtype`, `--be` and `--offset`.
    fn layout(&self, header: Option<&Header>, name: &str) -> Result<(Dtype, Endian), String> {
        let Some(header) = header else {
            let dtype = self.dtype.ok_or_else(|| {
                format!("{name} is not a .npy file: give its element type with --dtype")
            })?;
            return Ok((dtype, if self.be { Endian::Big } else { Endian::Little }));
        };
        if let Some(dtype) = self.dtype.filter(|&d| d != header.dtype) {
            return Err(format!(
                "{name}: --dtype {dtype} does not match the .npy header's {}",
                header.dtype
            ));
        }
        if self.be && header.endian != Endian::Big && header.dtype.size() > 1 {
            return Err(format!(
                "{name}: --be, but the .npy header says little-endian"
            ));
        }
        if self.offset != 0 {
            return Err(format!(
                "{name}: --offset applies to raw data, not to a .npy file"
            ));
        }
        Ok((header.dtype, header.endian))
    }

    fn summed(
        &self,
        total: Total,
        dtype: Dtype,
        count: u64,
        threads: usize,
        start: Instant,
        file: String,
    ) -> Summed {
        Summed {
            report: SumReport {
                sum: total.print(),
                dtype,
                count: count as usize,
                mode: Mode::from(self.mode),
                threads,
                seconds: start.elapsed().as_secs_f64(),
                file,
            },
            total,
        }
    }
}

/// Fails if `file` changed since its metadata was `before`: a file rewritten in place reads
/// without error, but its length or time stamp tells.
pub fn unchanged(file: &File, name: &str, before: &std::fs::Metadata) -> Result<(), String> {
    let after = file
        .metadata()
        .map_err(|e| format!("cannot read {name}: {e}"))?;
    if after.len() != before.len() || after.modified().ok() != before.modified().ok() {
        return Err(format!("{name} changed while it was read"));
    }
    Ok(())
}

/// The files `args` name: each as given when it exists (or is `-`), else a glob pattern's matches
/// in sorted order, else as given (to fail when opened).
fn expand(args: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for arg in args {
        let pattern = arg.to_str().filter(|s| s.contains(['*', '?', '[']));
        match pattern {
            Some(pattern) if !arg.exists() => {
                let matches = glob::glob(pattern)
                    .map_err(|e| format!("bad glob pattern {pattern:?}: {e}"))?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| format!("{pattern}: {e}"))?;
                if matches.is_empty() {
                    return Err(format!("no file matches {pattern:?}"));
                }
                files.extend(matches);
            }
            _ => files.push(arg.clone()),
        }
    }
    Ok(files)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtype_values() {
        assert_eq!(Dtype::from_str("i32", false), Ok(Dtype::I32));
        assert_eq!(Dtype::from_str("i8", false), Ok(Dtype::I8));
        assert_eq!(Dtype::from_str("bf16", false), Ok(Dtype::Bf16));
        // NumPy's codes are not names: its `i8` is eight bytes.
        assert!(Dtype::from_str("i4", false).is_err());
        assert!(Dtype::from_str("i128", false).is_err());
        for dtype in Dtype::ALL {
            assert_eq!(Dtype::from_str(dtype.name(), false), Ok(dtype));
        }
    }
}
