//! The layout kernels (strided gathers, masked selects) at the edges of their vectors and blocks,
//! for every element width: strides 2, 3 and 4 (deinterleaved in registers) and their neighbours,
//! lengths around whole vectors (64 bytes) and 2048-element blocks, bit offsets within a byte and
//! beyond; floats with NaNs under nulls and signed zeros. Against exact references: the i128 sum
//! of the gathered or valid elements, for floats `reference` (the correctly rounded sum). Each run
//! covers the dispatched path; CI's isa_paths lane runs it on every path the CPU has.

#[path = "common/reference.rs"]
#[allow(dead_code, reason = "shared: this test uses the exact reference only")]
mod reference;

use coresum::{Strided, Summable};
use reference::reference;

const LENGTHS: [usize; 11] = [0, 1, 2, 15, 16, 17, 63, 65, 2047, 2049, 5000];

fn pattern(n: usize, seed: u64) -> Vec<u64> {
    let mut state = seed | 1;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        })
        .collect()
}

/// Every view of `data` with these strides, offsets and lengths, checked by `check(view,
/// gathered)`.
fn each_view<T: Copy>(data: &[T], mut check: impl FnMut(Strided<'_, T>, Vec<T>, String)) {
    for stride in [-4isize, -3, -2, 2, 3, 4, 5, 8] {
        for offset in [0usize, 1, 3] {
            for len in LENGTHS {
                let start = if stride < 0 {
                    data.len() - 1 - offset
                } else {
                    offset
                };
                let indices = (0..len).map(|i| (start as isize + i as isize * stride) as usize);
                let gathered: Vec<T> = indices.map(|i| data[i]).collect();
                let view = Strided::new(data, start, stride, len).unwrap();
                check(
                    view,
                    gathered,
                    format!("stride {stride} offset {offset} len {len}"),
                );
            }
        }
    }
}

/// Integer sums compared as decimal text: `T::Output` is `i128` or `u128`.
fn integers<T: Summable + Into<i128>>(cast: impl Fn(u64) -> T) {
    let data: Vec<T> = pattern(5000 * 8 + 8, 11).into_iter().map(cast).collect();
    each_view(&data, |view, gathered, what| {
        let exact: i128 = gathered.iter().map(|&x| x.into()).sum();
        assert_eq!(
            format!("{:?}", coresum::sum_strided(view)),
            exact.to_string(),
            "{what}"
        );
    });
    let validity: Vec<u8> = pattern(5000 / 8 + 8, 5)
        .into_iter()
        .map(|x| x as u8)
        .collect();
    for bit_offset in [0, 1, 7, 8, 29] {
        for len in LENGTHS {
            let exact: i128 = (0..len)
                .filter(|&i| validity[(bit_offset + i) / 8] >> ((bit_offset + i) % 8) & 1 == 1)
                .map(|i| data[i].into())
                .sum();
            let got = coresum::sum_masked(&data[..len], &validity, bit_offset).unwrap();
            assert_eq!(
                format!("{got:?}"),
                exact.to_string(),
                "bit offset {bit_offset} len {len}"
            );
        }
    }
}

#[test]
fn integers_of_every_width() {
    integers(|x| x as u8);
    integers(|x| x as i8);
    integers(|x| x as i16);
    integers(|x| x as u32);
    integers(|x| x as i32);
    integers(|x| x as i64);
    integers(|x: u64| x);
}

fn floats<T: Summable<Output = f64> + Into<f64>>(cast: impl Fn(u64) -> T) {
    // Magnitudes spread over many binades, with signs, NaNs and signed zeros among them.
    let data: Vec<T> = pattern(5000 * 8 + 8, 17)
        .into_iter()
        .map(|x| match x % 16 {
            0 => cast(0),
            1 => cast(1),
            _ => cast(x),
        })
        .collect();
    each_view(&data, |view, gathered, what| {
        let want = reference(gathered.iter().map(|&x| x.into()));
        assert_eq!(
            coresum::sum_strided(view).to_bits(),
            want.to_bits(),
            "{what}"
        );
    });
    let validity: Vec<u8> = pattern(5000 / 8 + 8, 23)
        .into_iter()
        .map(|x| x as u8)
        .collect();
    for bit_offset in [0, 1, 7, 8, 29] {
        for len in LENGTHS {
            let valid =
                |i: usize| validity[(bit_offset + i) / 8] >> ((bit_offset + i) % 8) & 1 == 1;
            let mut masked = data[..len].to_vec();
            // A NaN under every null: none may reach the sum.
            let nan = cast(u64::MAX);
            (0..len)
                .filter(|&i| !valid(i))
                .for_each(|i| masked[i] = nan);
            let kept: Vec<f64> = (0..len)
                .filter(|&i| valid(i))
                .map(|i| data[i].into())
                .collect();
            let got = coresum::sum_masked(&masked, &validity, bit_offset).unwrap();
            let want = if kept.is_empty() {
                0.0
            } else {
                reference(kept)
            };
            assert_eq!(
                got.to_bits(),
                want.to_bits(),
                "bit offset {bit_offset} len {len}"
            );
        }
    }
    // Only −0.0 valid: −0.0 (the identity is −0.0, not +0.0).
    let minus = vec![cast(1 << 63); 300];
    let validity = [0b0101_0101u8; 40];
    let mut mixed = minus.clone();
    mixed
        .iter_mut()
        .skip(1)
        .step_by(2)
        .for_each(|x| *x = cast(u64::MAX));
    let got = coresum::sum_masked(&mixed, &validity, 0).unwrap();
    assert_eq!(got.to_bits(), (-0.0f64).to_bits());
}

#[test]
fn floats_of_every_width() {
    // The top bits as the type's bits, the exponent's top bit cleared (finite values of both
    // signs below 2 in magnitude, subnormals included); `u64::MAX` is a NaN, `1 << 63` is −0.0.
    floats(|x| match x {
        u64::MAX => f64::NAN,
        _ => f64::from_bits(x & !(1 << 62)),
    });
    floats(|x| match x {
        u64::MAX => f32::NAN,
        _ => f32::from_bits((x >> 32) as u32 & !(1 << 30)),
    });
}
