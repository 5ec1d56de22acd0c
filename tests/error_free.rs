//! The error-free pass alone (`src/algo/float/error_free.rs`: what `ExactSum::add_slice`, each
//! buffer of `sum_stream` and every undecided Exact sum run) on every ISA path this machine has,
//! against the exact reference: blocks whose exponents span from one binade to the whole range
//! (so every count of extraction levels, rounds over the residuals, and the element-by-element
//! fallback) and two far-apart ranges in one block, powers of two and
//! short mantissas (the smallest-exponent bound), subnormals, magnitudes where `σ` would
//! overflow, zeros, cancellation, NaN and infinities, `f32`, several blocks and random chunkings.

#[path = "common/reference.rs"]
#[allow(dead_code, reason = "shared: this test uses the exact reference only")]
mod reference;

use coresum::{ExactSum, Isa, Mode, Summable};
use proptest::prelude::*;
use reference::{canon, pow2, reference};

/// Elements per block of the pass (`BLOCK` in `src/algo/float/mod.rs`).
const BLOCK: usize = 2048;

/// The sum of `data` by the error-free pass on `isa`, cut into chunks at `cuts`.
fn error_free<T: Summable<Output = f64>>(isa: Isa, data: &[T], cuts: &[usize]) -> f64 {
    let cuts: Vec<usize> = cuts.iter().map(|&c| c % (data.len() + 1)).collect();
    coresum::__sum_at_cuts(isa, Mode::Exact, data, &cuts, true).unwrap()
}

fn check_f64(values: &[f64], cuts: &[usize]) {
    let want = canon(reference(values.iter().copied()));
    for isa in Isa::available() {
        let got = error_free(isa, values, cuts);
        assert_eq!(canon(got), want, "{isa}, n={}: {got:e}", values.len());
    }
    let mut acc = ExactSum::new();
    acc.add_slice(values);
    assert_eq!(canon(acc.finish()), want, "ExactSum::add_slice");
}

fn check_f32(values: &[f32], cuts: &[usize]) {
    let want = canon(reference(values.iter().map(|&x| f64::from(x))));
    for isa in Isa::available() {
        let got = error_free(isa, values, cuts);
        assert_eq!(
            canon(got),
            want,
            "f32 on {isa}, n={}: {got:e}",
            values.len()
        );
    }
    let mut acc = ExactSum::new();
    acc.add_slice_f32(values);
    assert_eq!(canon(acc.finish()), want, "ExactSum::add_slice_f32");
}

/// `2^e · (1 + m · 2^-52)` with a sign, from raw parts (`e` a biased exponent, 0 for subnormals).
fn from_parts(negative: bool, biased: u64, mantissa: u64) -> f64 {
    f64::from_bits(u64::from(negative) << 63 | biased << 52 | (mantissa & ((1 << 52) - 1)))
}

/// Mantissas: random, zero (powers of two: their nonzero key is one binade lower), or only the
/// top few bits set (short significands, as integers and decimals scaled to binary have).
fn mantissa() -> impl Strategy<Value = u64> {
    prop_oneof![
        4 => any::<u64>(),
        1 => Just(0u64),
        1 => (any::<u64>(), 1u32..20).prop_map(|(m, bits)| m >> (64 - bits) << (52 - bits)),
    ]
}

/// Values with biased exponents in `centre ± width / 2` (clipped to the finite range), one in
/// `zeros` of them ±0: widths from one binade to the whole range give every level count.
fn spread(max_len: usize) -> impl Strategy<Value = Vec<f64>> {
    let width = prop_oneof![0u64..60, 60u64..160, 160u64..260, 260u64..760, 760u64..2047];
    (0u64..2047, width, 0usize..=max_len, 0u32..8).prop_flat_map(|(centre, width, len, zeros)| {
        let lo = centre.saturating_sub(width / 2);
        let hi = (centre + width / 2).min(2046);
        let value = (any::<bool>(), lo..=hi, mantissa(), 0u32..64).prop_map(
            move |(negative, e, m, die)| {
                if zeros > 0 && die % zeros == 0 && die < 32 {
                    if negative { -0.0 } else { 0.0 }
                } else {
                    from_parts(negative, e, m)
                }
            },
        );
        prop::collection::vec(value, len)
    })
}

