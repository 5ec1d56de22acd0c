//! The fused kernels (`arch::Fused`, issue 12) of every available path, called directly (the
//! public sums only reach the dispatched one): masked sums at every bit offset 0..64 over lengths
//! across vectors, unrolled groups and certified blocks, with all-valid and all-null stretches;
//! every 2nd, 3rd and 4th element. Integers of extreme values against the i128 sum, floats with
//! NaNs and −0.0 under the nulls against `ExactSum` of the selected elements. Small enough for
//! Miri (portable path, fewer cases).

use crate::algo::mask::Bitmap;
use crate::arch::{FusedKernels, Kernels};
use crate::exact_sum::ExactSum;
use crate::isa::Isa;

/// A deterministic pattern.
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

/// Random bits, then a run of all-valid and one of all-null bytes (whole vectors and blocks of
/// both kinds at some offset).
fn validity(bytes: usize) -> Vec<u8> {
    let mut bits: Vec<u8> = pattern(bytes, 5).into_iter().map(|x| x as u8).collect();
    let third = bytes / 3;
    bits[third..2 * third].fill(0xff);
    bits[2 * third..2 * third + third / 2].fill(0);
    bits
}

fn valid(bitmap: &[u8], bit: usize) -> bool {
    bitmap[bit / 8] >> (bit % 8) & 1 != 0
}

/// Lengths around vectors (up to 64 lanes), unrolled groups and 2048-element blocks.
fn lengths() -> Vec<usize> {
    if cfg!(miri) {
        vec![0, 1, 9, 33, 70]
    } else {
        vec![
            0, 1, 2, 7, 15, 16, 17, 63, 64, 65, 255, 257, 1000, 2047, 2049, 4500,
        ]
    }
}

fn bit_offsets() -> std::ops::Range<usize> {
    if cfg!(miri) { 0..3 } else { 0..64 }
}

/// Checks `kernels` of one integer type against the i128 sum of what each mask selects.
fn check_integers<T: Copy + Into<i128>, P: TryInto<i128>>(
    isa: Isa,
    kernels: &FusedKernels<T, P>,
    data: &[T],
) {
    let bitmap = validity(data.len() / 8 + 16);
    for len in lengths() {
        let x = &data[..len];
        for bit_offset in bit_offsets() {
            let want: i128 = (0..len)
                .filter(|&i| valid(&bitmap, bit_offset + i))
                .map(|i| x[i].into())
                .sum();
            let mask = Bitmap {
                validity: &bitmap[..(bit_offset + len).div_ceil(8)],
                bit_offset,
            };
            // SAFETY: `Kernels::get` checked the CPU.
            let got = unsafe { (kernels.masked)(x, mask) }.try_into().ok();
            assert_eq!(
                got,
                Some(want),
                "{isa} masked len {len} bit offset {bit_offset}"
            );
        }
        let want: i128 = x.iter().map(|&v| v.into()).sum();
        // SAFETY: as above.
        let got = unsafe { (kernels.all)(x) }.try_into().ok();
        assert_eq!(got, Some(want), "{isa} all len {len}");
        for stride in 2..=4 {
            let want: i128 = x.iter().step_by(stride).map(|&v| v.into()).sum();
            // SAFETY: as above.
            let got = unsafe { (kernels.every[stride - 2])(x) }.try_into().ok();
            assert_eq!(got, Some(want), "{isa} every {stride} len {len}");
        }
    }
}

/// Extremes (runs of MAX, of MIN) and a pattern, as `T`.
fn extremes<T: Copy>(n: usize, cast: impl Fn(u64) -> T, max: T, min: T) -> Vec<T> {
    pattern(n, 11)
        .into_iter()
        .enumerate()
        .map(|(i, x)| match (i / 300) % 3 {
            0 => max,
            1 => min,
            _ => cast(x),
        })
        .collect()
}

#[test]
fn integer_kernels_on_every_path() {
    let n = 4600;
    for isa in Isa::available() {
        let fused = &Kernels::get(isa).unwrap().fused;
        check_integers(isa, &fused.u8, &extremes(n, |x| x as u8, u8::MAX, 0));
        check_integers(isa, &fused.i8, &extremes(n, |x| x as i8, i8::MAX, i8::MIN));
        check_integers(isa, &fused.u16, &extremes(n, |x| x as u16, u16::MAX, 0));
        check_integers(
            isa,
            &fused.i16,
            &extremes(n, |x| x as i16, i16::MAX, i16::MIN),
        );
        check_integers(isa, &fused.u32, &extremes(n, |x| x as u32, u32::MAX, 0));
        check_integers(
            isa,
            &fused.i32,
            &extremes(n, |x| x as i32, i32::MAX, i32::MIN),
        );
        check_integers(isa, &fused.u64, &extremes(n, |x| x, u64::MAX, 0));
        check_integers(
            isa,
            &fused.i64,
            &extremes(n, |x| x as i64, i64::MAX, i64::MIN),
        );
    }
}

