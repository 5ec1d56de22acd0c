//! `mean`, `variance`, `std_dev` against exact rationals (i128 numerators).

use coresum::{mean, std_dev, variance};

#[test]
fn integer_mean_and_variance_are_exact_rationals() {
    let data: Vec<i32> = (0..1000)
        .map(|i| (i * 7919 % 2001) - 1000 + i32::MIN / 2)
        .collect();
    let n = data.len() as i128;
    let s1: i128 = data.iter().map(|&x| i128::from(x)).sum();
    let s2: i128 = data.iter().map(|&x| i128::from(x) * i128::from(x)).sum();
    // Exact num/den, checked by cross-multiplication against the neighbours of the result.
    let check = |got: f64, num: i128, den: i128| {
        let lo = got - got.abs() * 2f64.powi(-52);
        let hi = got + got.abs() * 2f64.powi(-52);
        assert!(
            (lo * den as f64) <= num as f64 && num as f64 <= hi * den as f64,
            "{got} {num}/{den}"
        );
    };
    check(mean(&data).unwrap(), s1, n);
    for ddof in [0, 1] {
        let got = variance(&data, ddof).unwrap();
        check(got, n * s2 - s1 * s1, n * (n - ddof as i128));
    }
    assert_eq!(mean(&[1u8, 2]), Some(1.5));
    assert_eq!(mean(&[u64::MAX, u64::MAX]), Some(u64::MAX as f64));
    assert_eq!(variance(&[3u8], 1), None);
    assert_eq!(variance(&[3u8], 0), Some(0.0));
    assert_eq!(mean::<i8>(&[]), None);
}

#[test]
fn float_cases() {
    assert_eq!(mean(&[1e308, 1e308, 1e308]), Some(1e308));
    assert_eq!(mean(&[0.1f64; 10]), Some(0.1));
    assert_eq!(
        mean(&[-0.0f64, -0.0]).map(f64::to_bits),
        Some((-0f64).to_bits())
    );
    assert!(mean(&[1.0, f64::NAN]).unwrap().is_nan());
    assert_eq!(mean(&[1.0, f64::INFINITY]), Some(f64::INFINITY));
    // Large mean, small spread: naive Σx² − (Σx)²/n loses everything here.
    let data: Vec<f64> = (0..1000).map(|i| 1e9 + f64::from(i % 4)).collect();
    assert_eq!(variance(&data, 0), Some(1.25));
    assert_eq!(std_dev(&[1e150, -1e150], 0), Some(1e150));
    assert!(variance(&[1.0, f64::INFINITY], 0).unwrap().is_nan());
    assert_eq!(variance(&[2.0f32, 4.0], 1), Some(2.0));
    assert_eq!(variance::<f64>(&[], 0), None);
}
