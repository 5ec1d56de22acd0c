//! One thread, one slice, no allocation: the exact widening kernels and their dispatch table.
//!
//! Three layers, as in `memchr`: [`generic`] holds the algorithm once over a `Vector` trait;
//! [`portable`] and the per-ISA modules (`x86_64::{sse2, avx2, avx512}`, `aarch64::neon`) implement
//! that trait with their instructions and instantiate every element type inside a
//! `#[target_feature]` function. Those functions are `#[inline(never)]` and named after their ISA and
//! type (`coresum::kernels::x86_64::avx2::sum_i16`), so each is one symbol in `perf report`.
//!
//! A [`Kernels`] table can only be obtained through [`Kernels::get`], which checks that the running
//! CPU supports its ISA: holding a `&Kernels` is the proof that its functions may be called.

pub(crate) mod generic;
pub(crate) mod portable;

#[cfg(coresum_x86)]
pub(crate) mod x86_64;

#[cfg(coresum_neon)]
pub(crate) mod aarch64;

use crate::isa::Isa;
use std::sync::OnceLock;

/// The kernels of one ISA, one per distinct element type (`isize`/`usize` share their width's).
///
/// Public only so that the sealed [`Summable`](crate::Summable) trait can name it; it cannot be
/// named or built outside the crate.
#[derive(Debug)]
pub struct Kernels {
    /// The path every function below runs on.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) isa: Isa,
    pub(crate) u8: unsafe fn(&[u8]) -> u128,
    pub(crate) i8: unsafe fn(&[i8]) -> i128,
    pub(crate) u16: unsafe fn(&[u16]) -> u128,
    pub(crate) i16: unsafe fn(&[i16]) -> i128,
    pub(crate) u32: unsafe fn(&[u32]) -> u128,
    pub(crate) i32: unsafe fn(&[i32]) -> i128,
    pub(crate) u64: unsafe fn(&[u64]) -> u128,
    pub(crate) i64: unsafe fn(&[i64]) -> i128,
}

impl Kernels {
    /// The table of `isa`, if this build has it and the running CPU supports it.
    pub(crate) fn get(isa: Isa) -> Option<&'static Kernels> {
        if !isa.is_available() {
            return None;
        }
        match isa {
            Isa::Scalar => Some(&portable::KERNELS),
            #[cfg(coresum_x86)]
            Isa::Sse2 => Some(&x86_64::sse2::KERNELS),
            #[cfg(coresum_x86)]
            Isa::Avx2 => Some(&x86_64::avx2::KERNELS),
            #[cfg(coresum_x86)]
            Isa::Avx512 => Some(&x86_64::avx512::KERNELS),
            #[cfg(coresum_neon)]
            Isa::Neon => Some(&aarch64::neon::KERNELS),
            #[allow(unreachable_patterns)]
            _ => None,
        }
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

/// Defines, inside an ISA module, one named non-inlined kernel per element type and the module's
/// `KERNELS` table. `$isa` names the path, `$vector` implements `generic::Vector`; `$features` are the target features it
/// needs (none for the portable path).
macro_rules! kernel_set {
    ($isa:expr, $vector:ty $(, $features:literal)?) => {
        $crate::kernels::kernel_set!(@fns [$(#[target_feature(enable = $features)])?] $vector;
            sum_u8(u8) -> u128, sum_i8(i8) -> i128, sum_u16(u16) -> u128, sum_i16(i16) -> i128,
            sum_u32(u32) -> u128, sum_i32(i32) -> i128, sum_u64(u64) -> u128, sum_i64(i64) -> i128);

        pub(crate) static KERNELS: $crate::kernels::Kernels = $crate::kernels::Kernels {
            isa: $isa,
            u8: sum_u8,
            i8: sum_i8,
            u16: sum_u16,
            i16: sum_i16,
            u32: sum_u32,
            i32: sum_i32,
            u64: sum_u64,
            i64: sum_i64,
        };
    };
    (@fns $attrs:tt $vector:ty; $($name:ident($t:ty) -> $out:ty),*) => {$(
        $crate::kernels::kernel_set!(@fn $attrs $vector; $name($t) -> $out);
    )*};
    (@fn [$($attr:tt)*] $vector:ty; $name:ident($t:ty) -> $out:ty) => {
        #[doc = concat!("The exact sum of `", stringify!($t), "` elements, on this module's ISA.")]
        ///
        /// # Safety
        /// The running CPU must support this module's ISA.
        $($attr)*
        #[inline(never)]
        pub(crate) unsafe fn $name(data: &[$t]) -> $out {
            // SAFETY: the caller vouches for the ISA, as this function's contract says.
            unsafe { $crate::kernels::generic::$name::<$vector>(data) }
        }
    };
}
pub(crate) use kernel_set;

#[cfg(test)]
mod tests {
    //! Small cases of every kernel on every available path, cheap enough for Miri (which runs the
    //! portable path only). The exhaustive property tests live in `tests/exact_int.rs`.
    use super::Kernels;
    use crate::{Isa, Summable};

    fn check<T: Summable>(data: &[T], expected: T::Output) {
        for isa in Isa::available() {
            let kernels = Kernels::get(isa).unwrap();
            assert_eq!(kernels.isa, isa);
            let total = crate::element::sum_chunks(kernels, crate::Mode::Exact, [data]);
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
