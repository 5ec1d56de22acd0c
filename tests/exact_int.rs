//! Every integer kernel, on every ISA path this machine has, against an exact i128/u128 reference:
//! random and extreme values, every start offset within 128 bytes, every tail length, and lengths
//! that cross each narrow accumulator's flush boundary.

mod common;

use common::Placed;
use coresum::{Isa, Summable, sum_on};
use proptest::prelude::*;

/// The element types, with their exact reference.
trait Element: Summable + Copy + std::fmt::Debug + Arbitrary + 'static {
    const MIN: Self;
    const MAX: Self;
    fn reference(data: &[Self]) -> Self::Output;
    /// `n` copies of `x`, summed exactly.
    fn times(x: Self, n: usize) -> Self::Output;
    /// The low bits of `bits`.
    fn truncate(bits: u64) -> Self;
}

macro_rules! element {
    ($($t:ty => $wide:ty),*) => {$(
        impl Element for $t {
            const MIN: Self = <$t>::MIN;
            const MAX: Self = <$t>::MAX;
            fn reference(data: &[Self]) -> $wide {
                data.iter().map(|&x| x as $wide).sum()
            }
            fn times(x: Self, n: usize) -> $wide {
                x as $wide * n as $wide
            }
            fn truncate(bits: u64) -> Self {
                bits as $t
            }
        }
    )*};
}
element!(i8 => i128, i16 => i128, i32 => i128, i64 => i128, isize => i128,
         u8 => u128, u16 => u128, u32 => u128, u64 => u128, usize => u128);

/// Checks `data` on every available path, plus the dispatched `coresum::sum`.
fn check<T: Element>(data: &[T], expected: T::Output) -> Result<(), TestCaseError> {
    for isa in Isa::available() {
        let got = sum_on(isa, data).unwrap();
        prop_assert_eq!(
            got,
            expected,
            "{} on {} elements of {}",
            isa,
            data.len(),
            std::any::type_name::<T>()
        );
    }
    prop_assert_eq!(coresum::sum(data), expected);
    Ok(())
}

/// Elements drawn mostly from the extremes, where wrapping would show.
fn element<T: Element>() -> impl Strategy<Value = T> {
    prop_oneof![
        3 => any::<T>(),
        1 => Just(T::MIN),
        1 => Just(T::MAX),
    ]
}

/// A slice of up to `max_len` elements at any offset within 128 bytes.
fn placed<T: Element>(max_len: usize) -> impl Strategy<Value = (Vec<T>, usize)> {
    (
        prop::collection::vec(element::<T>(), 0..=max_len),
        0..128 / size_of::<T>(),
    )
}

/// A long slice at any offset: its length, offset and seed are drawn by proptest, its elements
/// (mostly extremes and random bits) by xorshift from the seed. Drawing a million elements one by
/// one through proptest would cost more than the sums.
fn long_placed<T: Element>(max_len: usize) -> impl Strategy<Value = (Vec<T>, usize)> {
    (0..=max_len, any::<u64>(), 0..128 / size_of::<T>()).prop_map(|(len, seed, offset)| {
        let mut state = seed | 1;
        let values = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                match state % 5 {
                    0 => T::MIN,
                    1 => T::MAX,
                    _ => T::truncate(state >> 3),
                }
            })
            .collect();
        (values, offset)
    })
}

/// Lengths in elements at which some path's narrow accumulators flush or its block ends, plus or
/// minus a vector: the 16-bit fold flushes every 32,767 groups of four vectors. Also around 64 KiB,
/// where the fold starts prefetching (a prefetching run of groups, then an unhinted one for the
/// last 4 KiB, each ending in a flush).
fn flush_lengths<T>() -> Vec<usize> {
    let mut lengths = vec![65_537, 65_538, 2 * 65_536 + 1];
    let prefetch_from = (64 << 10) / size_of::<T>();
    for delta in [-65, -1, 0, 1, 63, 64 + 4096 / size_of::<T>() as isize] {
        lengths.push(prefetch_from.wrapping_add_signed(delta));
    }
    for vector_bytes in [16, 32, 64] {
        let group = 4 * vector_bytes / size_of::<T>();
        // 8,191: the x86 `i32` fold (`SplitI32`) flushes every 8,191 groups.
        for round in [8_191, 32_767, 2 * 32_767] {
            for delta in [-(group as isize) - 1, -1, 0, 1, group as isize + 3] {
                lengths.push((round * group).wrapping_add_signed(delta));
            }
        }
    }
    lengths
}

