//! The chunk grid: where a slice is cut into units of parallel work.
//!
//! Every boundary between two chunks lies on a 128-byte address boundary (two 64-byte lines, the
//! unit the x86 adjacent-line prefetcher pulls in), so no cache line is read by two workers; only
//! the first chunk (which also takes the bytes before the first boundary) and the last one may be
//! shorter or longer than the rest.
//!
//! The grid depends only on the slice (address, length, element size) and on the chunk size, which
//! is fixed per process from the cache sizes; never on the number of threads. Partial sums are
//! merged in chunk order, so a result is bit-identical whatever the thread count, which is what
//! makes the reassociated floating-point modes reproducible.

use crate::pool::cache_bytes;
use std::ops::Range;
use std::sync::OnceLock;

/// The alignment of every chunk boundary.
pub(crate) const BOUNDARY: usize = 128;

/// A slice's chunks, by element index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ChunkPlan {
    len: usize,
    /// Where chunk 1 starts: the first 128-byte boundary plus one full chunk.
    first_end: usize,
    /// Elements per chunk (every chunk but the first and the last).
    chunk: usize,
    count: usize,
}

impl ChunkPlan {
    /// The grid of `data` with chunks of `chunk_bytes` (a multiple of [`BOUNDARY`]).
    pub(crate) fn new<T>(data: &[T], chunk_bytes: usize) -> Self {
        debug_assert!(chunk_bytes.is_multiple_of(BOUNDARY) && chunk_bytes > 0);
        let size = size_of::<T>().max(1);
        let chunk = (chunk_bytes / size).max(1);
        // Elements before the first 128-byte boundary. Primitive elements are aligned to their
        // size, which divides 128, so the boundary falls between two elements.
        let lead = (data.as_ptr() as usize).wrapping_neg() % BOUNDARY / size;
        let len = data.len();
        let first_end = lead.saturating_add(chunk).min(len);
        let count = if len == 0 {
            0
        } else {
            1 + (len - first_end).div_ceil(chunk)
        };
        ChunkPlan {
            len,
            first_end,
            chunk,
            count,
        }
    }

    /// Number of chunks (0 for an empty slice).
    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// The element range of chunk `i < count()`.
    pub(crate) fn range(&self, i: usize) -> Range<usize> {
        if i == 0 {
            return 0..self.first_end;
        }
        let start = self.first_end + (i - 1) * self.chunk;
        start..(start + self.chunk).min(self.len)
    }
}

/// The smallest chunk size [`chunk_bytes`] returns on any machine: inputs of at most this many
/// bytes are one chunk without asking it (small, issue 13).
pub(crate) const MIN_CHUNK_BYTES: usize = 64 << 10;

/// The process's chunk size in bytes: half the L2 cache (so a chunk and the next one's prefetched
/// lines stay resident), clamped to 64 KiB..=1 MiB; 256 KiB when the cache size is unknown.
#[inline]
pub(crate) fn chunk_bytes() -> usize {
    static CHUNK: OnceLock<usize> = OnceLock::new();
    *CHUNK.get_or_init(|| {
        let l2 = cache_bytes(2).unwrap_or(512 << 10);
        (l2 / 2).clamp(MIN_CHUNK_BYTES, 1 << 20) / BOUNDARY * BOUNDARY
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks the grid's promises for `data`: chunks tile it in order, interior boundaries are
    /// 128-byte aligned, interior chunks are full.
    fn check<T>(data: &[T], chunk_bytes: usize) {
        let plan = ChunkPlan::new(data, chunk_bytes);
        let mut next = 0;
        for i in 0..plan.count() {
            let range = plan.range(i);
            assert_eq!(
                range.start,
                next,
                "chunk {i} starts where {} ended",
                i.wrapping_sub(1)
            );
            assert!(range.end > range.start, "chunk {i} is empty");
            if i > 0 {
                let address = data[range.start..].as_ptr() as usize;
                assert_eq!(address % BOUNDARY, 0, "chunk {i} starts off a boundary");
            }
            if i > 0 && i + 1 < plan.count() {
                assert_eq!(range.len() * size_of::<T>(), chunk_bytes);
            }
            next = range.end;
        }
        assert_eq!(next, data.len());
    }

    #[test]
    fn chunks_tile_the_slice_on_boundaries() {
        let words = vec![0u64; 10_000];
        let bytes = vec![0u8; 70_000];
        for offset in 0..20 {
            for len in [0, 1, 2, 15, 16, 17, 127, 128, 129, 1000, 4000] {
                if offset + len <= words.len() {
                    check(&words[offset..offset + len], 128);
                    check(&words[offset..offset + len], 1024);
                }
            }
            check(&bytes[offset..], 4096);
            check(&bytes[offset..offset + 300], 128);
            // A slice of at most one chunk is a single chunk (the pool's inline shortcut).
            assert_eq!(
                ChunkPlan::new(&bytes[offset..offset + 4096], 4096).count(),
                1
            );
        }
    }

    #[test]
    fn grid_ignores_everything_but_the_slice() {
        let data = vec![0u32; 5000];
        let slice = &data[3..4900];
        assert_eq!(ChunkPlan::new(slice, 1024), ChunkPlan::new(slice, 1024));
        assert_eq!(ChunkPlan::new::<u32>(&[], 1024).count(), 0);
    }

    #[test]
    fn chunk_size_is_on_the_grid() {
        let chunk = chunk_bytes();
        assert!(chunk.is_multiple_of(BOUNDARY) && (64 << 10..=1 << 20).contains(&chunk));
    }
}
