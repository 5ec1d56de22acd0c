//! What the sum targets share: the element type an input byte picks, an exact reference for float
//! sums, the promises of the rounded float modes, slices placed at a chosen offset from a 128-byte
//! boundary, and the small pool.
//!
//! The reference is a test oracle, written to be obviously right rather than fast: each finite term
//! is an integer multiple of 2^-1074 (the smallest subnormal), so the exact sum is an integer in
//! those units, held here in two's complement over enough 64-bit limbs that no input can overflow it.

use coresum::{Mode, Pool, Summable};
use half::{bf16, f16};
use std::sync::OnceLock;
use std::time::Duration;

/// A check to run on one element type: `int` for the integer types (with the widening of an
/// element and of a sum to `i128`), `float` for the float types (with the exact widening of an
/// element to `f64`).
pub trait Visit {
    fn int<T: Summable>(self, wide: fn(T) -> i128, out: fn(T::Output) -> i128);
    fn float<T: Summable<Output = f64>>(self, wide: fn(T) -> f64);
}

/// Runs `check` on the type that `code` picks (modulo 14): every `Summable` type.
pub fn visit(code: u8, check: impl Visit) {
    let out_u = |sum: u128| i128::try_from(sum).expect("a short slice's sum fits an i128");
    let out_i = |sum: i128| sum;
    match code % 14 {
        0 => check.int::<u8>(i128::from, out_u),
        1 => check.int::<i8>(i128::from, out_i),
        2 => check.int::<u16>(i128::from, out_u),
        3 => check.int::<i16>(i128::from, out_i),
        4 => check.int::<u32>(i128::from, out_u),
        5 => check.int::<i32>(i128::from, out_i),
        6 => check.int::<u64>(i128::from, out_u),
        7 => check.int::<i64>(i128::from, out_i),
        8 => check.int::<usize>(|x| x as i128, out_u),
        9 => check.int::<isize>(|x| x as i128, out_i),
        10 => check.float::<f16>(f16::to_f64),
        11 => check.float::<bf16>(bf16::to_f64),
        12 => check.float::<f32>(f64::from),
        _ => check.float::<f64>(|x| x),
    }
}

/// Two workers, unpinned (the fuzzer shares the machine), every non-empty sum sent to them.
pub fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        Pool::builder()
            .threads(2)
            .pin(false)
            .inline_bytes(0)
            .spin(Duration::from_micros(10))
            .build()
            .expect("a 2-thread unpinned pool")
    })
}

/// 2560 bits. The largest finite `f64` is below 2^2098 units of 2^-1074; the rest is headroom for
/// the number of terms (far below 2^400) and the sign.
const LIMBS: usize = 40;

/// The exact sum of some `f64` terms, with the IEEE flags that decide a special result.
#[derive(Clone, Debug)]
pub struct ExactRef {
    /// The sum of the finite terms in units of 2^-1074, two's complement, little-endian limbs.
    limbs: [u64; LIMBS],
    nan: bool,
    pos_inf: bool,
    neg_inf: bool,
    /// At least one term.
    any: bool,
    /// Every term (if any) was -0.0.
    only_neg_zero: bool,
}

impl Default for ExactRef {
    fn default() -> Self {
        ExactRef {
            limbs: [0; LIMBS],
            nan: false,
            pos_inf: false,
            neg_inf: false,
            any: false,
            only_neg_zero: true,
        }
    }
}

impl ExactRef {
    /// The reference of `terms`.
    pub fn of(terms: impl IntoIterator<Item = f64>) -> Self {
        let mut acc = ExactRef::default();
        terms.into_iter().for_each(|x| acc.add(x));
        acc
    }

    /// Adds one term.
    pub fn add(&mut self, x: f64) {
        self.any = true;
        self.only_neg_zero &= x.to_bits() == (-0.0f64).to_bits();
        if x.is_nan() {
            self.nan = true;
            return;
        }
        if x.is_infinite() {
            if x > 0.0 {
                self.pos_inf = true;
            } else {
                self.neg_inf = true;
            }
            return;
        }
        // |x| = m · 2^(shift - 1074): subnormals have exponent field 0 and no implicit bit.
        let bits = x.to_bits();
        let exp = ((bits >> 52) & 0x7ff) as u32;
        let frac = bits & ((1 << 52) - 1);
        let (m, shift) = if exp == 0 {
            (frac, 0)
        } else {
            (frac | (1 << 52), exp - 1)
        };
        // m < 2^53 and shift % 64 < 64: the shifted value fits in 117 bits, two limbs.
        let wide = u128::from(m) << (shift % 64);
        let parts = [wide as u64, (wide >> 64) as u64];
        let at = (shift / 64) as usize;
        if x.is_sign_negative() {
            self.sub_at(at, parts);
        } else {
            self.add_at(at, parts);
        }
    }

    /// `self += parts << (64 · at)`, modulo 2^(64 · LIMBS).
    fn add_at(&mut self, at: usize, parts: [u64; 2]) {
        let mut carry = false;
        for (i, limb) in self.limbs.iter_mut().enumerate().skip(at) {
            let p = parts.get(i - at).copied().unwrap_or(0);
            let (s, c1) = limb.overflowing_add(p);
            let (s, c2) = s.overflowing_add(u64::from(carry));
            *limb = s;
            carry = c1 || c2;
        }
    }

