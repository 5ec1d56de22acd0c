//! The reductions' kernels (issue 11) on small inputs, cheap enough for Miri (`.ci/lanes/miri.sh`,
//! the portable path there): the dot products' unaligned heads and tails for every `Dottable`
//! type, merged at cuts, and the float dot's special cases (the error-free retry on overflowing
//! and underflowing products, NaN, ∞ · 0, signed zeros); `mean` and `variance` on exact cases,
//! a rounding tie and the retry. The extremes' are in `extreme.rs`; the property tests against
//! big rationals in `tests/dot.rs`, `tests/stats.rs` and `tests/reductions_pool.rs`.

use crate::{__dot_at_cuts, __dot_on, Dottable, Isa, Mode, mean, std_dev, variance};
use std::fmt::Debug;

/// The dot product of `fill(i)` and `fill(i + 5)` (both slices at the same offset) over every
/// element offset within 16 bytes and every length through one group of four vectors and a
/// partial one (two groups outside Miri), on every path, whole and cut at 3 and 17, in `modes`,
/// against `expected`. Under Miri, three offsets, the lengths around the heads and around the
/// group's end, and no cuts.
fn sweep<T: Dottable>(
    fill: impl Fn(usize) -> T,
    modes: &[Mode],
    expected: impl Fn(&[T], &[T]) -> T::DotOutput,
) where
    T::DotOutput: Debug,
{
    let per_vector = 16 / size_of::<T>();
    let longest = if cfg!(miri) { 5 } else { 9 } * per_vector;
    let a: Vec<T> = (0..longest + 2 * per_vector).map(&fill).collect();
    let b: Vec<T> = (5..longest + 2 * per_vector + 5).map(&fill).collect();
    let (base_a, base_b) = (a.as_ptr().align_offset(16), b.as_ptr().align_offset(16));
    assert!(
        base_a < per_vector && base_b < per_vector,
        "no 16-byte boundary"
    );
    for isa in Isa::available() {
        // Under Miri, the aligned start, one element past it and the last offset.
        let offsets: Vec<usize> = if cfg!(miri) {
            let mut few = vec![0, 1, per_vector - 1];
            few.dedup();
            few
        } else {
            (0..per_vector).collect()
        };
        for offset in offsets {
            // Under Miri, the heads and the tails around one group: not every length between.
            let lengths = (0..=longest)
                .filter(|&len| !cfg!(miri) || len <= per_vector + 1 || len + 1 >= 4 * per_vector);
            for len in lengths {
                let x = &a[base_a + offset..][..len];
                let y = &b[base_b + offset..][..len];
                let want = expected(x, y);
                for &mode in modes {
                    let what = format!("{isa} {mode:?} offset {offset} len {len}");
                    assert_eq!(__dot_on(isa, mode, x, y), Ok(want), "{what}");
                    // The merges are safe code: not worth Miri's time.
                    if !cfg!(miri) {
                        let cut = __dot_at_cuts(isa, mode, x, y, &[3, 17]).unwrap();
                        assert_eq!(cut, Ok(want), "{what}, cut");
                    }
                }
            }
        }
    }
}

/// Values that take each type's extremes (`MIN · MIN`, the wrapping pair of `pmaddwd`) and
/// small ones.
macro_rules! int_sweeps {
    ($($t:ty => $wide:ty),*) => {$(
        sweep::<$t>(
            |i| match i % 4 { 0 => <$t>::MIN, 1 => <$t>::MAX, 2 => <$t>::MIN, _ => i as $t },
            &[Mode::Exact],
            |x, y| x.iter().zip(y).map(|(&p, &q)| p as $wide * q as $wide).sum(),
        );
    )*};
}

#[test]
fn integer_dot_heads_and_tails() {
    int_sweeps!(i8 => i128, u8 => u128, i16 => i128, u16 => u128, i32 => i128, u32 => u128);
}

/// Small integers: every product and partial sum is exact, so every mode gives the same dot.
fn small(i: usize) -> f64 {
    (i % 7) as f64 - 3.0
}

#[test]
fn float_dot_heads_and_tails() {
    let modes = [Mode::Exact, Mode::Compensated, Mode::Fast];
    let exact = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(p, q)| p * q).sum();
    sweep(small, &modes, exact);
    let widened = |x: &[f32], y: &[f32]| {
        let wide = |s: &[f32]| s.iter().map(|&v| f64::from(v)).collect::<Vec<_>>();
        exact(&wide(x), &wide(y))
    };
    sweep(|i| small(i) as f32, &modes, widened);
}

