//! The fused masked and strided sums (issue 12, "fused") through the public API, on the
//! dispatched path (CI's isa_paths lane forces each path with `CORESUM_ISA`): `sum_masked` at
//! every bit offset 0..64, with all-valid and all-null stretches, extremes (`i64::MAX`,
//! `f64::MAX`) and NaN, ±∞ and −0.0 under the nulls; `sum_strided` with strides ±2, ±3, ±4;
//! inputs large enough to be cut into tasks on the pool. Integers against the i128 sum of the
//! selected elements, floats bit for bit against `coresum::sum` of the selected copy.

use coresum::{Mode, Strided};

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

/// Random bits with a run of all-valid bytes and one of all-null bytes, each over several
/// 2048-element blocks.
fn validity(bits: usize) -> Vec<u8> {
    let mut bytes: Vec<u8> = pattern(bits / 8 + 16, 5)
        .into_iter()
        .map(|x| x as u8)
        .collect();
    let n = bytes.len();
    bytes[n / 4..n / 2].fill(0xff);
    bytes[n / 2..3 * n / 4].fill(0);
    bytes
}

fn valid(bitmap: &[u8], bit: usize) -> bool {
    bitmap[bit / 8] >> (bit % 8) & 1 != 0
}

fn extremes(n: usize) -> Vec<i64> {
    pattern(n, 7)
        .into_iter()
        .enumerate()
        .map(|(i, x)| match (i / 5000) % 3 {
            0 => i64::MAX,
            1 => i64::MIN,
            _ => x as i64,
        })
        .collect()
}

#[test]
fn masked_integers_at_every_bit_offset() {
    let data = extremes(9000);
    let bitmap = validity(9000 + 64);
    for bit_offset in 0..64 {
        for len in [0, 1, 63, 64, 65, 2047, 2049, 9000] {
            let x = &data[..len];
            let want: i128 = (0..len)
                .filter(|&i| valid(&bitmap, bit_offset + i))
                .map(|i| i128::from(x[i]))
                .sum();
            assert_eq!(
                coresum::sum_masked(x, &bitmap, bit_offset),
                Ok(want),
                "len {len} bit offset {bit_offset}"
            );
            let narrow: Vec<i32> = x.iter().map(|&v| v as i32).collect();
            let want: i128 = (0..len)
                .filter(|&i| valid(&bitmap, bit_offset + i))
                .map(|i| i128::from(narrow[i]))
                .sum();
            assert_eq!(coresum::sum_masked(&narrow, &bitmap, bit_offset), Ok(want));
            let bytes: Vec<u8> = x.iter().map(|&v| v as u8).collect();
            let want: u128 = (0..len)
                .filter(|&i| valid(&bitmap, bit_offset + i))
                .map(|i| u128::from(bytes[i]))
                .sum();
            assert_eq!(coresum::sum_masked(&bytes, &bitmap, bit_offset), Ok(want));
        }
    }
}

/// Finite values of both signs over many binades, zeros of both signs, and `f64::MAX`.
fn floats(n: usize) -> Vec<f64> {
    pattern(n, 17)
        .into_iter()
        .map(|x| match x % 32 {
            0 => 0.0,
            1 => -0.0,
            2 => f64::MAX,
            3 => -f64::MAX,
            _ => f64::from_bits(x & !(1 << 62)) * 1e10,
        })
        .collect()
}

#[test]
fn masked_floats_at_every_bit_offset_with_poison_under_the_nulls() {
    let data = floats(5000);
    let bitmap = validity(5000 + 64);
    for poison in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, f64::MAX] {
        for bit_offset in 0..64 {
            for len in [1, 31, 33, 2049, 5000] {
                let mut x = data[..len].to_vec();
                let kept: Vec<f64> = (0..len)
                    .filter(|&i| valid(&bitmap, bit_offset + i))
                    .map(|i| x[i])
                    .collect();
                (0..len)
                    .filter(|&i| !valid(&bitmap, bit_offset + i))
                    .for_each(|i| x[i] = poison);
                let got = coresum::sum_masked(&x, &bitmap, bit_offset).unwrap();
                let want = coresum::sum(&kept);
                assert_eq!(
                    got.to_bits(),
                    want.to_bits(),
                    "len {len} bit offset {bit_offset} poison {poison}"
                );
                let narrow: Vec<f32> = x.iter().map(|&v| v as f32).collect();
                let kept: Vec<f32> = (0..len)
                    .filter(|&i| valid(&bitmap, bit_offset + i))
                    .map(|i| narrow[i])
                    .collect();
                let got = coresum::sum_masked(&narrow, &bitmap, bit_offset).unwrap();
                assert_eq!(got.to_bits(), coresum::sum(&kept).to_bits());
            }
        }
    }
}

#[test]
fn large_masked_sums_on_the_pool() {
    // 8 MiB of each: cut into tasks of 2^17 elements, run on the default pool.
    let n = 1 << 20;
    let ints = extremes(n);
    let bitmap = validity(n + 8);
    let want: i128 = (0..n)
        .filter(|&i| valid(&bitmap, 3 + i))
        .map(|i| i128::from(ints[i]))
        .sum();
    assert_eq!(coresum::sum_masked(&ints, &bitmap, 3), Ok(want));
    let mut x = floats(n);
    let kept: Vec<f64> = (0..n)
        .filter(|&i| valid(&bitmap, 3 + i))
        .map(|i| x[i])
        .collect();
    (0..n)
        .filter(|&i| !valid(&bitmap, 3 + i))
        .for_each(|i| x[i] = f64::NAN);
    // Without the ±MAX among the valid elements (an overflow in Fast could give a NaN of its own).
    let tame: Vec<f64> = x
        .iter()
        .map(|&v| if v.abs() == f64::MAX { 1.0 } else { v })
        .collect();
    for mode in [Mode::Exact, Mode::Compensated, Mode::Fast] {
        let got = coresum::sum_masked_with(&tame, &bitmap, 3, mode).unwrap();
        assert!(
            !got.is_nan(),
            "{mode:?}: a NaN under a null reached the sum"
        );
    }
    let got = coresum::sum_masked(&x, &bitmap, 3).unwrap();
    assert_eq!(got.to_bits(), coresum::sum(&kept).to_bits());
}

#[test]
fn strided_sums_of_strides_two_to_four_both_ways() {
    let ints = extremes((4 << 20) + 8);
    let floats = floats((4 << 20) + 8);
    for stride in [-4isize, -3, -2, 2, 3, 4] {
        // Small views (tails, partial groups), then views spanning 8 MiB and more (the pool).
        for len in [1, 2, 3, 17, 2049, 5000, 1 << 20] {
            for offset in [0usize, 1] {
                let start = if stride < 0 {
                    ints.len() - 1 - offset
                } else {
                    offset
                };
                let at = |i: usize| (start as isize + i as isize * stride) as usize;
                let view = Strided::new(&ints, start, stride, len).unwrap();
                let want: i128 = (0..len).map(|i| i128::from(ints[at(i)])).sum();
                assert_eq!(
                    coresum::sum_strided(view),
                    want,
                    "stride {stride} len {len}"
                );
                let view = Strided::new(&floats, start, stride, len).unwrap();
                let gathered: Vec<f64> = (0..len).map(|i| floats[at(i)]).collect();
                assert_eq!(
                    coresum::sum_strided(view).to_bits(),
                    coresum::sum(&gathered).to_bits(),
                    "stride {stride} len {len}"
                );
            }
        }
    }
}
