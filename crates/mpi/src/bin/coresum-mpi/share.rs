//! This rank's share of a file: where the data is (the `.npy` header, or `--dtype`/`--offset` for
//! raw data, located by the CLI's own code), then only this rank's byte range of it, cut at
//! [`coresum_mpi::SHARE_ALIGN`] multiples from the data's start.

use coresum_cli::dtype::Dtype;
use coresum_cli::input::Extent;
use coresum_cli::sum::SumArgs;
use std::fs::{File, Metadata};
use std::path::Path;

/// This rank's part of one file.
pub struct Share {
    /// The open file.
    pub file: File,
    /// The file as named on the command line.
    pub name: String,
    /// Type of the elements.
    pub dtype: Dtype,
    /// Elements in the whole file.
    pub count: u64,
    /// This rank's elements (none for a rank with an empty share).
    pub extent: Extent,
    /// The file's metadata before the sum, to tell whether it changed meanwhile.
    before: Metadata,
}

impl Share {
    /// An error if the file's length or time stamp changed since it was opened.
    pub fn unchanged(&self) -> Result<(), String> {
        let name = &self.name;
        let after = self
            .file
            .metadata()
            .map_err(|e| format!("cannot read {name}: {e}"))?;
        if after.len() != self.before.len() || after.modified().ok() != self.before.modified().ok()
        {
            return Err(format!("{name} changed while it was summed"));
        }
        Ok(())
    }
}

/// Opens the file at `path` and finds share `rank` of `ranks` of its data. Only regular files
/// can be split: standard input and `.npz` archives are refused.
pub fn open(args: &SumArgs, path: &Path, rank: usize, ranks: usize) -> Result<Share, String> {
    let name = path.display().to_string();
    if path.as_os_str() == "-" {
        return Err("coresum-mpi cannot split standard input: give a file".into());
    }
    if coresum_cli::npz::is_npz(path) {
        return Err(format!(
            "{name}: coresum-mpi sums .npy and raw files, not .npz archives"
        ));
    }
    let file = File::open(path).map_err(|e| format!("cannot open {name}: {e}"))?;
    let before = file
        .metadata()
        .map_err(|e| format!("cannot read {name}: {e}"))?;
    if before.is_dir() {
        return Err(format!("{name} is a directory"));
    }
    if !before.is_file() {
        return Err(format!(
            "coresum-mpi cannot split {name}: not a regular file"
        ));
    }
    let (dtype, whole) = args.locate(&file, &name, before.len())?;
    let size = dtype.size();
    let count = usize::try_from(whole.count).map_err(|_| format!("{name} is too large"))?;
    let mine = coresum_mpi::share(count, size, rank, ranks);
    let extent = Extent {
        offset: whole.offset + (mine.start * size) as u64,
        count: mine.len() as u64,
        endian: whole.endian,
    };
    Ok(Share {
        file,
        name,
        dtype,
        count: whole.count,
        extent,
        before,
    })
}
