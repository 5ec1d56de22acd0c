//! Dot products and what is built on them (issue 11): [`dot`], [`dot_with`], [`sum_sq`],
//! [`norm2`]; the element trait [`Dottable`] and its result type `DotOutput`.
//!
//! Each runs one kernel per chunk of the pool's chunk grid (`algo::dot`, one table entry per
//! type and ISA), merges the chunk partials in chunk order and finishes once, as sums do:
//! integers are exact; float `Exact` takes the certified TwoProduct pass and, where that leaves
//! the rounding open (or a product overflowed), the exact path ([`exact_float_dot`]: big
//! integers, off the hot path).

use crate::arch::Kernels;
use crate::element::{Mode, Summable};
use crate::exact_sum::ExactSum;
use crate::plan::{ChunkPlan, chunk_bytes};
use crate::rational;
use core::fmt::{self, Debug};
use num_bigint::{BigInt, BigUint};

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
/// of [`Dottable`], crate-private (`Dottable`'s own items only name public types).
pub trait DotReduce: Summable {
    /// The dot product of one or more consecutive chunks, before it is finished.
    #[doc(hidden)]
    type DotPartial;
    /// One chunk pair (equal lengths).
    #[doc(hidden)]
    fn dot_partial(kernels: &Kernels, mode: Mode, a: &[Self], b: &[Self]) -> Self::DotPartial;
    /// Appends `next`, the partial of the chunks that follow `into`'s.
    #[doc(hidden)]
    fn dot_merge(into: &mut Self::DotPartial, next: Self::DotPartial);
    /// The result from the merged partials (`None`: no chunk), or, where they leave it open, from
    /// `a` and `b` on the exact path.
    #[doc(hidden)]
    fn dot_exact(a: &[Self], b: &[Self], total: Option<Self::DotPartial>) -> DotValue;
    /// The exactly scaled norm of a float slice (integers never need it).
    #[doc(hidden)]
    fn exact_norm(a: &[Self]) -> f64;
    /// The exact sum of squares as `units · 2^exp2`, or its special value (NaN, +∞).
    #[doc(hidden)]
    fn exact_sum_sq(a: &[Self]) -> Result<(BigInt, i64), f64>;
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

/// The dot product of `a` and `b`: exact for integers, the correctly rounded exact value for
/// floats ([`Mode::Exact`]).
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
    if a.len() != b.len() {
        return Err(LengthMismatch {
            left: a.len(),
            right: b.len(),
        });
    }
    Ok(dot_on_grid(Kernels::active(), mode, a, b).into())
}

/// The exact sum of squares, `dot(a, a)`.
///
/// ```
/// assert_eq!(coresum::sum_sq(&[i32::MIN, 1]), (1i128 << 62) + 1);
/// ```
pub fn sum_sq<T: Dottable>(a: &[T]) -> T::DotOutput {
    dot_on_grid(Kernels::active(), Mode::Exact, a, a).into()
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
    match dot_on_grid(Kernels::active(), Mode::Exact, a, a) {
        DotValue::Signed(s) => (s as f64).sqrt(),
        DotValue::Unsigned(s) => (s as f64).sqrt(),
        // A normal sum of squares is the correctly rounded one: its square root is the norm.
        DotValue::Float(s) if s.is_nan() || (f64::MIN_POSITIVE..f64::INFINITY).contains(&s) => {
            s.sqrt()
        }
        DotValue::Float(_) => T::exact_norm(a),
    }
}

/// The dot product on the calling thread, over the pool's chunk grid (so `Fast` gives the same
/// bits as a pool run would).
pub(crate) fn dot_on_grid<T: DotReduce>(
    kernels: &Kernels,
    mode: Mode,
    a: &[T],
    b: &[T],
) -> DotValue {
    let plan = ChunkPlan::new(a, chunk_bytes().max(1));
    let mut total: Option<T::DotPartial> = None;
    for i in 0..plan.count() {
        let range = plan.range(i);
        let next = T::dot_partial(kernels, mode, &a[range.clone()], &b[range]);
        match &mut total {
            Some(total) => T::dot_merge(total, next),
            None => total = Some(next),
        }
    }
    T::dot_exact(a, b, total)
}