/// The correctly rounded sum of `values`, or `None` for none (the caller's empty-sum rule).
fn exact(values: impl Iterator<Item = f64>) -> ExactSum {
    let mut acc = ExactSum::new();
    values.for_each(|x| acc.add(x));
    acc
}

/// Checks `kernels` of one float type: where the certified pass decides, it decides the exact
/// sum of what each mask selects; a NaN (or ±∞) under a null never reaches it.
fn check_floats<T: Copy + Into<f64>>(
    isa: Isa,
    kernels: &FusedKernels<T, (ExactSum, f64)>,
    data: &[T],
    poison: T,
) {
    let bitmap = validity(data.len() / 8 + 16);
    let mut undecided = 0;
    let mut check = |what: &str, (acc, slack): (ExactSum, f64), want: ExactSum| {
        let want = want.finish();
        match acc.finish_within(2.0 * slack) {
            Some(got) => assert_eq!(got.to_bits(), want.to_bits(), "{isa} {what}"),
            None => undecided += 1,
        }
    };
    for len in lengths() {
        for bit_offset in bit_offsets() {
            let mut x = data[..len].to_vec();
            (0..len)
                .filter(|&i| !valid(&bitmap, bit_offset + i))
                .for_each(|i| x[i] = poison);
            let want = exact(
                (0..len)
                    .filter(|&i| valid(&bitmap, bit_offset + i))
                    .map(|i| data[i].into()),
            );
            let mask = Bitmap {
                validity: &bitmap,
                bit_offset,
            };
            // SAFETY: `Kernels::get` checked the CPU.
            let got = unsafe { (kernels.masked)(&x, mask) };
            check(
                &format!("masked len {len} bit offset {bit_offset}"),
                got,
                want,
            );
        }
        let want = exact(data[..len].iter().map(|&v| v.into()));
        // SAFETY: as above.
        let got = unsafe { (kernels.all)(&data[..len]) };
        check(&format!("all len {len}"), got, want);
        for stride in 2..=4 {
            let mut x = data[..len].to_vec();
            (0..len)
                .filter(|i| i % stride != 0)
                .for_each(|i| x[i] = poison);
            let want = exact(data[..len].iter().step_by(stride).map(|&v| v.into()));
            // SAFETY: as above.
            let got = unsafe { (kernels.every[stride - 2])(&x) };
            check(&format!("every {stride} len {len}"), got, want);
        }
    }
    assert!(undecided < 10, "{isa}: {undecided} undecided");
}

/// Finite values over many binades with both signs, −0.0 and +0.0 among them, and the type's
/// largest magnitudes (scaled blocks).
fn floats<T: Copy>(n: usize, cast: impl Fn(u64) -> T, zero: T, minus_zero: T, max: T) -> Vec<T> {
    pattern(n, 17)
        .into_iter()
        .enumerate()
        .map(|(i, x)| match x % 16 {
            0 => zero,
            1 => minus_zero,
            2 if i > 3000 => max,
            _ => cast(x),
        })
        .collect()
}

#[test]
fn float_kernels_on_every_path() {
    let n = 4600;
    let f64s = floats(n, |x| f64::from_bits(x & !(1 << 62)), 0.0, -0.0, f64::MAX);
    let f32s = floats(
        n,
        |x| f32::from_bits((x >> 32) as u32 & !(1 << 30)),
        0.0,
        -0.0,
        f32::MAX,
    );
    for isa in Isa::available() {
        let fused = &Kernels::get(isa).unwrap().fused;
        for poison in [f64::NAN, f64::INFINITY, -0.0] {
            check_floats(isa, &fused.f64, &f64s, poison);
        }
        for poison in [f32::NAN, f32::NEG_INFINITY, -0.0] {
            check_floats(isa, &fused.f32, &f32s, poison);
        }
        // Only −0.0 selected: −0.0; and none selected: the empty sum.
        let minus = [-0.0f64, f64::NAN].repeat(50);
        // SAFETY: as above.
        let (acc, _) = unsafe { (fused.f64.every[0])(&minus) };
        assert_eq!(acc.finish().to_bits(), (-0.0f64).to_bits(), "{isa}");
        let none = Bitmap {
            validity: &[0; 13],
            bit_offset: 3,
        };
        // SAFETY: as above.
        let (acc, _) = unsafe { (fused.f64.masked)(&minus, none) };
        assert_eq!(acc.finish().to_bits(), 0.0f64.to_bits(), "{isa}");
    }
}
