//! Integer `dot` over long runs of extreme products (`algo::dot`, `algo::vnni`: a 32-bit lane of
//! the VNNI `i16` fold overflows after 129 such vectors without its flush), on every ISA path
//! this CPU has (the VNNI table on `avx512` where the CPU has AVX-512 VNNI), at offsets.

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
                    assert_eq!(coresum::__dot_on(isa, Mode::Exact, x, y), Ok(want), "{isa} {start}");
                }
            }
            assert_eq!(dot(&a, &b), Ok(a.iter().zip(&b).map(|(&p, &q)| p as $wide * q as $wide).sum()));
        }
    )*};
}

long_runs! {
    // 0x80ff: low byte 255 and high byte -128, the largest products of the split `b`.
    // 70,001 pairs: more than two flush rounds of 128 vectors of 32 for each of 4 accumulators.
    i16_extremes: i16 => i128, i16::MIN, i16::MAX, 0x80ffu16 as i16, 70_001;
    u16_extremes: u16 => u128, 0, u16::MAX, 0x80ff, 70_001;
    // The grid hands the kernels chunks shorter than one flush round of the VNNI byte fold (4 MiB
    // of `a`): the unit test in `arch::x86_64::avx512` calls those kernels directly.
    i8_extremes: i8 => i128, i8::MIN, i8::MAX, -1, (1 << 20) + 5;
    u8_extremes: u8 => u128, 0, u8::MAX, 128, (1 << 20) + 5;
}
