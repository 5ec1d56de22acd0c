//! Exact references for the reductions (issue 11), shared by the soak test and the `reductions`
//! fuzz target: float dot products, means and variances as exact binary fractions, summed in
//! one `i128` per exponent (fast enough for the soak's long slices), then divided and rounded
//! once to nearest-even in big integers; NaN, infinities and signed zeros by IEEE's rules.
//! Needs `super::reference` (`reference.rs`) beside it.

use super::reference::pow2;
use num_bigint::{BigInt, BigUint, Sign};

/// The lowest exponent of a product of two `f64`s: every total is in units of 2^LOWEST.
const LOWEST: i64 = -2148;
/// Bins from 2^LOWEST to 2^1942, the highest exponent of a product's last mantissa bit.
const BINS: usize = (1942 - LOWEST + 1) as usize;

/// `Σ m · 2^e`, exact: one `i128` per exponent, which no bin overflows for fewer than 2^20
/// terms of at most 106 bits; `low..high` spans the bins used.
pub struct Fixed {
    bins: Vec<i128>,
    low: usize,
    high: usize,
}

impl Default for Fixed {
    fn default() -> Self {
        Fixed {
            bins: vec![0; BINS],
            low: BINS,
            high: 0,
        }
    }
}

impl Fixed {
    /// Adds `m · 2^e`.
    pub fn add(&mut self, m: i128, e: i64) {
        let bin = (e - LOWEST) as usize;
        self.bins[bin] += m;
        (self.low, self.high) = (self.low.min(bin), self.high.max(bin + 1));
    }

    /// The total, in units of 2^LOWEST.
    pub fn total(&self) -> BigInt {
        let bins = self.bins.get(self.low..self.high).unwrap_or(&[]);
        let terms = (self.low..).zip(bins).filter(|&(_, &m)| m != 0);
        terms.map(|(i, &m)| BigInt::from(m) << i).sum()
    }
}

/// A finite `x` as `(m, e)` with `x = m · 2^e`, `|m| < 2^53`.
pub fn split(x: f64) -> (i128, i64) {
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i64;
    let frac = i128::from(bits & ((1 << 52) - 1));
    let (m, e) = if biased == 0 {
        (frac, -1074)
    } else {
        (frac | 1 << 52, biased - 1075)
    };
    (if x < 0.0 { -m } else { m }, e)
}

/// `num / den · 2^exp2`, rounded to nearest, ties to even; ±∞ past the largest finite value,
/// ±0 (the sign of `num`) below half the smallest subnormal.
pub fn round(num: &BigInt, den: &BigUint, exp2: i64) -> f64 {
    let mag = num.magnitude();
    if mag.bits() == 0 {
        return 0.0;
    }
    // At least 55 bits of quotient: the 53 kept, a rounding bit and one more; the rest sticky.
    let k = (den.bits() as i64 - mag.bits() as i64 + 55).max(0) as u64;
    let scaled = mag << k;
    let (q, sticky) = (&scaled / den, &scaled % den != BigUint::ZERO);
    let e = exp2 - k as i64;
    let top = q.bits() as i64 - 1 + e;
    let lsb = (top - 52).max(-1074);
    let shift = (lsb - e) as u64; // >= 2: q has 55 bits or more
    let mut m = &q >> shift;
    let rest = &q - (&m << shift);
    let half = BigUint::from(1u8) << (shift - 1);
    if rest > half || (rest == half && (sticky || m.bit(0))) {
        m += 1u8;
    }
    let m = m.iter_u64_digits().next().unwrap_or(0);
    // m <= 2^53 and lsb >= -1074: exact, or an overflow to infinity.
    let value = m as f64 * pow2(lsb);
    if num.sign() == Sign::Minus {
        -value
    } else {
        value
    }
}

/// NaN and the infinities met in a sum of terms: what IEEE makes of the total, if they decide it.
#[derive(Default)]
struct Specials {
    nan: bool,
    up: bool,
    down: bool,
}

impl Specials {
    /// Notes a non-finite term.
    fn note(&mut self, x: f64) {
        if x.is_nan() {
            self.nan = true;
        } else if x > 0.0 {
            self.up = true;
        } else {
            self.down = true;
        }
    }

    fn decided(&self) -> Option<f64> {
        match (self.nan || (self.up && self.down), self.up, self.down) {
            (true, _, _) => Some(f64::NAN),
            (_, true, _) => Some(f64::INFINITY),
            (_, _, true) => Some(f64::NEG_INFINITY),
            _ => None,
        }
    }
}

