//! Exact rationals rounded to `f64` (issue 11: `mean`, `variance`, `norm2` and the exact dot
//! path): big integers off the hot path, once per call.

use num_bigint::{BigInt, BigUint, Sign};

/// `num / den · 2^exp2`, rounded to the nearest `f64` (ties to even; ±∞ beyond the range).
/// `den` must not be zero.
pub(crate) fn round(num: &BigInt, den: &BigUint, exp2: i64) -> f64 {
    let negative = num.sign() == Sign::Minus;
    let magnitude = num.magnitude();
    if magnitude.bits() == 0 {
        return 0.0;
    }
    // At least 55 quotient bits: 53 kept, a rounding bit, and a sticky remainder.
    let shift = (55 + den.bits() as i64 - magnitude.bits() as i64).max(0);
    let scaled = magnitude << shift as u64;
    let (quotient, remainder) = (&scaled / den, &scaled % den);
    let exp = exp2 - shift;
    // The value is (quotient + fraction) · 2^exp, with quotient >= 2^54.
    let top = quotient.bits() as i64 - 1 + exp;
    if top >= 1024 {
        return if negative {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    let lsb = (top - 52).max(-1074);
    let drop = (lsb - exp) as u64;
    let kept = &quotient >> drop;
    let rest = &quotient - (&kept << drop);
    let half = BigUint::from(1u8) << (drop - 1);
    let odd = kept.bit(0);
    let up = rest > half || (rest == half && (odd || remainder.bits() != 0));
    let mantissa = u64::try_from(&kept).unwrap_or(u64::MAX) + u64::from(up);
    // `mantissa <= 2^53` and `lsb >= -1074`: the product is exact, or overflows to ∞.
    let value = mantissa as f64 * pow2(lsb);
    if negative { -value } else { value }
}

/// `2^e` for `-1074 <= e <= 1023`.
pub(crate) fn pow2(e: i64) -> f64 {
    if e >= -1022 {
        f64::from_bits(((e + 1023) as u64) << 52)
    } else {
        f64::from_bits(1 << (e + 1074))
    }
}

/// A finite `x` as `(mantissa, shift)` with `x = mantissa · 2^(shift − 1074)`, `shift >= 0`.
pub(crate) fn decompose(x: f64) -> (i64, u32) {
    let bits = x.to_bits();
    let biased = (bits >> 52) & 0x7ff;
    let frac = (bits & ((1 << 52) - 1)) as i64;
    let (mantissa, shift) = if biased == 0 {
        (frac, 0)
    } else {
        (frac | 1 << 52, biased as u32 - 1)
    };
    (if x < 0.0 { -mantissa } else { mantissa }, shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A finite `x` as a big integer of units of 2^-1074, exactly.
    fn units(x: f64) -> BigInt {
        let (mantissa, shift) = decompose(x);
        BigInt::from(mantissa) << shift
    }

    #[test]
    fn rounds_like_the_hardware() {
        let one = BigUint::from(1u8);
        for x in [
            1.0,
            0.1,
            -3.5e300,
            1e-310,
            f64::MIN_POSITIVE,
            f64::MAX,
            5e-324,
        ] {
            assert_eq!(round(&units(x), &one, -1074), x);
        }
        // 1/3, 2/3, 10/7 against the division, which rounds correctly.
        for (n, d) in [(1, 3u32), (2, 3), (10, 7), (-1, 10)] {
            let got = round(&BigInt::from(n), &BigUint::from(d), 0);
            assert_eq!(got, f64::from(n) / f64::from(d));
        }
        // Ties to even: 2^53 + 1 and 2^53 + 3.
        let tie = BigInt::from((1u64 << 53) + 1);
        assert_eq!(round(&tie, &one, 0), 9007199254740992.0);
        let tie = BigInt::from((1u64 << 53) + 3);
        assert_eq!(round(&tie, &one, 0), 9007199254740996.0);
        assert_eq!(round(&BigInt::from(1), &one, 1024), f64::INFINITY);
        assert_eq!(round(&BigInt::from(1), &one, -1076), 0.0);
        assert_eq!(round(&BigInt::from(3), &one, -1076), 5e-324);
    }
}
