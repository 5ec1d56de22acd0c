//! `Accumulator<T>`: any split of the data, added slice by slice, element by element or merged,
//! finishes to the bits of one `coresum::sum` over the concatenation (and to the exact reference);
//! its bytes round-trip, and every corruption of them is an error.

#[path = "common/reference.rs"]
#[allow(dead_code, reason = "shared: this test uses the exact reference only")]
mod reference;

use coresum::{Accumulator, DecodeError, Summable};
use half::{bf16, f16};
use proptest::prelude::*;

/// Sums `data` cut at `cuts` three ways: slice by slice, by merging one accumulator per piece
/// (through bytes), and element by element; all must give `coresum::sum(data)`.
fn check_splits<T: Summable>(data: &[T], cuts: &[usize]) -> T::Output {
    let mut ends: Vec<usize> = cuts.iter().map(|&c| c % (data.len() + 1)).collect();
    ends.sort_unstable();
    ends.push(data.len());
    let starts = std::iter::once(0).chain(ends.clone());
    let pieces: Vec<&[T]> = starts.zip(ends).map(|(s, e)| &data[s..e]).collect();

    let mut sliced = Accumulator::new();
    let mut merged = Accumulator::default();
    for piece in &pieces {
        sliced.add_slice(piece);
        let one: Accumulator<T> = piece.iter().copied().collect();
        let restored = Accumulator::<T>::from_bytes(&one.to_bytes()).expect("round trip");
        merged.merge(&restored);
    }
    let mut by_element = Accumulator::new();
    by_element.extend(data);

    let want = coresum::sum(data);
    for (how, acc) in [
        ("sliced", &sliced),
        ("merged", &merged),
        ("extend", &by_element),
    ] {
        assert_eq!(format!("{:?}", acc.finish()), format!("{want:?}"), "{how}");
    }
    assert_eq!(
        format!("{:?}", sliced.clone().finish()),
        format!("{want:?}")
    );
    want
}

macro_rules! int_cases {
    ($($name:ident: $t:ty, $wide:ty;)*) => {$(
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(48))]
            #[test]
            fn $name(
                data in prop::collection::vec(any::<$t>(), 0..3000),
                cuts in prop::collection::vec(any::<usize>(), 0..6),
            ) {
                let got = check_splits(&data, &cuts);
                let reference: $wide = data.iter().map(|&x| x as $wide).sum();
                prop_assert_eq!(got, reference);
            }
        }
    )*};
}

int_cases! {
    splits_u8: u8, u128; splits_i8: i8, i128; splits_u16: u16, u128; splits_i16: i16, i128;
    splits_u32: u32, u128; splits_i32: i32, i128; splits_u64: u64, u128; splits_i64: i64, i128;
    splits_usize: usize, u128; splits_isize: isize, i128;
}

/// Floats over the whole range, with exact cancellations mixed in.
fn floats() -> impl Strategy<Value = Vec<f64>> {
    let value = prop_oneof![
        any::<f64>().prop_filter("finite", |x| x.is_finite()),
        (-1e6f64..1e6),
        Just(1e16),
        Just(-1e16),
        Just(1.0),
        Just(-0.0),
    ];
    prop::collection::vec(value, 0..2000)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn splits_floats(data in floats(), cuts in prop::collection::vec(any::<usize>(), 0..6)) {
        let got = check_splits(&data, &cuts);
        prop_assert_eq!(reference::canon(got), reference::canon(reference::reference(data.iter().copied())));
        let narrow: Vec<f32> = data.iter().map(|&x| x as f32).collect();
        check_splits(&narrow, &cuts);
        let halves: Vec<f16> = data.iter().map(|&x| f16::from_f64(x)).collect();
        check_splits(&halves, &cuts);
        let brains: Vec<bf16> = data.iter().map(|&x| bf16::from_f64(x)).collect();
        check_splits(&brains, &cuts);
    }
}