    /// `self -= parts << (64 · at)`, modulo 2^(64 · LIMBS).
    fn sub_at(&mut self, at: usize, parts: [u64; 2]) {
        let mut borrow = false;
        for (i, limb) in self.limbs.iter_mut().enumerate().skip(at) {
            let p = parts.get(i - at).copied().unwrap_or(0);
            let (d, b1) = limb.overflowing_sub(p);
            let (d, b2) = d.overflowing_sub(u64::from(borrow));
            *limb = d;
            borrow = b1 || b2;
        }
    }

    /// The reference of `k` copies of the terms so far (`k >= 1`).
    pub fn times(&self, k: u64) -> Self {
        assert!(k >= 1);
        let mut out = self.clone();
        // Two's complement multiplication by a positive number, modulo 2^(64 · LIMBS): exact,
        // since the true product fits.
        let mut carry = 0u128;
        for limb in &mut out.limbs {
            let v = u128::from(*limb) * u128::from(k) + carry;
            *limb = v as u64;
            carry = v >> 64;
        }
        out
    }

    /// The correctly rounded (to nearest, ties to even) sum, with the IEEE rules: any NaN gives
    /// NaN, and so do +inf with -inf; otherwise an infinity gives itself; a zero sum is -0.0 only
    /// when every term was -0.0 (and there was one), else +0.0.
    pub fn finish(&self) -> f64 {
        if self.nan || (self.pos_inf && self.neg_inf) {
            return f64::NAN;
        }
        if self.pos_inf {
            return f64::INFINITY;
        }
        if self.neg_inf {
            return f64::NEG_INFINITY;
        }
        let negative = self.limbs[LIMBS - 1] >> 63 == 1;
        let mut mag = self.limbs;
        if negative {
            // Two's complement negation: invert, add one.
            let mut carry = true;
            for limb in &mut mag {
                let (s, c) = (!*limb).overflowing_add(u64::from(carry));
                *limb = s;
                carry = c;
            }
        }
        let Some(top_limb) = (0..LIMBS).rev().find(|&i| mag[i] != 0) else {
            return if self.any && self.only_neg_zero {
                -0.0
            } else {
                0.0
            };
        };
        let bit_len = 64 * top_limb + 64 - mag[top_limb].leading_zeros() as usize;
        let bit = |i: usize| (mag[i / 64] >> (i % 64)) & 1;
        // The magnitude is `top · 2^low` plus a remainder below 2^low: `top` holds its 64 leading
        // bits, the lowest of which also records whether anything nonzero was cut off (a sticky
        // bit: it lies 11 places below where `as f64` rounds a 64-bit integer, so it decides ties
        // and nothing else).
        let (top, low) = if bit_len <= 64 {
            (mag[0], 0)
        } else {
            let low = bit_len - 64;
            let top = (0..64).fold(0u64, |acc, k| acc | (bit(low + k) << k));
            let sticky = (0..low).any(|i| bit(i) == 1);
            (top | u64::from(sticky), low)
        };
        // `top as f64` is the only rounding, at the right place: below 2^53 it is exact; at or
        // above, the value is at least 2^-1021 (normal), so it has the full 53 bits. Scaling by a
        // power of two is then exact, or overflows to infinity exactly when the rounded value does.
        let value = top as f64 * pow2(low as i64 - 1074);
        if negative { -value } else { value }
    }
}

/// 2^e as an `f64`: exact for -1074 <= e <= 1023, infinity above.
fn pow2(e: i64) -> f64 {
    assert!(e >= -1074);
    if e > 1023 {
        f64::INFINITY
    } else if e >= -1022 {
        f64::from_bits(((e + 1023) as u64) << 52)
    } else {
        f64::from_bits(1 << (e + 1074))
    }
}

/// Bits of a float result with every NaN made the same.
pub fn canon(x: f64) -> u64 {
    if x.is_nan() {
        f64::NAN.to_bits()
    } else {
        x.to_bits()
    }
}

/// 2^-53, the unit roundoff.
const U: f64 = 1.0 / 9_007_199_254_740_992.0;

/// γ(k) = k·u / (1 − k·u).
fn gamma(k: usize) -> f64 {
    let ku = k as f64 * U;
    ku / (1.0 - ku)
}

