//! Dot products and what is built on them (issue 11): [`dot`], [`dot_with`], [`sum_sq`],
//! [`norm2`]; the element trait [`Dottable`] and its result type `DotOutput`.
//!
//! All three are one [`Reduction`], [`Dot`], over a [`Pair`] of equal-length slices (`(a, a)`
//! for the sums of squares), so they run on every path of the protocol (`reduce.rs`): inline,
//! the pool, async and rayon, bit-identical for any thread count. Integers are exact in one
//! pass. Float `Exact` takes the certified TwoChecked pass first and, where that leaves the
//! rounding open (a tie, an exact zero, an overflowing product), the error-free retry
//! (`float.rs`).

mod float;
mod int;

use crate::arch::Kernels;
use crate::element::{Mode, Summable};
use crate::plan::ChunkPlan;
use crate::pool::{
    Owned, Owner, Pool, Source, SumError, SumTask, panic_message, reduce_on_default,
};
use crate::reduce::{Input, OfSlice, Pass, Reduction};
use crate::stats::Bounds;
use core::fmt::{self, Debug};
use core::marker::PhantomData;
use core::ops::Range;
use num_bigint::BigInt;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// `a` and `b` of a dot product have different lengths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LengthMismatch {
    /// `a.len()`.
    pub left: usize,
    /// `b.len()`.
    pub right: usize,
}

impl fmt::Display for LengthMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "dot product of slices of different lengths ({} and {})",
            self.left, self.right
        )
    }
}

impl std::error::Error for LengthMismatch {}

/// An element type with a dot product: `i8 i16 i32` into `i128`, `u8 u16 u32` into `u128`
/// (exact: `n · 2^64` cannot reach 2^127), `f64 f32 f16 bf16` into `f64` (see [`Mode`]).
/// `i64`/`u64` are left out: their products need 128 bits each, and an exact sum of them
/// would not fit the result type.
///
/// Sealed: the kernels and how chunks merge are crate-private.
pub trait Dottable: DotReduce {
    /// The result type of [`dot`] and [`sum_sq`].
    type DotOutput: Copy + Debug + PartialEq + Send + Sync + 'static + From<DotValue>;
}

/// How one element type's dot-product chunks are computed, merged and finished: the sealed half
/// of [`Dottable`], crate-private (it can be neither named nor implemented outside the crate).
pub trait DotReduce: Summable {
    /// The dot product of one or more consecutive chunks, before it is finished.
    #[doc(hidden)]
    type DotPartial: Send + 'static;
    /// One chunk pair (equal lengths) with `pass`'s kernels.
    #[doc(hidden)]
    fn dot_partial(kernels: &Kernels, pass: Pass, a: &[Self], b: &[Self]) -> Self::DotPartial;
    /// Appends `next`, the partial of the chunks that follow `into`'s.
    #[doc(hidden)]
    fn dot_merge(into: &mut Self::DotPartial, next: Self::DotPartial);
    /// The result, or `None` where the total leaves it open (never for [`Pass::ErrorFree`]).
    #[doc(hidden)]
    fn dot_finish(pass: Pass, total: Self::DotPartial) -> Option<DotValue>;
    /// The square root of a total of squares, or `None` where the total leaves it open or the
    /// rounded sum of squares is not normal (never for [`Pass::ErrorFree`]).
    #[doc(hidden)]
    fn norm_finish(total: Self::DotPartial) -> Option<f64>;
    /// The exact total as an interval, or `None` where only the retry can tell it.
    #[doc(hidden)]
    fn dot_bounds(total: &Self::DotPartial) -> Option<Bounds>;

    /// The exact `Σx²` of `data` as `units · 2^exp2`, or its special value (NaN, +∞), on the
    /// calling thread (for [`Summary`](crate::Summary)).
    #[doc(hidden)]
    fn exact_sum_sq(data: &[Self]) -> Result<(BigInt, i64), f64> {
        let total = Self::dot_partial(Kernels::active(), Pass::ErrorFree, data, data);
        match Self::dot_bounds(&total) {
            Some(Bounds::Value { units, exp2, .. }) => Ok((units, exp2)),
            Some(Bounds::Special(x)) if x.is_finite() => Ok((BigInt::ZERO, 0)),
            Some(Bounds::Special(x)) => Err(x),
            // Not produced: the error-free pass always decides.
            None => Err(f64::NAN),
        }
    }
}

/// A dot product's value before it is typed: crate-private.
#[doc(hidden)]
#[derive(Debug)]
pub enum DotValue {
    /// Signed integer result.
    Signed(i128),
    /// Unsigned integer result.
    Unsigned(u128),
    /// Float result.
    Float(f64),
}

/// Two slices of one length, read pair by pair; the chunk grid is planned on `a`.
pub(crate) struct Pair<'a, T> {
    a: &'a [T],
    b: &'a [T],
}