macro_rules! dottable_int {
    ($($t:ty => $out:ty, $kernel:ident, $variant:ident;)*) => {$(
        impl Dottable for $t {
            type DotOutput = $out;
        }

        impl DotReduce for $t {
            type DotPartial = $out;

            #[inline]
            fn dot_partial(kernels: &Kernels, _mode: Mode, a: &[$t], b: &[$t]) -> $out {
                // SAFETY: a `&Kernels` is only handed out by `Kernels::get`, after checking that
                // the running CPU supports its ISA.
                unsafe { (kernels.dot.$kernel)(a, b) }
            }

            #[inline]
            fn dot_merge(into: &mut $out, next: $out) {
                // Cannot overflow: |products| < 2^64 and a slice has fewer than 2^63 elements.
                *into += next;
            }

            fn exact_norm(a: &[$t]) -> f64 {
                (sum_sq(a) as f64).sqrt()
            }

            fn exact_sum_sq(a: &[$t]) -> Result<(BigInt, i64), f64> {
                Ok((BigInt::from(sum_sq(a)), 0))
            }

            fn dot_exact(_a: &[$t], _b: &[$t], total: Option<$out>) -> DotValue {
                DotValue::$variant(total.unwrap_or(0))
            }
        }
    )*};
}

dottable_int! {
    i8 => i128, i8, Signed;
    u8 => u128, u8, Unsigned;
    i16 => i128, i16, Signed;
    u16 => u128, u16, Unsigned;
    i32 => i128, i32, Signed;
    u32 => u128, u32, Unsigned;
}

impl From<DotValue> for i128 {
    fn from(value: DotValue) -> i128 {
        match value {
            DotValue::Signed(x) => x,
            // Not produced for a signed type.
            DotValue::Unsigned(x) => x as i128,
            DotValue::Float(x) => x as i128,
        }
    }
}

impl From<DotValue> for u128 {
    fn from(value: DotValue) -> u128 {
        match value {
            DotValue::Unsigned(x) => x,
            DotValue::Signed(x) => x as u128,
            DotValue::Float(x) => x as u128,
        }
    }
}

impl From<DotValue> for f64 {
    fn from(value: DotValue) -> f64 {
        match value {
            DotValue::Float(x) => x,
            DotValue::Signed(x) => x as f64,
            DotValue::Unsigned(x) => x as f64,
        }
    }
}

/// The partial dot product of a chunk of floats.
#[doc(hidden)]
#[derive(Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "one partial per chunk, kept on the stack: boxing would allocate per chunk"
)]
pub enum FloatDot {
    /// Plain FMA lanes; `nonempty` tells an empty dot product (+0.0) from one of −0.0.
    Fast { sum: f64, nonempty: bool },
    /// The exact dot product lies within `slack` of `sum` (twice `slack` bounds it, as for sums).
    Certified { sum: ExactSum, slack: f64 },
    /// A product was not finite: only the exact path can tell the result.
    Undecided,
}

/// Float element types: their kernels, and their pairs as `f64` for the exact path.
pub(crate) trait FloatDotKernels: Copy {
    fn fast(kernels: &Kernels, a: &[Self], b: &[Self]) -> f64;
    fn certified(
        kernels: &Kernels,
        acc: &mut ExactSum,
        slack: &mut f64,
        a: &[Self],
        b: &[Self],
    ) -> bool;
    fn widen(self) -> f64;
}

macro_rules! float_kernels {
    ($($t:ty: $fast:ident, $certified:ident;)*) => {$(
        impl FloatDotKernels for $t {
            fn fast(kernels: &Kernels, a: &[$t], b: &[$t]) -> f64 {
                // SAFETY: as in `dot_partial` above: the table's ISA is the running CPU's.
                unsafe { (kernels.dot.$fast)(a, b) }
            }
            fn certified(kernels: &Kernels, acc: &mut ExactSum, slack: &mut f64, a: &[$t], b: &[$t]) -> bool {
                // SAFETY: as above.
                unsafe { (kernels.dot.$certified)(acc, slack, a, b) }
            }
            fn widen(self) -> f64 {
                f64::from(self)
            }
        }
    )*};
}

float_kernels! {
    f64: f64_fast, f64_certified;
    f32: f32_fast, f32_certified;
}

