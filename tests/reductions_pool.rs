//! dot, sum_sq, norm2, mean, variance, std_dev on every path (inline, pool with 1…3 threads,
//! async, rayon, every ISA), against exact big-rational references: the result must be the
//! correctly rounded value, bit for bit the same everywhere.

use coresum::{Isa, Mode, Pool};
use num_bigint::BigInt;
use proptest::prelude::*;
use std::sync::Arc;

/// `x · 2^1075` exactly (finite `x`).
fn units(x: f64) -> BigInt {
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as u32;
    let frac = bits & ((1 << 52) - 1);
    let (mantissa, shift) = if biased == 0 {
        (frac, 1)
    } else {
        (frac | 1 << 52, biased)
    };
    let magnitude = BigInt::from(mantissa) << shift;
    if x < 0.0 { -magnitude } else { magnitude }
}

/// Whether `r` is `num / den · 2^-2150` rounded to nearest (a midpoint may go either way):
/// it lies between the midpoints to its neighbours.
fn rounds_to(r: f64, num: &BigInt, den: &BigInt) -> bool {
    let step = |up: bool| {
        let bits = r.to_bits();
        match (r == 0.0, up == (r >= 0.0) || r == 0.0) {
            (true, _) => f64::from_bits(1) * if up { 1.0 } else { -1.0 },
            (false, true) => f64::from_bits(bits + 1),
            (false, false) => f64::from_bits(bits - 1),
        }
    };
    let (low, high) = (step(false), step(true));
    // Midpoints in units of 2^-1076; the quotient in units of 2^-2150 is num / den.
    let scale = |x: f64, y: f64| ((units(x) + units(y)) * den) << 1074u32;
    let num = num.clone();
    let low_ok = !low.is_finite() || scale(low, r) <= num;
    let high_ok = !high.is_finite() || num <= scale(r, high);
    r.is_finite() && low_ok && high_ok
}

/// The exact dot product, as `num / 1 · 2^-2150`.
fn exact_dot(a: &[f64], b: &[f64]) -> BigInt {
    a.iter().zip(b).map(|(&x, &y)| units(x) * units(y)).sum()
}

/// `(n·Σx² − (Σx)², n·(n − ddof))` in units of 2^-2150.
fn exact_variance(data: &[f64], ddof: usize) -> (BigInt, BigInt) {
    let n = BigInt::from(data.len());
    let s: BigInt = data.iter().map(|&x| units(x)).sum();
    let q: BigInt = data.iter().map(|&x| units(x) * units(x)).sum();
    (&n * q - &s * &s, n * BigInt::from(data.len() - ddof))
}

fn pools() -> Vec<Pool> {
    (1..=3)
        .map(|threads| {
            Pool::builder()
                .threads(threads)
                .pin(false)
                .inline_bytes(0)
                .build()
                .unwrap()
        })
        .collect()
}

/// Floats with exponents spread over `±spread` binades, signs mixed, some cancelling pairs.
fn floats(seed: u64, n: usize, spread: i32) -> Vec<f64> {
    let mut state = seed | 1;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mantissa = (state >> 11) as f64 / (1u64 << 53) as f64 + 0.5;
            let exp = (state % (2 * spread as u64 + 1)) as i32 - spread;
            let sign = if state & (1 << 10) == 0 { 1.0 } else { -1.0 };
            sign * mantissa * 2f64.powi(exp)
        })
        .collect()
}

