//! [`mean`], [`variance`], [`std_dev`] (issue 11): reductions over the sum and dot kernels,
//! finished once in exact rational arithmetic (`rational.rs`).
//!
//! `mean` is the correctly rounded `Σx / n`; `variance` the correctly rounded
//! `(n·Σx² − (Σx)²) / (n·(n − ddof))`, the exact value of `Σ(x − mean)² / (n − ddof)` (well
//! within the 2^-50 relative error the contract allows); `std_dev` its square root. The first
//! pass of floats is the certified one: the exact sums lie in known intervals ([`Bounds`]), and
//! where the result rounds the same at both ends it is decided; otherwise the chunks are reduced
//! again with the error-free pass.

use crate::arch::Kernels;
use crate::dot::Dottable;
use crate::element::{Mode, Summable};
use crate::exact_sum::ExactSum;
use crate::float::FloatPartial;
use crate::pool::{Owned, Owner, Pool, SumTask, reduce_on_default};
use crate::rational;
use crate::reduce::{OfSlice, Pass, Reduction};
use core::marker::PhantomData;
use num_bigint::{BigInt, BigUint};

/// An exact total as an interval `(units ± radius) · 2^exp2`, or a value that decides the result
/// on its own (NaN, ±∞, the signed zero of a float sum of zeros).
#[doc(hidden)]
#[derive(Debug)]
pub enum Bounds {
    /// The exact total lies within `radius` units of `units`.
    Value {
        units: BigInt,
        exp2: i64,
        radius: BigInt,
    },
    /// NaN, ±∞ or a float ±0.
    Special(f64),
}

impl Bounds {
    /// The exact total `units · 2^exp2`.
    pub(crate) fn exact(units: BigInt, exp2: i64) -> Bounds {
        Bounds::within(units, exp2, 0.0)
    }

    /// `units · 2^exp2`, within `radius` (a finite, non-negative `f64`, rounded up to units).
    pub(crate) fn within(units: BigInt, exp2: i64, radius: f64) -> Bounds {
        let (mantissa, shift) = rational::decompose(radius);
        let scale = i64::from(shift) - 1074 - exp2;
        let mantissa = BigInt::from(mantissa);
        let radius = if scale >= 0 {
            mantissa << scale as u64
        } else {
            (mantissa >> (-scale) as u64) + u8::from(radius != 0.0)
        };
        Bounds::Value {
            units,
            exp2,
            radius,
        }
    }
}

/// An element type whose [`mean`] and [`variance`] can be taken: every [`Summable`] type.
/// Sealed.
pub trait Moments: Summable {
    /// The exact total of a sum partial (first pass or error-free retry) as an interval.
    #[doc(hidden)]
    fn sum_bounds(total: &Self::Partial) -> Bounds;

    /// The exact sum of `data`, on the calling thread (for [`Summary`](crate::Summary)).
    #[doc(hidden)]
    fn exact_total(data: &[Self]) -> ExactTotal {
        let total = Self::partial(Kernels::active(), Pass::ErrorFree, data);
        ExactTotal::of(Self::sum_bounds(&total))
    }
}

/// An exact sum: `units · 2^exp2`, or a value that decides the result on its own (NaN, ±∞, and
/// the signed zero of a float sum of zeros).
#[doc(hidden)]
#[derive(Debug)]
pub enum ExactTotal {
    /// The exact finite sum.
    Value(BigInt, i64),
    /// NaN, ±∞ or a float ±0.
    Special(f64),
}

impl ExactTotal {
    /// The centre of `bounds` (exact where it comes from the error-free pass).
    pub(crate) fn of(bounds: Bounds) -> ExactTotal {
        match bounds {
            Bounds::Value { units, exp2, .. } => ExactTotal::Value(units, exp2),
            Bounds::Special(x) => ExactTotal::Special(x),
        }
    }
}

macro_rules! moments_int {
    ($($t:ty),*) => {$(
        impl Moments for $t {
            fn sum_bounds(total: &Self::Partial) -> Bounds {
                Bounds::exact(BigInt::from(*total), 0)
            }
        }
    )*};
}