/// The partial of one chunk of a float type with kernels of its own.
fn float_partial<T: FloatDotKernels>(kernels: &Kernels, mode: Mode, a: &[T], b: &[T]) -> FloatDot {
    if mode == Mode::Fast {
        return FloatDot::Fast {
            sum: T::fast(kernels, a, b),
            nonempty: !a.is_empty(),
        };
    }
    let (mut sum, mut slack) = (ExactSum::new(), 0.0);
    if T::certified(kernels, &mut sum, &mut slack, a, b) {
        FloatDot::Certified { sum, slack }
    } else {
        FloatDot::Undecided
    }
}

fn float_merge(into: &mut FloatDot, next: FloatDot) {
    match (&mut *into, next) {
        (
            FloatDot::Fast { sum, nonempty },
            FloatDot::Fast {
                sum: s,
                nonempty: n,
            },
        ) => {
            *sum += s;
            *nonempty |= n;
        }
        (FloatDot::Certified { sum, slack }, FloatDot::Certified { sum: s, slack: e }) => {
            sum.merge(&s);
            *slack += e;
        }
        // Partials of one dot product share its mode: only `Undecided` mixes in.
        _ => *into = FloatDot::Undecided,
    }
}

/// The result of a float dot product's merged partials, or `None` for the exact path.
fn float_finish(total: FloatDot, mode: Mode) -> Option<f64> {
    match total {
        FloatDot::Fast { sum, nonempty } => Some(if nonempty { sum } else { 0.0 }),
        FloatDot::Certified { sum, .. } if mode == Mode::Compensated => Some(sum.finish()),
        FloatDot::Certified { sum, slack } => sum.finish_within(2.0 * slack),
        FloatDot::Undecided => None,
    }
}

macro_rules! dottable_float {
    ($($t:ty => $partial:expr, $pairs:expr;)*) => {$(
        impl Dottable for $t {
            type DotOutput = f64;
        }

        impl DotReduce for $t {
            type DotPartial = FloatDot;

            #[inline]
            fn dot_partial(kernels: &Kernels, mode: Mode, a: &[$t], b: &[$t]) -> FloatDot {
                $partial(kernels, mode, a, b)
            }

            #[inline]
            fn dot_merge(into: &mut FloatDot, next: FloatDot) {
                float_merge(into, next)
            }

            fn exact_norm(a: &[$t]) -> f64 {
                scaled_norm($pairs(a, a))
            }

            fn exact_sum_sq(a: &[$t]) -> Result<(BigInt, i64), f64> {
                ExactProducts::of($pairs(a, a)).value().map(|units| (units, -2148))
            }

            fn dot_exact(a: &[$t], b: &[$t], total: Option<FloatDot>) -> DotValue {
                let mode = match &total {
                    Some(FloatDot::Fast { .. }) => Mode::Fast,
                    _ => Mode::Exact,
                };
                let decided = total.map_or(Some(0.0), |total| float_finish(total, mode));
                DotValue::Float(decided.unwrap_or_else(|| exact_float_dot($pairs(a, b))))
            }
        }
    )*};
}

/// The pairs of two float slices, widened to `f64` (exact).
fn widened<T: FloatDotKernels>(a: &[T], b: &[T]) -> impl Iterator<Item = (f64, f64)> {
    a.iter().zip(b).map(|(&x, &y)| (x.widen(), y.widen()))
}

dottable_float! {
    f64 => float_partial::<f64>, widened::<f64>;
    f32 => float_partial::<f32>, widened::<f32>;
}

#[cfg(feature = "half")]
mod half_types {
    //! `half::f16` and `half::bf16`: converted (exactly) to `f32` a block at a time, then taken
    //! by the `f32` kernels.
    use super::*;
    use half::slice::HalfFloatSliceExt;

    /// Pairs converted per step: 2 × 4 KiB of `f32` on the stack.
    const CONVERT_BLOCK: usize = 1024;

