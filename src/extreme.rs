//! `min`, `max`, `argmin`, `argmax`: the extreme of a slice and the first index holding it, for
//! every [`Summable`] type, on the same chunk grid, pool, async and rayon paths as `sum`.
//!
//! Each chunk yields its extreme and, where wanted, the first index holding it (the kernels of
//! `algo::extreme`: a value pass, then a search of the chunk for that value's first position);
//! partials merge in chunk order, a later chunk replacing an earlier one only if strictly better,
//! so the first occurrence wins. Floats follow numpy: a NaN anywhere is the result (`min`/`max`
//! return it, `argmin`/`argmax` its first index); `-0.0` and `+0.0` compare equal and the first
//! one wins, so a float zero extreme is always looked up (its sign is the first zero's).

use crate::algo::extreme::{self as algo, Lane};
use crate::arch::{ExtremeKernels, Kernels};
use crate::element::Summable;
use crate::pool::{Owned, Pool, SumTask, reduce_on_default};
use crate::reduce::{OfSlice, Reduction};
use core::marker::PhantomData;

/// How one element type finds its extremes: the sealed half of [`Summable`] for `min`/`max`,
/// crate-private (it can be neither named nor implemented outside the crate).
pub trait ElementExtreme: Copy + Sized {
    /// The smallest (`max` false) or largest element, a NaN if there is one; `None` if empty.
    fn extreme(kernels: &Kernels, max: bool, chunk: &[Self]) -> Option<Self>;
    /// The index of the first element equal to `target` (the first NaN for a NaN).
    fn position(kernels: &Kernels, chunk: &[Self], target: Self) -> Option<usize>;
    /// Whether `a` is strictly better than `b`: a NaN beats any number, else smaller (`max`
    /// false) or larger.
    fn better(max: bool, a: Self, b: Self) -> bool;
    /// Whether elements equal to `value` can differ (a float zero's sign), so that the first
    /// one's bits must be looked up.
    fn ambiguous(value: Self) -> bool;
}

/// The kernels of a type with a table entry (`isize`/`usize` through their width's).
macro_rules! extreme_by_table {
    ($($t:ty => $field:ident as $via:ty, $float:literal;)*) => {$(
        impl ElementExtreme for $t {
            #[inline]
            fn extreme(kernels: &Kernels, max: bool, chunk: &[Self]) -> Option<Self> {
                let k = table(&kernels.extremes.$field, chunk);
                // SAFETY: a `&Kernels` is only handed out by `Kernels::get`, after checking that
                // the running CPU supports its ISA.
                let found = unsafe { if max { (k.0.max)(k.1) } else { (k.0.min)(k.1) } };
                found.map(|x| x as $t)
            }

            #[inline]
            fn position(kernels: &Kernels, chunk: &[Self], target: Self) -> Option<usize> {
                let k = table(&kernels.extremes.$field, chunk);
                // SAFETY: as in `extreme`.
                unsafe { (k.0.position)(k.1, target as $via) }
            }

            #[inline]
            fn better(max: bool, a: Self, b: Self) -> bool {
                better(max, a, b)
            }

            #[inline]
            fn ambiguous(value: Self) -> bool {
                // Only float zeros: `-0.0 == 0.0`; integers are equal only when identical.
                #[allow(clippy::float_cmp, clippy::unnecessary_cast)]
                let zero = $float && value as f64 == 0.0;
                zero
            }
        }
    )*};
}

/// `kernels` and `chunk` seen as the table type `V` (the same type, or one of the same size,
/// alignment and valid bit patterns: `usize` as `u64`).
#[inline]
fn table<'a, T, V>(
    kernels: &'a ExtremeKernels<V>,
    chunk: &'a [T],
) -> (&'a ExtremeKernels<V>, &'a [V]) {
    const { assert!(size_of::<T>() == size_of::<V>() && align_of::<T>() == align_of::<V>()) };
    // SAFETY: `T` and `V` have the same size and alignment (checked above) and are both
    // primitive integers of one width, or the same type.
    let chunk = unsafe { core::slice::from_raw_parts(chunk.as_ptr().cast::<V>(), chunk.len()) };
    (kernels, chunk)
}

/// A NaN beats any number; otherwise the strictly smaller (or larger) wins.
#[inline]
fn better<T: Lane>(max: bool, a: T, b: T) -> bool {
    if a.is_nan() || b.is_nan() {
        return a.is_nan() && !b.is_nan();
    }
    if max { a > b } else { a < b }
}

extreme_by_table! {
    u8 => u8 as u8, false;
    i8 => i8 as i8, false;
    u16 => u16 as u16, false;
    i16 => i16 as i16, false;
    u32 => u32 as u32, false;
    i32 => i32 as i32, false;
    u64 => u64 as u64, false;
    i64 => i64 as i64, false;
    f32 => f32 as f32, true;
    f64 => f64 as f64, true;
}