impl<T> Clone for Pair<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Pair<'_, T> {}

impl<'a, T> Pair<'a, T> {
    /// `a` and `b`, if their lengths match.
    pub(crate) fn new(a: &'a [T], b: &'a [T]) -> Result<Self, LengthMismatch> {
        if a.len() != b.len() {
            return Err(LengthMismatch {
                left: a.len(),
                right: b.len(),
            });
        }
        Ok(Pair { a, b })
    }
}

impl<T: Sync> Input for Pair<'_, T> {
    fn empty() -> Self {
        Pair { a: &[], b: &[] }
    }

    fn len(self) -> usize {
        self.a.len()
    }

    fn bytes(self) -> usize {
        size_of_val(self.a) + size_of_val(self.b)
    }

    #[inline]
    fn width(self) -> usize {
        2 * size_of::<T>()
    }

    fn plan(self, chunk_bytes: usize) -> ChunkPlan {
        ChunkPlan::new(self.a, chunk_bytes)
    }

    #[inline]
    fn range(self, range: Range<usize>) -> Self {
        Pair {
            a: &self.a[range.clone()],
            b: &self.b[range],
        }
    }

    fn identity(self) -> (usize, usize) {
        // `b`'s length is `a`'s by construction; an owner that swaps `b` for another slice of
        // that length is only read where it says.
        (self.a.as_ptr() as usize, self.a.len())
    }
}

/// What a [`Dot`] reduction returns.
pub(crate) trait DotKind: Send + Sync + 'static {
    /// The result for element type `T`.
    type Output<T: Dottable>: Send + 'static;
    /// The result from a total, or `None` where it leaves it open.
    fn finish<T: Dottable>(pass: Pass, total: T::DotPartial) -> Option<Self::Output<T>>;
}

/// [`dot`]: the typed result, `Ok` (lengths are checked before the reduction starts).
pub(crate) struct Checked;

/// [`sum_sq`] (and the test hook): the typed result.
pub(crate) struct Typed;

/// [`norm2`]: the square root of the sum of squares, scaled where it is not normal.
pub(crate) struct Norm;

/// The untyped [`DotValue`] (the crate's own callers).
pub(crate) struct Raw;

impl DotKind for Raw {
    type Output<T: Dottable> = DotValue;
    fn finish<T: Dottable>(pass: Pass, total: T::DotPartial) -> Option<DotValue> {
        T::dot_finish(pass, total)
    }
}

impl DotKind for Checked {
    type Output<T: Dottable> = Result<T::DotOutput, LengthMismatch>;
    fn finish<T: Dottable>(pass: Pass, total: T::DotPartial) -> Option<Self::Output<T>> {
        T::dot_finish(pass, total).map(|value| Ok(value.into()))
    }
}

impl DotKind for Typed {
    type Output<T: Dottable> = T::DotOutput;
    fn finish<T: Dottable>(pass: Pass, total: T::DotPartial) -> Option<T::DotOutput> {
        T::dot_finish(pass, total).map(Into::into)
    }
}

impl DotKind for Norm {
    type Output<T: Dottable> = f64;
    fn finish<T: Dottable>(_pass: Pass, total: T::DotPartial) -> Option<f64> {
        T::norm_finish(total)
    }
}

/// The dot product of a [`Pair`] of slices of `T` with one [`Pass`], finished as `K` says; the
/// retry, where the total leaves the result open, is [`Pass::ErrorFree`].
pub(crate) struct Dot<T, K> {
    pass: Pass,
    marker: PhantomData<fn() -> (T, K)>,
}

impl<T, K> Clone for Dot<T, K> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T, K> Copy for Dot<T, K> {}

impl<T, K> Dot<T, K> {
    /// The reduction in `mode`, starting with its first pass.
    pub(crate) fn new(mode: Mode) -> Self {
        Dot::with_pass(Pass::first(mode))
    }

    fn with_pass(pass: Pass) -> Self {
        Dot {
            pass,
            marker: PhantomData,
        }
    }
}

impl<T: Dottable, K: DotKind> Reduction for Dot<T, K> {
    type Input<'a> = Pair<'a, T>;
    type Partial = T::DotPartial;
    type Output = K::Output<T>;

    #[inline]
    fn partial(self, kernels: &Kernels, _start: usize, chunk: Pair<'_, T>) -> T::DotPartial {
        T::dot_partial(kernels, self.pass, chunk.a, chunk.b)
    }

    #[inline]
    fn merge(self, into: &mut T::DotPartial, next: T::DotPartial) {
        T::dot_merge(into, next);
    }

    fn finish(self, total: T::DotPartial) -> Result<K::Output<T>, Self> {
        K::finish::<T>(self.pass, total).ok_or(Dot::with_pass(Pass::ErrorFree))
    }
}

