//! The one arch layer: per instruction set, one module holding its vector types (integer and float
//! alike), its capability check, and its table of every kernel.
//!
//! Three layers, as in `memchr`: [`crate::algo`] holds each algorithm once over the crate-private
//! `Vector` (integer lanes) and `FloatVector` (`f64` lanes) traits; [`portable`] and the per-ISA
//! modules (`x86_64::{sse2, avx2, avx512}`, `aarch64::neon`) implement those traits with their
//! instructions and invoke [`kernel_table!`], which instantiates every algorithm inside
//! `#[target_feature]` functions. Those are `#[inline(never)]` and named after ISA, operation and
//! type (`coresum::arch::x86_64::avx2::sum_i16`, `…::sum_f64_certified`), so each is one symbol in
//! `perf report`.
//!
//! A [`Kernels`] table can only be obtained through [`Kernels::get`], which asks the ISA module's
//! `is_available()` (free when the build's target features already guarantee the ISA): holding a
//! `&'static Kernels` is the proof that its functions may be called.
//!
//! Adding a reduction: one generic kernel in `algo/`, one field in [`Kernels`] and one line in
//! [`kernel_table!`] (which every ISA module invokes), see docs/DESIGN.md.

pub(crate) mod portable;

#[cfg(coresum_x86)]
pub(crate) mod x86_64;

#[cfg(coresum_neon)]
pub(crate) mod aarch64;

use crate::algo::columns::Tile;
use crate::exact_sum::ExactSum;
use crate::isa::Isa;
use std::sync::OnceLock;

/// The float kernels of one element type on one ISA, one per pass (see `algo::float`).
#[derive(Debug)]
pub(crate) struct FloatKernels<T> {
    /// Plain IEEE additions in SIMD lanes ([`crate::Mode::Fast`]).
    pub(crate) fast: unsafe fn(&[T]) -> f64,
    /// Adds to an exact accumulator up to an error bound it adds to `slack`: the first pass of
    /// [`crate::Mode::Exact`], and all of [`crate::Mode::Compensated`].
    pub(crate) certified: unsafe fn(&mut ExactSum, &mut f64, &[T]),
    /// Adds to an exact accumulator without error: the second pass of [`crate::Mode::Exact`].
    pub(crate) error_free: unsafe fn(&mut ExactSum, &[T]),
}

// min / max / argmin / argmax (issue 11): `algo::extreme`, reduced by `crate::extreme`.

/// The extreme-value kernels of one element type on one ISA.
#[derive(Debug)]
pub(crate) struct ExtremeKernels<T> {
    /// The smallest element (a NaN if there is one), `None` if empty.
    pub(crate) min: unsafe fn(&[T]) -> Option<T>,
    /// The largest element (a NaN if there is one), `None` if empty.
    pub(crate) max: unsafe fn(&[T]) -> Option<T>,
    /// The index of the first element equal to the target (the first NaN for a NaN).
    pub(crate) position: unsafe fn(&[T], T) -> Option<usize>,
}

/// The extreme-value kernels of every type with a table entry (`isize`/`usize` share their
/// width's; the 16-bit floats compare in software, without a table).
#[derive(Debug)]
pub(crate) struct Extremes {
    pub(crate) u8: ExtremeKernels<u8>,
    pub(crate) i8: ExtremeKernels<i8>,
    pub(crate) u16: ExtremeKernels<u16>,
    pub(crate) i16: ExtremeKernels<i16>,
    pub(crate) u32: ExtremeKernels<u32>,
    pub(crate) i32: ExtremeKernels<i32>,
    pub(crate) u64: ExtremeKernels<u64>,
    pub(crate) i64: ExtremeKernels<i64>,
    pub(crate) f32: ExtremeKernels<f32>,
    pub(crate) f64: ExtremeKernels<f64>,
}

