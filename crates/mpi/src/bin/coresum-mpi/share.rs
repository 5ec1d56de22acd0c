//! This rank's share of a file: where the data is (the `.npy` header, or `--dtype`/`--offset` for
//! raw data), then a map of only this rank's byte range of it, cut at [`coresum_mpi::SHARE_ALIGN`]
//! multiples from the data's start.

use coresum_cli::dtype::{Dtype, Endian};
use coresum_cli::input::{self, Element, Input};
use coresum_cli::npy;
use coresum_cli::sum::SumArgs;
use memmap2::{Mmap, MmapOptions};
use std::fs::File;

/// This rank's part of the file, mapped.
pub struct Share {
    /// Type of the elements.
    pub dtype: Dtype,
    /// Elements in the whole file.
    pub count: usize,
    /// This rank's elements, as the CLI's file layer describes them; `None` when it has none.
    part: Option<Input>,
}

impl Share {
    /// This rank's elements as an owner of a slice: the map, or a decoded copy of it (big-endian
    /// or misaligned data, as in `coresum sum`).
    pub fn view<T: Element>(self) -> Result<Box<dyn AsRef<[T]> + Send + Sync>, String> {
        match self.part {
            Some(part) => input::view::<T>(part),
            None => Ok(Box::new(Vec::<T>::new())),
        }
    }
}

/// Where the elements of a file are.
struct Layout {
    dtype: Dtype,
    endian: Endian,
    /// Byte offset of the first element in the file.
    start: usize,
    count: usize,
}

/// Opens the file `args` names and maps share `rank` of `ranks` of its data.
pub fn open(args: &SumArgs, rank: usize, ranks: usize) -> Result<Share, String> {
    let name = args.file.display();
    let file = File::open(&args.file).map_err(|e| format!("cannot open {name}: {e}"))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot read {name}: {e}"))?;
    if meta.is_dir() {
        return Err(format!("{name} is a directory"));
    }
    let len = usize::try_from(meta.len()).map_err(|_| format!("{name} is too large to map"))?;
    if len == 0 {
        return Err(format!("{name} is empty"));
    }
    let layout = layout(&file, len, args).map_err(|e| format!("{name}: {e}"))?;
    let size = layout.dtype.size();
    let elements = coresum_mpi::share(layout.count, size, rank, ranks);
    let part = if elements.is_empty() {
        None
    } else {
        let mut options = MmapOptions::new();
        options
            .offset((layout.start + elements.start * size) as u64)
            .len(elements.len() * size);
        // Pre-fault this rank's pages in one pass when the whole file fits comfortably in memory,
        // as `coresum sum` does for the whole file.
        if len <= available_memory() / 2 {
            options.populate();
        }
        // SAFETY: a read-only map; like `coresum sum`, coresum-mpi does not guard against another
        // process truncating or rewriting the file while it is summed.
        let map = unsafe { options.map(&file) }.map_err(|e| format!("cannot map {name}: {e}"))?;
        #[cfg(unix)]
        let _ = map.advise(memmap2::Advice::Sequential);
        Some(Input {
            map: Some(map),
            dtype: layout.dtype,
            endian: layout.endian,
            offset: 0,
            count: elements.len(),
        })
    };
    Ok(Share {
        dtype: layout.dtype,
        count: layout.count,
        part,
    })
}

/// The layout of a `.npy` file (by its magic, when no `--dtype` is given), or of raw data.
fn layout(file: &File, len: usize, args: &SumArgs) -> Result<Layout, String> {
    let dtype = args.dtype.as_deref().map(Dtype::from_name).transpose()?;
    // The header is read through a map that is never pre-faulted: only its pages are touched.
    // SAFETY: read-only, as above.
    let whole = unsafe { Mmap::map(file) }.map_err(|e| format!("cannot map: {e}"))?;
    if whole.starts_with(b"\x93NUMPY") && dtype.is_none() {
        let header = npy::parse(&whole)?;
        let count = header.count()?;
        let body = len - header.data_offset;
        let expected = count.checked_mul(header.dtype.size());
        if expected != Some(body) {
            return Err(format!(
                "the header promises {count} elements of {} ({} bytes) but the file holds {body}",
                header.dtype,
                expected.map_or("too many".into(), |b| b.to_string()),
            ));
        }
        return Ok(Layout {
            dtype: header.dtype,
            endian: header.endian,
            start: header.data_offset,
            count,
        });
    }
    let dtype = dtype.ok_or("not a .npy file: give its element type with --dtype".to_string())?;
    let offset = args.offset;
    let body = len
        .checked_sub(offset)
        .filter(|&b| b > 0)
        .ok_or_else(|| format!("--offset {offset} leaves no data ({len} bytes)"))?;
    if body % dtype.size() != 0 {
        return Err(format!(
            "{body} bytes is not a whole number of {dtype} elements ({} bytes each)",
            dtype.size()
        ));
    }
    Ok(Layout {
        dtype,
        endian: if args.be { Endian::Big } else { Endian::Little },
        start: offset,
        count: body / dtype.size(),
    })
}

/// Memory available in bytes (Linux), or 0 when unknown (then nothing is pre-faulted).
fn available_memory() -> usize {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
            let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
            kib.checked_mul(1024)
        })
        .unwrap_or(0)
}