/// `f32` values with exponents in `centre ± width / 2`, as [`spread`].
fn spread_f32(max_len: usize) -> impl Strategy<Value = Vec<f32>> {
    (0u32..255, 0u32..255, 0usize..=max_len).prop_flat_map(|(centre, width, len)| {
        let lo = centre.saturating_sub(width / 2);
        let hi = (centre + width / 2).min(254);
        let value = (any::<bool>(), lo..=hi, any::<u32>(), any::<bool>()).prop_map(
            |(negative, e, m, whole)| {
                let m = if whole { m } else { m & 0xffff_0000 };
                f32::from_bits(u32::from(negative) << 31 | e << 23 | (m & 0x7f_ffff))
            },
        );
        prop::collection::vec(value, len)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn f64_spreads(values in spread(3 * BLOCK + 100), cuts in prop::collection::vec(any::<usize>(), 0..4)) {
        check_f64(&values, &cuts);
    }

    #[test]
    fn f64_spreads_cancel(values in spread(BLOCK + 100), seed in any::<u64>()) {
        // x and −x with its last bit cleared: the large parts cancel and the total is the sum
        // of those last bits, which every level down to the smallest must extract.
        let mut all = values.clone();
        all.extend(values.iter().map(|x| -f64::from_bits(x.to_bits() & !1)));
        let k = seed as usize % all.len().max(1);
        all.rotate_left(k);
        check_f64(&all, &[]);
    }

    #[test]
    fn f32_spreads_cancel(values in spread_f32(BLOCK + 100)) {
        let mut all = values.clone();
        all.extend(values.iter().rev().map(|x| -f32::from_bits(x.to_bits() & !1)));
        check_f32(&all, &[]);
    }

    #[test]
    fn f32_spreads(values in spread_f32(2 * BLOCK + 100), cuts in prop::collection::vec(any::<usize>(), 0..4)) {
        check_f32(&values, &cuts);
    }

    #[test]
    fn two_clusters(a in spread(BLOCK), b in spread(BLOCK), seed in any::<u64>()) {
        // Two exponent ranges, maybe far apart, interleaved in every block: rounds of levels
        // over the residuals of the first.
        let mut all: Vec<f64> = a.iter().zip(&b).flat_map(|(&x, &y)| [x, y]).collect();
        let k = seed as usize % all.len().max(1);
        all.rotate_left(k);
        check_f64(&all, &[]);
        let cancel: Vec<f64> = all.iter().map(|x| -f64::from_bits(x.to_bits() & !1)).collect();
        all.extend(cancel);
        check_f64(&all, &[]);
    }

    #[test]
    fn specials_anywhere(mut values in spread(BLOCK + 10), at in prop::collection::vec((any::<usize>(), 0usize..4), 1..3)) {
        for (i, which) in at {
            let special = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -f64::NAN][which];
            let i = i % (values.len() + 1);
            values.insert(i, special);
        }
        check_f64(&values, &[]);
    }
}

/// `2^a`, `2^b·(1 + 3·2^-52)` and their negations less one last bit, for every distance `a − b`
/// across the level boundaries (each level takes 50 bits) and the rounds (200 bits each), up to
/// the element-by-element fallback: the exact total is the sum of the last bits, right only when
/// the levels cover the smallest element's last bit exactly. Then with a power of two among the
/// smallest elements (their key is one binade low).
#[test]
fn every_level_boundary() {
    for top in [1023 + 40, 1023, 1023 - 500, 60, 2043, 2044] {
        for d in (0..=300u64).chain((301..=800).step_by(7)) {
            if d >= top {
                break;
            }
            let big = from_parts(false, top, 0);
            let pattern = [
                big,
                from_parts(true, top - d, 3),
                -big,
                from_parts(false, top - d, 2),
            ];
            let mut values: Vec<f64> = pattern.iter().copied().cycle().take(2 * BLOCK).collect();
            check_f64(&values, &[]);
            check_f64(&values[3..BLOCK + 5], &[]);
            values[BLOCK / 2] = from_parts(false, top - d, 0);
            check_f64(&values, &[]);
        }
    }
}

/// Subnormals alone, with the smallest normals, and under large magnitudes (the deepest levels
/// and the floor of `σ` at 2^-1022).
#[test]
fn subnormals() {
    let tiny = pow2(-1074);
    let mut values: Vec<f64> = (0..3 * BLOCK as u64)
        .map(|i| {
            from_parts(
                i % 3 == 0,
                (i % 5 == 0).into(),
                i.wrapping_mul(0x9e37_79b9_7f4a_7c15),
            )
        })
        .collect();
    check_f64(&values, &[]);
    values.extend([tiny, -tiny, tiny, f64::MIN_POSITIVE]);
    check_f64(&values, &[BLOCK - 1]);
    for big in [pow2(-1000), pow2(-960), 1.0, pow2(100)] {
        values[17] = big;
        values[BLOCK + 5] = -big;
        check_f64(&values, &[]);
    }
}

/// A ladder of magnitudes `gap` binades apart, all cancelling exactly but for the last bits of the
/// bottom rung: rounds over the residuals must reach the bottom, however many that takes.
#[test]
fn ladders_need_every_round() {
    for gap in [40, 120, 149, 150, 151, 199, 200, 201] {
        for rungs in 1..=6u64 {
            let top = 2040;
            if gap * (rungs - 1) >= top {
                continue;
            }
            let mut values = Vec::new();
            for i in 0..BLOCK as u64 {
                let rung = i % rungs;
                let x = from_parts(
                    i % 3 == 0,
                    top - gap * rung,
                    i.wrapping_mul(0x9e37_79b9) | 1,
                );
                let partner = if rung == rungs - 1 {
                    f64::from_bits(x.to_bits() & !1)
                } else {
                    x
                };
                values.extend([x, -partner]);
            }
            check_f64(&values, &[]);
        }
    }
}