/// Every kernel of one ISA (`isize`/`usize` share their width's).
///
/// Public only so that the sealed `ElementSum` trait can name it; it cannot be named or built outside
/// the crate.
#[derive(Debug)]
pub struct Kernels {
    /// The path every function below runs on.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) isa: Isa,
    pub(crate) sum_u8: unsafe fn(&[u8]) -> u128,
    pub(crate) sum_i8: unsafe fn(&[i8]) -> i128,
    pub(crate) sum_u16: unsafe fn(&[u16]) -> u128,
    pub(crate) sum_i16: unsafe fn(&[i16]) -> i128,
    pub(crate) sum_u32: unsafe fn(&[u32]) -> u128,
    pub(crate) sum_i32: unsafe fn(&[i32]) -> i128,
    pub(crate) sum_u64: unsafe fn(&[u64]) -> u128,
    pub(crate) sum_i64: unsafe fn(&[i64]) -> i128,
    pub(crate) f64: FloatKernels<f64>,
    pub(crate) f32: FloatKernels<f32>,
    // min / max / argmin / argmax (issue 11)
    pub(crate) extremes: Extremes,
    // dot (issue 11).
    pub(crate) dot: DotKernels,
    // layouts (issue 12): strided gathers and masked selects (`algo::layout`).
    pub(crate) layouts: Layouts,
    // column sums (issue 12, "columns").
    pub(crate) columns: ColumnKernels,
    // fused masked and strided sums (issue 12, "fused").
    pub(crate) fused: Fused,
}

// column sums (issue 12, "columns"): `algo::columns`, `algo::float::columns`, driven by
// `crate::columns`.

/// The column-sum kernels of one ISA: each adds the column sums of a `Tile` (row segments read
/// in memory order) to one accumulator per column.
#[derive(Debug)]
pub(crate) struct ColumnKernels {
    pub(crate) u8: unsafe fn(Tile<u8>, &mut [i128]),
    pub(crate) i8: unsafe fn(Tile<i8>, &mut [i128]),
    pub(crate) u16: unsafe fn(Tile<u16>, &mut [i128]),
    pub(crate) i16: unsafe fn(Tile<i16>, &mut [i128]),
    pub(crate) u32: unsafe fn(Tile<u32>, &mut [i128]),
    pub(crate) i32: unsafe fn(Tile<i32>, &mut [i128]),
    pub(crate) u64: unsafe fn(Tile<u64>, &mut [i128]),
    pub(crate) i64: unsafe fn(Tile<i64>, &mut [i128]),
    /// Plain IEEE additions per column ([`crate::Mode::Fast`]).
    pub(crate) f64_fast: unsafe fn(Tile<f64>, &mut [f64]),
    pub(crate) f32_fast: unsafe fn(Tile<f32>, &mut [f64]),
    /// The certified pass per column: exact accumulators, their slack, and each column's
    /// largest magnitude bits in the last tile (`algo::float::columns`, one pass over memory).
    pub(crate) f64_certified: CertifiedColumns<f64>,
    pub(crate) f32_certified: CertifiedColumns<f32>,
}

/// A certified column kernel: a tile, then per column its exact accumulator, slack and last key.
pub(crate) type CertifiedColumns<E> = unsafe fn(Tile<E>, &mut [ExactSum], &mut [f64], &mut [u64]);

/// The dot-product kernels of one ISA (`algo::dot`); each reads `min(a.len(), b.len())` pairs.
#[derive(Debug)]
pub(crate) struct DotKernels {
    pub(crate) i8: unsafe fn(&[i8], &[i8]) -> i128,
    pub(crate) u8: unsafe fn(&[u8], &[u8]) -> u128,
    pub(crate) i16: unsafe fn(&[i16], &[i16]) -> i128,
    pub(crate) u16: unsafe fn(&[u16], &[u16]) -> u128,
    pub(crate) i32: unsafe fn(&[i32], &[i32]) -> i128,
    pub(crate) u32: unsafe fn(&[u32], &[u32]) -> u128,
    /// Plain FMA lanes ([`crate::Mode::Fast`]).
    pub(crate) f64_fast: unsafe fn(&[f64], &[f64]) -> f64,
    pub(crate) f32_fast: unsafe fn(&[f32], &[f32]) -> f64,
    /// TwoProduct into the certified pass; `false` where a product is not finite.
    pub(crate) f64_certified: unsafe fn(&mut ExactSum, &mut f64, &[f64], &[f64]) -> bool,
    pub(crate) f32_certified: unsafe fn(&mut ExactSum, &mut f64, &[f32], &[f32]) -> bool,
    /// Whether `i8`, `u8` and `i16` run on AVX-512 VNNI (`algo::vnni`, `kernel_table!(@dot_vnni)`).
    pub(crate) vnni: bool,
}

