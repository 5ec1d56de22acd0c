//! Shared by the benchmarks: aligned pseudo-random buffers, the std loops and read ceiling
//! compiled for the running CPU, the float data and loop, and the OpenMP and fork_union peers.

#![allow(dead_code)] // Each bench uses a different part.

pub mod floats;
pub mod openmp;

/// A buffer whose data starts on a 128-byte boundary, filled with pseudo-random bytes.
pub struct Aligned {
    raw: Vec<u64>,
    start: usize,
}

impl Aligned {
    /// The aligned data is `coresum::baseline::pseudo_random`'s sequence from its first word,
    /// whatever the allocation's address, so that other processes (`scripts/compare_py.py`) can
    /// generate the same bytes.
    pub fn new(bytes: usize) -> Self {
        let mut raw = coresum::baseline::pseudo_random(bytes / 8 + 32);
        let start = raw.as_ptr().align_offset(128) / 8;
        raw.rotate_right(start);
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

#[allow(unused_imports)] // benches/floats.rs needs none of the integer loops.
pub use coresum::baseline as native;

/// fork_union's workers busy-wait between jobs, so each measurement starts its own pool and
/// stops it afterwards: left running, they would take the cores from every other peer.
pub fn fork_union_pool(threads: usize) -> fork_union::ThreadPool {
    fork_union::ThreadPool::try_spawn(threads).expect("fork_union starts")
}
