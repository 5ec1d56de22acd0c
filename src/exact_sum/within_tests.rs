//! `finish_within` against its definition: round `sum − error` and `sum + error` separately.
use super::*;

/// The original two-finish `finish_within`, kept as the oracle.
fn finish_within_reference(acc: &ExactSum, error: f64) -> Option<f64> {
    if error == 0.0 {
        return Some(acc.finish());
    }
    let (mut low, mut high) = (acc.clone(), acc.clone());
    low.add_finite(-error);
    high.add_finite(error);
    let rounded = low.finish();
    (rounded.to_bits() == high.finish().to_bits()).then_some(rounded)
}

/// SplitMix64: deterministic, dependency-free, cheap under Miri.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A positive finite value with any exponent, subnormals included.
    fn magnitude(&mut self) -> f64 {
        let bits = self.next() & !(1 << 63);
        let bits = if bits >> 52 == EXP_MASK {
            bits & FRAC_MASK
        } else {
            bits
        };
        f64::from_bits(bits)
    }

    /// A positive value near `r`'s rounding boundaries (ties, near-ties, binade edges), or any.
    fn base(&mut self) -> f64 {
        match self.below(6) {
            0 => f64::from_bits(self.below(2046) << 52), // a power of two (or zero)
            1 => [f64::MAX, f64::MIN_POSITIVE, f64::from_bits(1), 1.0][self.below(4) as usize],
            2 => f64::from_bits((1 + self.below(2046)) << 52 | FRAC_MASK), // just below a binade
            3 => f64::from_bits(self.below(1 << 20)),                      // subnormal
            _ => self.magnitude(),
        }
    }

    /// `x · 2^-k` for a random `k` in `0..=63`, exact or flushed towards the subnormals.
    fn scale_down(&mut self, x: f64) -> f64 {
        x * f64::from_bits((1023 - self.below(64)) << 52)
    }
}

/// The spacing of the f64s just above `r` (ulp of `f64::MAX` for `f64::MAX`).
fn ulp(r: f64) -> f64 {
    let r = r.abs().min(f64::from_bits(f64::MAX.to_bits() - 1));
    f64::from_bits(r.to_bits() + 1) - r
}

#[test]
fn one_propagation_matches_two_finishes() {
    let mut rng = Rng(0x5eed_f1f1);
    let cases = if cfg!(miri) { 300 } else { 200_000 };
    for case in 0..cases {
        let r = rng.base();
        let u = ulp(r);
        let mut terms = vec![r];
        // A multiple of half an ulp (ties), then a small nudge (near-ties).
        let halves = rng.below(5) as f64 - 2.0;
        terms.push(halves * u / 2.0);
        match rng.below(4) {
            0 => {}
            1 => terms.push(f64::from_bits(1) * if rng.below(2) == 0 { 1.0 } else { -1.0 }),
            2 => terms.push(-rng.scale_down(u)),
            _ => {
                // Cancelling terms of any size around the base.
                let big = rng.magnitude();
                terms.extend([big, rng.magnitude(), -big]);
            }
        }
        if rng.below(3) == 0 {
            terms.iter_mut().for_each(|t| *t = -*t);
        }
        let error = match rng.below(8) {
            0 => 0.0,
            1 => f64::from_bits(1 + rng.below(4)),
            2 => u / 2.0,
            3 => u / 2.0 - ulp(u / 2.0) * rng.below(3) as f64,
            4 => rng.scale_down(u),
            5 => (u * f64::from_bits((1023 + rng.below(64)) << 52)).min(f64::MAX),
            6 => [f64::MAX, r, 2.0 * r][rng.below(3) as usize].min(f64::MAX),
            _ => rng.magnitude(),
        };
        let mut acc = ExactSum::new();
        terms.iter().for_each(|&t| acc.add(t));
        match rng.below(40) {
            0 => acc.add(f64::NAN),
            1 => acc.add(f64::INFINITY),
            _ => {}
        }
        let (got, want) = (
            acc.finish_within(error),
            finish_within_reference(&acc, error),
        );
        assert_eq!(
            got.map(f64::to_bits),
            want.map(f64::to_bits),
            "case {case}: terms {terms:?}, error {error:e}: {got:?} vs {want:?}"
        );
    }
}

#[test]
fn zero_sums_are_undecided() {
    let mut only_neg_zeros = ExactSum::new();
    only_neg_zeros.add(-0.0);
    for acc in [ExactSum::new(), only_neg_zeros] {
        assert_eq!(acc.finish_within(f64::from_bits(1)), None);
        assert_eq!(
            acc.finish_within(0.0).map(f64::to_bits),
            Some(acc.finish().to_bits())
        );
    }
}