#[test]
fn ieee_specials_and_empty() {
    assert_eq!(Accumulator::<f64>::new().finish().to_bits(), 0f64.to_bits());
    assert_eq!(Accumulator::<i8>::new().finish(), 0);
    let zeros: Accumulator<f64> = [-0.0, -0.0].into_iter().collect();
    assert_eq!(zeros.finish().to_bits(), (-0f64).to_bits());
    let mut acc: Accumulator<f64> = [1e308, 1e308].into_iter().collect();
    assert_eq!(acc.finish(), f64::INFINITY);
    acc.add_slice(&[-1e308, -1e308, 5.0]);
    assert_eq!(acc.finish(), 5.0, "no intermediate overflow");
    acc.extend([f64::NEG_INFINITY]);
    let nan = Accumulator::<f64>::from_bytes(&acc.to_bytes()).unwrap();
    assert_eq!(nan.finish(), f64::NEG_INFINITY);
    acc.add_slice(&[f64::INFINITY]);
    assert!(acc.finish().is_nan());
    assert_eq!(
        format!("{:?}", Accumulator::<u8>::from_iter([3, 4])),
        "Accumulator { sum: 7 }"
    );
}

/// Every single-bit flip, every truncation and padding, another version and another element type
/// are refused.
fn check_corruption<T: Summable>(acc: &Accumulator<T>) {
    let bytes = acc.to_bytes();
    for bit in 0..bytes.len() * 8 {
        let mut flipped = bytes.clone();
        flipped[bit / 8] ^= 1 << (bit % 8);
        assert!(Accumulator::<T>::from_bytes(&flipped).is_err(), "bit {bit}");
    }
    for len in 0..bytes.len() {
        assert!(matches!(
            Accumulator::<T>::from_bytes(&bytes[..len]),
            Err(DecodeError::Length { .. })
        ));
    }
    let mut padded = bytes.clone();
    padded.push(0);
    assert!(Accumulator::<T>::from_bytes(&padded).is_err());

    // A well-formed encoding of another version (its checksum made to match).
    let mut other = bytes.clone();
    other[4] = 2;
    let body = other.len() - 4;
    let crc = crc32(&other[..body]);
    other[body..].copy_from_slice(&crc.to_le_bytes());
    assert_eq!(
        Accumulator::<T>::from_bytes(&other).err(),
        Some(DecodeError::Version(2))
    );
}

/// CRC-32 (IEEE), to forge well-formed encodings.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xedb8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

#[test]
fn corrupted_bytes_are_errors() {
    check_corruption(&Accumulator::<i64>::from_iter([i64::MIN, -7, i64::MIN]));
    check_corruption(&Accumulator::<u8>::new());
    check_corruption(&Accumulator::<f64>::from_iter([1e300, 0.1, -3e-310]));
    check_corruption(&Accumulator::<f32>::from_iter([1.5f32, -2.25]));

    // Another element type: same length and checksum, another code.
    let ints = Accumulator::<i32>::from_iter([5]).to_bytes();
    let err = Accumulator::<u32>::from_bytes(&ints).unwrap_err();
    assert!(matches!(err, DecodeError::Invalid(_)), "{err}");
    let floats = Accumulator::<f64>::from_iter([5.0]).to_bytes();
    assert!(Accumulator::<f32>::from_bytes(&floats).is_err());
    assert!(Accumulator::<i64>::from_bytes(&floats).is_err());
    assert!(Accumulator::<i64>::from_bytes(b"").is_err());
}

#[test]
fn large_slices_use_the_kernels_exactly() {
    // Beyond one chunk, and beyond a 16-bit lane's flush point.
    let data: Vec<i16> = (0..3_000_000)
        .map(|i| if i % 3 == 0 { i16::MIN } else { i16::MAX })
        .collect();
    let mut acc = Accumulator::new();
    acc.add_slice(&data[1..]);
    acc.add_slice(&data[..1]);
    let reference: i128 = data.iter().map(|&x| i128::from(x)).sum();
    assert_eq!(acc.finish(), reference);

    let floats: Vec<f64> = (0..1_000_000)
        .map(|i| if i % 2 == 0 { 1e15 } else { -1e15 + 1.0 })
        .collect();
    let acc: Accumulator<f64> = floats.iter().copied().collect();
    assert_eq!(acc.finish(), 500_000.0);
    assert_eq!(acc.finish(), coresum::sum(&floats));
}
