//! The pool's multi-chunk path: arbitrary bytes, as in `sum_bytes`, repeated until they span two
//! or three of the pool's chunks (256 KiB each here; the chunk size is fixed per process from the
//! L2 size, so only large sums have several), summed on a 2-thread pool that sends every sum to its
//! workers, so chunks run on both workers and their partials merge.
//!
//! Input: byte 0 picks the type (low nibble, modulo 14), the rounded mode checked (bit 4:
//! Compensated or Fast) and two or three chunks (bit 5); byte 1 the element offset from a 128-byte
//! boundary (modulo the elements per 128 bytes); the rest are one copy of the elements.
//!
//! Checked: integers and `Mode::Exact` exact (against `i128` and the test suite's float reference),
//! and the rounded mode bit-identical to the same sum on the calling thread, which walks
//! the same chunk grid and merges in the same order.

#![no_main]

use coresum::{Mode, Summable};
use coresum_fuzz::reference::{canon, reference};
use coresum_fuzz::{Placed, Visit, pool, visit};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [select, place, bytes @ ..] = data else {
        return;
    };
    let case = Case {
        bytes,
        place: *place,
        mode: if select & 0x10 == 0 {
            Mode::Compensated
        } else {
            Mode::Fast
        },
        chunks: if select & 0x20 == 0 { 1 } else { 2 },
    };
    visit(select & 0x0f, case);
});

struct Case<'a> {
    bytes: &'a [u8],
    place: u8,
    mode: Mode,
    /// Whole chunks past the first 128-byte boundary: the sum has one more (a short last one).
    chunks: usize,
}

impl Case<'_> {
    /// The copies of the input, placed; `None` if it has no whole element.
    fn tiled<T: Summable>(&self) -> Option<(Placed<T>, usize)> {
        let one = self.bytes.len() / size_of::<T>() * size_of::<T>();
        if one == 0 {
            return None;
        }
        // At most 128 bytes lie before the first boundary: past them, `chunks` full chunks and
        // a little more.
        let copies = (self.chunks * pool().chunk_bytes() + 256).div_ceil(one);
        let offset = usize::from(self.place) % (128 / size_of::<T>());
        Some((Placed::new(self.bytes, offset, copies), copies))
    }
}

impl Visit for Case<'_> {
    fn int<T: Summable>(self, wide: fn(T) -> i128, out: fn(T::Output) -> i128) {
        let Some((tiled, copies)) = self.tiled::<T>() else {
            return;
        };
        let data = tiled.slice();
        let one: i128 = data[..data.len() / copies].iter().map(|&x| wide(x)).sum();
        assert_eq!(out(pool().sum(data)), one * copies as i128);
    }

    fn float<T: Summable<Output = f64>>(self, wide: fn(T) -> f64) {
        let Some((tiled, _)) = self.tiled::<T>() else {
            return;
        };
        let data = tiled.slice();
        let exact = reference(data.iter().map(|&x| wide(x)));
        assert_eq!(canon(pool().sum(data)), canon(exact), "exact");
        let here = coresum::sum_with(data, self.mode);
        let pooled = pool().sum_with(data, self.mode);
        assert_eq!(canon(pooled), canon(here), "{:?} on the pool", self.mode);
    }
}
