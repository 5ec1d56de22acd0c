//! [`Summable`]: which element types coresum sums, the type each sum is returned in, and how
//! partial sums of chunks are carried and combined.

use crate::kernels::Kernels;
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

pub(crate) mod sealed {
    pub trait Sealed {}
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
/// The trait is sealed: its kernels are written per type. Its hidden items are how the pool
/// splits a sum into chunks: each chunk gives a [`Partial`](Summable::Partial), partials are merged
/// in chunk order, and the last one is finished into the [`Output`](Summable::Output).
pub trait Summable: sealed::Sealed + Copy + Send + Sync + 'static {
    /// The result type (see the table above).
    type Output: Copy + Debug + PartialEq + Send + Sync + 'static;

    /// The sum of one chunk, before it is merged with the others.
    #[doc(hidden)]
    type Partial: Send + 'static;

    /// Sums one chunk with the kernels of one ISA.
    #[doc(hidden)]
    fn partial(kernels: &Kernels, mode: Mode, data: &[Self]) -> Self::Partial;

    /// Sums one chunk exactly, however long it takes: what the caller falls back on where
    /// [`finish`](Summable::finish) could not decide a float sum's rounding from the fast partials.
    /// The same as `partial` for integers.
    #[doc(hidden)]
    fn strict_partial(kernels: &Kernels, data: &[Self]) -> Self::Partial;

    /// Appends `next`, the partial of the chunk that follows `into`'s chunks.
    #[doc(hidden)]
    fn merge(into: &mut Self::Partial, next: Self::Partial);

    /// The result of a whole sum, or `None` where the partials do not decide it (float Exact
    /// sums whose residual error straddles a rounding boundary): then the sum must be made
    /// again from [`strict_partial`](Summable::strict_partial)s, which always finish.
    #[doc(hidden)]
    fn finish(partial: Self::Partial) -> Option<Self::Output>;

    /// The result of a sum of strict partials, which is always decided.
    #[doc(hidden)]
    fn finish_strict(partial: Self::Partial) -> Self::Output;
}

macro_rules! summable {
    ($($t:ident => $out:ty, via $kernel:ident as $via:ty;)*) => {$(
        impl sealed::Sealed for $t {}

        impl Summable for $t {
            type Output = $out;
            type Partial = $out;

            #[inline]
            fn partial(kernels: &Kernels, _mode: Mode, data: &[Self]) -> $out {
                let (ptr, len) = (data.as_ptr().cast::<$via>(), data.len());
                // SAFETY: `$t` and `$via` have the same size, alignment and valid bit patterns.
                let data: &[$via] = unsafe { core::slice::from_raw_parts(ptr, len) };
                // SAFETY: a `&Kernels` is only handed out by `Kernels::get`, after checking that
                // the running CPU supports its ISA.
                unsafe { (kernels.$kernel)(data) }
            }

            #[inline]
            fn strict_partial(kernels: &Kernels, data: &[Self]) -> $out {
                Self::partial(kernels, Mode::Exact, data)
            }

            #[inline]
            fn merge(into: &mut $out, next: $out) {
                // Cannot overflow: the whole sum fits (see the guarantee above), and so does every
                // sum of consecutive chunks.
                *into += next;
            }

            #[inline]
            fn finish(partial: $out) -> Option<$out> {
                Some(partial)
            }

            #[inline]
            fn finish_strict(partial: $out) -> $out {
                partial
            }
        }
    )*};
}

summable! {
    u8 => u128, via u8 as u8;
    i8 => i128, via i8 as i8;
    u16 => u128, via u16 as u16;
    i16 => i128, via i16 as i16;
    u32 => u128, via u32 as u32;
    i32 => i128, via i32 as i32;
    u64 => u128, via u64 as u64;
    i64 => i128, via i64 as i64;
}

#[cfg(target_pointer_width = "64")]
summable! {
    usize => u128, via u64 as u64;
    isize => i128, via i64 as i64;
}

#[cfg(target_pointer_width = "32")]
summable! {
    usize => u128, via u32 as u32;
    isize => i128, via i32 as i32;
}

#[cfg(target_pointer_width = "16")]
summable! {
    usize => u128, via u16 as u16;
    isize => i128, via i16 as i16;
}

/// Sums `chunks`, consecutive pieces of one slice, in chunk order: the one place that fixes the
/// merge order, which reproducibility rests on. Where the fast partials cannot decide the result
/// (see [`Summable::finish`]), sums the same chunks again with strict partials. The empty sum
/// where there are no chunks.
pub(crate) fn sum_chunks<'a, T: Summable, I>(kernels: &Kernels, mode: Mode, chunks: I) -> T::Output
where
    I: IntoIterator<Item = &'a [T]>,
    I::IntoIter: Clone,
{
    let chunks = chunks.into_iter();
    let partials = chunks.clone().map(|chunk| T::partial(kernels, mode, chunk));
    finish_or_retry::<T>(merge_in_order::<T>(kernels, mode, partials), || {
        merge_in_order::<T>(
            kernels,
            mode,
            chunks.map(|chunk| T::strict_partial(kernels, chunk)),
        )
    })
}

/// Merges the partials of consecutive chunks, in chunk order; the empty partial where there are
/// none.
pub(crate) fn merge_in_order<T: Summable>(
    kernels: &Kernels,
    mode: Mode,
    partials: impl IntoIterator<Item = T::Partial>,
) -> T::Partial {
    let mut partials = partials.into_iter();
    let mut total = partials
        .next()
        .unwrap_or_else(|| T::partial(kernels, mode, &[]));
    for partial in partials {
        T::merge(&mut total, partial);
    }
    total
}

/// The result of `total`, or, where its partials cannot decide it, of the strict partials
/// `retry` makes: those carry no error, so they always finish.
pub(crate) fn finish_or_retry<T: Summable>(
    total: T::Partial,
    retry: impl FnOnce() -> T::Partial,
) -> T::Output {
    T::finish(total).unwrap_or_else(|| T::finish_strict(retry()))
}
