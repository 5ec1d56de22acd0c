//! [`mean`], [`variance`], [`std_dev`] (issue 11): exact sums, then one exact rational
//! expression rounded once (`rational.rs`).
//!
//! `mean` is the correctly rounded `Σx / n`. `variance` is the correctly rounded
//! `(n·Σx² − (Σx)²) / (n·(n − ddof))`, the exact value of `Σ(x − mean)² / (n − ddof)` (well
//! within the 2^-50 relative error the contract allows); `std_dev` is its square root.

use crate::dot::Dottable;
use crate::element::Summable;
use crate::exact_sum::ExactSum;
use crate::rational;
use num_bigint::{BigInt, BigUint};

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

/// An element type whose exact sum [`mean`] and [`variance`] take: every [`Summable`] type.
/// Sealed.
pub trait Moments: Summable {
    /// The exact sum of `data`.
    #[doc(hidden)]
    fn exact_total(data: &[Self]) -> ExactTotal;
}

macro_rules! moments_int {
    ($($t:ty),*) => {$(
        impl Moments for $t {
            fn exact_total(data: &[$t]) -> ExactTotal {
                ExactTotal::Value(BigInt::from(crate::sum(data)), 0)
            }
        }
    )*};
}

moments_int!(i8, u8, i16, u16, i32, u32, i64, u64, isize, usize);

/// The exact float total held by `acc`.
fn float_total(acc: &ExactSum) -> ExactTotal {
    let units = acc.units();
    match acc.special() {
        Some(special) => ExactTotal::Special(special),
        None if units.bits() == 0 => ExactTotal::Special(acc.finish()),
        None => ExactTotal::Value(units, -1074),
    }
}

impl Moments for f64 {
    fn exact_total(data: &[f64]) -> ExactTotal {
        let mut acc = ExactSum::new();
        acc.add_slice(data);
        float_total(&acc)
    }
}

impl Moments for f32 {
    fn exact_total(data: &[f32]) -> ExactTotal {
        let mut acc = ExactSum::new();
        acc.add_slice_f32(data);
        float_total(&acc)
    }
}

#[cfg(feature = "half")]
macro_rules! moments_half {
    ($($t:ty),*) => {$(
        impl Moments for $t {
            fn exact_total(data: &[$t]) -> ExactTotal {
                use half::slice::HalfFloatSliceExt;
                let (mut acc, mut buf) = (ExactSum::new(), [0f32; 1024]);
                for block in data.chunks(buf.len()) {
                    let buf = &mut buf[..block.len()];
                    // Lengths match by construction, so this cannot panic.
                    block.convert_to_f32_slice(buf);
                    acc.add_slice_f32(buf);
                }
                float_total(&acc)
            }
        }
    )*};
}

#[cfg(feature = "half")]
moments_half!(half::f16, half::bf16);

/// The correctly rounded mean, `Σx / n`; `None` for an empty slice. NaN and infinities follow
/// the sum's IEEE rules.
///
/// ```
/// assert_eq!(coresum::mean(&[1u8, 2]), Some(1.5));
/// assert_eq!(coresum::mean(&[1e308, 1e308]), Some(1e308)); // no intermediate overflow
/// assert_eq!(coresum::mean::<i32>(&[]), None);
/// ```
pub fn mean<T: Moments>(data: &[T]) -> Option<f64> {
    if data.is_empty() {
        return None;
    }
    Some(match T::exact_total(data) {
        ExactTotal::Special(x) => x / data.len() as f64,
        ExactTotal::Value(units, exp2) => rational::round(&units, &BigUint::from(data.len()), exp2),
    })
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
        Some(match float_total(self) {
            ExactTotal::Special(x) => x / count as f64,
            ExactTotal::Value(units, exp2) => rational::round(&units, &BigUint::from(count), exp2),
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
    let n = data.len();
    if n <= ddof {
        return None;
    }
    let (sum, sum_exp) = match T::exact_total(data) {
        ExactTotal::Value(units, exp2) => (units, exp2),
        ExactTotal::Special(x) if x.is_finite() => (BigInt::ZERO, 0),
        ExactTotal::Special(_) => return Some(f64::NAN),
    };
    let Ok((squares, squares_exp)) = T::exact_sum_sq(data) else {
        return Some(f64::NAN);
    };
    // n·Σx² − (Σx)², both in units of 2^(2·sum_exp) (squares_exp is 2·sum_exp or finer).
    let shift = (2 * sum_exp - squares_exp) as u64;
    let n_big = BigInt::from(n);
    let numerator = (&n_big * squares) - ((&sum * &sum) << shift);
    let denominator = BigUint::from(n) * BigUint::from(n - ddof);
    Some(rational::round(&numerator, &denominator, squares_exp))
}

/// The standard deviation, `√variance(data, ddof)`.
///
/// ```
/// assert_eq!(coresum::std_dev(&[2u16, 4, 4, 4, 5, 5, 7, 9], 0), Some(2.0));
/// ```
pub fn std_dev<T: Dottable + Moments>(data: &[T], ddof: usize) -> Option<f64> {
    variance(data, ddof).map(f64::sqrt)
}
