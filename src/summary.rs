//! [`Summary`] (issue 11, `coresum stats`): the statistics of data read in consecutive pieces —
//! a file too large to hold, read a buffer at a time — merged in order, with the same results
//! [`sum`](crate::sum), [`mean`](crate::mean), [`variance`](crate::variance), [`min`](crate::min)
//! and [`argmin`](crate::argmin) give on the whole.
//!
//! Each piece keeps its count, its extremes with their first indices, and the exact sums `Σx` and
//! `Σx²` (big integers scaled by a power of two), so merging loses nothing; the mean and variance
//! are rounded once, from the merged sums, as `stats.rs` rounds them. Everything runs on the
//! calling thread (a worker of the caller's own pool, for instance), on this process's ISA path.

use crate::arch::Kernels;
use crate::dot::{DotReduce, DotValue, Dottable, dot_on_grid};
use crate::element::{Mode, Summable};
use crate::extreme::{Extreme, Index};
use crate::rational;
use crate::reduce::{Sum, reduce_whole};
use crate::stats::{ExactTotal, Moments};
use num_bigint::{BigInt, BigUint};

/// The statistics of a sequence of `T` read in pieces: each piece keeps its count, its extremes
/// with their first indices and its exact `Σx` and `Σx²`, so pieces merge in order without loss
/// and the mean and variance are rounded once, from the merged sums.
///
/// ```
/// use coresum::Summary;
/// let data = [3i64, -7, 12, -7, 5];
/// let mut summary = Summary::of(&data[..2]);
/// summary.append(Summary::of(&data[2..]));
/// assert_eq!(summary.count(), 5);
/// assert_eq!(summary.sum(), 6);
/// assert_eq!((summary.argmin(), summary.max()), (Some(1), Some(12)));
/// assert_eq!(summary.mean(), coresum::mean(&data));
/// assert_eq!(summary.variance(1), Some(67.2));
/// ```
#[derive(Debug)]
pub struct Summary<T> {
    count: u64,
    sum: ExactTotal,
    squares: ExactTotal,
    /// The first index of the smallest element, and that element.
    min: Option<(u64, T)>,
    /// The first index of the largest element, and that element.
    max: Option<(u64, T)>,
}

/// An element type a [`Summary`] takes: every [`Summable`] type but `isize`/`usize`. Sealed.
pub trait Summarize: Summable {
    /// The exact `Σx` and `Σx²` of `data`, on the calling thread.
    #[doc(hidden)]
    fn exact_sums(kernels: &Kernels, data: &[Self]) -> (ExactTotal, ExactTotal);
    /// An exact integer sum as [`Summable::Output`] (floats: rounded once).
    #[doc(hidden)]
    fn output(sum: &ExactTotal) -> Self::Output;
}

/// A sum of integers as its big integer (never a special value).
fn integer_of(sum: &ExactTotal) -> BigInt {
    match sum {
        ExactTotal::Value(units, exp2) => units << *exp2 as u64,
        ExactTotal::Special(_) => BigInt::ZERO,
    }
}

macro_rules! summarize_int {
    ($($t:ty => $out:ty, |$data:ident, $kernels:ident| $squares:expr;)*) => {$(
        impl Summarize for $t {
            fn exact_sums($kernels: &Kernels, $data: &[$t]) -> (ExactTotal, ExactTotal) {
                let sum = reduce_whole(Sum::new(Mode::Exact), $kernels, $data);
                (ExactTotal::Value(BigInt::from(sum), 0), ExactTotal::Value($squares, 0))
            }

            fn output(sum: &ExactTotal) -> $out {
                // Cannot fail: fewer than 2^63 elements under 2^64 each.
                <$out>::try_from(integer_of(sum)).unwrap_or(<$out>::MAX)
            }
        }
    )*};
}

/// The exact `Σx²` from the dot kernels (the types with one).
fn dot_squares<T: Dottable>(kernels: &Kernels, data: &[T]) -> BigInt {
    match dot_on_grid(kernels, Mode::Exact, data, data) {
        DotValue::Signed(s) => BigInt::from(s),
        DotValue::Unsigned(s) => BigInt::from(s),
        // Not produced for an integer type.
        DotValue::Float(_) => BigInt::ZERO,
    }
}