/// One owned slice is the pair `(a, a)`: the sums of squares of the `_async` forms.
impl<T: Dottable, K: DotKind> OfSlice for Dot<T, K> {
    type Element = T;

    fn input(slice: &[T]) -> Pair<'_, T> {
        Pair { a: slice, b: slice }
    }
}

/// The dot product of `a` and `b`: exact for integers, the correctly rounded exact value for
/// floats ([`Mode::Exact`]); on the best ISA path and, for large inputs, on the
/// [default pool](crate::default_pool), as [`sum`](crate::sum).
///
/// ```
/// assert_eq!(coresum::dot(&[i16::MIN, 2], &[i16::MIN, 3]), Ok(1 << 30 | 6));
/// assert_eq!(coresum::dot(&[1e308, 1e308], &[10.0, -10.0]), Ok(0.0));
/// assert!(coresum::dot(&[1u8], &[]).is_err());
/// ```
pub fn dot<T: Dottable>(a: &[T], b: &[T]) -> Result<T::DotOutput, LengthMismatch> {
    dot_with(a, b, Mode::Exact)
}

/// [`dot`] in the given [`Mode`] (which only floats look at).
pub fn dot_with<T: Dottable>(a: &[T], b: &[T], mode: Mode) -> Result<T::DotOutput, LengthMismatch> {
    reduce_on_default(Dot::<T, Checked>::new(mode), Pair::new(a, b)?)
}

/// The exact sum of squares, `dot(a, a)`.
///
/// ```
/// assert_eq!(coresum::sum_sq(&[i32::MIN, 1]), (1i128 << 62) + 1);
/// ```
pub fn sum_sq<T: Dottable>(a: &[T]) -> T::DotOutput {
    reduce_on_default(Dot::<T, Typed>::new(Mode::Exact), Pair { a, b: a })
}

/// The Euclidean norm: the square root of the correctly rounded exact sum of squares, scaled so
/// that it neither overflows nor underflows where the norm itself is representable. A NaN gives
/// NaN, else an infinity gives +∞.
///
/// ```
/// assert_eq!(coresum::norm2(&[3.0, 4.0]), 5.0);
/// assert_eq!(coresum::norm2(&[1e300, 1e300]), 1e300 * 2f64.sqrt());
/// assert_eq!(coresum::norm2(&[1e-300; 4]), 2e-300);
/// ```
pub fn norm2<T: Dottable>(a: &[T]) -> f64 {
    reduce_on_default(Dot::<T, Norm>::new(Mode::Exact), Pair { a, b: a })
}

/// Two owners of one length, read as a [`Pair`] (`dot_async`).
struct OwnedPair<A, B>(A, B);

impl<T, K, A, B> Source<Dot<T, K>> for OwnedPair<A, B>
where
    T: Dottable,
    K: DotKind,
    A: Owner<T>,
    B: Owner<T>,
{
    fn input(&self) -> Pair<'_, T> {
        // The lengths matched at submission; should an owner change since, the shorter length
        // changes `a`'s identity (unless `b` shrank: then its pairs are all that is read).
        let (a, b) = (self.0.slice(), self.1.slice());
        let len = a.len().min(b.len());
        Pair {
            a: &a[..len],
            b: &b[..len],
        }
    }
}

/// dot, sum_sq, norm2 (issue 11).
impl Pool {
    /// [`dot`](crate::dot) on this pool, blocking until it is done.
    pub fn dot<T: Dottable>(&self, a: &[T], b: &[T]) -> Result<T::DotOutput, LengthMismatch> {
        self.dot_with(a, b, Mode::Exact)
    }

    /// [`dot_with`] on this pool, blocking until it is done.
    pub fn dot_with<T: Dottable>(
        &self,
        a: &[T],
        b: &[T],
        mode: Mode,
    ) -> Result<T::DotOutput, LengthMismatch> {
        self.reduce(Dot::<T, Checked>::new(mode), Pair::new(a, b)?)
    }

    /// [`dot`](Self::dot) of owned data, asynchronously; see [`SumTask`]. Slices of different
    /// lengths give `Ok(Err(LengthMismatch))`.
    pub fn dot_async<T, A, B>(&self, a: A, b: B) -> SumTask<Result<T::DotOutput, LengthMismatch>>
    where
        T: Dottable,
        A: Owner<T> + 'static,
        B: Owner<T> + 'static,
    {
        self.dot_async_with(a, b, Mode::Exact)
    }

