//! The inline threshold, measured when a pool starts: below it a blocking sum stays on the calling
//! thread, because handing it to the workers would take longer than summing it.
//!
//! Two measurements, bounded together by [`BUDGET`]: the pool's dispatch cost `d` (a no-op
//! broadcast through the queue, as a sum is handed off: submit → every worker running →
//! completion seen, best of several, workers warm) and one thread's speed `s` (bytes per ns) summing an L2-sized buffer
//! inline, per element width. The crossover with `n` workers and chunks of `c` bytes (a worker
//! sums whole chunks; the grid never depends on the thread count):
//!
//! - up to `n` chunks, the pool takes `d + c/s` (the longest worker sums one chunk) against `b/s`
//!   inline: the pool wins above `b = c + d·s`;
//! - beyond, the pool takes about `d + b/(n·s)`: it wins above `b = d·s·n/(n−1)`.
//!
//! One worker never wins (the caller would only wait for it): the threshold is then `usize::MAX`.
//! Integer speeds are measured; floats use their width's figure, which errs towards staying
//! inline (their kernels are slower, so splitting pays earlier than this predicts).

use super::Pool;
use super::inline::{DEFAULT_INLINE_BYTES, reduce_inline};
use crate::element::Mode;
use crate::plan::chunk_bytes;
use crate::reduce::Sum;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// About this long for the whole calibration (it runs once per pool start): half for the kernel
/// speeds, the rest for round trips. A loaded machine can stretch one round trip beyond it.
const BUDGET: Duration = Duration::from_millis(1);

/// Bytes summed per speed measurement: in L2 on every machine coresum targets, as a chunk is.
const PROBE_BYTES: usize = 256 << 10;

/// Element widths the thresholds are kept for: 1, 2, 4 and 8 bytes (wider types use the last).
pub(crate) const WIDTHS: usize = 4;

/// What the pool measured when it started, and the inline thresholds derived from it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Calibration {
    /// The fork-join round trip through every worker, through the queue as a sum is handed off
    /// (best measured, workers warm).
    pub dispatch: Duration,
    /// One thread's inline sum speed, in bytes per nanosecond, for elements of 1, 2, 4 and 8 bytes.
    pub bytes_per_ns: [f64; WIDTHS],
    /// The derived blocking-sum thresholds in bytes, for the same widths.
    pub inline_bytes: [usize; WIDTHS],
}

/// The index into per-width arrays for elements of `size` bytes.
#[inline]
pub(crate) fn width_index(size: usize) -> usize {
    (size.max(1).trailing_zeros() as usize).min(WIDTHS - 1)
}

/// Measures `pool` (just started, `threads` workers) and derives its thresholds. Falls back to
/// [`DEFAULT_INLINE_BYTES`] when no round trip could be measured (a pool shutting down).
pub(crate) fn calibrate(pool: &Pool) -> Calibration {
    let start = Instant::now();
    let within_budget = || start.elapsed() < BUDGET;
    let probe = vec![0x5a5a_5a5a_5a5a_5a5a_u64; PROBE_BYTES / 8];
    let mut bytes_per_ns = [0.0; WIDTHS];
    macro_rules! speed {
        ($($t:ty),*) => {$(
            let (prefix, data, _) = {
                // SAFETY: every bit pattern is a valid unsigned integer, and `u64`'s alignment
                // is a multiple of the target type's.
                unsafe { probe.align_to::<$t>() }
            };
            debug_assert!(prefix.is_empty());
            // Once always (a few µs: a loaded machine must not leave a width unmeasured), then
            // up to twice more within the budget.
            let mut best = Duration::MAX;
            for attempt in 0..3 {
                if attempt > 0 && start.elapsed() > BUDGET / 2 {
                    break;
                }
                let began = Instant::now();
                black_box(reduce_inline(Sum::new(Mode::Exact), black_box(data)));
                best = best.min(began.elapsed());
            }
            bytes_per_ns[width_index(size_of::<$t>())] =
                PROBE_BYTES as f64 / best.as_nanos().max(1) as f64;
        )*};
    }
    speed!(u8, u16, u32, u64);
    // Workers just started may still be settling: the first round trip wakes them, the best of
    // the later ones (at least one, however long the first took) is the warm cost.
    let mut dispatch = Duration::MAX;
    for round in 0..16 {
        let began = Instant::now();
        if pool
            .broadcast_queued(&|worker| _ = black_box(worker))
            .is_err()
        {
            break;
        }
        if round > 0 {
            dispatch = dispatch.min(began.elapsed());
            if !within_budget() {
                break;
            }
        }
    }
    let inline_bytes = bytes_per_ns.map(|speed| {
        if dispatch == Duration::MAX {
            DEFAULT_INLINE_BYTES
        } else {
            threshold(dispatch, speed, pool.threads(), chunk_bytes())
        }
    });
    Calibration {
        dispatch,
        bytes_per_ns,
        inline_bytes,
    }
}

/// The smallest sum worth splitting (module docs): `dispatch` and `bytes_per_ns` measured,
/// `workers` workers, chunks of `chunk` bytes.
pub(crate) fn threshold(
    dispatch: Duration,
    bytes_per_ns: f64,
    workers: usize,
    chunk: usize,
) -> usize {
    if workers < 2 {
        return usize::MAX;
    }
    let (n, chunk) = (workers as f64, chunk as f64);
    let dispatch_bytes = dispatch.as_nanos() as f64 * bytes_per_ns;
    let few_chunks = chunk + dispatch_bytes;
    let bytes = if few_chunks <= n * chunk {
        few_chunks
    } else {
        dispatch_bytes * n / (n - 1.0)
    };
    // A float-to-int `as` saturates: an absurd measurement gives `usize::MAX`, never a wrap.
    bytes.ceil() as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_threshold_follows_dispatch_speed_workers_and_chunks() {
        let us = Duration::from_micros;
        const MIB: usize = 1 << 20;
        // 2 µs at 30 B/ns is 60,000 bytes of inline work: one chunk plus that.
        assert_eq!(threshold(us(2), 30.0, 2, MIB), MIB + 60_000);
        // One worker never pays.
        assert_eq!(threshold(us(2), 30.0, 1, MIB), usize::MAX);
        // A slow dispatch (1 ms at 30 B/ns = 30 MB) beyond a few chunks: d·s·n/(n−1).
        assert_eq!(threshold(us(1000), 30.0, 4, MIB), 40_000_000);
        // Faster kernels raise it; more workers lower it.
        assert!(threshold(us(2), 60.0, 2, MIB) > threshold(us(2), 30.0, 2, MIB));
        assert!(threshold(us(500), 30.0, 16, MIB) < threshold(us(500), 30.0, 4, MIB));
        assert_eq!(threshold(Duration::MAX, 1e9, 2, MIB), usize::MAX);
    }

    #[test]
    fn widths_map_to_their_slots() {
        assert_eq!([1, 2, 4, 8, 16].map(width_index), [0, 1, 2, 3, WIDTHS - 1]);
    }
}