#[test]
fn every_path_gives_the_correctly_rounded_bits() {
    // Several chunks (chunk_bytes is at most 1 MiB); cancellation by the mirrored half.
    let n = 300_000;
    let mut a = floats(3, n, 40);
    let b = floats(5, n, 40);
    for i in 0..n / 2 {
        a[n - 1 - i] = -a[i] * (1.0 + f64::EPSILON);
    }
    let mean_data: Vec<f64> = a.iter().map(|x| x + 1e6).collect();
    let dot = coresum::dot(&a, &b).unwrap();
    assert!(rounds_to(dot, &exact_dot(&a, &b), &BigInt::from(1)));
    // The check can fail: the neighbour is not the rounded value.
    let neighbour = f64::from_bits(dot.to_bits() + 1);
    assert!(!rounds_to(neighbour, &exact_dot(&a, &b), &BigInt::from(1)));
    let squares = coresum::sum_sq(&a);
    assert!(rounds_to(squares, &exact_dot(&a, &a), &BigInt::from(1)));
    let variance = coresum::variance(&mean_data, 1).unwrap();
    let (num, den) = exact_variance(&mean_data, 1);
    assert!(rounds_to(variance, &num, &den), "{variance}");
    let mean = coresum::mean(&mean_data).unwrap();
    let sum: BigInt = mean_data.iter().map(|&x| units(x)).sum();
    assert!(rounds_to(mean, &(sum << 1075u32), &BigInt::from(n)));
    let norm = coresum::norm2(&a);
    let std_dev = coresum::std_dev(&mean_data, 1).unwrap();

    let (a_owned, b_owned, m_owned) = (
        Arc::new(a.clone()),
        Arc::new(b.clone()),
        Arc::new(mean_data.clone()),
    );
    for pool in pools() {
        assert_eq!(pool.dot(&a, &b).unwrap().to_bits(), dot.to_bits());
        let task = pool.dot_async(a_owned.clone(), b_owned.clone());
        assert_eq!(task.wait().unwrap().unwrap().to_bits(), dot.to_bits());
        assert_eq!(pool.sum_sq(&a).to_bits(), squares.to_bits());
        assert_eq!(
            pool.sum_sq_async(a_owned.clone()).wait().unwrap().to_bits(),
            squares.to_bits()
        );
        assert_eq!(pool.norm2(&a).to_bits(), norm.to_bits());
        assert_eq!(pool.norm2_async(a_owned.clone()).wait(), Ok(norm));
        assert_eq!(pool.mean(&mean_data), Some(mean));
        assert_eq!(pool.mean_async(m_owned.clone()).wait(), Ok(Some(mean)));
        assert_eq!(pool.variance(&mean_data, 1), Some(variance));
        assert_eq!(
            pool.variance_async(m_owned.clone(), 1).wait(),
            Ok(Some(variance))
        );
        assert_eq!(pool.std_dev(&mean_data, 1), Some(std_dev));
        assert_eq!(
            pool.std_dev_async(m_owned.clone(), 1).wait(),
            Ok(Some(std_dev))
        );
        let fast = pool.dot_with(&a, &b, Mode::Fast).unwrap();
        assert_eq!(
            fast.to_bits(),
            coresum::dot_with(&a, &b, Mode::Fast).unwrap().to_bits()
        );
        let short = Arc::new(b[1..].to_vec());
        let mismatch = pool.dot_async(a_owned.clone(), short).wait().unwrap();
        assert_eq!(mismatch.unwrap_err().left, n);
    }
    let rayon = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    rayon.install(|| {
        assert_eq!(
            coresum::rayon::dot(&a, &b).unwrap().to_bits(),
            dot.to_bits()
        );
        assert_eq!(coresum::rayon::sum_sq(&a).to_bits(), squares.to_bits());
        assert_eq!(coresum::rayon::norm2(&a).to_bits(), norm.to_bits());
        assert_eq!(coresum::rayon::mean(&mean_data), Some(mean));
        assert_eq!(coresum::rayon::variance(&mean_data, 1), Some(variance));
        assert_eq!(coresum::rayon::std_dev(&mean_data, 1), Some(std_dev));
    });
}

#[test]
fn integer_reductions_on_the_pool() {
    let data: Vec<i16> = (0..400_000)
        .map(|i| ((i * 7919) % 65_536 - 32_768) as i16)
        .collect();
    let want: i128 = data.iter().map(|&x| i128::from(x) * i128::from(x)).sum();
    for pool in pools() {
        assert_eq!(pool.sum_sq(&data), want);
        assert_eq!(pool.dot(&data, &data), Ok(want));
        assert_eq!(pool.variance(&data, 0), coresum::variance(&data, 0));
        assert_eq!(pool.mean(&data), coresum::mean(&data));
    }
}