macro_rules! suite {
    ($($name:ident: $t:ty),*) => {$(
        mod $name {
            use super::*;

            proptest! {
                #![proptest_config(ProptestConfig::with_cases(256))]

                #[test]
                fn short_slices_any_offset((values, offset) in placed::<$t>(2100)) {
                    let placed = Placed::new(&values, offset);
                    check(placed.slice(), <$t>::reference(&values))?;
                }
            }

            proptest! {
                #![proptest_config(ProptestConfig::with_cases(12))]

                #[test]
                fn long_slices_any_offset((values, offset) in long_placed::<$t>(1 << 20)) {
                    let placed = Placed::new(&values, offset);
                    check(placed.slice(), <$t>::reference(&values))?;
                }
            }

            #[test]
            fn every_tail_at_every_offset() {
                // Two full groups of four 64-byte vectors and every tail after them.
                let max_len = 2 * 4 * 64 / size_of::<$t>() + 8;
                let pattern: Vec<$t> = (0..max_len)
                    .map(|i| match i % 5 { 0 | 3 => <$t>::MAX, 1 => <$t>::MIN, 2 => 0 as $t, _ => 1 as $t })
                    .collect();
                for offset in 0..128 / size_of::<$t>() {
                    for len in 0..=max_len {
                        let placed = Placed::new(&pattern[..len], offset);
                        check(placed.slice(), <$t>::reference(&pattern[..len])).unwrap();
                    }
                }
            }

            #[test]
            fn extremes_across_flush_boundaries() {
                let longest = flush_lengths::<$t>().into_iter().max().unwrap();
                let mut max = vec![<$t>::MAX; longest];
                let min = vec![<$t>::MIN; longest];
                let mut alternating = max.clone();
                alternating.iter_mut().step_by(2).for_each(|x| *x = <$t>::MIN);
                for len in flush_lengths::<$t>() {
                    let (mins, maxes) = (len.div_ceil(2), len / 2);
                    check(&max[..len], <$t>::times(<$t>::MAX, len)).unwrap();
                    check(&min[..len], <$t>::times(<$t>::MIN, len)).unwrap();
                    let expected = <$t>::times(<$t>::MIN, mins) + <$t>::times(<$t>::MAX, maxes);
                    check(&alternating[..len], expected).unwrap();
                    // MAX everywhere but one MIN, at the last position (set in place, restored).
                    max[len - 1] = <$t>::MIN;
                    let expected = <$t>::times(<$t>::MAX, len - 1) + <$t>::times(<$t>::MIN, 1);
                    check(&max[..len], expected).unwrap();
                    max[len - 1] = <$t>::MAX;
                }
            }
        }
    )*};
}

suite!(i8_: i8, i16_: i16, i32_: i32, i64_: i64, isize_: isize,
       u8_: u8, u16_: u16, u32_: u32, u64_: u64, usize_: usize);

/// `i32` sums switch folds at 2 KiB (`Halves` below, `SplitI32` from there on x86): every length
/// through 1,100 elements at every offset within 64 bytes, of extremes and small values, on
/// every available path.
#[test]
fn i32_every_length_across_the_fold_switch() {
    let pattern: Vec<i32> = (0..1100 + 16)
        .map(|i| match i % 7 {
            0 | 4 => i32::MAX,
            1 | 5 => i32::MIN,
            2 => -1,
            3 => 0x7fff_0000,
            _ => i - 500,
        })
        .collect();
    let expected = |slice: &[i32]| slice.iter().map(|&x| i128::from(x)).sum::<i128>();
    for offset in 0..16 {
        for len in 0..=1100 {
            let slice = &pattern[offset..offset + len];
            check(slice, expected(slice)).unwrap();
        }
    }
    for value in [i32::MIN, i32::MAX, -1, 0x0000_ffff, -0x0001_0000] {
        let run = vec![value; 1100];
        for len in 0..=1100 {
            check(&run[..len], i128::from(value) * len as i128).unwrap();
        }
    }
}

/// Past the kernels' 1 GiB block, where every lane is reduced into the 128-bit total and restarted.
/// 64-bit extremes also carry out of every lane on every add.
#[test]
fn beyond_one_block_of_extremes() {
    let len = (1 << 30) / 8 + 3 * 64 + 5;
    let max = vec![u64::MAX; len];
    check(&max, u64::times(u64::MAX, len)).unwrap();
    drop(max);
    let min = vec![i64::MIN; len];
    check(&min, i64::times(i64::MIN, len)).unwrap();
    drop(min);
    // Both halves at their largest for the signed-high fold (AVX-512's `SignedHalves`).
    let max = vec![i64::MAX; len];
    check(&max, i64::times(i64::MAX, len)).unwrap();
    drop(max);
    let bytes = vec![0xffu8; (1 << 30) + 77];
    check(&bytes, u8::times(0xff, bytes.len())).unwrap();
}

/// Every path this build could have is either available or reported as unavailable, never wrong.
#[test]
fn unavailable_paths_are_errors() {
    for isa in Isa::ALL {
        match sum_on(isa, &[1u8, 2, 3]) {
            Ok(total) => assert_eq!(total, 6),
            Err(e) => {
                assert!(!isa.is_available());
                assert!(e.to_string().contains(isa.name()));
            }
        }
    }
    assert!(Isa::available().contains(&Isa::Scalar));
    assert!(Isa::available().contains(&coresum::isa()));
}