    fn converted_partial<T>(kernels: &Kernels, mode: Mode, a: &[T], b: &[T]) -> FloatDot
    where
        [T]: HalfFloatSliceExt,
    {
        let (mut x, mut y) = ([0f32; CONVERT_BLOCK], [0f32; CONVERT_BLOCK]);
        let mut total: Option<FloatDot> = None;
        for (a, b) in a.chunks(CONVERT_BLOCK).zip(b.chunks(CONVERT_BLOCK)) {
            let (x, y) = (&mut x[..a.len()], &mut y[..b.len()]);
            // Lengths match by construction, so these cannot panic.
            a.convert_to_f32_slice(x);
            b.convert_to_f32_slice(y);
            let next = float_partial::<f32>(kernels, mode, x, y);
            match &mut total {
                Some(total) => float_merge(total, next),
                None => total = Some(next),
            }
        }
        total.unwrap_or_else(|| float_partial::<f32>(kernels, mode, &[], &[]))
    }

    fn converted_pairs<T: Copy + Into<f64>>(a: &[T], b: &[T]) -> impl Iterator<Item = (f64, f64)> {
        a.iter().zip(b).map(|(&x, &y)| (x.into(), y.into()))
    }

    dottable_float! {
        half::f16 => converted_partial::<half::f16>, converted_pairs::<half::f16>;
        half::bf16 => converted_partial::<half::bf16>, converted_pairs::<half::bf16>;
    }
}

/// IEEE special results of a sequence of products, and the exact sum of the finite ones in units
/// of 2^-2148 (the product of two least subnormals).
#[derive(Default)]
pub(crate) struct ExactProducts {
    units: BigInt,
    nan: bool,
    pos_inf: bool,
    neg_inf: bool,
    /// A product other than −0.0 was seen (an exact zero result is −0.0 only without one).
    not_neg_zero: bool,
    nonempty: bool,
}

impl ExactProducts {
    pub(crate) fn of(pairs: impl Iterator<Item = (f64, f64)>) -> Self {
        let mut acc = ExactProducts::default();
        for (x, y) in pairs {
            acc.nonempty = true;
            let product = x * y;
            acc.not_neg_zero |= product.to_bits() != (-0f64).to_bits();
            if product.is_nan() {
                acc.nan = true;
            } else if x.is_infinite() || y.is_infinite() {
                acc.pos_inf |= product > 0.0;
                acc.neg_inf |= product < 0.0;
            } else {
                let ((mx, sx), (my, sy)) = (rational::decompose(x), rational::decompose(y));
                acc.units += BigInt::from(i128::from(mx) * i128::from(my)) << (sx + sy);
            }
        }
        acc
    }

    /// The special result (NaN, ±∞), if any.
    fn special(&self) -> Option<f64> {
        if self.nan || self.pos_inf && self.neg_inf {
            Some(f64::NAN)
        } else if self.pos_inf {
            Some(f64::INFINITY)
        } else if self.neg_inf {
            Some(f64::NEG_INFINITY)
        } else {
            None
        }
    }

    /// The finite sum in units of 2^-2148, or the special result.
    pub(crate) fn value(self) -> Result<BigInt, f64> {
        self.special().map_or(Ok(self.units), Err)
    }
}

/// The correctly rounded exact dot product of `pairs`, with big integers.
pub(crate) fn exact_float_dot(pairs: impl Iterator<Item = (f64, f64)>) -> f64 {
    let acc = ExactProducts::of(pairs);
    if let Some(special) = acc.special() {
        return special;
    }
    if acc.units.bits() == 0 {
        let only_neg_zeros = acc.nonempty && !acc.not_neg_zero;
        return if only_neg_zeros { -0.0 } else { 0.0 };
    }
    rational::round(&acc.units, &BigUint::from(1u8), -2148)
}

/// The norm of `pairs` (`(x, x)`), exactly and scaled: `√(round(S · 2^-2j)) · 2^j` with `2j`
/// chosen so that the rounded value lies in [1, 4).
fn scaled_norm(pairs: impl Iterator<Item = (f64, f64)>) -> f64 {
    let units = match ExactProducts::of(pairs).value() {
        Ok(units) => units,
        Err(special) => return special.abs(),
    };
    if units.bits() == 0 {
        return 0.0;
    }
    let half = (units.bits() as i64 - 1 - 2148).div_euclid(2);
    let scaled = rational::round(&units, &BigUint::from(1u8), -2148 - 2 * half);
    scaled.sqrt() * rational::pow2(half)
}
