//! Integer dot products: one exact pass (`algo::dot`'s folds), `i128`/`u128` totals.

use super::{DotReduce, DotValue, Dottable};
use crate::arch::Kernels;
use crate::reduce::Pass;
use crate::stats::Bounds;

macro_rules! dottable_int {
    ($($t:ty => $out:ty, $kernel:ident, $variant:ident;)*) => {$(
        impl Dottable for $t {
            type DotOutput = $out;
        }

        impl DotReduce for $t {
            type DotPartial = $out;

            #[inline]
            fn dot_partial(kernels: &Kernels, _pass: Pass, a: &[$t], b: &[$t]) -> $out {
                // SAFETY: a `&Kernels` is only handed out by `Kernels::get`, after checking that
                // the running CPU supports its ISA.
                unsafe { (kernels.dot.$kernel)(a, b) }
            }

            #[inline]
            fn dot_merge(into: &mut $out, next: $out) {
                // Cannot overflow: |products| < 2^64 and a slice has fewer than 2^63 elements.
                *into += next;
            }

            fn dot_finish(_pass: Pass, total: $out) -> Option<DotValue> {
                Some(DotValue::$variant(total))
            }

            fn norm_finish(total: $out) -> Option<f64> {
                Some((total as f64).sqrt())
            }

            fn dot_bounds(total: &$out) -> Option<Bounds> {
                Some(Bounds::exact((*total).into(), 0))
            }
        }
    )*};
}

dottable_int! {
    i8 => i128, i8, Signed;
    u8 => u128, u8, Unsigned;
    i16 => i128, i16, Signed;
    u16 => u128, u16, Unsigned;
    i32 => i128, i32, Signed;
    u32 => u128, u32, Unsigned;
}

impl From<DotValue> for i128 {
    fn from(value: DotValue) -> i128 {
        match value {
            DotValue::Signed(x) => x,
            // Not produced for a signed type.
            DotValue::Unsigned(x) => x as i128,
            DotValue::Float(x) => x as i128,
        }
    }
}

impl From<DotValue> for u128 {
    fn from(value: DotValue) -> u128 {
        match value {
            DotValue::Unsigned(x) => x,
            DotValue::Signed(x) => x as u128,
            DotValue::Float(x) => x as u128,
        }
    }
}

impl From<DotValue> for f64 {
    fn from(value: DotValue) -> f64 {
        match value {
            DotValue::Float(x) => x,
            DotValue::Signed(x) => x as f64,
            DotValue::Unsigned(x) => x as f64,
        }
    }
}
