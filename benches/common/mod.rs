//! Shared by the benchmarks: aligned pseudo-random buffers, and the std loops and read ceiling
//! compiled for the running CPU.

#![allow(dead_code)] // Each bench uses a different part.

/// A buffer whose data starts on a 128-byte boundary, filled with pseudo-random bytes.
pub struct Aligned {
    raw: Vec<u64>,
    start: usize,
}

impl Aligned {
    pub fn new(bytes: usize) -> Self {
        let raw = coresum::baseline::pseudo_random(bytes / 8 + 32);
        let start = raw.as_ptr().align_offset(128) / 8;
        Aligned { raw, start }
    }

    /// `len` elements of `T` starting `skip` elements past the aligned start.
    pub fn view<T: Copy>(&self, skip: usize, len: usize) -> &[T] {
        let bytes = (skip + len) * size_of::<T>();
        assert!(self.start * 8 + bytes <= self.raw.len() * 8);
        // SAFETY: the range lies inside `raw` (checked above), is aligned for `T` (the start is
        // 128-aligned and `skip` counts whole elements), and integers accept any bit pattern.
        unsafe {
            let base = self.raw.as_ptr().add(self.start).cast::<T>();
            std::slice::from_raw_parts(base.add(skip), len)
        }
    }
}

pub use coresum::baseline as native;
