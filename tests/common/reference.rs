//! The exact reference for floating-point sums, shared by the property tests and the soak test:
//! a wide fixed-point integer in units of 2^-1074, rounded to nearest-even at the end; and the
//! error bounds of the rounded modes.

use coresum::Mode;

/// 2304 bits: more than the 2098 bits of the largest finite value in units of 2^-1074, plus 200
/// bits of headroom for the count of terms.
const LIMBS: usize = 36;

/// An unsigned fixed-point magnitude, little-endian limbs.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Big([u64; LIMBS]);

impl Big {
    fn zero() -> Self {
        Big([0; LIMBS])
    }
    /// `self += m << shift`.
    fn add_shifted(&mut self, m: u64, shift: u32) {
        let wide = u128::from(m) << (shift % 64);
        let mut limb = (shift / 64) as usize;
        let mut carry = 0u128;
        for part in [wide as u64, (wide >> 64) as u64] {
            let v = u128::from(self.0[limb]) + u128::from(part) + carry;
            self.0[limb] = v as u64;
            carry = v >> 64;
            limb += 1;
        }
        while carry != 0 {
            let v = u128::from(self.0[limb]) + carry;
            self.0[limb] = v as u64;
            carry = v >> 64;
            limb += 1;
        }
    }
    /// `self - other`, for `self >= other`.
    fn minus(&self, other: &Big) -> Big {
        let mut out = Big::zero();
        let mut borrow = 0u64;
        for i in 0..LIMBS {
            let (d, b1) = self.0[i].overflowing_sub(other.0[i]);
            let (d, b2) = d.overflowing_sub(borrow);
            out.0[i] = d;
            borrow = u64::from(b1 || b2);
        }
        out
    }
    fn cmp_mag(&self, other: &Big) -> std::cmp::Ordering {
        self.0.iter().rev().cmp(other.0.iter().rev())
    }
    fn bit(&self, i: u64) -> bool {
        self.0[(i / 64) as usize] >> (i % 64) & 1 == 1
    }
    fn bit_len(&self) -> u64 {
        (0..LIMBS).rev().find(|&i| self.0[i] != 0).map_or(0, |i| {
            i as u64 * 64 + 64 - u64::from(self.0[i].leading_zeros())
        })
    }
    /// Bits `[lo, lo + n)` as an integer, `n <= 64`.
    fn bits(&self, lo: u64, n: u64) -> u64 {
        (0..n).fold(0, |acc, k| acc | (u64::from(self.bit(lo + k)) << k))
    }
}

/// 2^e as an `f64`, exactly, for -1074 <= e; infinity above 1023.
pub fn pow2(e: i64) -> f64 {
    if e > 1023 {
        f64::INFINITY
    } else if e >= -1022 {
        f64::from_bits(((e + 1023) as u64) << 52)
    } else {
        f64::from_bits(1 << (e + 1074))
    }
}

/// The correctly rounded (nearest, ties to even) sum of `terms`, with the IEEE rules.
pub fn reference(terms: impl IntoIterator<Item = f64>) -> f64 {
    let (mut pos, mut neg) = (Big::zero(), Big::zero());
    let (mut nan, mut pinf, mut ninf, mut any, mut only_neg_zero) =
        (false, false, false, false, true);
    for x in terms {
        any = true;
        only_neg_zero &= x.to_bits() == (-0f64).to_bits();
        if x.is_nan() {
            nan = true;
        } else if x.is_infinite() {
            if x > 0.0 { pinf = true } else { ninf = true }
        } else {
            let bits = x.to_bits();
            let exp = (bits >> 52) & 0x7ff;
            let frac = bits & ((1 << 52) - 1);
            let (m, shift) = if exp == 0 {
                (frac, 0)
            } else {
                (frac | 1 << 52, exp - 1)
            };
            let target = if x < 0.0 { &mut neg } else { &mut pos };
            target.add_shifted(m, shift as u32);
        }
    }
    if nan || (pinf && ninf) {
        return f64::NAN;
    }
    if pinf {
        return f64::INFINITY;
    }
    if ninf {
        return f64::NEG_INFINITY;
    }
    let (mag, negative) = match pos.cmp_mag(&neg) {
        std::cmp::Ordering::Equal => {
            return if any && only_neg_zero { -0.0 } else { 0.0 };
        }
        std::cmp::Ordering::Greater => (pos.minus(&neg), false),
        std::cmp::Ordering::Less => (neg.minus(&pos), true),
    };
    let b = mag.bit_len();
    let value = if b <= 53 {
        mag.bits(0, 53) as f64 * pow2(-1074)
    } else {
        let mut m = mag.bits(b - 53, 53);
        let guard = mag.bit(b - 54);
        let sticky = (0..b - 54).any(|i| mag.bit(i));
        let mut e = b as i64 - 53 - 1074;
        if guard && (sticky || m & 1 == 1) {
            m += 1;
            if m == 1 << 53 {
                m >>= 1;
                e += 1;
            }
        }
        // m < 2^53 and the result is normal (b > 53), so this product is exact or overflows.
        m as f64 * pow2(e)
    };
    if negative { -value } else { value }
}

/// Bits of a result, with every NaN made equal.
pub fn canon(x: f64) -> u64 {
    if x.is_nan() {
        f64::NAN.to_bits()
    } else {
        x.to_bits()
    }
}

// Guarantees of the rounded modes.

const U: f64 = 1.0 / 9_007_199_254_740_992.0; // 2^-53

fn gamma(k: usize) -> f64 {
    let ku = k as f64 * U;
    ku / (1.0 - ku)
}

/// Σ|x| in f64, rounded up generously; infinite when it may overflow.
pub fn abs_sum(terms: &[f64]) -> f64 {
    terms.iter().map(|x| x.abs()).sum::<f64>() * (1.0 + 4.0 * gamma(terms.len()))
}

/// How far `mode`'s sum of the finite `terms` may be from their `exact` sum (0 for `Exact`).
pub fn rounded_bound(mode: Mode, exact: f64, terms: &[f64]) -> f64 {
    let n = terms.len().max(1) - 1;
    match mode {
        Mode::Exact => 0.0,
        // 2^-53|S| + 2^-72 Σ|x| (2× slack for S itself being rounded).
        Mode::Compensated => 2.0 * U * exact.abs() + pow2(-71) * abs_sum(terms) + pow2(-1074),
        // Any recursive summation: γ(n-1) Σ|x|.
        _ => gamma(n) * abs_sum(terms) + pow2(-1074),
    }
}