// layouts (issue 12): strided gathers and masked selects into a buffer (`algo::layout`).

/// The layout kernels of one element width on one ISA.
#[derive(Debug)]
pub(crate) struct LayoutKernels<T> {
    /// Copies `out.len()` elements `stride` apart from `first` into `out`; `first.offset(i ·
    /// stride)` must be valid for reads for every `i < out.len()`.
    pub(crate) gather: unsafe fn(first: *const T, stride: isize, out: &mut [T]),
    /// `out[i] = data[i]` where bit `bit_offset + i` of the validity bitmap is set, else `fill`.
    pub(crate) select:
        unsafe fn(data: &[T], validity: &[u8], bit_offset: usize, fill: T, out: &mut [T]),
}

/// The layout kernels of every element width: types are moved as the integer of their width.
#[derive(Debug)]
pub(crate) struct Layouts {
    pub(crate) u8: LayoutKernels<u8>,
    pub(crate) u16: LayoutKernels<u16>,
    pub(crate) u32: LayoutKernels<u32>,
    pub(crate) u64: LayoutKernels<u64>,
}

// fused masked and strided sums (issue 12, "fused"): `fused.rs`.
mod fused;
pub(crate) use fused::{Fused, FusedKernels, fused_table};

impl Kernels {
    /// The table of `isa`, if this build has it and the running CPU supports it: the one
    /// capability check.
    pub(crate) fn get(isa: Isa) -> Option<&'static Kernels> {
        // Miri interprets only the portable path.
        if cfg!(miri) && isa != Isa::Scalar {
            return None;
        }
        let (available, table) = match isa {
            Isa::Scalar => (true, &portable::KERNELS),
            #[cfg(coresum_x86)]
            Isa::Sse2 => (x86_64::sse2::is_available(), &x86_64::sse2::KERNELS),
            #[cfg(coresum_x86)]
            Isa::Avx2 => (x86_64::avx2::is_available(), &x86_64::avx2::KERNELS),
            #[cfg(coresum_x86)]
            Isa::Avx512 => (x86_64::avx512::is_available(), x86_64::avx512::kernels()),
            #[cfg(coresum_neon)]
            Isa::Neon => (aarch64::neon::is_available(), &aarch64::neon::KERNELS),
            #[allow(unreachable_patterns)]
            _ => return None,
        };
        available.then_some(table)
    }

    /// The table of the process-wide choice ([`crate::isa()`]), looked up once.
    #[inline]
    pub(crate) fn active() -> &'static Kernels {
        static ACTIVE: OnceLock<&'static Kernels> = OnceLock::new();
        ACTIVE.get_or_init(|| {
            // `isa()` only ever returns an available path, and Scalar always is.
            Kernels::get(crate::isa()).unwrap_or(&portable::KERNELS)
        })
    }
}