/// The promises of the rounded modes (src/float/mod.rs) for a sum `got` of `terms` whose exact
/// sum is `exact`: IEEE rules on NaN and infinities, with the documented exception that an
/// intermediate overflow may give an infinity (so inf - inf); -0.0 and the empty sum as in Exact;
/// and the error bounds when nothing overflows.
pub fn check_rounded(mode: Mode, got: f64, exact: f64, terms: &[f64]) {
    let n = terms.len();
    let abs = terms
        .iter()
        .filter(|x| x.is_finite())
        .map(|x| x.abs())
        .sum::<f64>()
        * (1.0 + 4.0 * gamma(n));
    // Far from overflow: no partial sum of the finite terms, in any order, can reach f64::MAX.
    let no_overflow = abs <= f64::MAX / 2.0;
    let what = format!("{mode:?}: got {got:e}, exact {exact:e}, terms {terms:?}");
    if exact.is_nan() {
        assert!(got.is_nan(), "{what}");
    } else if no_overflow {
        assert!(!got.is_nan(), "{what}");
        if exact.is_infinite() {
            assert_eq!(got, exact, "{what}");
        } else {
            let m = n.max(1) - 1;
            let bound = match mode {
                // Ogita–Rump–Oishi Sum2 (2× slack for the rounding of the result itself).
                Mode::Compensated => 2.0 * U * exact.abs() + gamma(m) * gamma(m) * abs,
                // Any recursive summation.
                _ => gamma(m) * abs,
            } + f64::from_bits(1);
            assert!((got - exact).abs() <= bound, "{what}: bound {bound:e}");
        }
    }
    if terms.iter().all(|x| x.to_bits() == (-0.0f64).to_bits()) {
        assert_eq!(got.to_bits(), exact.to_bits(), "{what}: signed zero");
    }
}

/// 128-byte aligned storage.
#[repr(C, align(128))]
#[derive(Clone, Copy)]
struct Line([u8; 128]);

/// Raw bytes viewed as elements of `T`, placed `offset` elements past a 128-byte boundary.
pub struct Placed<T> {
    storage: Vec<Line>,
    offset: usize,
    len: usize,
    _t: std::marker::PhantomData<T>,
}

impl<T: Summable> Placed<T> {
    /// The whole elements of `bytes` (native byte order), repeated `copies` times, at `offset`
    /// elements past a 128-byte boundary. Trailing bytes that make no whole element are dropped.
    pub fn new(bytes: &[u8], offset: usize, copies: usize) -> Self {
        let size = size_of::<T>();
        let one = bytes.len() / size * size;
        let len = bytes.len() / size * copies;
        let start = offset * size;
        let mut storage = vec![Line([0; 128]); (start + len * size).div_ceil(128)];
        // SAFETY: `Line` is a `repr(C)` byte array without padding, so the storage is
        // `128 · storage.len()` initialised bytes, borrowed mutably (and only here) for this view.
        let raw: &mut [u8] = unsafe {
            std::slice::from_raw_parts_mut(storage.as_mut_ptr().cast::<u8>(), 128 * storage.len())
        };
        let region = &mut raw[start..start + len * size];
        if !region.is_empty() {
            region[..one].copy_from_slice(&bytes[..one]);
            // The copies by doubling: whole copies each time, since `filled` is a multiple of `one`.
            let mut filled = one;
            while filled < region.len() {
                let n = filled.min(region.len() - filled);
                region.copy_within(..n, filled);
                filled += n;
            }
        }
        Placed {
            storage,
            offset,
            len,
            _t: std::marker::PhantomData,
        }
    }

    /// The placed elements.
    pub fn slice(&self) -> &[T] {
        // SAFETY: the storage holds `offset + len` elements of `T` and is 128-byte aligned, which
        // is at least `T`'s alignment (every `Summable` is a primitive integer or float of at most
        // 8 bytes), so `offset` elements in is aligned. Every `Summable` (sealed: integers,
        // floats, `half` floats) is valid for every bit pattern, and all the bytes are initialised.
        // The slice borrows `self`, so the storage outlives it.
        unsafe {
            std::slice::from_raw_parts(self.storage.as_ptr().cast::<T>().add(self.offset), self.len)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_basics() {
        assert_eq!(ExactRef::of([]).finish().to_bits(), 0.0f64.to_bits());
        assert_eq!(ExactRef::of([-0.0]).finish().to_bits(), (-0.0f64).to_bits());
        assert_eq!(
            ExactRef::of([-0.0, 0.0]).finish().to_bits(),
            0.0f64.to_bits()
        );
        assert_eq!(ExactRef::of([1e308, 1e308, -1e308, 1e-300]).finish(), 1e308);
        assert_eq!(ExactRef::of([f64::MAX, f64::MAX]).finish(), f64::INFINITY);
        assert_eq!(
            ExactRef::of([-f64::MAX, -f64::MAX]).finish(),
            f64::NEG_INFINITY
        );
        assert!(
            ExactRef::of([f64::INFINITY, f64::NEG_INFINITY])
                .finish()
                .is_nan()
        );
        assert_eq!(ExactRef::of([1.0, 1e-300, -1.0]).finish(), 1e-300);
        let tiny = f64::from_bits(1);
        assert_eq!(ExactRef::of([tiny, tiny, -tiny]).finish(), tiny);
        assert_eq!(ExactRef::of([1.0, 2f64.powi(-53)]).finish(), 1.0);
        assert_eq!(
            ExactRef::of([1.0, 2f64.powi(-53), tiny]).finish(),
            1.0 + f64::EPSILON
        );
        assert_eq!(ExactRef::of([0.1, 0.2]).times(3).finish(), 0.9);
        assert_eq!(ExactRef::of([-1.5]).times(4).finish(), -6.0);
    }
}
