//! Float dot products: the partial of a chunk in each [`Pass`], how partials merge, and the
//! error-free retry.
//!
//! - `Fast`: FMA lanes (`algo::dot::fast`).
//! - `Certified` / `Compensated`: TwoProduct terms through the certified sum
//!   (`algo::dot::certified`), an [`ExactSum`] within a slack of the exact dot product.
//! - `ErrorFree`, the retry: TwoProduct terms `p + e = a·b` through the error-free sum pass where
//!   that is exact (`|p| ≥ 2^-969`, or a zero factor), and the few other products (those that
//!   underflow or overflow, and NaN/∞ factors) exactly in big integers, [`ExactProducts`].
//!
//! Zero signs follow IEEE, a dot product of only `−0.0` products being `−0.0`: the certified
//! kernel adds its error sum only when nonzero, and the retry takes `e` as `−fma(−a, b, p)`, a
//! zero of the sign of `p` where the product is exact.

use super::{DotReduce, DotValue, Dottable};
use crate::arch::Kernels;
use crate::exact_sum::ExactSum;
use crate::rational;
use crate::reduce::Pass;
use crate::stats::Bounds;
use num_bigint::{BigInt, BigUint};

/// Below this magnitude a product's TwoProduct error may have been rounded.
const TINY_PRODUCT: f64 = 1.4916681462400413e-292; // 2^-969

/// Products per block of the error-free retry: `p` and `e` of 512 products on the stack.
const RETRY_BLOCK: usize = 512;

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
    /// A product was not finite: only the retry can tell the result.
    Undecided,
    /// The error-free retry: the exact dot product is `sum` plus `rest`.
    Exact { sum: ExactSum, rest: ExactProducts },
}

/// Float element types with kernels of their own.
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
                // SAFETY: a `&Kernels` is only handed out by `Kernels::get`, after checking that
                // the running CPU supports its ISA.
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
fn float_partial<T: FloatDotKernels>(kernels: &Kernels, pass: Pass, a: &[T], b: &[T]) -> FloatDot {
    match pass {
        Pass::Fast => FloatDot::Fast {
            sum: T::fast(kernels, a, b),
            nonempty: !a.is_empty(),
        },
        Pass::Certified | Pass::Compensated => {
            let (mut sum, mut slack) = (ExactSum::new(), 0.0);
            if T::certified(kernels, &mut sum, &mut slack, a, b) {
                FloatDot::Certified { sum, slack }
            } else {
                FloatDot::Undecided
            }
        }
        Pass::ErrorFree => error_free(a.iter().zip(b).map(|(&x, &y)| (x.widen(), y.widen()))),
    }
}

/// The exact dot product of `pairs` (module docs, `ErrorFree`).
fn error_free(pairs: impl Iterator<Item = (f64, f64)>) -> FloatDot {
    let (mut sum, mut rest) = (ExactSum::new(), ExactProducts::default());
    let mut terms = [0.0f64; 2 * RETRY_BLOCK];
    let mut len = 0;
    for (x, y) in pairs {
        let p = x * y;
        if p.is_finite() && (p.abs() >= TINY_PRODUCT || x == 0.0 || y == 0.0) {
            terms[len] = p;
            // TwoProduct's error, exact. A zero product is exact and passes its own signed zero
            // (not `-fma(−x, y, p)`: LLVM may lower that to AArch64's `fnmadd`, whose zero has
            // the other sign, and a dot of −0.0 products must stay −0.0).
            terms[len + 1] = if p == 0.0 { p } else { x.mul_add(y, -p) };
            len += 2;
            if len == terms.len() {
                sum.add_slice(&terms);
                len = 0;
            }
        } else {
            rest.add(x, y);
        }
    }
    sum.add_slice(&terms[..len]);
    FloatDot::Exact { sum, rest }
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
        (FloatDot::Exact { sum, rest }, FloatDot::Exact { sum: s, rest: r }) => {
            sum.merge(&s);
            rest.merge(r);
        }
        // Partials of one pass share its variant: only `Undecided` mixes in.
        _ => *into = FloatDot::Undecided,
    }
}

/// The exact total of an error-free partial in units of 2^-2148, or its IEEE special value
/// (NaN, ±∞, or the signed zero of a total of zeros).
fn exact_units(sum: &ExactSum, rest: &ExactProducts) -> Result<BigInt, f64> {
    if let Some(special) = sum.special().or(rest.special()) {
        return Err(special);
    }
    let units = (sum.units() << 1074u32) + &rest.units;
    if units.bits() == 0 && rest.only_neg_zeros_or_empty() {
        // Only the sum's terms are nonzero-free; it knows the IEEE sign of their zero total.
        return Err(sum.finish());
    }
    Ok(units)
}

fn float_finish(pass: Pass, total: FloatDot) -> Option<f64> {
    match total {
        FloatDot::Fast { sum, nonempty } => Some(if nonempty { sum } else { 0.0 }),
        FloatDot::Certified { sum, .. } if pass == Pass::Compensated => Some(sum.finish()),
        FloatDot::Certified { sum, slack } => sum.finish_within(2.0 * slack),
        FloatDot::Undecided => None,
        FloatDot::Exact { sum, rest } => Some(match exact_units(&sum, &rest) {
            Ok(units) => rational::round(&units, &BigUint::from(1u8), -2148),
            Err(special) => special,
        }),
    }
}