/// The correctly rounded dot product of `a` and `b` (equal lengths), with the IEEE rules for
/// NaN, ∞ · 0 and ∞ − ∞; an exact zero is −0 only when every product is a zero of negative sign.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let (mut specials, mut fixed, mut negative_zeros) = (Specials::default(), Fixed::default(), 0);
    for (&x, &y) in a.iter().zip(b) {
        if x.is_finite() && y.is_finite() {
            let ((m, e), (n, f)) = (split(x), split(y));
            fixed.add(m * n, e + f);
            let zero = x == 0.0 || y == 0.0;
            negative_zeros += usize::from(zero && x.is_sign_negative() != y.is_sign_negative());
        } else {
            specials.note(x * y);
        }
    }
    if let Some(x) = specials.decided() {
        return x;
    }
    let total = fixed.total();
    if total.bits() == 0 {
        let all_negative = negative_zeros == a.len() && !a.is_empty();
        return if all_negative { -0.0 } else { 0.0 };
    }
    round(&total, &BigUint::from(1u8), LOWEST)
}

/// The correctly rounded mean of `terms` (`None` when empty), NaN and infinities as in their sum.
pub fn mean(terms: &[f64]) -> Option<f64> {
    let n = terms.len();
    if n == 0 {
        return None;
    }
    let (mut specials, mut fixed) = (Specials::default(), Fixed::default());
    for &x in terms {
        if x.is_finite() {
            let (m, e) = split(x);
            fixed.add(m, e);
        } else {
            specials.note(x);
        }
    }
    let total = fixed.total();
    Some(match specials.decided() {
        Some(x) => x,
        None if total.bits() == 0 => {
            let all_negative = terms.iter().all(|x| x.is_sign_negative());
            if all_negative { -0.0 } else { 0.0 }
        }
        None => round(&total, &BigUint::from(n), LOWEST),
    })
}

/// The correctly rounded variance `Σ(x − mean)² / (n − ddof)` of `terms`; `None` when
/// `n <= ddof`, NaN when a term is not finite.
pub fn variance(terms: &[f64], ddof: usize) -> Option<f64> {
    if terms.len() <= ddof {
        return None;
    }
    if terms.iter().any(|x| !x.is_finite()) {
        return Some(f64::NAN);
    }
    let (mut sum, mut squares) = (Fixed::default(), Fixed::default());
    for &x in terms {
        let (m, e) = split(x);
        sum.add(m, e);
        squares.add(m * m, 2 * e);
    }
    Some(moments(terms.len(), ddof, sum.total(), squares.total()))
}

/// The correctly rounded mean of integers (`None` when empty).
pub fn int_mean(values: &[i128]) -> Option<f64> {
    // No overflow: the values are below 2^64, and fewer than 2^63.
    let total = BigInt::from(values.iter().sum::<i128>());
    (!values.is_empty()).then(|| round(&total, &BigUint::from(values.len()), 0))
}

/// The correctly rounded variance of integers below 2^63 in magnitude; `None` when `n <= ddof`.
pub fn int_variance(values: &[i128], ddof: usize) -> Option<f64> {
    if values.len() <= ddof {
        return None;
    }
    let (mut sum, mut squares) = (Fixed::default(), Fixed::default());
    for &x in values {
        sum.add(x, 0);
        squares.add(x * x, 0);
    }
    Some(moments(values.len(), ddof, sum.total(), squares.total()))
}

/// `(n·Q − S²) / (n·(n − ddof))` rounded, for the exact sums `S` and `Q` in units of 2^LOWEST.
fn moments(n: usize, ddof: usize, sum: BigInt, squares: BigInt) -> f64 {
    // n·Q in units of 2^(2·LOWEST), as S² is.
    let num = ((BigInt::from(n) * squares) << (-LOWEST) as u64) - &sum * &sum;
    round(&num, &BigUint::from(n * (n - ddof)), 2 * LOWEST)
}

/// The Euclidean norm of `terms`, and whether it is exactly what `norm2` must return: `√` of
/// the correctly rounded `Σx²` where that is a normal number, zero or decided by a NaN or an
/// infinity (`true`); else `√(Σx²)` with `Σx²` rounded at a scale that puts it in range, within
/// an ulp of the promise (`false`).
pub fn norm2(terms: &[f64]) -> (f64, bool) {
    let squares = dot(terms, terms);
    let decided = squares.is_nan() || terms.iter().any(|x| x.is_infinite());
    let all_zero = terms.iter().all(|&x| x == 0.0);
    if decided || all_zero || (squares.is_finite() && squares >= f64::MIN_POSITIVE) {
        (squares.sqrt(), true)
    } else {
        (scaled_norm(terms), false)
    }
}

/// `√(Σx²)` with `Σx²` rounded once at a scale `4^-k` that puts it in `[1, 4)`, times `2^k`.
fn scaled_norm(terms: &[f64]) -> f64 {
    let mut fixed = Fixed::default();
    for &x in terms {
        let (m, e) = split(x);
        fixed.add(m * m, 2 * e);
    }
    let total = fixed.total();
    let top = total.bits() as i64 - 1 + LOWEST;
    let k = top.div_euclid(2);
    round(&total, &BigUint::from(1u8), LOWEST - 2 * k).sqrt() * pow2(k)
}
