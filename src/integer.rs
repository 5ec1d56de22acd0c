//! Sums in the input's own integer type: [`checked_sum`] and [`wrapping_sum`], from the exact
//! 128-bit sum (the same kernels as `coresum::sum`, and a final conversion).

use crate::element::Summable;

/// The integer element types ([`checked_sum`], [`wrapping_sum`]). Sealed.
pub trait Integer: Summable + narrow::Narrow {}

mod narrow {
    /// The conversions of an exact wide sum back into the element type; crate-private.
    pub trait Narrow: crate::Summable {
        /// The sum, if it fits.
        fn checked(total: Self::Output) -> Option<Self>;
        /// The sum modulo 2^bits.
        fn wrapping(total: Self::Output) -> Self;
    }
}

macro_rules! integer {
    ($($t:ty),*) => {$(
        impl Integer for $t {}

        impl narrow::Narrow for $t {
            #[inline]
            fn checked(total: Self::Output) -> Option<Self> {
                Self::try_from(total).ok()
            }

            #[inline]
            fn wrapping(total: Self::Output) -> Self {
                // Truncation is the reduction modulo 2^bits (two's complement).
                total as Self
            }
        }
    )*};
}

integer!(u8, i8, u16, i16, u32, i32, u64, i64, usize, isize);

/// The sum of `data` in its own type: `None` exactly when the true sum does not fit (arrow-rs's
/// `sum_checked`). Intermediate sums never overflow: the total is exact in 128 bits first.
///
/// ```
/// assert_eq!(coresum::checked_sum(&[i8::MAX, 1, -1]), Some(i8::MAX));
/// assert_eq!(coresum::checked_sum(&[i8::MAX, 1]), None);
/// ```
pub fn checked_sum<T: Integer>(data: &[T]) -> Option<T> {
    T::checked(crate::sum(data))
}

/// The sum of `data` modulo 2^bits of `T`, as wrapping additions would give it.
///
/// ```
/// assert_eq!(coresum::wrapping_sum(&[u8::MAX, 2]), 1);
/// assert_eq!(coresum::wrapping_sum(&[i32::MIN, -1]), i32::MAX);
/// ```
pub fn wrapping_sum<T: Integer>(data: &[T]) -> T {
    T::wrapping(crate::sum(data))
}
