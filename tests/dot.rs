//! `dot`, `sum_sq`, `norm2` against exact references (i128 sums; big-integer float products),
//! every ISA path, offsets and tails.

use coresum::{Isa, Mode, dot, norm2, sum_sq};

/// A deterministic generator (xorshift).
fn values(seed: u64, n: usize) -> Vec<u64> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        })
        .collect()
}

macro_rules! int_reference {
    ($($name:ident: $t:ty => $wide:ty;)*) => {$(
        #[test]
        fn $name() {
            let raw = values(7, 700);
            let mut a: Vec<$t> = raw.iter().map(|&x| x as $t).collect();
            let mut b: Vec<$t> = raw.iter().rev().map(|&x| (x >> 5) as $t).collect();
            // Extremes: MIN·MIN everywhere in a stretch (pmaddwd's wrapping pair).
            for i in 100..300 {
                a[i] = <$t>::MIN;
                b[i] = if i < 200 { <$t>::MIN } else { <$t>::MAX };
            }
            for isa in Isa::available() {
                for start in 0..8 {
                    for end in [start, start + 1, start + 63, 333, 700] {
                        let (x, y) = (&a[start..end], &b[start..end]);
                        let want: $wide = x.iter().zip(y).map(|(&p, &q)| p as $wide * q as $wide).sum();
                        assert_eq!(coresum::__dot_on(isa, Mode::Exact, x, y), Ok(want), "{isa} {start}..{end}");
                        assert_eq!(dot(x, y), Ok(want));
                    }
                }
            }
        }
    )*};
}

int_reference! {
    dot_i8: i8 => i128;
    dot_u8: u8 => u128;
    dot_i16: i16 => i128;
    dot_u16: u16 => u128;
    dot_i32: i32 => i128;
    dot_u32: u32 => u128;
}

#[test]
fn length_mismatch_is_an_error() {
    let err = dot(&[1i16, 2], &[1]).unwrap_err();
    assert_eq!((err.left, err.right), (2, 1));
    assert!(dot::<f64>(&[], &[1.0]).is_err());
    assert_eq!(dot::<u8>(&[], &[]), Ok(0));
    assert_eq!(dot::<f64>(&[], &[]).map(f64::to_bits), Ok(0));
}

#[test]
fn i32_min_and_big_sums_of_squares() {
    let a = vec![i32::MIN; 1000];
    assert_eq!(sum_sq(&a), 1000 * (1i128 << 62));
    assert_eq!(
        dot(&a, &vec![i32::MAX; 1000]),
        Ok(-1000 * (1i128 << 31) * i128::from(i32::MAX))
    );
    assert_eq!(sum_sq(&[u32::MAX; 3]), 3 * u128::from(u32::MAX).pow(2));
}

/// The exact dot product of inputs that are multiples of 2^-20 below 2^12 in magnitude: every
/// product is an integer number of 2^-40 below 2^64, summed exactly in an i128 and rounded once
/// (i128 → f64 rounds correctly; 2^-40 is exact).
fn reference(a: &[f64], b: &[f64]) -> f64 {
    let scale = 2f64.powi(20);
    let total: i128 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (x * scale) as i128 * (y * scale) as i128)
        .sum();
    total as f64 * 2f64.powi(-40)
}

#[test]
fn float_exact_matches_reference() {
    let raw = values(11, 2000);
    let grid = |x: u64| ((x >> 8) as i64 % (1 << 32)) as f64 * 2f64.powi(-20);
    let mut a: Vec<f64> = raw.iter().map(|&x| grid(x)).collect();
    let mut b: Vec<f64> = raw.iter().rev().map(|&x| grid(x.rotate_left(7))).collect();
    // Pairs of products that cancel but for a small remainder: the plain sum loses it.
    for i in (0..2000).step_by(2) {
        a[i + 1] = a[i];
        b[i + 1] = -b[i] + 2f64.powi(-20);
    }
    for isa in Isa::available() {
        for start in 0..5 {
            for end in [start, start + 3, 901, 2000] {
                let (x, y) = (&a[start..end], &b[start..end]);
                let want = reference(x, y);
                let got = coresum::__dot_on(isa, Mode::Exact, x, y).unwrap();
                assert_eq!(got.to_bits(), want.to_bits(), "{isa} {start}..{end}");
                let fast = coresum::__dot_on(isa, Mode::Fast, x, y).unwrap();
                assert!(
                    (fast - want).abs() <= 1e-3 * (1.0 + want.abs()),
                    "{isa} fast {fast} {want}"
                );
                let comp = coresum::__dot_on(isa, Mode::Compensated, x, y).unwrap();
                assert!(
                    (comp - want).abs() <= 1e-9 * (1.0 + want.abs()),
                    "{isa} comp"
                );
            }
        }
    }
}

#[test]
fn exact_path_small_cases() {
    // Overflowing products that cancel, ties, underflow.
    assert_eq!(dot(&[1e300, 1e300], &[1e300, -1e300]), Ok(0.0));
    assert_eq!(dot(&[1e300, 1e300, 1.0], &[1e300, -1e300, 3.0]), Ok(3.0));
    assert_eq!(dot(&[2f64.powi(53), 1.0], &[1.0, 1.0]), Ok(2f64.powi(53)));
    assert_eq!(
        dot(&[2f64.powi(53), 1.0, 2.0], &[1.0, 1.0, 1.0]),
        Ok(2f64.powi(53) + 4.0)
    );
    assert_eq!(dot(&[1e-200, 1.0], &[1e-200, 1e-300]), Ok(1e-300));
    assert_eq!(dot(&[1e308], &[10.0]), Ok(f64::INFINITY));
    assert!(dot(&[f64::INFINITY], &[0.0]).unwrap().is_nan());
    assert!(
        dot(&[f64::INFINITY, 1.0], &[1.0, f64::NEG_INFINITY])
            .unwrap()
            .is_nan()
    );
    assert!(dot(&[f64::NAN, 1.0], &[1.0, 2.0]).unwrap().is_nan());
    assert_eq!(dot(&[f64::INFINITY, 1.0], &[2.0, 5.0]), Ok(f64::INFINITY));
    let ones = vec![1.0f32; 1001];
    assert_eq!(dot(&ones, &ones), Ok(1001.0));
}

#[test]
fn norms_scale() {
    assert_eq!(norm2(&[1e300, 1e300]), 1e300 * 2f64.sqrt());
    assert_eq!(norm2(&[1e-300; 4]), 2e-300);
    assert_eq!(norm2(&[3.0, 4.0]), 5.0);
    assert_eq!(norm2::<f64>(&[]), 0.0);
    assert_eq!(norm2(&[3i8, -4]), 5.0);
    assert!(norm2(&[1.0, f64::NAN]).is_nan());
    assert_eq!(norm2(&[1.0, f64::NEG_INFINITY]), f64::INFINITY);
    assert_eq!(norm2(&[f64::MAX, f64::MAX]), f64::INFINITY);
    assert_eq!(norm2(&[5e-324]), 5e-324);
}