/// The exact `Σx²` of 64-bit integers, whose squares the dot kernels do not take: each square
/// fits a `u128`, and their running total spills into a big integer before it would overflow.
fn wide_squares(magnitudes: impl Iterator<Item = u64>) -> BigInt {
    let (mut total, mut run) = (BigInt::ZERO, 0u128);
    for m in magnitudes {
        let square = u128::from(m) * u128::from(m);
        run = run.checked_add(square).unwrap_or_else(|| {
            total += run;
            square
        });
    }
    total + run
}

summarize_int! {
    i8 => i128, |data, kernels| dot_squares(kernels, data);
    u8 => u128, |data, kernels| dot_squares(kernels, data);
    i16 => i128, |data, kernels| dot_squares(kernels, data);
    u16 => u128, |data, kernels| dot_squares(kernels, data);
    i32 => i128, |data, kernels| dot_squares(kernels, data);
    u32 => u128, |data, kernels| dot_squares(kernels, data);
    i64 => i128, |data, _kernels| wide_squares(data.iter().map(|x| x.unsigned_abs()));
    u64 => u128, |data, _kernels| wide_squares(data.iter().copied());
}

macro_rules! summarize_float {
    ($($t:ty),*) => {$(
        impl Summarize for $t {
            fn exact_sums(_kernels: &Kernels, data: &[$t]) -> (ExactTotal, ExactTotal) {
                let squares = match <$t as DotReduce>::exact_sum_sq(data) {
                    Ok((units, exp2)) => ExactTotal::Value(units, exp2),
                    Err(special) => ExactTotal::Special(special),
                };
                (<$t as Moments>::exact_total(data), squares)
            }

            fn output(sum: &ExactTotal) -> f64 {
                match sum {
                    ExactTotal::Value(units, exp2) => {
                        rational::round(units, &BigUint::from(1u8), *exp2)
                    }
                    ExactTotal::Special(x) => *x,
                }
            }
        }
    )*};
}

summarize_float!(f64, f32);
#[cfg(feature = "half")]
summarize_float!(half::f16, half::bf16);

/// `a + b` exactly, with IEEE rules for the special values (NaN, ±∞, and a sum of zeros' sign).
fn add(a: ExactTotal, b: ExactTotal) -> ExactTotal {
    use ExactTotal::{Special, Value};
    match (a, b) {
        // ∞ − ∞ is the NaN `ExactSum` gives (x86's default NaN has its sign bit set).
        (Special(x), Special(y)) => Special(if (x + y).is_nan() { f64::NAN } else { x + y }),
        // A zero special (a float sum of zeros) leaves a finite value as it is.
        (Special(x), value @ Value(..)) | (value @ Value(..), Special(x)) if x == 0.0 => value,
        (Special(x), Value(..)) | (Value(..), Special(x)) => Special(x),
        (Value(a, ea), Value(b, eb)) => {
            let exp2 = ea.min(eb);
            let total = (a << (ea - exp2) as u64) + (b << (eb - exp2) as u64);
            if total.bits() == 0 && exp2 < 0 {
                // Floats that cancel exactly sum to +0.0, as `ExactSum::finish` gives.
                Special(0.0)
            } else {
                Value(total, exp2)
            }
        }
    }
}

impl<T: Summarize> Default for Summary<T> {
    fn default() -> Self {
        Summary::new()
    }
}

impl<T: Summarize> Summary<T> {
    /// The summary of no elements.
    pub fn new() -> Self {
        Summary {
            count: 0,
            // −0.0 is the identity of IEEE addition, and of `add` (an integer sum reads it as 0).
            sum: ExactTotal::Special(-0.0),
            squares: ExactTotal::Special(-0.0),
            min: None,
            max: None,
        }
    }

    /// The summary of `data`, computed on the calling thread.
    pub fn of(data: &[T]) -> Self {
        let kernels = Kernels::active();
        let (sum, squares) = T::exact_sums(kernels, data);
        let extreme = |max| {
            let index = reduce_whole(Extreme::<T, Index>::new(max), kernels, data)?;
            Some((index as u64, *data.get(index)?))
        };
        Summary {
            count: data.len() as u64,
            sum,
            squares,
            min: extreme(false),
            max: extreme(true),
        }
    }

