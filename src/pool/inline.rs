//! Sums too small to be worth a worker: the thresholds below which a sum stays on the calling
//! thread, and the inline sum itself, on the same chunk grid as the pool's.

use crate::arch::Kernels;
use crate::reduce::{Reduction, reduce_on_grid};

/// Blocking sums of fewer bytes than this run on the calling thread by default. Measured
/// (`cargo bench --bench pool -- threshold`, docs/PERFORMANCE.md): below it, handing the work to
/// the workers and waiting for them took longer than the single-threaded kernel on the
/// development machine. Machines with more cores and faster wake-ups gain from a lower value:
/// see [`PoolBuilder::inline_bytes`](super::PoolBuilder::inline_bytes).
pub const DEFAULT_INLINE_BYTES: usize = 4 << 20;

/// Asynchronous sums of fewer bytes than this (or than the pool's inline threshold, if lower) run
/// inside `sum_async`: about a microsecond of work, less than queueing a task costs. Larger ones
/// always go to the workers, so an executor thread never computes a long sum.
pub const ASYNC_INLINE_BYTES: usize = 64 << 10;

/// Reduces `input` on the calling thread, on the same chunk grid as the pool (so floating-point
/// modes give the same bits either way).
pub(crate) fn reduce_inline<R: Reduction>(reduction: R, input: R::Input<'_>) -> R::Output {
    reduce_on_grid(reduction, Kernels::active(), input)
}
