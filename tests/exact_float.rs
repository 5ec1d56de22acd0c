//! Every float mode on every ISA path this machine has, against the exact reference of
//! `common/reference.rs` (a wide fixed-point integer, rounded to nearest-even at the end): random and
//! adversarial values, every element offset within 128 bytes, lengths 0..=2100 and a few large
//! ones, random chunkings merged in order (as the pool does), NaN/infinity placements, signed zeros,
//! `f32`/`f16`/`bf16` inputs, and `ExactSum`'s byte format.

mod common;
#[path = "common/reference.rs"]
mod reference;

use common::Placed;
use coresum::{ExactSum, Isa, Mode, Summable, sum_on_with};
use proptest::prelude::*;
use proptest::test_runner::TestRng;
use reference::{abs_sum, canon, pow2, reference, rounded_bound};

// ---------------------------------------------------------------------------------------------
// Placement and chunking.

/// The sum as the pool computes it: a partial per chunk (split at `cuts`), merged in order, the
/// error-free pass where the first one leaves the rounding open.
fn chunked<T: Summable>(isa: Isa, data: &[T], mode: Mode, cuts: &[usize]) -> T::Output {
    let cuts: Vec<usize> = cuts.iter().map(|&c| c % (data.len() + 1)).collect();
    coresum::__sum_at_cuts(isa, mode, data, &cuts, false).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Guarantees per mode.

/// Checks every mode of `terms` (already widened, for the reference) against its guarantee.
fn check_modes<T: Summable<Output = f64> + Copy>(data: &[T], terms: &[f64], cuts: &[usize]) {
    let exact = reference(terms.iter().copied());
    let finite_inputs = terms.iter().all(|x| x.is_finite());
    let abs = abs_sum(terms);
    let n = terms.len();
    // Where the finite terms could overflow on their own, a reassociated IEEE sum may meet an
    // infinity of the other sign (NaN), as plain recursive summation in another order would.
    let finite_part: Vec<f64> = terms.iter().copied().filter(|x| x.is_finite()).collect();
    let finite_part_cannot_overflow = abs_sum(&finite_part).is_finite();
    for isa in Isa::available() {
        // Exact: the correctly rounded value, whatever the path or chunking.
        let got = sum_on_with(isa, data, Mode::Exact).unwrap();
        assert_eq!(
            canon(got),
            canon(exact),
            "exact on {isa}: {got:e} vs {exact:e}, n={n}"
        );
        let split = chunked(isa, data, Mode::Exact, cuts);
        assert_eq!(canon(split), canon(exact), "chunked exact on {isa}");

        for mode in [Mode::Compensated, Mode::Fast] {
            let got = sum_on_with(isa, data, mode).unwrap();
            // The whole slice is one chunk: the same as the pool's single-chunk sum.
            assert_eq!(
                canon(chunked(isa, data, mode, &[])),
                canon(got),
                "{mode:?} {isa}"
            );
            if !finite_inputs || !abs.is_finite() {
                // IEEE rules on specials; overflow may give an infinity here (documented).
                if exact.is_nan() {
                    assert!(got.is_nan(), "{mode:?} {isa}: NaN expected, got {got}");
                } else if exact.is_infinite() && !finite_inputs && finite_part_cannot_overflow {
                    assert_eq!(got, exact, "{mode:?} {isa}");
                }
                continue;
            }
            let bound = rounded_bound(mode, exact, terms);
            let err = (got - exact).abs();
            assert!(
                err <= bound,
                "{mode:?} {isa}: |{got:e} - {exact:e}| = {err:e} > {bound:e}"
            );
            if n == 0 || terms.iter().all(|x| x.to_bits() == (-0f64).to_bits()) {
                assert_eq!(
                    got.to_bits(),
                    exact.to_bits(),
                    "{mode:?} {isa}: signed zero"
                );
            }
        }
    }
}

fn check_f64(values: &[f64], offset: usize, cuts: &[usize]) {
    let placed = Placed::new(values, offset);
    check_modes(placed.slice(), values, cuts);
    // The rounded modes depend on the chunk contents and the path, never on the alignment.
    let aligned = Placed::new(values, 0);
    for isa in Isa::available() {
        for mode in [Mode::Compensated, Mode::Fast] {
            let here = sum_on_with(isa, placed.slice(), mode).unwrap();
            let there = sum_on_with(isa, aligned.slice(), mode).unwrap();
            assert_eq!(
                canon(here),
                canon(there),
                "{mode:?} on {isa} moved by {offset}"
            );
        }
    }
}

fn check_f32(values: &[f32], offset: usize, cuts: &[usize]) {
    let placed = Placed::new(values, offset);
    let wide: Vec<f64> = values.iter().map(|&x| f64::from(x)).collect();
    check_modes(placed.slice(), &wide, cuts);
}

// ---------------------------------------------------------------------------------------------
// Value generators.

/// A finite f64 from one of several families: the whole exponent range, a narrow range, the
/// subnormals, near the top of the range, small integers, zeros.
fn finite_f64() -> impl Strategy<Value = f64> {
    let with_exp = |lo: u64, hi: u64| {
        (any::<bool>(), lo..=hi, any::<u64>()).prop_map(|(neg, e, m)| {
            f64::from_bits(u64::from(neg) << 63 | e << 52 | (m & ((1 << 52) - 1)))
        })
    };
    prop_oneof![
        3 => with_exp(0, 2046),
        3 => with_exp(1000, 1060),
        1 => with_exp(0, 0),
        1 => with_exp(2030, 2046),
        1 => (-1000i32..1000).prop_map(f64::from),
        1 => prop_oneof![Just(0.0), Just(-0.0), Just(1e16), Just(-1e16), Just(1.0)],
    ]
}

/// One family per vector, so that a whole slice can be narrow-ranged (the SIMD levels' home turf)
/// or spread over the whole range (their fallback).
fn f64_vec(max_len: usize) -> impl Strategy<Value = Vec<f64>> {
    prop_oneof![
        prop::collection::vec(finite_f64(), 0..=max_len),
        prop::collection::vec(
            (any::<bool>(), 990u64..1060, any::<u64>()).prop_map(|(neg, e, m)| {
                f64::from_bits(u64::from(neg) << 63 | e << 52 | (m & ((1 << 52) - 1)))
            }),
            0..=max_len
        ),
        // x and -x shuffled: an exact sum of zero (or of the few unpaired terms).
        prop::collection::vec(finite_f64(), 0..=max_len / 2).prop_perturb(|mut v, mut rng| {
            let negated: Vec<f64> = v.iter().map(|x| -x).collect();
            v.extend(negated);
            shuffle(&mut v, &mut rng);
            v
        }),
    ]
}

fn shuffle<T>(v: &mut [T], rng: &mut TestRng) {
    for i in (1..v.len()).rev() {
        let j = rng.random_range(0..=i);
        v.swap(i, j);
    }
}

fn special() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(-f64::NAN)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn f64_every_mode(values in f64_vec(2100), offset in 0usize..16, cuts in prop::collection::vec(any::<usize>(), 0..6)) {
        check_f64(&values, offset, &cuts);
    }

    #[test]
    fn f32_every_mode(bits in prop::collection::vec(any::<u32>(), 0..=2100), offset in 0usize..32, cuts in prop::collection::vec(any::<usize>(), 0..6)) {
        let values: Vec<f32> = bits.into_iter().map(f32::from_bits).filter(|x| x.is_finite()).collect();
        check_f32(&values, offset, &cuts);
    }

    #[test]
    fn specials_anywhere(mut values in prop::collection::vec(finite_f64(), 1..300), specials in prop::collection::vec((any::<usize>(), special()), 1..4), offset in 0usize..16, cuts in prop::collection::vec(any::<usize>(), 0..4)) {
        for (at, x) in specials {
            let at = at % values.len();
            values[at] = x;
        }
        check_f64(&values, offset, &cuts);
    }

    #[test]
    fn ties_round_to_even(x in finite_f64(), below in any::<bool>(), sticky in prop::option::of(finite_f64()), pad in 0usize..40, offset in 0usize..8) {
        // x ± half an ulp of x (a tie), perhaps broken by a tiny sticky term, spread over lanes.
        let ulp = if x == 0.0 { pow2(-1074) } else { (f64::from_bits(x.abs().to_bits() + 1) - x.abs()).abs() };
        let half = ulp / 2.0;
        if half != 0.0 && half.is_finite() {
            let mut values = vec![0.0; pad];
            values.push(x);
            values.push(if below { -half } else { half });
            if let Some(s) = sticky {
                values.push(s.abs().min(half / 4.0).copysign(if below { -1.0 } else { 1.0 }));
            }
            values.extend(vec![-0.0; pad / 2]);
            check_f64(&values, offset, &[pad / 2, pad + 1]);
        }
    }

    #[test]
    fn exact_sum_bytes_round_trip(values in f64_vec(400), cuts in prop::collection::vec(any::<usize>(), 0..4), flip in any::<(usize, u8)>()) {
        // Accumulate in pieces, serialise each, read back, merge: same bits as the reference.
        let mut points: Vec<usize> = cuts.iter().map(|&c| c % (values.len() + 1)).collect();
        points.sort_unstable();
        points.push(values.len());
        let (mut start, mut total) = (0, ExactSum::new());
        for end in points {
            let mut piece = ExactSum::new();
            piece.add_slice(&values[start..end]);
            let bytes = piece.to_bytes();
            let back = ExactSum::from_bytes(&bytes).unwrap();
            prop_assert_eq!(back.to_bytes(), bytes.clone());
            total.merge(&back);
            start = end;
            // Any single corrupted byte, or any truncation, is rejected.
            let mut bad = bytes.clone();
            let at = flip.0 % bad.len();
            bad[at] ^= flip.1.max(1);
            prop_assert!(ExactSum::from_bytes(&bad).is_err());
            prop_assert!(ExactSum::from_bytes(&bytes[..flip.0 % bytes.len()]).is_err());
        }
        prop_assert_eq!(canon(total.finish()), canon(reference(values.iter().copied())));
    }
}

