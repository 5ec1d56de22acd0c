//! Integer `dot` over long runs of extreme products (`algo::dot`, `algo::vnni`), on every ISA path
//! this CPU has (the VNNI table on `avx512` where the CPU has AVX-512 VNNI), at offsets, each run
//! in one chunk (`__dot_at_cuts` without cuts), so that the kernels see whole flush rounds: the
//! `i16` fold's sum of high halves wraps an i32 lane if its interval is doubled.

use coresum::{Isa, Mode, dot};

/// Runs of `run` pairs of each extreme combination, so that every accumulator sees long runs.
fn extremes<T: Copy>(lo: T, hi: T, mixed: T, run: usize) -> (Vec<T>, Vec<T>) {
    let pattern = [
        (lo, lo),
        (lo, mixed),
        (hi, lo),
        (hi, hi),
        (lo, hi),
        (mixed, mixed),
    ];
    pattern
        .iter()
        .flat_map(|&(x, y)| std::iter::repeat_n((x, y), run))
        .unzip()
}

macro_rules! long_runs {
    ($($name:ident: $t:ty => $wide:ty, $lo:expr, $hi:expr, $mixed:expr, $run:expr;)*) => {$(
        #[test]
        fn $name() {
            let (a, b) = extremes::<$t>($lo, $hi, $mixed, $run);
            for isa in Isa::available() {
                for start in [0, 3] {
                    let (x, y) = (&a[start..a.len() - start], &b[start..b.len() - start]);
                    let want: $wide = x.iter().zip(y).map(|(&p, &q)| p as $wide * q as $wide).sum();
                    let whole = coresum::__dot_at_cuts(isa, Mode::Exact, x, y, &[]);
                    assert_eq!(whole, Ok(Ok(want)), "{isa} {start}");
                }
            }
            assert_eq!(dot(&a, &b), Ok(a.iter().zip(&b).map(|(&p, &q)| p as $wide * q as $wide).sum()));
        }
    )*};
}

long_runs! {
    // `i16::MIN` squared first: the largest high half of a biased pair sum. 2^22 pairs: twice the
    // flush round of `Words` on AVX-512 (2^16 vectors of 32 pairs per lane).
    i16_extremes: i16 => i128, i16::MIN, i16::MAX, 0x80ffu16 as i16, (1 << 22) + 5;
    u16_extremes: u16 => u128, 0, u16::MAX, 0x80ff, 70_001;
    // Shorter than one flush round of the VNNI byte fold (4 MiB of `a`) to keep this test quick:
    // the unit test in `arch::x86_64::avx512` covers those rounds.
    i8_extremes: i8 => i128, i8::MIN, i8::MAX, -1, (1 << 20) + 5;
    u8_extremes: u8 => u128, 0, u8::MAX, 128, (1 << 20) + 5;
}