/// 2^e, exactly, for a normal result (Miri may add error to `powi`).
fn pow2(e: i32) -> f64 {
    f64::from_bits(((1023 + e) as u64) << 52)
}

#[test]
fn float_dot_special_cases() {
    let tiny = f64::from_bits(1);
    for isa in Isa::available() {
        let dot = |a: &[f64], b: &[f64]| __dot_on(isa, Mode::Exact, a, b).unwrap();
        let bits = |a: &[f64], b: &[f64]| dot(a, b).to_bits();
        // Overflowing products that cancel, and one that overflows: the error-free retry.
        assert_eq!(
            dot(&[1e300, 1e300, 3.0], &[1e300, -1e300, 0.5]),
            1.5,
            "{isa}"
        );
        assert_eq!(dot(&[1e300, 1.0], &[1e300, 1.0]), f64::INFINITY, "{isa}");
        // Products below the smallest subnormal, exact in the retry: 2^-1074 · 2^-1 · 2 = 2^-1074.
        assert_eq!(dot(&[tiny, tiny], &[0.5, 0.5]), tiny, "{isa}");
        // A tie: 1 + 2^-53 rounds to even (1); 1 + 2^-53 + 2^-1014 rounds up.
        let half_ulp = pow2(-53);
        assert_eq!(dot(&[1.0, half_ulp], &[1.0, 1.0]), 1.0, "{isa}");
        let above = dot(&[1.0, half_ulp, tiny], &[1.0, 1.0, pow2(60)]);
        assert_eq!(above, 1.0 + pow2(-52), "{isa}");
        assert!(dot(&[f64::INFINITY, 1.0], &[0.0, 1.0]).is_nan(), "{isa}");
        let opposite = dot(&[f64::INFINITY, 1.0], &[1.0, f64::NEG_INFINITY]);
        assert!(opposite.is_nan(), "{isa}");
        assert!(dot(&[1.0, f64::NAN], &[1.0, 0.0]).is_nan(), "{isa}");
        assert_eq!(bits(&[-0.0, 0.0], &[1.0, -2.0]), (-0f64).to_bits(), "{isa}");
        assert_eq!(bits(&[-0.0, 1.0], &[1.0, -1.0]), (-1f64).to_bits(), "{isa}");
        assert_eq!(bits(&[1.0, -1.0], &[1.0, 1.0]), 0, "{isa}");
        assert_eq!(bits(&[], &[]), 0, "{isa}");
    }
}

#[test]
fn mean_and_variance_small_cases() {
    let len = if cfg!(miri) { 40 } else { 400 };
    let ints: Vec<i32> = (0..len).map(|i| i32::MIN + (i % 4)).collect();
    let offset: Vec<f64> = (0..len).map(|i| 1e9 + f64::from(i % 4)).collect();
    let quarter: Vec<f32> = (0..len).map(|i| (i % 4) as f32 * 0.25).collect();
    // Σ(x − x̄)² / n of a repeating 0, 1, 2, 3 is 1.25 at any offset and scale².
    assert_eq!(mean(&ints), Some(f64::from(i32::MIN) + 1.5));
    assert_eq!(variance(&ints, 0), Some(1.25));
    assert_eq!(variance(&offset, 0), Some(1.25));
    assert_eq!(std_dev(&offset, 0), Some(1.25f64.sqrt()));
    assert_eq!(mean(&quarter), Some(0.375));
    assert_eq!(variance(&quarter, 0), Some(1.25 / 16.0));
    let n = f64::from(len);
    assert_eq!(variance(&offset, 1), Some(1.25 * n / (n - 1.0)));
    // A tie in the mean: (2 + 2^-52) / 2 = 1 + 2^-53, between 1 and 1 + 2^-52: even, 1.
    assert_eq!(mean(&[2.0, pow2(-52)]), Some(1.0));
    assert_eq!(mean(&[1e308, 1e308, -1e308, 1e308]), Some(5e307));
    assert_eq!(
        mean(&[-0.0f64, -0.0]).map(f64::to_bits),
        Some((-0f64).to_bits())
    );
    assert!(mean(&[f64::INFINITY, f64::NEG_INFINITY]).unwrap().is_nan());
    assert!(variance(&[1.0, f64::INFINITY], 0).unwrap().is_nan());
    // No overflow in between; a variance past the largest finite value rounds to +∞.
    assert_eq!(variance(&[1e200, 1e200], 0), Some(0.0));
    assert_eq!(variance(&[1e200, -1e200], 0), Some(f64::INFINITY));
    assert_eq!(variance(&[7u8], 1), None);
    assert_eq!(variance::<f64>(&[], 0), None);
    assert_eq!(mean::<u16>(&[]), None);
}