/// The square root of a total of squares (see [`DotReduce::norm_finish`]).
fn float_norm(total: FloatDot) -> Option<f64> {
    match total {
        FloatDot::Exact { sum, rest } => Some(match exact_units(&sum, &rest) {
            Ok(units) => scaled_sqrt(&units),
            Err(special) => special.abs(),
        }),
        // Rounding once to the square root of a normal, correctly rounded sum of squares.
        total => float_finish(Pass::Certified, total)
            .filter(|s| (f64::MIN_POSITIVE..=f64::MAX).contains(s))
            .map(f64::sqrt),
    }
}

/// `√(units · 2^-2148)`: `√(round(S · 2^-2j)) · 2^j`, `2j` chosen so that the rounded value
/// lies in [1, 4), so that nothing overflows or underflows.
fn scaled_sqrt(units: &BigInt) -> f64 {
    if units.bits() == 0 {
        return 0.0;
    }
    let half = (units.bits() as i64 - 1 - 2148).div_euclid(2);
    let scaled = rational::round(units, &BigUint::from(1u8), -2148 - 2 * half);
    scaled.sqrt() * rational::pow2(half)
}

fn float_bounds(total: &FloatDot) -> Option<Bounds> {
    match total {
        FloatDot::Certified { sum, slack } => Some(match sum.special() {
            Some(special) => Bounds::Special(special),
            None => Bounds::within(sum.units() << 1074u32, -2148, 2.0 * slack),
        }),
        FloatDot::Exact { sum, rest } => Some(match exact_units(sum, rest) {
            Ok(units) => Bounds::exact(units, -2148),
            Err(special) => Bounds::Special(special),
        }),
        FloatDot::Fast { .. } | FloatDot::Undecided => None,
    }
}

macro_rules! dottable_float {
    ($($t:ty => $partial:expr;)*) => {$(
        impl Dottable for $t {
            type DotOutput = f64;
        }

        impl DotReduce for $t {
            type DotPartial = FloatDot;

            #[inline]
            fn dot_partial(kernels: &Kernels, pass: Pass, a: &[$t], b: &[$t]) -> FloatDot {
                $partial(kernels, pass, a, b)
            }

            #[inline]
            fn dot_merge(into: &mut FloatDot, next: FloatDot) {
                float_merge(into, next)
            }

            fn dot_finish(pass: Pass, total: FloatDot) -> Option<DotValue> {
                float_finish(pass, total).map(DotValue::Float)
            }

            fn norm_finish(total: FloatDot) -> Option<f64> {
                float_norm(total)
            }

            fn dot_bounds(total: &FloatDot) -> Option<Bounds> {
                float_bounds(total)
            }
        }
    )*};
}

dottable_float! {
    f64 => float_partial::<f64>;
    f32 => float_partial::<f32>;
}

#[cfg(feature = "half")]
mod half_types {
    //! `half::f16` and `half::bf16`: converted (exactly) to `f32` a block at a time, then taken
    //! by the `f32` kernels.
    use super::*;
    use half::slice::HalfFloatSliceExt;

    /// Pairs converted per step: 2 × 4 KiB of `f32` on the stack.
    const CONVERT_BLOCK: usize = 1024;

    fn converted_partial<T>(kernels: &Kernels, pass: Pass, a: &[T], b: &[T]) -> FloatDot
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
            let next = float_partial::<f32>(kernels, pass, x, y);
            match &mut total {
                Some(total) => float_merge(total, next),
                None => total = Some(next),
            }
        }
        total.unwrap_or_else(|| float_partial::<f32>(kernels, pass, &[], &[]))
    }

    dottable_float! {
        half::f16 => converted_partial::<half::f16>;
        half::bf16 => converted_partial::<half::bf16>;
    }
}

/// IEEE special results of a sequence of products, and the exact sum of the finite ones in units
/// of 2^-2148 (the product of two least subnormals): the products the TwoProduct terms cannot
/// carry exactly.
#[doc(hidden)]
#[derive(Debug, Default)]
pub struct ExactProducts {
    units: BigInt,
    nan: bool,
    pos_inf: bool,
    neg_inf: bool,
    /// A product other than −0.0 was seen.
    not_neg_zero: bool,
}

impl ExactProducts {
    fn add(&mut self, x: f64, y: f64) {
        let product = x * y;
        self.not_neg_zero |= product.to_bits() != (-0f64).to_bits();
        if product.is_nan() {
            self.nan = true;
        } else if x.is_infinite() || y.is_infinite() {
            self.pos_inf |= product > 0.0;
            self.neg_inf |= product < 0.0;
        } else {
            let ((mx, sx), (my, sy)) = (rational::decompose(x), rational::decompose(y));
            self.units += BigInt::from(i128::from(mx) * i128::from(my)) << (sx + sy);
        }
    }

    fn merge(&mut self, next: ExactProducts) {
        self.units += next.units;
        self.nan |= next.nan;
        self.pos_inf |= next.pos_inf;
        self.neg_inf |= next.neg_inf;
        self.not_neg_zero |= next.not_neg_zero;
    }

    /// Whether no product other than −0.0 was added.
    fn only_neg_zeros_or_empty(&self) -> bool {
        !self.not_neg_zero
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
}