#[cfg(target_pointer_width = "64")]
extreme_by_table! {
    usize => u64 as u64, false;
    isize => i64 as i64, false;
}

#[cfg(target_pointer_width = "32")]
extreme_by_table! {
    usize => u32 as u32, false;
    isize => i32 as i32, false;
}

#[cfg(target_pointer_width = "16")]
extreme_by_table! {
    usize => u16 as u16, false;
    isize => i16 as i16, false;
}

/// The 16-bit floats: the same algorithm, comparing in software (no table entry).
#[cfg(feature = "half")]
macro_rules! extreme_in_software {
    ($($t:ty),*) => {$(
        impl ElementExtreme for $t {
            fn extreme(_: &Kernels, max: bool, chunk: &[Self]) -> Option<Self> {
                // SAFETY: safe code, `unsafe` only for the kernel table's signature.
                unsafe {
                    if max { algo::extreme::<$t, true>(chunk) } else { algo::extreme::<$t, false>(chunk) }
                }
            }

            fn position(_: &Kernels, chunk: &[Self], target: Self) -> Option<usize> {
                // SAFETY: as above.
                unsafe { algo::position(chunk, target) }
            }

            fn better(max: bool, a: Self, b: Self) -> bool {
                better(max, a, b)
            }

            fn ambiguous(value: Self) -> bool {
                value.to_f32() == 0.0
            }
        }
    )*};
}

#[cfg(feature = "half")]
extreme_in_software!(half::f16, half::bf16);

/// What an extreme reduction returns: the value or the index.
pub(crate) trait Wanted: Send + Sync + 'static {
    /// Whether every chunk's first index of its extreme is needed.
    const INDEX: bool;
    /// The result of a slice of `T`.
    type Output<T: Send + 'static>: Send + 'static;
    /// The result from the extreme and the first index holding it (unset without `INDEX`).
    fn pick<T: Send + 'static>(found: Option<(usize, T)>) -> Self::Output<T>;
}

/// `min`/`max`: the value.
pub(crate) struct Value;

/// `argmin`/`argmax`: the first index.
pub(crate) struct Index;

impl Wanted for Value {
    const INDEX: bool = false;
    type Output<T: Send + 'static> = Option<T>;
    fn pick<T: Send + 'static>(found: Option<(usize, T)>) -> Option<T> {
        found.map(|(_, value)| value)
    }
}

impl Wanted for Index {
    const INDEX: bool = true;
    type Output<T: Send + 'static> = Option<usize>;
    fn pick<T: Send + 'static>(found: Option<(usize, T)>) -> Option<usize> {
        found.map(|(index, _)| index)
    }
}

/// The minimum or maximum of a slice of `T`, or its first index: one [`Reduction`].
pub(crate) struct Extreme<T, W> {
    max: bool,
    marker: PhantomData<fn() -> (T, W)>,
}

impl<T, W> Clone for Extreme<T, W> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T, W> Copy for Extreme<T, W> {}

impl<T, W> Extreme<T, W> {
    /// The maximum if `max`, else the minimum.
    pub(crate) fn new(max: bool) -> Self {
        Extreme {
            max,
            marker: PhantomData,
        }
    }
}

impl<T: Summable, W: Wanted> Reduction for Extreme<T, W> {
    type Input<'a> = &'a [T];
    /// The extreme so far and the first index holding it (0 where not looked up).
    type Partial = Option<(usize, T)>;
    type Output = W::Output<T>;

    #[inline]
    fn partial(self, kernels: &Kernels, start: usize, chunk: &[T]) -> Option<(usize, T)> {
        let value = T::extreme(kernels, self.max, chunk)?;
        if !W::INDEX && !T::ambiguous(value) {
            return Some((0, value));
        }
        // The value is in the chunk: the search finds it (`unwrap_or` never falls back).
        let index = T::position(kernels, chunk, value).unwrap_or(0);
        Some((start + index, chunk.get(index).copied().unwrap_or(value)))
    }

    #[inline]
    fn merge(self, into: &mut Option<(usize, T)>, next: Option<(usize, T)>) {
        if let Some((_, value)) = next
            && into.is_none_or(|(_, best)| T::better(self.max, value, best))
        {
            *into = next;
        }
    }

    fn finish(self, total: Option<(usize, T)>) -> Result<W::Output<T>, Self> {
        Ok(W::pick(total))
    }
}

impl<T: Summable, W: Wanted> OfSlice for Extreme<T, W> {
    type Element = T;

    fn input(slice: &[T]) -> &[T] {
        slice
    }
}