    /// [`dot_with`](Self::dot_with) of owned data, asynchronously; see [`dot_async`](Self::dot_async).
    pub fn dot_async_with<T, A, B>(
        &self,
        a: A,
        b: B,
        mode: Mode,
    ) -> SumTask<Result<T::DotOutput, LengthMismatch>>
    where
        T: Dottable,
        A: Owner<T> + 'static,
        B: Owner<T> + 'static,
    {
        // The owners' `slice` is user code: a panic there is the task's error, not the caller's.
        let lengths = catch_unwind(AssertUnwindSafe(|| (a.slice().len(), b.slice().len())));
        match lengths {
            Ok((left, right)) if left != right => {
                SumTask::done(Ok(Err(LengthMismatch { left, right })))
            }
            Ok(_) => self.reduce_async(Dot::<T, Checked>::new(mode), OwnedPair(a, b)),
            Err(payload) => SumTask::done(Err(SumError::Panicked(panic_message(&*payload)))),
        }
    }

    /// [`sum_sq`] on this pool, blocking until it is done.
    pub fn sum_sq<T: Dottable>(&self, a: &[T]) -> T::DotOutput {
        self.reduce(Dot::<T, Typed>::new(Mode::Exact), Pair { a, b: a })
    }

    /// [`sum_sq`](Self::sum_sq) of owned data, asynchronously; see [`SumTask`].
    pub fn sum_sq_async<T: Dottable, D: Owner<T> + 'static>(
        &self,
        data: D,
    ) -> SumTask<T::DotOutput> {
        self.reduce_async(Dot::<T, Typed>::new(Mode::Exact), Owned(data))
    }

    /// [`norm2`] on this pool, blocking until it is done.
    pub fn norm2<T: Dottable>(&self, a: &[T]) -> f64 {
        self.reduce(Dot::<T, Norm>::new(Mode::Exact), Pair { a, b: a })
    }

    /// [`norm2`](Self::norm2) of owned data, asynchronously; see [`SumTask`].
    pub fn norm2_async<T: Dottable, D: Owner<T> + 'static>(&self, data: D) -> SumTask<f64> {
        self.reduce_async(Dot::<T, Norm>::new(Mode::Exact), Owned(data))
    }
}

/// The same reductions on the current rayon pool, on coresum's chunk grid.
#[cfg(feature = "rayon")]
pub(crate) mod on_rayon {
    use super::*;
    use crate::rayon::reduce_on_rayon;

    /// [`dot`](crate::dot) on the current rayon pool.
    pub fn dot<T: Dottable>(a: &[T], b: &[T]) -> Result<T::DotOutput, LengthMismatch> {
        dot_with(a, b, Mode::Exact)
    }

    /// [`dot_with`](crate::dot_with) on the current rayon pool.
    pub fn dot_with<T: Dottable>(
        a: &[T],
        b: &[T],
        mode: Mode,
    ) -> Result<T::DotOutput, LengthMismatch> {
        reduce_on_rayon(Dot::<T, Checked>::new(mode), Pair::new(a, b)?)
    }

    /// [`sum_sq`](crate::sum_sq) on the current rayon pool.
    pub fn sum_sq<T: Dottable>(a: &[T]) -> T::DotOutput {
        reduce_on_rayon(Dot::<T, Typed>::new(Mode::Exact), Pair { a, b: a })
    }

    /// [`norm2`](crate::norm2) on the current rayon pool.
    pub fn norm2<T: Dottable>(a: &[T]) -> f64 {
        reduce_on_rayon(Dot::<T, Norm>::new(Mode::Exact), Pair { a, b: a })
    }
}

/// The dot product of `a` and `b` (pairs past the shorter are ignored) on the calling thread,
/// on the chunk grid, with `kernels` (the `__dot_on` test hook, `Summary`).
pub(crate) fn dot_on_grid<T: Dottable>(
    kernels: &Kernels,
    mode: Mode,
    a: &[T],
    b: &[T],
) -> DotValue {
    let len = a.len().min(b.len());
    let pair = Pair {
        a: &a[..len],
        b: &b[..len],
    };
    crate::reduce::reduce_on_grid(Dot::<T, Raw>::new(mode), kernels, pair)
}

/// **Not public API**: for coresum's own tests and fuzz targets, which may change it at any time.
///
/// The dot product of `a` and `b` on `isa`, cut into chunks at `cuts` (element indices, in any
/// order; those past the end count as the end) whose partials merge in order, as the pool
/// merges its chunks.
#[doc(hidden)]
pub fn __dot_at_cuts<T: Dottable>(
    isa: crate::Isa,
    mode: Mode,
    a: &[T],
    b: &[T],
    cuts: &[usize],
) -> Result<Result<T::DotOutput, LengthMismatch>, crate::IsaUnavailable> {
    let kernels = Kernels::get(isa).ok_or(crate::IsaUnavailable(isa))?;
    Ok(Pair::new(a, b)
        .map(|pair| crate::reduce::reduce_at_cuts(Dot::<T, Typed>::new(mode), kernels, pair, cuts)))
}
