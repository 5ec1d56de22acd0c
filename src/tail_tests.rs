//! The kernels' unaligned heads and tails: every element offset within 16 bytes and every length
//! through two groups of four 16-byte vectors and a partial one, for every type (and float mode),
//! on every available path. Miri (`.ci/lanes/miri.sh`) runs it over the portable path and checks
//! every read stays in bounds, through one group and a partial vector and without the 16-bit
//! floats (minutes otherwise); the kernels' own sweeps are shorter still under Miri.

use crate::{Isa, Mode, Summable, sum_on_with};
use std::fmt::Debug;

/// Sums `fill`'s values over every offset and every length on every path, against `expected`.
fn sweep<T: Summable + Copy>(
    fill: impl Fn(usize) -> T,
    modes: &[Mode],
    expected: impl Fn(&[T]) -> T::Output,
) where
    T::Output: PartialEq + Debug,
{
    let per_vector = 16 / size_of::<T>();
    // Under Miri, where each sum costs milliseconds, one group and a partial vector: every head
    // and tail still, without the second trip round the loop.
    let longest = if cfg!(miri) { 5 } else { 9 } * per_vector;
    let storage: Vec<T> = (0..longest + 2 * per_vector).map(fill).collect();
    // Offsets count from a 16-byte boundary.
    let base = storage.as_ptr().align_offset(16);
    assert!(base < per_vector, "no 16-byte boundary in the buffer");
    for isa in Isa::available() {
        for offset in 0..per_vector {
            for len in 0..=longest {
                let slice = &storage[base + offset..][..len];
                for &mode in modes {
                    let got = sum_on_with(isa, slice, mode).unwrap();
                    assert_eq!(
                        got,
                        expected(slice),
                        "{isa} {mode:?} offset {offset} len {len}"
                    );
                }
            }
        }
    }
}

macro_rules! ints {
    ($($t:ty => $wide:ty),*) => {$(
        sweep::<$t>(
            |i| match i % 3 { 0 => <$t>::MAX, 1 => <$t>::MIN, _ => i as $t },
            &[Mode::Exact],
            |s| s.iter().map(|&x| x as $wide).sum(),
        );
    )*};
}

// Two tests, so that the test harness (and Miri) runs them in parallel.
#[test]
fn unsigned_heads_and_tails() {
    ints!(u8 => u128, u16 => u128, u32 => u128, u64 => u128, usize => u128);
}

#[test]
fn signed_heads_and_tails() {
    ints!(i8 => i128, i16 => i128, i32 => i128, i64 => i128, isize => i128);
}

/// Small integers: every mode's sum is exact, so one expectation serves all three.
fn small(i: usize) -> f64 {
    (i % 7) as f64 - 3.0
}

#[test]
fn float_heads_and_tails() {
    let modes = [Mode::Exact, Mode::Compensated, Mode::Fast];
    sweep(small, &modes, |s| s.iter().sum());
    sweep(
        |i| small(i) as f32,
        &modes,
        |s| s.iter().map(|&x| f64::from(x)).sum(),
    );
    // The 16-bit types (eight per vector, widened through f32) would take Miri many minutes.
    #[cfg(all(feature = "half", not(miri)))]
    {
        sweep(
            |i| half::f16::from_f64(small(i)),
            &modes,
            |s| s.iter().map(|x| x.to_f64()).sum(),
        );
        sweep(
            |i| half::bf16::from_f64(small(i)),
            &modes,
            |s| s.iter().map(|x| x.to_f64()).sum(),
        );
    }
}