/// Defines, inside an ISA module, one named non-inlined function per kernel and the module's
/// `KERNELS` table. `$isa` names the path, `$int` implements `algo::int::Vector`, `$float`
/// implements `algo::float::FloatVector`; `$features` are the target features the module's
/// `is_available()` checks (none for the portable path).
macro_rules! kernel_table {
    ($isa:expr, $int:ty, $float:ty $(, $features:literal)?) => {
        $crate::arch::kernel_table!(@int [$(#[target_feature(enable = $features)])?] $int;
            sum_u8(u8) -> u128, sum_i8(i8) -> i128, sum_u16(u16) -> u128, sum_i16(i16) -> i128,
            sum_u32(u32) -> u128, sum_i32(i32) -> i128, sum_u64(u64) -> u128, sum_i64(i64) -> i128);
        $crate::arch::kernel_table!(@float [$(#[target_feature(enable = $features)])?] $float;
            f64: sum_f64_fast, sum_f64_certified, sum_f64_error_free);
        $crate::arch::kernel_table!(@float [$(#[target_feature(enable = $features)])?] $float;
            f32: sum_f32_fast, sum_f32_certified, sum_f32_error_free);
        // min / max / argmin / argmax (issue 11)
        $crate::arch::kernel_table!(@extreme [$(#[target_feature(enable = $features)])?];
            u8: min_u8, max_u8, position_u8; i8: min_i8, max_i8, position_i8;
            u16: min_u16, max_u16, position_u16; i16: min_i16, max_i16, position_i16;
            u32: min_u32, max_u32, position_u32; i32: min_i32, max_i32, position_i32;
            u64: min_u64, max_u64, position_u64; i64: min_i64, max_i64, position_i64;
            f32: min_f32, max_f32, position_f32; f64: min_f64, max_f64, position_f64);
        $crate::arch::kernel_table!(@dot [$(#[target_feature(enable = $features)])?] $int, $float);
        // column sums (issue 12, "columns")
        $crate::arch::kernel_table!(@columns [$(#[target_feature(enable = $features)])?];
            u8: columns_u8, i8: columns_i8, u16: columns_u16, i16: columns_i16,
            u32: columns_u32, i32: columns_i32, u64: columns_u64, i64: columns_i64);
        // layouts (issue 12): `$int` implements `algo::layout::Layout` for every width.
        $crate::arch::kernel_table!(@layout [$(#[target_feature(enable = $features)])?] $int;
            u8: gather_u8, select_u8; u16: gather_u16, select_u16;
            u32: gather_u32, select_u32; u64: gather_u64, select_u64);
        // fused masked and strided sums (issue 12, "fused")
        $crate::arch::fused_table!([$(#[target_feature(enable = $features)])?] $int, $float);

        /// This module's table as a value, for variants of it (`kernel_table!(@dot_vnni)`).
        const TABLE: $crate::arch::Kernels = $crate::arch::Kernels {
            isa: $isa,
            sum_u8,
            sum_i8,
            sum_u16,
            sum_i16,
            sum_u32,
            sum_i32,
            sum_u64,
            sum_i64,
            f64: $crate::arch::FloatKernels {
                fast: sum_f64_fast,
                certified: sum_f64_certified,
                error_free: sum_f64_error_free,
            },
            f32: $crate::arch::FloatKernels {
                fast: sum_f32_fast,
                certified: sum_f32_certified,
                error_free: sum_f32_error_free,
            },
            dot: $crate::arch::DotKernels {
                i8: dot_i8,
                u8: dot_u8,
                i16: dot_i16,
                u16: dot_u16,
                i32: dot_i32,
                u32: dot_u32,
                f64_fast: dot_f64_fast,
                f32_fast: dot_f32_fast,
                f64_certified: dot_f64_certified,
                f32_certified: dot_f32_certified,
                vnni: false,
            },
            extremes: EXTREMES,
            columns: COLUMNS,
            layouts: LAYOUTS,
            fused: FUSED,
        };
    };
    // layouts (issue 12)
    (@layout $attrs:tt $vector:ty; $($t:ident: $gather:ident, $select:ident);*) => {
        $(
            $crate::arch::kernel_table!(@fn $attrs
                #[doc = concat!("Copies `", stringify!($t), "` elements a stride apart, on this module's ISA;")]
                #[doc = "`first.offset(i · stride)` must be valid for reads for every `i < out.len()`."]
                $gather(first: *const $t, stride: isize, out: &mut [$t])
                    = $crate::algo::layout::gather::<$vector, $t>(first, stride, out));
            $crate::arch::kernel_table!(@fn $attrs
                #[doc = concat!("The valid `", stringify!($t), "` elements, `fill` for the others, on this")]
                #[doc = "module's ISA."]
                $select(data: &[$t], validity: &[u8], bit_offset: usize, fill: $t, out: &mut [$t])
                    = $crate::algo::layout::select::<$vector, $t>(data, validity, bit_offset, fill, out));
        )*
        const LAYOUTS: $crate::arch::Layouts = $crate::arch::Layouts {
            $($t: $crate::arch::LayoutKernels { gather: $gather, select: $select },)*
        };
    };
    // column sums (issue 12, "columns")
    (@columns $attrs:tt; $($t:ident: $name:ident),*) => {
        $(
            $crate::arch::kernel_table!(@fn $attrs
                #[doc = concat!("Adds the column sums of a tile of `", stringify!($t), "` to `out`.")]
                $name(tile: $crate::algo::columns::Tile<$t>, out: &mut [i128])
                    = $crate::algo::columns::int_columns::<$t>(tile, out));
        )*
        $crate::arch::kernel_table!(@fn $attrs
            #[doc = "Adds the column sums of a tile of `f64` to `sums` in IEEE additions."]
            columns_f64_fast(tile: $crate::algo::columns::Tile<f64>, sums: &mut [f64])
                = $crate::algo::float::fast_columns::<f64>(tile, sums));
        $crate::arch::kernel_table!(@fn $attrs
            #[doc = "Adds the column sums of a tile of `f32` to `sums` in IEEE additions."]
            columns_f32_fast(tile: $crate::algo::columns::Tile<f32>, sums: &mut [f64])
                = $crate::algo::float::fast_columns::<f32>(tile, sums));
        $crate::arch::kernel_table!(@fn $attrs
            #[doc = "The certified pass of each column of a tile of `f64`."]
            columns_f64_certified(tile: $crate::algo::columns::Tile<f64>,
                acc: &mut [$crate::exact_sum::ExactSum], slack: &mut [f64], keys: &mut [u64])
                = $crate::algo::float::certified_columns::<f64>(tile, acc, slack, keys));
        $crate::arch::kernel_table!(@fn $attrs
            #[doc = "The certified pass of each column of a tile of `f32`."]
            columns_f32_certified(tile: $crate::algo::columns::Tile<f32>,
                acc: &mut [$crate::exact_sum::ExactSum], slack: &mut [f64], keys: &mut [u64])
                = $crate::algo::float::certified_columns::<f32>(tile, acc, slack, keys));
        const COLUMNS: $crate::arch::ColumnKernels = $crate::arch::ColumnKernels {
            $($t: $name,)*
            f64_fast: columns_f64_fast,
            f32_fast: columns_f32_fast,
            f64_certified: columns_f64_certified,
            f32_certified: columns_f32_certified,
        };
        pub(crate) static KERNELS: $crate::arch::Kernels = TABLE;
    };
    (@extreme $attrs:tt; $($t:ident: $min:ident, $max:ident, $position:ident);*) => {
        $(
            $crate::arch::kernel_table!(@fn $attrs
                #[doc = concat!("The smallest `", stringify!($t), "` element, on this module's ISA.")]
                $min(data: &[$t]) -> Option<$t> = $crate::algo::extreme::extreme::<$t, false>(data));
            $crate::arch::kernel_table!(@fn $attrs
                #[doc = concat!("The largest `", stringify!($t), "` element, on this module's ISA.")]
                $max(data: &[$t]) -> Option<$t> = $crate::algo::extreme::extreme::<$t, true>(data));
            $crate::arch::kernel_table!(@fn $attrs
                #[doc = concat!("The first position of a `", stringify!($t), "` value, on this module's ISA.")]
                $position(data: &[$t], target: $t) -> Option<usize>
                    = $crate::algo::extreme::position::<$t>(data, target));
        )*
        const EXTREMES: $crate::arch::Extremes = $crate::arch::Extremes {
            $($t: $crate::arch::ExtremeKernels { min: $min, max: $max, position: $position },)*
        };
    };
    (@dot $attrs:tt $int:ty, $float:ty) => {
        $crate::arch::kernel_table!(@fn $attrs #[doc = "The exact `i8` dot product."]
            dot_i8(a: &[i8], b: &[i8]) -> i128 = $crate::algo::dot::dot_i8::<$int>(a, b));
        $crate::arch::kernel_table!(@fn $attrs #[doc = "The exact `u8` dot product."]
            dot_u8(a: &[u8], b: &[u8]) -> u128 = $crate::algo::dot::dot_u8::<$int>(a, b));
        $crate::arch::kernel_table!(@fn $attrs #[doc = "The exact `i16` dot product."]
            dot_i16(a: &[i16], b: &[i16]) -> i128 = $crate::algo::dot::dot_i16::<$int>(a, b));
        $crate::arch::kernel_table!(@fn $attrs #[doc = "The exact `u16` dot product."]
            dot_u16(a: &[u16], b: &[u16]) -> u128 = $crate::algo::dot::dot_unsigned(a, b));
        $crate::arch::kernel_table!(@fn $attrs #[doc = "The exact `i32` dot product."]
            dot_i32(a: &[i32], b: &[i32]) -> i128 = $crate::algo::dot::dot_signed(a, b));
        $crate::arch::kernel_table!(@fn $attrs #[doc = "The exact `u32` dot product."]
            dot_u32(a: &[u32], b: &[u32]) -> u128 = $crate::algo::dot::dot_unsigned(a, b));
        $crate::arch::kernel_table!(@fn $attrs #[doc = "The `f64` dot product in FMA lanes."]
            dot_f64_fast(a: &[f64], b: &[f64]) -> f64 = $crate::algo::dot::fast::<$float, f64>(a, b));
        $crate::arch::kernel_table!(@fn $attrs #[doc = "The `f32` dot product in FMA lanes."]
            dot_f32_fast(a: &[f32], b: &[f32]) -> f64 = $crate::algo::dot::fast::<$float, f32>(a, b));
        $crate::arch::kernel_table!(@fn $attrs #[doc = "TwoProduct of `f64` pairs into the certified pass."]
            dot_f64_certified(acc: &mut $crate::exact_sum::ExactSum, slack: &mut f64, a: &[f64], b: &[f64]) -> bool
                = $crate::algo::dot::certified::<$float, f64>(acc, slack, a, b));
        $crate::arch::kernel_table!(@fn $attrs #[doc = "TwoProduct of `f32` pairs into the certified pass."]
            dot_f32_certified(acc: &mut $crate::exact_sum::ExactSum, slack: &mut f64, a: &[f32], b: &[f32]) -> bool
                = $crate::algo::dot::certified::<$float, f32>(acc, slack, a, b));
    };
    // dot on AVX-512 VNNI (issue 11): `KERNELS_VNNI`, this module's table with the 8- and 16-bit
    // integer dot kernels of `algo::vnni`, for CPUs that also have `$features`.
    (@dot_vnni $features:literal, $int:ty) => {
        $crate::arch::kernel_table!(@fn [#[target_feature(enable = $features)]]
            #[doc = "The exact `i8` dot product on VNNI (`vpdpbusd`)."]
            dot_i8_vnni(a: &[i8], b: &[i8]) -> i128 = $crate::algo::vnni::dot_i8::<$int>(a, b));
        $crate::arch::kernel_table!(@fn [#[target_feature(enable = $features)]]
            #[doc = "The exact `u8` dot product on VNNI (`vpdpbusd`)."]
            dot_u8_vnni(a: &[u8], b: &[u8]) -> u128 = $crate::algo::vnni::dot_u8::<$int>(a, b));
        $crate::arch::kernel_table!(@fn [#[target_feature(enable = $features)]]
            #[doc = "The exact `i16` dot product on VNNI (`vpdpwssd`)."]
            dot_i16_vnni(a: &[i16], b: &[i16]) -> i128 = $crate::algo::vnni::dot_i16::<$int>(a, b));

        /// This module's table with the VNNI dot kernels: only for CPUs with `$features`.
        pub(crate) static KERNELS_VNNI: $crate::arch::Kernels = $crate::arch::Kernels {
            dot: $crate::arch::DotKernels {
                i8: dot_i8_vnni,
                u8: dot_u8_vnni,
                i16: dot_i16_vnni,
                vnni: true,
                ..TABLE.dot
            },
            ..TABLE
        };
    };
    (@int $attrs:tt $vector:ty; $($name:ident($t:ty) -> $out:ty),*) => {$(
        $crate::arch::kernel_table!(@fn $attrs
            #[doc = concat!("The exact sum of `", stringify!($t), "` elements, on this module's ISA.")]
            $name(data: &[$t]) -> $out
                = $crate::algo::int::$name::<$vector, _>(data, $crate::algo::mask::All));
    )*};
    (@float $attrs:tt $vector:ty; $t:ty: $fast:ident, $certified:ident, $error_free:ident) => {
        $crate::arch::kernel_table!(@fn $attrs
            #[doc = concat!("The fast sum of `", stringify!($t), "` elements, on this module's ISA.")]
            $fast(data: &[$t]) -> f64 = $crate::algo::float::fast::<$vector, $t>(data));
        $crate::arch::kernel_table!(@fn $attrs
            #[doc = concat!("Adds `", stringify!($t), "` elements to an exact accumulator up to an error")]
            #[doc = "that it adds to `slack` (the certified pass)."]
            $certified(acc: &mut $crate::exact_sum::ExactSum, slack: &mut f64, data: &[$t])
                = $crate::algo::float::certified::<$vector, $t>(acc, slack, data));
        $crate::arch::kernel_table!(@fn $attrs
            #[doc = concat!("Adds `", stringify!($t), "` elements to an exact accumulator, exactly")]
            #[doc = "(the error-free pass)."]
            $error_free(acc: &mut $crate::exact_sum::ExactSum, data: &[$t])
                = $crate::algo::float::error_free::<$vector, $t>(acc, data));
    };
    (@fn [$($attr:tt)*] $(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*) $(-> $out:ty)? = $body:expr) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// The running CPU must support this module's ISA.
        $($attr)*
        #[inline(never)]
        pub(crate) unsafe fn $name($($arg: $ty),*) $(-> $out)? {
            // SAFETY: the caller vouches for the ISA, as this function's contract says.
            unsafe { $body }
        }
    };
}
pub(crate) use kernel_table;

#[cfg(test)]
mod tests {
    //! Small cases of every integer kernel on every available path, cheap enough for Miri (which
    //! runs the portable path only). The exhaustive property tests live in `tests/exact_int.rs`.
    use super::Kernels;
    use crate::{Isa, Summable};

    fn check<T: Summable>(data: &[T], expected: T::Output) {
        for isa in Isa::available() {
            let kernels = Kernels::get(isa).unwrap();
            assert_eq!(kernels.isa, isa);
            let sum = crate::reduce::Sum::new(crate::Mode::Exact);
            let total = crate::reduce::reduce_whole(sum, kernels, data);
            assert_eq!(total, expected, "{isa}");
        }
    }

    macro_rules! small_cases {
        ($($t:ty => $wide:ty),*) => {$(
            // Lengths through two groups of four 16-byte vectors and a tail, at every element
            // offset within 16 bytes.
            // Miri interprets every instruction: a shorter sweep keeps it to seconds there.
            let (len, offsets) = if cfg!(miri) { (40, 2) } else { (160, 16 / size_of::<$t>()) };
            let values: Vec<$t> = (0..len)
                .map(|i| match i % 3 { 0 => <$t>::MAX, 1 => <$t>::MIN, _ => i as $t })
                .collect();
            for offset in 0..offsets {
                for end in offset..values.len() {
                    let slice = &values[offset..end];
                    check(slice, slice.iter().map(|&x| x as $wide).sum());
                }
            }
        )*};
    }

    #[test]
    fn every_type_small_lengths_and_offsets() {
        small_cases!(u8 => u128, i8 => i128, u16 => u128, i16 => i128,
                     u32 => u128, i32 => i128, u64 => u128, i64 => i128,
                     usize => u128, isize => i128);
    }

    #[test]
    fn empty_and_single() {
        check::<u8>(&[], 0);
        check::<i64>(&[], 0);
        check(&[i64::MIN], i128::from(i64::MIN));
        check(&[u64::MAX], u128::from(u64::MAX));
    }
}