#[test]
fn zero_signs_ties_and_tiny_products() {
    let tiny = 2f64.powi(-540); // tiny² = 2^-1080: below the least subnormal
    for isa in Isa::available() {
        for mode in [Mode::Exact, Mode::Compensated] {
            let on = |a: &[f64], b: &[f64]| coresum::__dot_on(isa, mode, a, b).unwrap().to_bits();
            assert_eq!(on(&[-0.0, 0.0], &[1.0, -1.0]), (-0f64).to_bits(), "{isa}");
            assert_eq!(on(&[-0.0, 0.0], &[1.0, 1.0]), 0f64.to_bits(), "{isa}");
            assert_eq!(on(&[-0.0; 40], &[3.0; 40]), (-0f64).to_bits(), "{isa}");
            assert_eq!(on(&[], &[]), 0f64.to_bits(), "{isa}");
        }
        let on = |a: &[f64], b: &[f64]| coresum::__dot_on(isa, Mode::Exact, a, b).unwrap();
        // 1 + 2^-53 is a tie: to even, 1.0; 1 + 2^-53 + 2^-80 rounds up.
        assert_eq!(on(&[1.0, 2f64.powi(-53)], &[1.0, 1.0]), 1.0);
        let up = on(&[1.0, 2f64.powi(-53), 2f64.powi(-80)], &[1.0, 1.0, 1.0]);
        assert_eq!(up, 1.0 + f64::EPSILON);
        // 64 · 2^-1080 = 2^-1074; 32 of them are a tie between 0 and 2^-1074 (to even: 0);
        // 33 round up.
        assert_eq!(on(&[tiny; 64], &[tiny; 64]), f64::from_bits(1), "{isa}");
        assert_eq!(on(&[tiny; 32], &[tiny; 32]), 0.0, "{isa}");
        assert_eq!(on(&[tiny; 33], &[tiny; 33]), f64::from_bits(1), "{isa}");
        // Products that overflow, cancelling exactly or to a representable remainder.
        assert_eq!(on(&[1e200, 1e200], &[1e200, -1e200]), 0.0);
        assert_eq!(on(&[1e300, 1e300, 1.0], &[1e10, -1e10, 0.5]), 0.5);
        assert!(on(&[f64::INFINITY, 1.0], &[1.0, f64::NAN]).is_nan());
        assert_eq!(on(&[f64::INFINITY, -1e308], &[1.0, 1e308]), f64::INFINITY);
    }
    assert_eq!(coresum::norm2(&[tiny; 4]), 2.0 * tiny);
    assert_eq!(coresum::norm2(&[1e200; 4]), 2e200);
    assert_eq!(coresum::variance(&[1e200, -1e200], 0), Some(f64::INFINITY));
    assert_eq!(
        coresum::mean(&[-0.0, -0.0]).map(f64::to_bits),
        Some((-0f64).to_bits())
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn dot_and_variance_round_correctly(seed in any::<u64>(), n in 1usize..3000, spread in 0i32..500,
                                        isa_index in 0usize..8,
                                        cuts in proptest::collection::vec(0usize..3000, 0..6)) {
        let isas = Isa::available();
        let isa = isas[isa_index % isas.len()];
        let a = floats(seed, n, spread);
        let b = floats(seed.rotate_left(17), n, spread);
        let got = coresum::__dot_on(isa, Mode::Exact, &a, &b).unwrap();
        prop_assert!(rounds_to(got, &exact_dot(&a, &b), &BigInt::from(1)), "{isa} {got}");
        // Any chunking merges to the same bits.
        let cut = coresum::__dot_at_cuts(isa, Mode::Exact, &a, &b, &cuts).unwrap().unwrap();
        prop_assert_eq!(cut.to_bits(), got.to_bits());
        let shifted: Vec<f64> = a.iter().map(|x| x + 2f64.powi(spread / 2)).collect();
        if let Some(variance) = coresum::variance(&shifted, 0) {
            let (num, den) = exact_variance(&shifted, 0);
            prop_assert!(rounds_to(variance, &num, &den), "{variance}");
        }
    }
}
