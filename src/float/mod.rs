//! Floating-point sums: [`Summable`] for `f64`, `f32` and (feature `half`) `half::f16` and
//! `half::bf16`, all returned as `f64`, in the three [`Mode`]s, plus the public exact accumulator
//! [`ExactSum`].
//!
//! - [`Mode::Exact`]: the correctly rounded (nearest, ties to even) exact sum. Blocks are split
//!   against their largest exponent so that their high parts add up exactly in SIMD lanes; a
//!   small superaccumulator (Neal, arXiv:1505.05571) takes those lane sums and the residual sums,
//!   whose error is bounded. Where that bound leaves the rounding open, the sum is made again with
//!   error-free extraction levels. The result is bit-identical for any chunking, thread count,
//!   ISA path or machine. See `generic.rs` (algorithm) and `exact.rs` (accumulator, rounding,
//!   IEEE rules).
//! - [`Mode::Compensated`]: Exact's first pass without its certification — a compensated
//!   (Kahan–Babuška–Neumaier) sum in SIMD lanes with exact high parts:
//!   `|result − Σx| ≤ 2^-53·|Σx| + 2^-72·Σ|x|` whatever `n`, with no intermediate overflow.
//! - [`Mode::Fast`]: plain IEEE additions in several SIMD accumulators (`f32` widened to `f64`).
//!
//! Compensated and Fast results depend only on the chunk contents and the ISA path (the lane
//! layout), never on thread count; NaN and infinities follow IEEE addition in every mode (in Fast
//! an intermediate overflow can also give an infinity). An empty sum is +0.0 and a sum of only
//! −0.0 is −0.0 in every mode.
//!
//! Layers, as in `kernels`: `generic.rs` holds each algorithm once over a `FloatVector` trait;
//! `portable.rs` (also used for SSE2 and NEON) and `x86_64::{avx2, avx512}` implement it and
//! instantiate it per element type inside `#[inline(never)]` functions named after ISA, type and
//! mode (`coresum::float::x86_64::avx2::sum_f64_exact`). The ISA is the one of the `&Kernels` the
//! caller holds, which proves that the CPU supports it.

mod exact;
pub(crate) mod generic;
mod portable;
#[cfg(coresum_x86)]
mod x86_64;

pub use exact::{DecodeError, ExactSum};

use crate::element::{Mode, Summable, sealed::Sealed};
use crate::kernels::Kernels;
use generic::Element;

/// One element type's kernels on one ISA.
pub(crate) struct TypeKernels<T> {
    fast: unsafe fn(&[T]) -> f64,
    exact: unsafe fn(&mut ExactSum, &[T]),
    bounded: unsafe fn(&mut ExactSum, &mut f64, &[T]),
}

/// The float kernels of one ISA.
pub(crate) struct FloatKernels {
    f64: TypeKernels<f64>,
    f32: TypeKernels<f32>,
}

/// The float kernels of the ISA whose integer `kernels` the caller holds.
fn table(kernels: &Kernels) -> &'static FloatKernels {
    match kernels.isa {
        #[cfg(coresum_x86)]
        crate::Isa::Avx2 => &x86_64::avx2::KERNELS,
        #[cfg(coresum_x86)]
        crate::Isa::Avx512 => &x86_64::avx512::KERNELS,
        _ => &portable::KERNELS,
    }
}

