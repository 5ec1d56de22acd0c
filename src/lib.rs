//! Exact, widening, SIMD sums of integer and floating-point slices, with run-time CPU dispatch.
//!
//! ```
//! let bytes = vec![0xffu8; 1 << 20];
//! assert_eq!(coresum::sum(&bytes), 255 << 20);            // u8 sums come back as u128
//!
//! let words = [i16::MIN, -1, i16::MIN];
//! assert_eq!(coresum::sum(&words), -65_537);              // i16 sums come back as i128
//!
//! println!("summing with {}", coresum::isa());            // e.g. "avx512"
//!
//! let floats = [1e308, 1e308, -1e308, 1e-300];
//! assert_eq!(coresum::sum(&floats), 1e308);               // correctly rounded exact sum
//! ```
//!
//! - **Exact**: every integer sum is returned in a 128-bit integer that no slice can overflow (see
//!   [`Summable`]).
//! - **Fast**: per type and ISA a widening kernel (`psadbw` for bytes, `pmaddwd` for 16-bit, a
//!   wrapping sum plus an exact sum of high halves for 32/64-bit) with four independent accumulators.
//! - **Bounded and pinned**: large inputs run on a [`Pool`] of workers, one per core, each pinned;
//!   [`Pool::sum_async`] returns a runtime-agnostic future ([`SumTask`]) on owned data.
//! - **Floats** (`f64`, `f32`, `half::f16`, `half::bf16`, summed into an `f64`): [`Mode::Exact`]
//!   (the default) returns the correctly rounded exact sum, bit-identical on every path and chunking;
//!   [`Mode::Compensated`] and [`Mode::Fast`] trade accuracy for speed. [`ExactSum`] is the exact
//!   accumulator itself, mergeable and serialisable.
//! - **Dispatched at run time**: a default build detects SSE2 / AVX2 / AVX-512 (or uses NEON) once,
//!   and the environment variable `CORESUM_ISA` or [`isa::set_isa_cap`] can cap the choice (see
//!   [`isa`](mod@isa)).

#![warn(missing_docs)]

#[cfg(feature = "arrow")]
pub mod arrow;
pub mod isa;
#[cfg(feature = "ndarray")]
pub mod ndarray;
pub mod pool;
#[cfg(feature = "rayon")]
pub mod rayon;

mod accumulator;
mod algo;
mod arch;
// column sums of row-major data (issue 12, "columns").
mod columns;
// dot, stats (issue 11).
mod dot;
mod element;
mod encoding;
mod exact_sum;
mod extreme;
mod float;
mod gather;
mod integer;
mod masked;
mod plan;
mod rational;
mod reduce;
mod stats;
mod strided;
// Summary: one-pass, mergeable statistics (issue 11, `coresum stats`).
mod summary;
// The reductions' kernels on small inputs, for Miri (issue 11).
#[cfg(test)]
mod reduction_tests;
#[cfg(test)]
mod tail_tests;
// The fused masked and strided kernels of every path (issue 12, "fused").
#[cfg(test)]
mod fused_tests;

pub use accumulator::Accumulator;
pub use dot::{__dot_at_cuts, DotReduce, Dottable, LengthMismatch, dot, dot_with, norm2, sum_sq};
pub use element::{Mode, Summable};
pub use encoding::DecodeError;
pub use exact_sum::ExactSum;
pub use extreme::{__extreme_at_cuts, argmax, argmin, max, min};
pub use integer::{Integer, checked_sum, wrapping_sum};
pub use isa::{Isa, isa};
pub use masked::{Float, MaskError, nansum, nansum_with, sum_masked, sum_masked_with};
pub use pool::{
    Cores, Owner, Pool, PoolBuilder, PoolError, STREAM_BUFFERS_PER_WORKER, SumError, SumTask,
    default_pool,
};
pub use stats::{Moments, mean, std_dev, variance};
pub use strided::{StrideError, Strided, sum_strided, sum_strided_with};
pub use summary::{Summarize, Summary};