    /// Appends the summary of the elements that follow this one's (its indices move up by
    /// [`count`](Self::count)).
    pub fn append(&mut self, next: Summary<T>) {
        // An empty piece adds nothing, not even the +0.0 that an empty sum finishes to: a sum
        // of −0.0 cut around an empty piece stays −0.0.
        if next.count == 0 {
            return;
        }
        let offset = self.count;
        let replace = |best: &mut Option<(u64, T)>, candidate: Option<(u64, T)>, max| {
            if let Some((index, value)) = candidate
                && best.is_none_or(|(_, best)| T::better(max, value, best))
            {
                *best = Some((offset + index, value));
            }
        };
        replace(&mut self.min, next.min, false);
        replace(&mut self.max, next.max, true);
        self.count += next.count;
        self.sum = add(
            std::mem::replace(&mut self.sum, ExactTotal::Special(0.0)),
            next.sum,
        );
        self.squares = add(
            std::mem::replace(&mut self.squares, ExactTotal::Special(0.0)),
            next.squares,
        );
    }

    /// The number of elements.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The exact sum, as [`sum`](crate::sum) returns it (floats: correctly rounded).
    pub fn sum(&self) -> T::Output {
        if self.count == 0 {
            // The identity −0.0 stands for no elements; their sum is 0 (`+0.0`), as `sum` gives.
            return T::output(&ExactTotal::Value(BigInt::ZERO, 0));
        }
        T::output(&self.sum)
    }

    /// The smallest element, as [`min`](crate::min) returns it.
    pub fn min(&self) -> Option<T> {
        self.min.map(|(_, value)| value)
    }

    /// The largest element, as [`max`](crate::max) returns it.
    pub fn max(&self) -> Option<T> {
        self.max.map(|(_, value)| value)
    }

    /// The first index of the smallest element, as [`argmin`](crate::argmin) returns it.
    pub fn argmin(&self) -> Option<u64> {
        self.min.map(|(index, _)| index)
    }

    /// The first index of the largest element, as [`argmax`](crate::argmax) returns it.
    pub fn argmax(&self) -> Option<u64> {
        self.max.map(|(index, _)| index)
    }

    /// The correctly rounded mean, as [`mean`](crate::mean) returns it.
    pub fn mean(&self) -> Option<f64> {
        let n = self.count;
        (n > 0).then(|| match &self.sum {
            ExactTotal::Special(x) => x / n as f64,
            ExactTotal::Value(units, exp2) => rational::round(units, &BigUint::from(n), *exp2),
        })
    }

    /// The correctly rounded variance, as [`variance`](crate::variance) returns it: `None` when
    /// `count <= ddof`, NaN after a NaN or an infinity.
    pub fn variance(&self, ddof: u64) -> Option<f64> {
        let n = self.count;
        if n <= ddof {
            return None;
        }
        // A zero special (a sum of zeros) is 0 · 2^0; any other makes the variance NaN.
        let finite = |total: &ExactTotal| match total {
            ExactTotal::Value(units, exp2) => Some((units.clone(), *exp2)),
            ExactTotal::Special(x) => (*x == 0.0).then_some((BigInt::ZERO, 0)),
        };
        let (Some((sum, sum_exp)), Some((squares, squares_exp))) =
            (finite(&self.sum), finite(&self.squares))
        else {
            return Some(f64::NAN);
        };
        // n·Σx² − (Σx)² / (n·(n − ddof)), in units of 2^min(2·sum_exp, squares_exp).
        let exp2 = (2 * sum_exp).min(squares_exp);
        let numerator = ((BigInt::from(n) * squares) << (squares_exp - exp2) as u64)
            - ((&sum * &sum) << (2 * sum_exp - exp2) as u64);
        let denominator = BigUint::from(n) * BigUint::from(n - ddof);
        Some(rational::round(&numerator, &denominator, exp2))
    }

    /// The standard deviation, `√variance(ddof)`.
    pub fn std_dev(&self, ddof: u64) -> Option<f64> {
        self.variance(ddof).map(f64::sqrt)
    }
}