moments_int!(i8, u8, i16, u16, i32, u32, i64, u64, isize, usize);

/// The interval of a float sum partial.
fn float_sum_bounds(total: &FloatPartial) -> Bounds {
    match total {
        FloatPartial::Exact { sum, slack } => exact_sum_bounds(sum, *slack),
        // Not produced: only the certified and error-free passes feed these reductions.
        FloatPartial::Compensated { .. } => Bounds::Special(f64::NAN),
        FloatPartial::Fast { sum, .. } => Bounds::Special(*sum),
    }
}

/// The interval of an exact sum within `slack` (twice it bounds the error, as for sums).
fn exact_sum_bounds(sum: &ExactSum, slack: f64) -> Bounds {
    let units = sum.units();
    match sum.special() {
        Some(special) => Bounds::Special(special),
        None if units.bits() == 0 && slack == 0.0 => Bounds::Special(sum.finish()),
        None => Bounds::within(units, -1074, 2.0 * slack),
    }
}

macro_rules! moments_float {
    ($($t:ty),*) => {$(
        impl Moments for $t {
            fn sum_bounds(total: &FloatPartial) -> Bounds {
                float_sum_bounds(total)
            }
        }
    )*};
}

moments_float!(f64, f32);
#[cfg(feature = "half")]
moments_float!(half::f16, half::bf16);

/// `num / den · 2^exp2` rounded at both ends of `[lo, hi]`, if they agree.
fn decided(lo: &BigInt, hi: &BigInt, den: &BigUint, exp2: i64) -> Option<f64> {
    let low = rational::round(lo, den, exp2);
    (lo == hi || rational::round(hi, den, exp2).to_bits() == low.to_bits()).then_some(low)
}

/// The mean of a slice of `T`: its count and sum partials.
pub(crate) struct Mean<T> {
    pass: Pass,
    marker: PhantomData<fn() -> T>,
}

/// The variance of a slice of `T` (or, with `root`, its square root): count, sum and sum of
/// squares partials.
pub(crate) struct Variance<T> {
    pass: Pass,
    ddof: usize,
    root: bool,
    marker: PhantomData<fn() -> T>,
}

impl<T> Clone for Mean<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Mean<T> {}

impl<T> Clone for Variance<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Variance<T> {}

impl<T> Mean<T> {
    fn new(pass: Pass) -> Self {
        Mean {
            pass,
            marker: PhantomData,
        }
    }
}

impl<T> Variance<T> {
    fn new(ddof: usize, root: bool) -> Self {
        Variance {
            pass: Pass::first(Mode::Exact),
            ddof,
            root,
            marker: PhantomData,
        }
    }
}

impl<T: Moments> Reduction for Mean<T> {
    type Input<'a> = &'a [T];
    type Partial = (usize, T::Partial);
    type Output = Option<f64>;

    #[inline]
    fn partial(self, kernels: &Kernels, _start: usize, chunk: &[T]) -> Self::Partial {
        (chunk.len(), T::partial(kernels, self.pass, chunk))
    }

    #[inline]
    fn merge(self, into: &mut Self::Partial, next: Self::Partial) {
        into.0 += next.0;
        T::merge(&mut into.1, next.1);
    }

    fn finish(self, (n, sum): Self::Partial) -> Result<Option<f64>, Self> {
        if n == 0 {
            return Ok(None);
        }
        match T::sum_bounds(&sum) {
            Bounds::Special(x) => Ok(Some(x / n as f64)),
            Bounds::Value {
                units,
                exp2,
                radius,
            } => decided(
                &(&units - &radius),
                &(&units + &radius),
                &BigUint::from(n),
                exp2,
            )
            .map(Some)
            .ok_or(Mean::new(Pass::ErrorFree)),
        }
    }
}

impl<T: Moments + Dottable> Reduction for Variance<T> {
    type Input<'a> = &'a [T];
    type Partial = (usize, T::Partial, T::DotPartial);
    type Output = Option<f64>;

    #[inline]
    fn partial(self, kernels: &Kernels, _start: usize, chunk: &[T]) -> Self::Partial {
        (
            chunk.len(),
            T::partial(kernels, self.pass, chunk),
            T::dot_partial(kernels, self.pass, chunk, chunk),
        )
    }