// ---------------------------------------------------------------------------------------------
// Adversarial sets and every length.

fn rng(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed | 1;
    move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

#[test]
fn every_length_and_offset_to_2100() {
    let mut next = rng(7);
    let pool: Vec<f64> = (0..2100 + 16)
        .map(|_| {
            let r = next();
            let e = 1023 - 40 + (r >> 58); // a spread of 64 binades
            f64::from_bits((r & (1 << 63)) | e << 52 | (r & ((1 << 52) - 1)))
        })
        .collect();
    for len in 0..=2100 {
        let offset = len % 16;
        let values = &pool[offset..offset + len];
        let placed = Placed::new(values, offset);
        let want = canon(reference(values.iter().copied()));
        for isa in Isa::available() {
            let got = sum_on_with(isa, placed.slice(), Mode::Exact).unwrap();
            assert_eq!(canon(got), want, "len {len} on {isa}");
        }
    }
}

#[test]
fn adversarial_sets() {
    let mut next = rng(11);
    let mut sets: Vec<Vec<f64>> = vec![
        vec![1e16, 1.0, -1e16],
        vec![1e308, 1e308, -1e308],
        vec![f64::MAX, f64::MAX, -f64::MAX],
        vec![f64::MAX; 3],
        vec![-f64::MAX; 5],
        vec![f64::MAX, f64::MAX * (f64::EPSILON / 2.0)],
        vec![f64::MAX, f64::MAX * (f64::EPSILON / 2.0), -pow2(-1074)],
        vec![-0.0; 100],
        vec![0.0, -0.0],
        vec![-0.0; 0],
        vec![1.0, -1.0, -0.0],
        vec![1.0, pow2(-53)],
        vec![1.0 + pow2(-52), pow2(-53)],
        vec![f64::MAX, pow2(970)],
        vec![f64::MAX, pow2(970), -pow2(-1074)],
        vec![pow2(100), pow2(47)],
        vec![pow2(100) + pow2(48), pow2(47)],
        vec![pow2(100) + pow2(48), pow2(47), pow2(-1074)],
    ];
    // Exponents across the whole range, both signs.
    sets.push(
        (0..2046u64)
            .flat_map(|e| {
                [
                    f64::from_bits(e << 52 | 12345),
                    -f64::from_bits(e << 52 | 999),
                ]
            })
            .collect(),
    );
    // All subnormals, and subnormals summing into the normals.
    sets.push(
        (1..5000u64)
            .map(|i| f64::from_bits((i * 0x3_0000_0001) & ((1 << 52) - 1)))
            .collect(),
    );
    sets.push(
        (0..3000)
            .map(|_| f64::from_bits(next() & ((1 << 52) - 1)))
            .collect(),
    );
    // Huge counts of 1.0 with tiny terms that only count together.
    let mut ones = vec![1.0; 200_000];
    ones.extend(std::iter::repeat_n(pow2(-60), 40_000));
    ones.push(pow2(-53));
    sets.push(ones);
    // Values near f64::MAX with random signs, and massive cancellation around them.
    sets.push(
        (0..4000)
            .map(|_| {
                let r = next();
                f64::from_bits((r & (1 << 63)) | 2046 << 52 | (r & ((1 << 52) - 1)))
            })
            .collect(),
    );
    let mut cancel: Vec<f64> = (0..3000)
        .map(|_| f64::from_bits(next() & 0x7fef_ffff_ffff_ffff))
        .collect();
    cancel.extend(cancel.clone().iter().map(|x| -x));
    cancel.push(pow2(-1074));
    let mut r = TestRng::deterministic_rng(proptest::test_runner::RngAlgorithm::ChaCha);
    shuffle(&mut cancel, &mut r);
    sets.push(cancel);
    for (i, set) in sets.iter().enumerate() {
        for offset in [0, 1, 3] {
            let cuts: Vec<usize> = (0..5).map(|_| next() as usize).collect();
            let placed = Placed::new(set, offset);
            let want = canon(reference(set.iter().copied()));
            for isa in Isa::available() {
                let got = sum_on_with(isa, placed.slice(), Mode::Exact).unwrap();
                assert_eq!(canon(got), want, "set {i} on {isa}: {got:e}");
                assert_eq!(
                    canon(chunked(isa, placed.slice(), Mode::Exact, &cuts)),
                    want,
                    "set {i}"
                );
            }
        }
    }
    assert_eq!(reference([1e308, 1e308, -1e308]), 1e308);
}

#[test]
fn large_random_lengths() {
    let mut next = rng(3);
    for (len, spread) in [
        (100_003usize, 30u64),
        (262_144, 60),
        (1_000_001, 8),
        (65_537, 2046),
    ] {
        let values: Vec<f64> = (0..len)
            .map(|_| {
                let r = next();
                let e = if spread >= 2046 {
                    r % 2047
                } else {
                    1023 - spread / 2 + r % spread
                };
                f64::from_bits((r & (1 << 63)) | e << 52 | ((r >> 7) & ((1 << 52) - 1)))
            })
            .collect();
        let cuts: Vec<usize> = (0..7).map(|_| next() as usize).collect();
        check_f64(&values, (len % 7) + 1, &cuts);
    }
}

#[test]
fn f32_edge_values() {
    let edges = [
        f32::MAX,
        f32::MIN,
        f32::MIN_POSITIVE,
        -f32::MIN_POSITIVE,
        f32::from_bits(1),
        -f32::from_bits(1),
        f32::EPSILON,
        0.0,
        -0.0,
        1.0,
        16_777_216.0,
        16_777_217.0,
    ];
    let values: Vec<f32> = (0..3000)
        .map(|i| edges[(i * 7 + i / 13) % edges.len()])
        .collect();
    check_f32(&values, 1, &[1000, 17]);
    check_f32(&[f32::MAX; 1000], 0, &[]);
    check_f32(&[-0.0; 33], 3, &[5]);
}

#[cfg(feature = "half")]
#[test]
fn half_types_exact() {
    use half::{bf16, f16};
    let mut next = rng(5);
    for len in [0usize, 1, 7, 1023, 1024, 1025, 5000] {
        let a: Vec<f16> = (0..len)
            .map(|_| f16::from_bits(next() as u16))
            .filter(|x| x.is_finite())
            .collect();
        let b: Vec<bf16> = (0..len)
            .map(|_| bf16::from_bits(next() as u16))
            .filter(|x| x.is_finite())
            .collect();
        let wa: Vec<f64> = a.iter().map(|x| x.to_f64()).collect();
        let wb: Vec<f64> = b.iter().map(|x| x.to_f64()).collect();
        let cuts = [next() as usize, next() as usize];
        check_modes(&a, &wa, &cuts);
        check_modes(&b, &wb, &cuts);
    }
    let edges = [
        f16::MAX,
        f16::MIN,
        f16::MIN_POSITIVE_SUBNORMAL,
        f16::NEG_ZERO,
        f16::INFINITY,
    ];
    for isa in Isa::available() {
        assert_eq!(
            sum_on_with(isa, &edges[..4], Mode::Exact).unwrap(),
            f16::MIN_POSITIVE_SUBNORMAL.to_f64()
        );
        assert_eq!(
            sum_on_with(isa, &edges, Mode::Exact).unwrap(),
            f64::INFINITY
        );
        assert_eq!(
            sum_on_with(isa, &[bf16::MAX; 4], Mode::Exact).unwrap(),
            4.0 * bf16::MAX.to_f64()
        );
        assert_eq!(
            sum_on_with(isa, &[bf16::NEG_ZERO; 4], Mode::Fast)
                .unwrap()
                .to_bits(),
            (-0f64).to_bits()
        );
    }
}

#[test]
fn exact_sum_rejects_malformed_bytes() {
    let mut acc = ExactSum::new();
    acc.add_slice(&[1.5, -1e300, 3e-320]);
    acc.add_slice_f32(&[0.25]);
    let bytes = acc.to_bytes();
    for len in 0..bytes.len() {
        assert!(ExactSum::from_bytes(&bytes[..len]).is_err());
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(ExactSum::from_bytes(&longer).is_err());
    for bit in 0..bytes.len() * 8 {
        let mut bad = bytes.clone();
        bad[bit / 8] ^= 1 << (bit % 8);
        assert!(ExactSum::from_bytes(&bad).is_err(), "bit {bit}");
    }
    assert_eq!(
        ExactSum::from_bytes(&bytes).unwrap().finish(),
        reference([1.5, -1e300, 3e-320, 0.25])
    );
}

proptest! {
    // Many short slices: blocks made of a vector or two, where residuals of the subnormal range
    // must survive every level.
    #![proptest_config(ProptestConfig::with_cases(3000))]
    #[test]
    fn short_slices(values in prop::collection::vec(finite_f64(), 0..24), offset in 0usize..4, cut in any::<usize>()) {
        check_f64(&values, offset, &[cut]);
    }
}

/// Sums whose first pass cannot decide the rounding (exact cancellation down to a few tiny terms)
/// and sums it can, on the pool (which redoes the undecided ones on a worker), on rayon and inline:
/// every way must give the reference bits.
#[test]
fn undecided_sums_on_every_driver() {
    let mut next = rng(5);
    let half: Vec<f64> = (0..300_000)
        .map(|_| {
            let r = next();
            f64::from_bits((r & (1 << 63)) | (1023 - 30 + r % 60) << 52 | (r >> 12))
        })
        .collect();
    let mut cancelling: Vec<f64> = half.iter().flat_map(|&x| [x, -x]).collect();
    let mut rng = TestRng::deterministic_rng(proptest::test_runner::RngAlgorithm::ChaCha);
    shuffle(&mut cancelling, &mut rng);
    let mut ties = cancelling.clone();
    ties.extend([pow2(60), 1.0, -pow2(-60)]);
    for data in [&half, &cancelling, &ties] {
        let want = canon(reference(data.iter().copied()));
        for threads in 1..=3 {
            let pool = coresum::Pool::builder()
                .threads(threads)
                .pin(false)
                .inline_bytes(0)
                .build()
                .unwrap();
            assert_eq!(canon(pool.sum(data)), want, "{threads} threads");
        }
        let rayon = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        assert_eq!(canon(rayon.install(|| coresum::rayon::sum(data))), want);
        assert_eq!(canon(coresum::sum(data)), want);
    }
    assert_eq!(canon(coresum::sum(&cancelling)), 0);
}
