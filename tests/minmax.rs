//! `min`, `max`, `argmin`, `argmax` against a scalar reference (first occurrence; numpy's NaN rule;
//! `-0.0 == +0.0`, first wins): every ISA path, every offset and tail, random chunk cuts, the pool
//! at 1…3 threads, async and rayon; tables of NaN, zeros, infinities, extremes and empty input.

use coresum::{__extreme_at_cuts, Isa, Pool, Summable};
use proptest::prelude::*;

/// The reference: the first index of the extreme, a NaN beating every number.
fn reference<T: Copy + PartialOrd>(data: &[T], max: bool) -> Option<usize> {
    #[allow(clippy::eq_op)]
    let nan = |x: T| x != x;
    let mut best: Option<usize> = None;
    for (i, &x) in data.iter().enumerate() {
        let better = match best {
            None => true,
            Some(b) => {
                let y = data[b];
                if nan(x) || nan(y) {
                    nan(x) && !nan(y)
                } else if max {
                    x > y
                } else {
                    x < y
                }
            }
        };
        if better {
            best = Some(i);
        }
    }
    best
}

/// Bits, so that NaN equals NaN and -0.0 differs from +0.0.
trait Bits: Summable + PartialOrd + std::fmt::Debug {
    fn bits(self) -> u64;
}

macro_rules! bits {
    (int: $($t:ty),*) => {$(impl Bits for $t { fn bits(self) -> u64 { self as u64 } })*};
    (float: $($t:ty),*) => {$(impl Bits for $t { fn bits(self) -> u64 { self.to_bits() as u64 } })*};
}
bits!(int: u8, i8, u16, i16, u32, i32, u64, i64, usize, isize);
bits!(float: f32, f64);

fn check_paths<T: Bits>(data: &[T], cuts: &[usize]) {
    for max in [false, true] {
        let index = reference(data, max);
        let value = index.map(|i| data[i].bits());
        for isa in Isa::available() {
            let (got, got_index) = __extreme_at_cuts(isa, max, data, cuts).unwrap();
            assert_eq!(got_index, index, "{isa} max={max} cuts={cuts:?}");
            assert_eq!(got.map(Bits::bits), value, "{isa} max={max}");
        }
        let (min_or_max, arg) = if max {
            (coresum::max(data), coresum::argmax(data))
        } else {
            (coresum::min(data), coresum::argmin(data))
        };
        assert_eq!((min_or_max.map(Bits::bits), arg), (value, index));
    }
}

/// Floats drawn from a small set so that ties, zeros of both signs, infinities and NaN occur.
fn float_value() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => (-4i32..4).prop_map(f64::from),
        1 => Just(-0.0),
        1 => Just(0.0),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => any::<f64>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn integers_any_offset_and_cut(data in prop::collection::vec(any::<i64>(), 0..700),
                                   offset in 0usize..16, cuts in prop::collection::vec(0usize..800, 0..4)) {
        let offset = offset.min(data.len());
        let data = &data[offset..];
        check_paths(data, &cuts);
        let narrow: Vec<i8> = data.iter().map(|&x| x as i8).collect();
        check_paths(&narrow, &cuts);
        let bytes: Vec<u8> = data.iter().map(|&x| x as u8).collect();
        check_paths(&bytes, &cuts);
        let words: Vec<u16> = data.iter().map(|&x| (x >> 3) as u16 % 50).collect();
        check_paths(&words, &cuts);
        let ints: Vec<i32> = data.iter().map(|&x| (x >> 7) as i32).collect();
        check_paths(&ints, &cuts);
        let unsigned: Vec<u64> = data.iter().map(|&x| x as u64).collect();
        check_paths(&unsigned, &cuts);
    }

    #[test]
    fn floats_any_offset_and_cut(data in prop::collection::vec(float_value(), 0..700),
                                 nans in prop::collection::vec(0usize..700, 0..2),
                                 offset in 0usize..16, cuts in prop::collection::vec(0usize..800, 0..4)) {
        let mut data = data;
        for i in nans {
            if i < data.len() {
                data[i] = f64::NAN;
            }
        }
        let offset = offset.min(data.len());
        let data = &data[offset..];
        check_paths(data, &cuts);
        let narrow: Vec<f32> = data.iter().map(|&x| x as f32).collect();
        check_paths(&narrow, &cuts);
    }
}