/// Defines, inside an ISA module, the six named, non-inlined float kernels and its `KERNELS`
/// table. `$vector` implements `generic::FloatVector`; `$features` are the target features it needs
/// (none for the portable path).
macro_rules! float_kernels {
    ($vector:ty $(, $features:literal)?) => {
        $crate::float::float_kernels!(@type [$(#[target_feature(enable = $features)])?] $vector;
            f64: sum_f64_fast, sum_f64_exact, sum_f64_bounded);
        $crate::float::float_kernels!(@type [$(#[target_feature(enable = $features)])?] $vector;
            f32: sum_f32_fast, sum_f32_exact, sum_f32_bounded);

        pub(crate) static KERNELS: $crate::float::FloatKernels = $crate::float::FloatKernels {
            f64: $crate::float::TypeKernels {
                fast: sum_f64_fast,
                exact: sum_f64_exact,
                bounded: sum_f64_bounded,
            },
            f32: $crate::float::TypeKernels {
                fast: sum_f32_fast,
                exact: sum_f32_exact,
                bounded: sum_f32_bounded,
            },
        };
    };
    (@type [$($attr:tt)*] $vector:ty;
        $t:ty: $fast:ident, $exact:ident, $bounded:ident) => {
        #[doc = concat!("The fast sum of `", stringify!($t), "` elements, on this module's ISA.")]
        ///
        /// # Safety
        /// The running CPU must support this module's ISA.
        $($attr)*
        #[inline(never)]
        pub(crate) unsafe fn $fast(data: &[$t]) -> f64 {
            // SAFETY: the caller vouches for the ISA, as this function's contract says.
            unsafe { $crate::float::generic::fast::<$vector, $t>(data) }
        }

        #[doc = concat!("Adds `", stringify!($t), "` elements to an exact accumulator.")]
        ///
        /// # Safety
        /// The running CPU must support this module's ISA.
        $($attr)*
        #[inline(never)]
        pub(crate) unsafe fn $exact(acc: &mut $crate::float::ExactSum, data: &[$t]) {
            // SAFETY: the caller vouches for the ISA, as this function's contract says.
            unsafe { $crate::float::generic::exact::<$vector, $t>(acc, data) }
        }

        #[doc = concat!("Adds `", stringify!($t), "` elements to an exact accumulator up to an error")]
        /// that it adds to `slack`.
        ///
        /// # Safety
        /// The running CPU must support this module's ISA.
        $($attr)*
        #[inline(never)]
        pub(crate) unsafe fn $bounded(
            acc: &mut $crate::float::ExactSum,
            slack: &mut f64,
            data: &[$t],
        ) {
            // SAFETY: the caller vouches for the ISA, as this function's contract says.
            unsafe { $crate::float::generic::bounded::<$vector, $t>(acc, slack, data) }
        }
    };
}
pub(crate) use float_kernels;

/// The element types with their own kernels.
trait Direct: Element + 'static {
    fn select(table: &'static FloatKernels) -> &'static TypeKernels<Self>;
}

impl Direct for f64 {
    fn select(table: &'static FloatKernels) -> &'static TypeKernels<f64> {
        &table.f64
    }
}

impl Direct for f32 {
    fn select(table: &'static FloatKernels) -> &'static TypeKernels<f32> {
        &table.f32
    }
}

/// The partial sum of a chunk of floats, in the chunk's [`Mode`].
///
/// Public only because [`Summable`] names it; it cannot be named outside the crate.
#[derive(Clone, Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "one partial per chunk, kept on the stack: boxing would allocate per chunk"
)]
pub enum FloatPartial {
    /// The exact sum so far lies within `slack` of `sum` (`slack` is a float sum of error bounds:
    /// twice it bounds the exact total of the bounds, see `finish`).
    Exact { sum: ExactSum, slack: f64 },
    /// A plain IEEE sum; `nonempty` tells an empty sum (+0.0) from a sum of −0.0.
    Fast { sum: f64, nonempty: bool },
    /// The exact sum so far lies within a bounded distance of `sum` (the Exact partial's slack,
    /// not kept: Compensated rounds `sum` as it is).
    Compensated { sum: ExactSum },
}

impl FloatPartial {
    /// The partial of an empty chunk.
    fn empty(mode: Mode) -> Self {
        match mode {
            Mode::Exact => FloatPartial::Exact {
                sum: ExactSum::new(),
                slack: 0.0,
            },
            Mode::Fast => FloatPartial::Fast {
                sum: -0.0,
                nonempty: false,
            },
            Mode::Compensated => FloatPartial::Compensated {
                sum: ExactSum::new(),
            },
        }
    }

    /// Appends the partial of the next chunk. Both come from the same mode in any sum coresum
    /// runs; partials of different modes are combined exactly, value by value, without panicking.
    fn merge(&mut self, next: FloatPartial) {
        use FloatPartial::*;
        match (&mut *self, next) {
            (Exact { sum, slack }, Exact { sum: s, slack: e }) => {
                sum.merge(&s);
                *slack += e;
            }
            (
                Fast { sum, nonempty },
                Fast {
                    sum: s,
                    nonempty: n,
                },
            ) => {
                *sum += s;
                *nonempty |= n;
            }
            (Compensated { sum }, Compensated { sum: s }) => sum.merge(&s),
            (_, next) => {
                // Never made by coresum (all partials of a sum share its mode): combined value
                // by value, but no longer certified as exact.
                let mut sum = core::mem::replace(self, FloatPartial::empty(Mode::Fast)).into_sum();
                sum.merge(&next.into_sum());
                *self = Compensated { sum };
            }
        }
    }

    /// The values the partial holds, added exactly.
    fn into_sum(self) -> ExactSum {
        match self {
            FloatPartial::Exact { sum, .. } | FloatPartial::Compensated { sum } => sum,
            FloatPartial::Fast { sum, nonempty } => {
                let mut acc = ExactSum::new();
                if nonempty {
                    acc.add(sum);
                }
                acc
            }
        }
    }

    /// The result; `None` where an Exact sum cannot tell its rounding from its slack.
    ///
    /// The slack is a float sum of `m` non-negative bounds, so it is at least
    /// `(1 − γ(m−1))` times their exact total (Higham, *Accuracy and Stability of Numerical
    /// Algorithms*, §4.2): twice the slack bounds that total for any `m <= 2^51`.
    fn finish(self) -> Option<f64> {
        match self {
            FloatPartial::Exact { sum, slack } => sum.finish_within(2.0 * slack),
            other => Some(other.round()),
        }
    }

    /// The result, ignoring any slack: exact for strict partials, whose slack is zero.
    fn round(self) -> f64 {
        match self {
            FloatPartial::Exact { sum, .. } | FloatPartial::Compensated { sum } => sum.finish(),
            FloatPartial::Fast { sum, nonempty } => {
                if nonempty {
                    sum
                } else {
                    0.0
                }
            }
        }
    }
}

/// The partial of one chunk of a type with its own kernels; `strict` asks Exact mode for an
/// exact partial (no slack), for when the bounded one could not decide the rounding.
#[inline]
fn direct_partial<T: Direct>(
    kernels: &Kernels,
    mode: Mode,
    strict: bool,
    data: &[T],
) -> FloatPartial {
    let k = T::select(table(kernels));
    let nonempty = !data.is_empty();
    // SAFETY: a `&Kernels` is only handed out by `Kernels::get`, after checking that the running
    // CPU supports `kernels.isa`, and `table` picks the float kernels of that same ISA (the
    // AVX-512 path's check covers AVX-512 F).
    unsafe {
        match mode {
            Mode::Exact => {
                let (mut sum, mut slack) = (ExactSum::new(), 0.0);
                if strict {
                    (k.exact)(&mut sum, data);
                } else {
                    (k.bounded)(&mut sum, &mut slack, data);
                }
                FloatPartial::Exact { sum, slack }
            }
            Mode::Compensated => {
                let (mut sum, mut slack) = (ExactSum::new(), 0.0);
                (k.bounded)(&mut sum, &mut slack, data);
                FloatPartial::Compensated { sum }
            }
            Mode::Fast => FloatPartial::Fast {
                sum: (k.fast)(data),
                nonempty,
            },
        }
    }
}

/// `ExactSum::add_slice`: the exact kernel of the process-wide path.
fn add_slice_exact<T: Direct>(acc: &mut ExactSum, data: &[T]) {
    let kernels = Kernels::active();
    // SAFETY: as in `direct_partial`: `Kernels::active` returns a table the CPU supports.
    unsafe { (T::select(table(kernels)).exact)(acc, data) }
}

macro_rules! summable_float {
    ($($t:ty => $partial:expr;)*) => {$(
        impl Sealed for $t {}

        impl Summable for $t {
            type Output = f64;
            type Partial = FloatPartial;

            #[inline]
            fn partial(kernels: &Kernels, mode: Mode, data: &[Self]) -> FloatPartial {
                $partial(kernels, mode, false, data)
            }

            #[inline]
            fn strict_partial(kernels: &Kernels, data: &[Self]) -> FloatPartial {
                $partial(kernels, Mode::Exact, true, data)
            }

            #[inline]
            fn merge(into: &mut FloatPartial, next: FloatPartial) {
                into.merge(next);
            }

            #[inline]
            fn finish(partial: FloatPartial) -> Option<f64> {
                partial.finish()
            }

            #[inline]
            fn finish_strict(partial: FloatPartial) -> f64 {
                partial.round()
            }
        }
    )*};
}

summable_float! {
    f64 => direct_partial::<f64>;
    f32 => direct_partial::<f32>;
}

#[cfg(feature = "half")]
mod half_types {
    //! `half::f16` and `half::bf16`: converted (exactly) to `f32` a block at a time, then summed
    //! by the `f32` kernels. The blocks start at the chunk's start, so results still depend only
    //! on the chunk contents.

    use super::{FloatPartial, Kernels, Mode, Sealed, Summable, direct_partial};
    use half::slice::HalfFloatSliceExt;

    /// Elements converted per step: 4 KiB of `f32` on the stack.
    const CONVERT_BLOCK: usize = 1024;

    fn converted_partial<T>(kernels: &Kernels, mode: Mode, strict: bool, data: &[T]) -> FloatPartial
    where
        [T]: HalfFloatSliceExt,
    {
        let mut buf = [0f32; CONVERT_BLOCK];
        let mut partial = FloatPartial::empty(mode);
        for block in data.chunks(CONVERT_BLOCK) {
            let buf = &mut buf[..block.len()];
            // Lengths match by construction, so this cannot panic.
            block.convert_to_f32_slice(buf);
            partial.merge(direct_partial(kernels, mode, strict, buf));
        }
        partial
    }

    summable_float! {
        half::f16 => converted_partial::<half::f16>;
        half::bf16 => converted_partial::<half::bf16>;
    }
}

#[cfg(test)]
mod tests {
    //! Small cases of every mode on every available path, cheap enough for Miri (which runs the
    //! portable path only). The property tests live in `tests/exact_float.rs`.
    use crate::{Isa, Mode, sum_on_with};

    fn bits(isa: Isa, data: &[f64], mode: Mode) -> u64 {
        sum_on_with(isa, data, mode).unwrap().to_bits()
    }

    #[test]
    fn signed_zeros_and_specials_in_every_mode() {
        for isa in Isa::available() {
            for mode in [Mode::Exact, Mode::Compensated, Mode::Fast] {
                for n in [0, 1, 3, 9, 40] {
                    let zeros = vec![-0.0; n];
                    let expected = if n == 0 { 0 } else { (-0f64).to_bits() };
                    assert_eq!(bits(isa, &zeros, mode), expected, "{isa} {mode:?} {n}");
                    let mut data = vec![1.5; n + 1];
                    data[n] = f64::INFINITY;
                    assert_eq!(bits(isa, &data, mode), f64::INFINITY.to_bits());
                    data[n / 2] = f64::NEG_INFINITY;
                    let both = f64::from_bits(bits(isa, &data, mode));
                    assert!(both.is_nan() || n == 0, "{isa} {mode:?} {n}");
                    data[0] = f64::NAN;
                    assert!(f64::from_bits(bits(isa, &data, mode)).is_nan());
                }
            }
        }
    }

    #[test]
    fn exact_small_cases() {
        for isa in Isa::available() {
            let mut data: Vec<f64> = (0..70).map(|i| f64::from(i) * 0.1 - 3.0).collect();
            data.extend([
                1e16,
                1.0,
                -1e16,
                1e308,
                1e308,
                -1e308,
                -1e308,
                f64::from_bits(1),
            ]);
            let mut acc = crate::ExactSum::new();
            data.iter().for_each(|&x| acc.add(x));
            for start in 0..5 {
                let slice = &data[start..];
                let mut expected = crate::ExactSum::new();
                slice.iter().for_each(|&x| expected.add(x));
                let want = expected.finish().to_bits();
                assert_eq!(bits(isa, slice, Mode::Exact), want, "{isa} {start}");
                let narrow: Vec<f32> = slice.iter().map(|&x| x as f32).collect();
                let mut expected = crate::ExactSum::new();
                narrow.iter().for_each(|&x| expected.add(f64::from(x)));
                let got = sum_on_with(isa, &narrow, Mode::Exact).unwrap();
                assert_eq!(
                    got.to_bits(),
                    expected.finish().to_bits(),
                    "{isa} f32 {start}"
                );
            }
        }
    }

    #[test]
    fn compensated_beats_cancellation() {
        let pattern = [1e16, 1.0, -1e16, 1.0];
        for isa in Isa::available() {
            for copies in [1, 3, 25] {
                let data = pattern.repeat(copies);
                let got = sum_on_with(isa, &data, Mode::Compensated).unwrap();
                assert_eq!(got, 2.0 * copies as f64, "{isa}");
                // The plain sum loses ones (1e16 + 1 rounds back to 1e16).
                assert_ne!(data.iter().sum::<f64>(), got);
            }
        }
    }
}
