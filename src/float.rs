//! Floating-point sums: [`Summable`] for `f64`, `f32` and (feature `half`) `half::f16` and
//! `half::bf16`, all returned as `f64`, in the three [`Mode`](crate::Mode)s; the partial they carry between
//! chunks ([`FloatPartial`]).
//!
//! - [`Mode::Exact`](crate::Mode::Exact): the correctly rounded (nearest, ties to even) exact sum. The first pass is
//!   the *certified* pass: blocks are split against their largest exponent so that their high
//!   parts add up exactly in SIMD lanes, and a small superaccumulator ([`ExactSum`], Neal,
//!   arXiv:1505.05571) takes those lane sums and the residual sums, whose error is bounded. Where
//!   that bound leaves the rounding open, the sum is made again with the *error-free* pass
//!   (extraction levels). The result is bit-identical for any chunking, thread count, ISA path
//!   or machine. See `algo/float/` (the passes) and `exact_sum.rs` (accumulator, rounding, IEEE
//!   rules).
//! - [`Mode::Compensated`](crate::Mode::Compensated): the certified pass rounded as it is — a compensated
//!   (Kahan–Babuška–Neumaier) sum in SIMD lanes with exact high parts:
//!   `|result − Σx| ≤ 2^-53·|Σx| + 2^-72·Σ|x|` whatever `n`, with no intermediate overflow.
//! - [`Mode::Fast`](crate::Mode::Fast): plain IEEE additions in several SIMD accumulators (`f32` widened to `f64`).
//!
//! Compensated and Fast results depend only on the chunk contents and the ISA path (the lane
//! layout), never on thread count; NaN and infinities follow IEEE addition in every mode (in Fast
//! an intermediate overflow can also give an infinity). An empty sum is +0.0 and a sum of only
//! −0.0 is −0.0 in every mode.

use crate::arch::{FloatKernels, Kernels};
use crate::element::Summable;
use crate::exact_sum::ExactSum;
use crate::reduce::{ElementSum, Pass};

/// The element types with kernels of their own.
pub(crate) trait Direct: Copy + 'static {
    /// This type's float kernels in `kernels`.
    fn select(kernels: &Kernels) -> &FloatKernels<Self>;
}

impl Direct for f64 {
    fn select(kernels: &Kernels) -> &FloatKernels<f64> {
        &kernels.f64
    }
}

impl Direct for f32 {
    fn select(kernels: &Kernels) -> &FloatKernels<f32> {
        &kernels.f32
    }
}

/// The partial sum of a chunk of floats, in the chunk's [`Pass`].
///
/// Public only because the sealed `ElementSum` names it; it cannot be named outside the crate.
#[derive(Clone, Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "one partial per chunk, kept on the stack: boxing would allocate per chunk"
)]
pub enum FloatPartial {
    /// The exact sum so far lies within `slack` of `sum` (`slack` is a float sum of error bounds:
    /// twice it bounds the exact total of the bounds, see `finish`); 0 for the error-free pass.
    Exact { sum: ExactSum, slack: f64 },
    /// A plain IEEE sum; `nonempty` tells an empty sum (+0.0) from a sum of −0.0.
    Fast { sum: f64, nonempty: bool },
    /// The exact sum so far lies within a bounded distance of `sum` (the certified pass's slack,
    /// not kept: Compensated rounds `sum` as it is).
    Compensated { sum: ExactSum },
}

impl FloatPartial {
    /// The partial of an empty chunk.
    fn empty(pass: Pass) -> Self {
        match pass {
            Pass::Certified | Pass::ErrorFree => FloatPartial::Exact {
                sum: ExactSum::new(),
                slack: 0.0,
            },
            Pass::Fast => FloatPartial::Fast {
                sum: -0.0,
                nonempty: false,
            },
            Pass::Compensated => FloatPartial::Compensated {
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
                let mut sum = core::mem::replace(self, FloatPartial::empty(Pass::Fast)).into_sum();
                sum.merge(&next.into_sum());
                *self = Compensated { sum };
            }
        }
    }

    /// The values the partial holds, added exactly.
    pub(crate) fn into_sum(self) -> ExactSum {
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

    /// The result, ignoring any slack: exact for error-free partials, whose slack is zero.
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

/// The partial of one chunk of a type with its own kernels, summed with `pass`.
#[inline]
fn direct_partial<T: Direct>(kernels: &Kernels, pass: Pass, chunk: &[T]) -> FloatPartial {
    let k = T::select(kernels);
    let (mut sum, mut slack) = (ExactSum::new(), 0.0);
    // SAFETY: a `&Kernels` is only handed out by `Kernels::get`, after checking that the running
    // CPU supports its ISA.
    unsafe {
        match pass {
            Pass::Fast => {
                return FloatPartial::Fast {
                    sum: (k.fast)(chunk),
                    nonempty: !chunk.is_empty(),
                };
            }
            Pass::Certified | Pass::Compensated => (k.certified)(&mut sum, &mut slack, chunk),
            Pass::ErrorFree => (k.error_free)(&mut sum, chunk),
        }
    }
    match pass {
        Pass::Compensated => FloatPartial::Compensated { sum },
        _ => FloatPartial::Exact { sum, slack },
    }
}

/// `ExactSum::add_slice`: the error-free pass of the process-wide path.
pub(crate) fn add_slice_error_free<T: Direct>(acc: &mut ExactSum, data: &[T]) {
    // SAFETY: as in `direct_partial`: `Kernels::active` returns a table the CPU supports.
    unsafe { (T::select(Kernels::active()).error_free)(acc, data) }
}

macro_rules! summable_float {
    ($($t:ty => $partial:expr;)*) => {$(
        impl Summable for $t {
            type Output = f64;
        }

        impl ElementSum for $t {
            type Partial = FloatPartial;

            #[inline]
            fn partial(kernels: &Kernels, pass: Pass, chunk: &[Self]) -> FloatPartial {
                $partial(kernels, pass, chunk)
            }

            #[inline]
            fn merge(into: &mut FloatPartial, next: FloatPartial) {
                into.merge(next);
            }

            #[inline]
            fn finish(total: FloatPartial) -> Option<f64> {
                total.finish()
            }

            #[inline]
            fn round(total: FloatPartial) -> f64 {
                total.round()
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

    use super::{ElementSum, FloatPartial, Kernels, Pass, Summable, direct_partial};
    use half::slice::HalfFloatSliceExt;

    /// Elements converted per step: 4 KiB of `f32` on the stack.
    const CONVERT_BLOCK: usize = 1024;

    fn converted_partial<T>(kernels: &Kernels, pass: Pass, chunk: &[T]) -> FloatPartial
    where
        [T]: HalfFloatSliceExt,
    {
        let mut buf = [0f32; CONVERT_BLOCK];
        let mut partial = FloatPartial::empty(pass);
        for block in chunk.chunks(CONVERT_BLOCK) {
            let buf = &mut buf[..block.len()];
            // Lengths match by construction, so this cannot panic.
            block.convert_to_f32_slice(buf);
            partial.merge(direct_partial(kernels, pass, buf));
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