#[test]
fn tables() {
    let nan = f64::NAN;
    assert_eq!(coresum::min::<f64>(&[]), None);
    assert_eq!(coresum::argmax::<u8>(&[]), None);
    assert_eq!(coresum::argmin(&[3.0, nan, 1.0, nan]), Some(1));
    assert_eq!(coresum::argmax(&[3.0, nan, 1.0, nan]), Some(1));
    assert!(coresum::min(&[3.0, 1.0, nan]).unwrap().is_nan());
    assert_eq!(coresum::min(&[0.0, -0.0]).map(f64::to_bits), Some(0));
    assert_eq!(
        coresum::max(&[-0.0, 0.0]).map(f64::to_bits),
        Some((-0f64).to_bits())
    );
    assert_eq!(
        coresum::argmax(&[1.0, f64::INFINITY, f64::INFINITY]),
        Some(1)
    );
    assert_eq!(
        coresum::min(&[f64::INFINITY, f64::NEG_INFINITY]),
        Some(f64::NEG_INFINITY)
    );
    assert_eq!(
        coresum::min(&[i64::MAX, i64::MIN, i64::MIN]),
        Some(i64::MIN)
    );
    assert_eq!(coresum::argmin(&[i64::MAX, i64::MIN, i64::MIN]), Some(1));
    assert_eq!(coresum::max(&[u64::MAX, 0]), Some(u64::MAX));
    assert_eq!(coresum::argmax(&[usize::MAX, usize::MAX]), Some(0));
    assert_eq!(
        coresum::min(&[isize::MIN + 1, isize::MIN]),
        Some(isize::MIN)
    );
    let halves = [
        half::f16::from_f32(2.0),
        half::f16::NAN,
        half::f16::from_f32(-1.0),
    ];
    assert_eq!(coresum::argmin(&halves), Some(1));
    assert_eq!(coresum::argmax(&halves[..1]), Some(0));
    let brains = [half::bf16::from_f32(2.0), half::bf16::from_f32(-1.0)];
    assert_eq!(coresum::min(&brains), Some(half::bf16::from_f32(-1.0)));
}

#[test]
fn pool_async_and_rayon_agree_at_every_thread_count() {
    // Several chunks (chunk_bytes is at most 1 MiB), the extreme in the last one and tied earlier.
    let mut data: Vec<f32> = (0..700_000u64)
        .map(|i| ((i * 7919) % 1000) as f32)
        .collect();
    data[650_000] = -5.0;
    data[690_000] = -5.0;
    data[10] = 2000.0;
    let expect = (reference(&data, false), reference(&data, true));
    assert_eq!(expect, (Some(650_000), Some(10)));
    for threads in 1..=3 {
        let pool = Pool::builder()
            .threads(threads)
            .pin(false)
            .inline_bytes(0)
            .build()
            .unwrap();
        assert_eq!(
            (pool.argmin(&data), pool.argmax(&data)),
            expect,
            "{threads}"
        );
        assert_eq!(
            (pool.min(&data), pool.max(&data)),
            (Some(-5.0), Some(2000.0))
        );
        let owned = std::sync::Arc::new(data.clone());
        assert_eq!(pool.argmin_async(owned.clone()).wait(), Ok(expect.0));
        assert_eq!(pool.max_async(owned).wait(), Ok(Some(2000.0)));
        let mut with_nan = data.clone();
        with_nan[400_000] = f32::NAN;
        with_nan[600_000] = f32::NAN;
        assert_eq!(pool.argmax(&with_nan), Some(400_000));
        assert!(pool.min(&with_nan).unwrap().is_nan());
    }
    let rayon = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    rayon.install(|| {
        assert_eq!(coresum::rayon::argmin(&data), expect.0);
        assert_eq!(coresum::rayon::max(&data), Some(2000.0));
    });
}

#[test]
fn a_nan_at_every_position_around_the_block_sizes() {
    // 256-byte blocks: 32 `f64`, 64 `f32` lanes; a NaN in the first element, a lane, or the tail;
    // zeros of both signs around it.
    for len in [1, 2, 31, 32, 33, 63, 64, 65, 97, 130] {
        for at in 0..len {
            let mut data: Vec<f64> = (0..len)
                .map(|i| if i % 3 == 0 { -0.0 } else { 0.0 })
                .collect();
            check_paths(&data, &[at]);
            data[at] = f64::NAN;
            check_paths(&data, &[]);
            let narrow: Vec<f32> = data.iter().map(|&x| x as f32).collect();
            check_paths(&narrow, &[at / 2]);
        }
    }
}
