//! [`Summable`]: which element types coresum sums and the type each sum is returned in; [`Mode`]:
//! how floating-point sums are computed. How chunks are summed and combined is `reduce.rs`.

use crate::accumulator::Encode;
use crate::arch::Kernels;
use crate::gather::Element;
use crate::reduce::{ElementSum, Pass};
use core::fmt::Debug;

/// How floating-point sums are computed. Integer sums are always exact and ignore the mode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mode {
    /// The correctly rounded value of the exact sum: bit-identical on every thread count, ISA path
    /// and machine. The default.
    #[default]
    Exact,
    /// A compensated sum in SIMD lanes: `|result − Σx| ≤ 2^-53·|Σx| + 2^-72·Σ|x|`, the accuracy of
    /// twice the working precision, at the cost of the first pass of `Exact`.
    Compensated,
    /// Plain SIMD lanes, reassociated; identical across thread counts for a given ISA path.
    Fast,
}

/// An element type coresum can sum exactly.
///
/// | input | [`Output`](Summable::Output) |
/// |---|---|
/// | `i8`, `i16`, `i32`, `i64`, `isize` | `i128` |
/// | `u8`, `u16`, `u32`, `u64`, `usize` | `u128` |
/// | `f64`, `f32`, `half::f16`, `half::bf16` (feature `half`) | `f64`, see [`Mode`] |
///
/// # Guarantee: the result never wraps
///
/// A slice occupies at most `isize::MAX` bytes, so it holds at most 2^63 one-byte elements or
/// 2^60 eight-byte ones. Every element is below 2^64 in magnitude, so every sum is below
/// 2^63 · 2^8 = 2^71 or 2^60 · 2^64 = 2^124 in magnitude: far inside a 128-bit integer. That is
/// why even byte sums come back as 128-bit integers. A 64-bit result would be exhausted by 2^56
/// bytes of `0xff`, which a 57-bit address space can map; a 128-bit one cannot be, by any slice
/// that can exist.
///
/// No slice, empty, of length one, at any alignment or of any size, makes a sum panic, read out of
/// bounds or return anything but the exact mathematical sum. The empty sum is 0.
///
/// The trait is sealed: its kernels are written per type, and how its chunks are summed, merged
/// and finished is crate-private (`reduce.rs`).
pub trait Summable:
    ElementSum
    + Encode
    + crate::extreme::ElementExtreme
    + crate::columns::Columns
    + Element
    + Copy
    + Send
    + Sync
    + 'static
{
    /// The result type (see the table above).
    type Output: Copy + Debug + PartialEq + Send + Sync + 'static;
}

macro_rules! summable {
    ($($t:ident => $out:ty, via $kernel:ident as $via:ty;)*) => {$(
        impl Summable for $t {
            type Output = $out;
        }

        impl ElementSum for $t {
            type Partial = $out;

            #[inline]
            fn partial(kernels: &Kernels, _pass: Pass, chunk: &[Self]) -> $out {
                let (ptr, len) = (chunk.as_ptr().cast::<$via>(), chunk.len());
                // SAFETY: `$t` and `$via` have the same size, alignment and valid bit patterns.
                let chunk: &[$via] = unsafe { core::slice::from_raw_parts(ptr, len) };
                // SAFETY: a `&Kernels` is only handed out by `Kernels::get`, after checking that
                // the running CPU supports its ISA.
                unsafe { (kernels.$kernel)(chunk) }
            }

            #[inline]
            fn merge(into: &mut $out, next: $out) {
                // Cannot overflow: the whole sum fits (see the guarantee above), and so does every
                // sum of consecutive chunks.
                *into += next;
            }

            #[inline]
            fn finish(total: $out) -> Option<$out> {
                Some(total)
            }

            #[inline]
            fn round(total: $out) -> $out {
                total
            }
        }
    )*};
}

summable! {
    u8 => u128, via sum_u8 as u8;
    i8 => i128, via sum_i8 as i8;
    u16 => u128, via sum_u16 as u16;
    i16 => i128, via sum_i16 as i16;
    u32 => u128, via sum_u32 as u32;
    i32 => i128, via sum_i32 as i32;
    u64 => u128, via sum_u64 as u64;
    i64 => i128, via sum_i64 as i64;
}

#[cfg(target_pointer_width = "64")]
summable! {
    usize => u128, via sum_u64 as u64;
    isize => i128, via sum_i64 as i64;
}

#[cfg(target_pointer_width = "32")]
summable! {
    usize => u128, via sum_u32 as u32;
    isize => i128, via sum_i32 as i32;
}

#[cfg(target_pointer_width = "16")]
summable! {
    usize => u128, via sum_u16 as u16;
    isize => i128, via sum_i16 as i16;
}
