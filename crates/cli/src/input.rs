//! Turning a file into something the pool can sum without copying: a memory map viewed as a slice
//! of the element type. Data that cannot be viewed in place (big-endian on this machine, or at an
//! offset misaligned for its type) is decoded into an owned, aligned buffer instead.

use crate::dtype::{Dtype, Endian};
use crate::npy;
use memmap2::{Mmap, MmapOptions};
use std::fs::File;
use std::marker::PhantomData;
use std::path::Path;

/// An element type the files hold: plain data, every bit pattern valid.
pub trait Element: coresum::Summable {
    /// Decodes one element from its bytes in `endian` order.
    fn decode(bytes: &[u8], endian: Endian) -> Self;
}

macro_rules! element {
    ($($t:ty),*) => {$(
        impl Element for $t {
            fn decode(bytes: &[u8], endian: Endian) -> Self {
                let mut raw = [0u8; size_of::<$t>()];
                raw.copy_from_slice(bytes);
                match endian {
                    Endian::Little => <$t>::from_le_bytes(raw),
                    Endian::Big => <$t>::from_be_bytes(raw),
                }
            }
        }
    )*};
}
element!(
    i8,
    i16,
    i32,
    i64,
    u8,
    u16,
    u32,
    u64,
    f32,
    f64,
    half::f16,
    half::bf16
);

/// A file to sum: where its elements are and how they are stored.
pub struct Input {
    /// The whole file, mapped.
    pub map: Option<Mmap>,
    /// Type of the elements.
    pub dtype: Dtype,
    /// Byte order of the elements in the file.
    pub endian: Endian,
    /// Byte offset of the first element in the map.
    pub offset: usize,
    /// Number of elements.
    pub count: usize,
}

/// Opens `path`: a `.npy` file (by its magic bytes), or raw data of `dtype` starting at byte
/// `offset`.
pub fn open(
    path: &Path,
    dtype: Option<Dtype>,
    endian: Endian,
    offset: usize,
) -> Result<Input, String> {
    let name = path.display();
    let file = File::open(path).map_err(|e| format!("cannot open {name}: {e}"))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot read {name}: {e}"))?;
    if meta.is_dir() {
        return Err(format!("{name} is a directory"));
    }
    if meta.len() == 0 {
        return Err(format!("{name} is empty"));
    }
    let len = usize::try_from(meta.len()).map_err(|_| format!("{name} is too large to map"))?;
    // Pre-fault the pages in one pass when the file fits comfortably in memory: one kernel call
    // instead of a page fault every 4 KiB inside the sum.
    let populate = len <= available_memory() / 2;
    let mut options = MmapOptions::new();
    if populate {
        options.populate();
    }
    // SAFETY: the map is read-only; coresum does not guard against another process truncating
    // or rewriting the file while it is summed (the documented caveat of every file map).
    let map = unsafe { options.map(&file) }.map_err(|e| format!("cannot map {name}: {e}"))?;
    #[cfg(unix)]
    let _ = map.advise(memmap2::Advice::Sequential);

    if map.starts_with(b"\x93NUMPY") && dtype.is_none() {
        let header = npy::parse(&map).map_err(|e| format!("{name}: {e}"))?;
        let count = header.count().map_err(|e| format!("{name}: {e}"))?;
        let body = map.len() - header.data_offset;
        let expected = count.checked_mul(header.dtype.size());
        if expected != Some(body) {
            return Err(format!(
                "{name}: the header promises {count} elements of {} ({} bytes) but the file holds {body}",
                header.dtype,
                expected.map_or("too many".into(), |b| b.to_string()),
            ));
        }
        return Ok(Input {
            map: Some(map),
            dtype: header.dtype,
            endian: header.endian,
            offset: header.data_offset,
            count,
        });
    }
    let dtype = dtype
        .ok_or_else(|| format!("{name} is not a .npy file: give its element type with --dtype"))?;
    let body = len
        .checked_sub(offset)
        .filter(|&b| b > 0)
        .ok_or_else(|| format!("{name}: --offset {offset} leaves no data ({len} bytes)"))?;
    if body % dtype.size() != 0 {
        return Err(format!(
            "{name}: {body} bytes is not a whole number of {dtype} elements ({} bytes each)",
            dtype.size()
        ));
    }
    Ok(Input {
        map: Some(map),
        dtype,
        endian,
        offset,
        count: body / dtype.size(),
    })
}

/// Physical memory in bytes (Linux), or 0 when unknown (then nothing is pre-faulted).
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

/// A typed view of a map: `count` elements of `T` at `offset`, checked aligned at construction.
pub struct Mapped<T> {
    map: Mmap,
    offset: usize,
    count: usize,
    _t: PhantomData<fn() -> T>,
}

impl<T: Element> AsRef<[T]> for Mapped<T> {
    fn as_ref(&self) -> &[T] {
        // SAFETY: `view` checked that `offset` is inside the map, aligned for `T`, and followed
        // by `count` elements; `T` accepts every bit pattern; the map lives as long as `self`.
        unsafe { std::slice::from_raw_parts(self.map.as_ptr().add(self.offset).cast(), self.count) }
    }
}

/// The elements of `input` as an owner the pool can sum: the map itself when the data is in this
/// machine's byte order and aligned, else a decoded copy.
pub fn view<T: Element>(input: Input) -> Result<Box<dyn AsRef<[T]> + Send + Sync>, String> {
    let map = input.map.ok_or("no data")?;
    let bytes = input.count * size_of::<T>();
    let data = map
        .get(input.offset..input.offset + bytes)
        .ok_or("the data runs past the end of the file")?;
    let native = if cfg!(target_endian = "big") {
        Endian::Big
    } else {
        Endian::Little
    };
    let aligned = (data.as_ptr() as usize).is_multiple_of(align_of::<T>());
    if aligned && input.endian == native {
        return Ok(Box::new(Mapped::<T> {
            map,
            offset: input.offset,
            count: input.count,
            _t: PhantomData,
        }));
    }
    let decoded: Vec<T> = data
        .chunks_exact(size_of::<T>())
        .map(|bytes| T::decode(bytes, input.endian))
        .collect();
    Ok(Box::new(decoded))
}
