//! The fused masked and strided sums' kernels (issue 12, "fused"): the sum kernels loading
//! through a lane mask (`algo::mask`), driven by `crate::gather` (`Fuse`). Every ISA module
//! instantiates them through [`kernel_table!`](super::kernel_table), which invokes
//! [`fused_table!`] with the ISA's vector types.

use crate::algo::mask::Bitmap;
use crate::exact_sum::ExactSum;

/// The fused kernels of one element type on one ISA: the sum of the elements of a span that a
/// mask adds, where they lie. `P` is what the type's sum yields: the exact integer sum, or for
/// floats the certified pass's accumulator and slack.
#[derive(Debug)]
pub(crate) struct FusedKernels<T, P> {
    /// Every element (the plain kernel: a stretch of a bitmap with no null).
    pub(crate) all: unsafe fn(&[T]) -> P,
    /// The elements whose bit is set in a validity bitmap.
    pub(crate) masked: unsafe fn(&[T], Bitmap<'_>) -> P,
    /// Every 2nd, 3rd, 4th element from the span's first (`every[stride − 2]`).
    pub(crate) every: [unsafe fn(&[T]) -> P; 3],
}

/// The fused kernels of every type with sum kernels of its own (`isize`/`usize` share their
/// width's).
#[derive(Debug)]
pub(crate) struct Fused {
    pub(crate) u8: FusedKernels<u8, u128>,
    pub(crate) i8: FusedKernels<i8, i128>,
    pub(crate) u16: FusedKernels<u16, u128>,
    pub(crate) i16: FusedKernels<i16, i128>,
    pub(crate) u32: FusedKernels<u32, u128>,
    pub(crate) i32: FusedKernels<i32, i128>,
    pub(crate) u64: FusedKernels<u64, u128>,
    pub(crate) i64: FusedKernels<i64, i128>,
    /// The certified pass ([`crate::Mode::Exact`]'s first).
    pub(crate) f32: FusedKernels<f32, (ExactSum, f64)>,
    pub(crate) f64: FusedKernels<f64, (ExactSum, f64)>,
}

/// Defines, inside an ISA module, the fused kernels (`sum_i32_masked`, `sum_f64_certified_every2`,
/// …) and the module's `FUSED` table, for `kernel_table!`.
macro_rules! fused_table {
    ($attrs:tt $int:ty, $float:ty) => {
        $crate::arch::fused_table!(@kernels $attrs $int, $float;
            u8 -> u128 = sum_u8: sum_u8_masked, sum_u8_every2, sum_u8_every3, sum_u8_every4;
            i8 -> i128 = sum_i8: sum_i8_masked, sum_i8_every2, sum_i8_every3, sum_i8_every4;
            u16 -> u128 = sum_u16: sum_u16_masked, sum_u16_every2, sum_u16_every3, sum_u16_every4;
            i16 -> i128 = sum_i16: sum_i16_masked, sum_i16_every2, sum_i16_every3, sum_i16_every4;
            u32 -> u128 = sum_u32: sum_u32_masked, sum_u32_every2, sum_u32_every3, sum_u32_every4;
            i32 -> i128 = sum_i32: sum_i32_masked, sum_i32_every2, sum_i32_every3, sum_i32_every4;
            u64 -> u128 = sum_u64: sum_u64_masked, sum_u64_every2, sum_u64_every3, sum_u64_every4;
            i64 -> i128 = sum_i64: sum_i64_masked, sum_i64_every2, sum_i64_every3, sum_i64_every4;
            |
            f32: sum_f32_certified_all, sum_f32_certified_masked, sum_f32_certified_every2,
                sum_f32_certified_every3, sum_f32_certified_every4;
            f64: sum_f64_certified_all, sum_f64_certified_masked, sum_f64_certified_every2,
                sum_f64_certified_every3, sum_f64_certified_every4;);
    };
    (@kernels $attrs:tt $int:ty, $float:ty;
     $($t:ident -> $out:ty = $sum:ident: $masked:ident, $every2:ident, $every3:ident, $every4:ident;)*
     | $($f:ident: $fall:ident, $fmasked:ident, $fevery2:ident, $fevery3:ident, $fevery4:ident;)*) => {
        $(
            $crate::arch::kernel_table!(@fn $attrs
                #[doc = concat!("The exact sum of the valid `", stringify!($t), "` elements, on this module's ISA.")]
                $masked(data: &[$t], mask: $crate::algo::mask::Bitmap<'_>) -> $out
                    = $crate::algo::int::$sum::<$int, _>(data, mask));
            $crate::arch::fused_table!(@every $attrs $t -> $out:
                $every2 = $crate::algo::int::$sum::<$int, _>, 2;
                $every3 = $crate::algo::int::$sum::<$int, _>, 3;
                $every4 = $crate::algo::int::$sum::<$int, _>, 4);
        )*
        $(
            $crate::arch::kernel_table!(@fn $attrs
                #[doc = concat!("The certified pass over `", stringify!($f), "` elements, from an empty accumulator, on this")]
                #[doc = "module's ISA."]
                $fall(data: &[$f]) -> ($crate::exact_sum::ExactSum, f64)
                    = $crate::algo::float::certified_partial::<$float, $f, _>(data, $crate::algo::mask::All));
            $crate::arch::kernel_table!(@fn $attrs
                #[doc = concat!("The certified pass over the valid `", stringify!($f), "` elements, on this module's ISA.")]
                $fmasked(data: &[$f], mask: $crate::algo::mask::Bitmap<'_>)
                    -> ($crate::exact_sum::ExactSum, f64)
                    = $crate::algo::float::certified_partial::<$float, $f, _>(data, mask));
            $crate::arch::fused_table!(@every $attrs $f -> ($crate::exact_sum::ExactSum, f64):
                $fevery2 = $crate::algo::float::certified_partial::<$float, $f, _>, 2;
                $fevery3 = $crate::algo::float::certified_partial::<$float, $f, _>, 3;
                $fevery4 = $crate::algo::float::certified_partial::<$float, $f, _>, 4);
        )*
        const FUSED: $crate::arch::Fused = $crate::arch::Fused {
            $($t: $crate::arch::FusedKernels {
                all: $sum,
                masked: $masked,
                every: [$every2, $every3, $every4],
            },)*
            $($f: $crate::arch::FusedKernels {
                all: $fall,
                masked: $fmasked,
                every: [$fevery2, $fevery3, $fevery4],
            },)*
        };
    };
    (@every $attrs:tt $t:ident -> $out:ty: $($name:ident = $kernel:path, $stride:literal);*) => {$(
        $crate::arch::kernel_table!(@fn $attrs
            #[doc = concat!("The sum of every ", stringify!($stride), "th `", stringify!($t), "` element from the first, on this module's ISA.")]
            $name(data: &[$t]) -> $out
                = $kernel(data, $crate::algo::mask::Every::<$stride> { phase: 0 }));
    )*};
}
pub(crate) use fused_table;
