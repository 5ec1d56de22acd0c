//! Sums too small to be worth a worker: the thresholds below which a sum stays on the calling
//! thread, and the inline sum itself, on the same chunk grid as the pool's.

use crate::arch::Kernels;
use crate::reduce::{Reduction, reduce_on_grid};

/// The inline threshold where none is measured (under loom and Miri) and the size from which
/// [`crate::sum`] starts the default pool (smaller sums do not pay for starting it). A started
/// pool calibrates its own per-width thresholds ([`Pool::calibration`](super::Pool::calibration));
/// this value was measured on the first development VM, whose wake-ups took 5–20 µs
/// (`cargo bench --bench pool -- threshold`, docs/PERFORMANCE.md).
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