use std::fmt;

/// The exact sum of `data`, on the best available ISA path and, above the inline threshold the
/// [default pool](default_pool) calibrated (or [`PoolBuilder::build_global`] set), on that pool;
/// it is started by the first sum of [`pool::DEFAULT_INLINE_BYTES`] or more.
///
/// ```
/// assert_eq!(coresum::sum(&[u64::MAX, u64::MAX]), 2 * u64::MAX as u128);
/// assert_eq!(coresum::sum::<i32>(&[]), 0);
/// ```
#[inline]
pub fn sum<T: Summable>(data: &[T]) -> T::Output {
    sum_with(data, Mode::Exact)
}

/// The sum of `data` in the given [`Mode`] (which only floating-point sums look at).
#[inline]
pub fn sum_with<T: Summable>(data: &[T], mode: Mode) -> T::Output {
    pool::reduce_on_default(reduce::Sum::new(mode), data)
}

/// The exact sum of `data` on a chosen ISA path, whatever `CORESUM_ISA` says.
///
/// For tests and benchmarks that compare paths. Every path returns the same, exact, result.
///
/// ```
/// for isa in coresum::Isa::available() {
///     assert_eq!(coresum::sum_on(isa, &[-3i8, 5]), Ok(2));
/// }
/// ```
pub fn sum_on<T: Summable>(isa: Isa, data: &[T]) -> Result<T::Output, IsaUnavailable> {
    sum_on_with(isa, data, Mode::Exact)
}

/// [`sum_on`] in the given [`Mode`].
pub fn sum_on_with<T: Summable>(
    isa: Isa,
    data: &[T],
    mode: Mode,
) -> Result<T::Output, IsaUnavailable> {
    arch::Kernels::get(isa)
        .map(|kernels| reduce::reduce_whole(reduce::Sum::new(mode), kernels, data))
        .ok_or(IsaUnavailable(isa))
}

/// **Not public API**: for coresum's own tests and fuzz targets, which may change it at any time.
///
/// [`sum_on_with`], with the slice cut into chunks at `cuts` (element indices, in any order; those
/// past the end count as the end) whose partials are merged in order, as the pool merges its
/// chunks; with `error_free_only`, every chunk is summed with the error-free pass that the pool
/// falls back on where the first pass leaves a float Exact sum's rounding open.
#[doc(hidden)]
pub fn __sum_at_cuts<T: Summable>(
    isa: Isa,
    mode: Mode,
    data: &[T],
    cuts: &[usize],
    error_free_only: bool,
) -> Result<T::Output, IsaUnavailable> {
    arch::Kernels::get(isa)
        .map(|kernels| {
            let pass = if error_free_only {
                reduce::Pass::ErrorFree
            } else {
                reduce::Pass::first(mode)
            };
            reduce::reduce_at_cuts(reduce::Sum::with_pass(pass), kernels, data, cuts)
        })
        .ok_or(IsaUnavailable(isa))
}

/// **Not public API**: for coresum's own tests. The dot product of `a` and `b` (equal lengths) on
/// a chosen ISA path, on the calling thread over the chunk grid, as an `f64`, `i128` or `u128`
/// in a [`dot::DotValue`]-converted result type.
#[doc(hidden)]
pub fn __dot_on<T: Dottable>(
    isa: Isa,
    mode: Mode,
    a: &[T],
    b: &[T],
) -> Result<T::DotOutput, IsaUnavailable> {
    arch::Kernels::get(isa)
        .map(|kernels| dot::dot_on_grid(kernels, mode, a, b).into())
        .ok_or(IsaUnavailable(isa))
}

/// An ISA path that this build or CPU cannot run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IsaUnavailable(pub Isa);

impl fmt::Display for IsaUnavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the {} path is not available on this CPU or build",
            self.0
        )
    }
}

impl std::error::Error for IsaUnavailable {}