    #[inline]
    fn merge(self, into: &mut Self::Partial, next: Self::Partial) {
        into.0 += next.0;
        T::merge(&mut into.1, next.1);
        T::dot_merge(&mut into.2, next.2);
    }

    fn finish(self, (n, sum, squares): Self::Partial) -> Result<Option<f64>, Self> {
        if n <= self.ddof {
            return Ok(None);
        }
        let retry = Variance {
            pass: Pass::ErrorFree,
            ..self
        };
        let squares = T::dot_bounds(&squares).ok_or(retry)?;
        let (Some(s), Some(q)) = (finite(T::sum_bounds(&sum)), finite(squares)) else {
            return Ok(Some(f64::NAN));
        };
        let ((s, se, sr), (q, qe, qr)) = (s, q);
        // n·Q − S², both in units of 2^exp2.
        let exp2 = qe.min(2 * se);
        let (q_shift, s_shift) = ((qe - exp2) as u64, (2 * se - exp2) as u64);
        let n_big = BigInt::from(n);
        let abs = BigInt::from(s.magnitude().clone());
        let (s_max, s_min) = (&abs + &sr, (&abs - &sr).max(BigInt::ZERO));
        let high = ((&n_big * (&q + &qr)) << q_shift) - ((&s_min * &s_min) << s_shift);
        let low = ((&n_big * (&q - &qr)) << q_shift) - ((&s_max * &s_max) << s_shift);
        let den = BigUint::from(n) * BigUint::from(n - self.ddof);
        let low = low.max(BigInt::ZERO);
        let variance = decided(&low, &high, &den, exp2).ok_or(retry)?;
        Ok(Some(if self.root { variance.sqrt() } else { variance }))
    }
}

/// `(units, exp2, radius)` of a finite total (a signed zero counts as 0), `None` for NaN or ±∞.
fn finite(bounds: Bounds) -> Option<(BigInt, i64, BigInt)> {
    match bounds {
        Bounds::Value {
            units,
            exp2,
            radius,
        } => Some((units, exp2, radius)),
        Bounds::Special(x) if x.is_finite() => Some((BigInt::ZERO, 0, BigInt::ZERO)),
        Bounds::Special(_) => None,
    }
}

impl<T: Moments> OfSlice for Mean<T> {
    type Element = T;

    fn input(slice: &[T]) -> &[T] {
        slice
    }
}

impl<T: Moments + Dottable> OfSlice for Variance<T> {
    type Element = T;

    fn input(slice: &[T]) -> &[T] {
        slice
    }
}

/// The correctly rounded mean, `Σx / n`; `None` for an empty slice. NaN and infinities follow
/// the sum's IEEE rules. On the best ISA path and, for large inputs, on the
/// [default pool](crate::default_pool), as [`sum`](crate::sum).
///
/// ```
/// assert_eq!(coresum::mean(&[1u8, 2]), Some(1.5));
/// assert_eq!(coresum::mean(&[1e308, 1e308]), Some(1e308)); // no intermediate overflow
/// assert_eq!(coresum::mean::<i32>(&[]), None);
/// ```
pub fn mean<T: Moments>(data: &[T]) -> Option<f64> {
    reduce_on_default(Mean::new(Pass::first(Mode::Exact)), data)
}

impl ExactSum {
    /// The correctly rounded mean of `count` terms whose exact sum this is: `Σx / count` rounded
    /// once, as [`mean`] rounds it; `None` when `count` is 0. For sums merged from parts (across
    /// processes: `coresum-mpi`), where the terms themselves are not at hand.
    ///
    /// ```
    /// let mut sum = coresum::ExactSum::new();
    /// sum.add_slice(&[1e308, 1e308, 0.1]);
    /// assert_eq!(sum.finish_mean(3), coresum::mean(&[1e308, 1e308, 0.1]));
    /// assert_eq!(sum.finish_mean(0), None);
    /// ```
    pub fn finish_mean(&self, count: u64) -> Option<f64> {
        if count == 0 {
            return None;
        }
        Some(match exact_sum_bounds(self, 0.0) {
            Bounds::Special(x) => x / count as f64,
            Bounds::Value { units, exp2, .. } => {
                rational::round(&units, &BigUint::from(count), exp2)
            }
        })
    }
}