macro_rules! entry_points {
    ($($name:ident, $name_async:ident, $what:literal, $wanted:ident, $max:literal -> $out:ty;)*) => {
        $(
            #[doc = concat!("The ", $what, " of `data`, `None` if it is empty; on the best ISA path and,")]
            /// for large inputs, on the [default pool](crate::default_pool), as [`sum`](crate::sum).
            ///
            /// Floats: a NaN anywhere makes `min`/`max` a NaN and `argmin`/`argmax` the index of the
            /// first NaN; `-0.0` and `+0.0` compare equal, and the first one wins.
            #[inline]
            pub fn $name<T: Summable>(data: &[T]) -> Option<$out> {
                reduce_on_default(Extreme::<T, $wanted>::new($max), data)
            }
        )*

        /// min / max / argmin / argmax (issue 11).
        impl Pool {
            $(
                #[doc = concat!("The ", $what, " of `data`, `None` if it is empty, blocking until it is done.")]
                pub fn $name<T: Summable>(&self, data: &[T]) -> Option<$out> {
                    self.reduce(Extreme::<T, $wanted>::new($max), data)
                }

                #[doc = concat!("[`", stringify!($name), "`](Self::", stringify!($name), ") of owned data, asynchronously; see [`SumTask`].")]
                pub fn $name_async<T, D>(&self, data: D) -> SumTask<Option<$out>>
                where
                    T: Summable,
                    D: crate::Owner<T> + 'static,
                {
                    self.reduce_async(Extreme::<T, $wanted>::new($max), Owned(data))
                }
            )*
        }

        /// The same reductions on the current rayon pool, on coresum's chunk grid.
        #[cfg(feature = "rayon")]
        pub(crate) mod on_rayon {
            use super::*;
            $(
                #[doc = concat!("The ", $what, " of `data` on the current rayon pool.")]
                pub fn $name<T: Summable>(data: &[T]) -> Option<$out> {
                    crate::rayon::reduce_on_rayon(Extreme::<T, $wanted>::new($max), data)
                }
            )*
        }
    };
}

entry_points! {
    min, min_async, "smallest element", Value, false -> T;
    max, max_async, "largest element", Value, true -> T;
    argmin, argmin_async, "index of the first smallest element", Index, false -> usize;
    argmax, argmax_async, "index of the first largest element", Index, true -> usize;
}

/// **Not public API**: for coresum's own tests and fuzz targets, which may change it at any time.
///
/// `(min or max, its first index)` of `data` on `isa`, cut into chunks at `cuts` (element indices,
/// in any order; those past the end count as the end) whose partials merge in order, as the
/// pool merges its chunks.
#[doc(hidden)]
pub fn __extreme_at_cuts<T: Summable>(
    isa: crate::Isa,
    max: bool,
    data: &[T],
    cuts: &[usize],
) -> Result<(Option<T>, Option<usize>), crate::IsaUnavailable> {
    let kernels = Kernels::get(isa).ok_or(crate::IsaUnavailable(isa))?;
    let value = crate::reduce::reduce_at_cuts(Extreme::<T, Value>::new(max), kernels, data, cuts);
    let index = crate::reduce::reduce_at_cuts(Extreme::<T, Index>::new(max), kernels, data, cuts);
    Ok((value, index))
}

#[cfg(test)]
mod tests {
    //! Small cases on every available path, cheap enough for Miri (the portable path there). The
    //! property tests live in `tests/minmax.rs`.
    use super::__extreme_at_cuts;
    use crate::Isa;

    #[test]
    fn nan_zeros_and_ties_on_every_path() {
        let len = if cfg!(miri) { 40 } else { 600 };
        for isa in Isa::available() {
            let mut data: Vec<f64> = (0..len).map(|i| (i % 7) as f64 + 1.0).collect();
            let got = |data: &[f64], max| __extreme_at_cuts(isa, max, data, &[3, 17]).unwrap();
            assert_eq!(got(&data, false), (Some(1.0), Some(0)), "{isa}");
            assert_eq!(got(&data, true), (Some(7.0), Some(6)), "{isa}");
            data[len / 2] = -0.0;
            data[len - 1] = 0.0;
            let (min, index) = got(&data, false);
            assert_eq!(
                (min.map(f64::to_bits), index),
                (Some((-0f64).to_bits()), Some(len / 2))
            );
            data[len - 3] = f64::NAN;
            data[len - 2] = f64::NAN;
            for max in [false, true] {
                let (value, index) = got(&data, max);
                assert!(value.unwrap().is_nan(), "{isa}");
                assert_eq!(index, Some(len - 3), "{isa}");
            }
            assert_eq!(
                __extreme_at_cuts::<i8>(isa, true, &[], &[]),
                Ok((None, None))
            );
            let ints = [i64::MIN, i64::MAX, i64::MIN, i64::MAX];
            assert_eq!(
                __extreme_at_cuts(isa, true, &ints, &[1]),
                Ok((Some(i64::MAX), Some(1)))
            );
            assert_eq!(
                __extreme_at_cuts(isa, false, &ints, &[2]),
                Ok((Some(i64::MIN), Some(0)))
            );
        }
    }
}