/// The variance `Σ(x − mean)² / (n − ddof)`, correctly rounded; `None` when `n <= ddof`. A NaN
/// or an infinity gives NaN.
///
/// ```
/// assert_eq!(coresum::variance(&[1.0, 2.0, 3.0, 4.0], 0), Some(1.25));
/// assert_eq!(coresum::variance(&[1e9 + 1.0, 1e9 + 3.0], 1), Some(2.0));
/// assert_eq!(coresum::variance(&[5i8], 1), None);
/// ```
pub fn variance<T: Dottable + Moments>(data: &[T], ddof: usize) -> Option<f64> {
    reduce_on_default(Variance::new(ddof, false), data)
}

/// The standard deviation, `√variance(data, ddof)`.
///
/// ```
/// assert_eq!(coresum::std_dev(&[2u16, 4, 4, 4, 5, 5, 7, 9], 0), Some(2.0));
/// ```
pub fn std_dev<T: Dottable + Moments>(data: &[T], ddof: usize) -> Option<f64> {
    reduce_on_default(Variance::new(ddof, true), data)
}

/// mean, variance, std_dev (issue 11).
impl Pool {
    /// [`mean`] on this pool, blocking until it is done.
    pub fn mean<T: Moments>(&self, data: &[T]) -> Option<f64> {
        self.reduce(Mean::new(Pass::first(Mode::Exact)), data)
    }

    /// [`mean`](Self::mean) of owned data, asynchronously; see [`SumTask`].
    pub fn mean_async<T: Moments, D: Owner<T> + 'static>(&self, data: D) -> SumTask<Option<f64>> {
        self.reduce_async(Mean::new(Pass::first(Mode::Exact)), Owned(data))
    }

    /// [`variance`] on this pool, blocking until it is done.
    pub fn variance<T: Dottable + Moments>(&self, data: &[T], ddof: usize) -> Option<f64> {
        self.reduce(Variance::new(ddof, false), data)
    }

    /// [`variance`](Self::variance) of owned data, asynchronously; see [`SumTask`].
    pub fn variance_async<T, D>(&self, data: D, ddof: usize) -> SumTask<Option<f64>>
    where
        T: Dottable + Moments,
        D: Owner<T> + 'static,
    {
        self.reduce_async(Variance::new(ddof, false), Owned(data))
    }

    /// [`std_dev`] on this pool, blocking until it is done.
    pub fn std_dev<T: Dottable + Moments>(&self, data: &[T], ddof: usize) -> Option<f64> {
        self.reduce(Variance::new(ddof, true), data)
    }

    /// [`std_dev`](Self::std_dev) of owned data, asynchronously; see [`SumTask`].
    pub fn std_dev_async<T, D>(&self, data: D, ddof: usize) -> SumTask<Option<f64>>
    where
        T: Dottable + Moments,
        D: Owner<T> + 'static,
    {
        self.reduce_async(Variance::new(ddof, true), Owned(data))
    }
}

/// The same reductions on the current rayon pool, on coresum's chunk grid.
#[cfg(feature = "rayon")]
pub(crate) mod on_rayon {
    use super::*;
    use crate::rayon::reduce_on_rayon;

    /// [`mean`](crate::mean) on the current rayon pool.
    pub fn mean<T: Moments>(data: &[T]) -> Option<f64> {
        reduce_on_rayon(Mean::new(Pass::first(Mode::Exact)), data)
    }

    /// [`variance`](crate::variance) on the current rayon pool.
    pub fn variance<T: Dottable + Moments>(data: &[T], ddof: usize) -> Option<f64> {
        reduce_on_rayon(Variance::new(ddof, false), data)
    }

    /// [`std_dev`](crate::std_dev) on the current rayon pool.
    pub fn std_dev<T: Dottable + Moments>(data: &[T], ddof: usize) -> Option<f64> {
        reduce_on_rayon(Variance::new(ddof, true), data)
    }
}
