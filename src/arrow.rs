//! Sums of Arrow arrays (feature `arrow`, on `arrow-array` alone): [`sum`] of a
//! [`PrimitiveArray`], skipping its nulls, from its slice offset on.

use crate::element::{Mode, Summable};
use arrow_array::{Array, ArrowPrimitiveType, PrimitiveArray};

/// The exact sum of the non-null values of `array` (floats: correctly rounded, the same bits as
/// `coresum::sum` of the valid values); 0 when all are null or there are none.
///
/// ```
/// use arrow_array::{Array, Int32Array};
/// let array = Int32Array::from(vec![Some(1), None, Some(3), Some(4)]);
/// assert_eq!(coresum::arrow::sum(&array), 8);
/// assert_eq!(coresum::arrow::sum(&array.slice(1, 2)), 3);
/// ```
pub fn sum<X>(array: &PrimitiveArray<X>) -> <X::Native as Summable>::Output
where
    X: ArrowPrimitiveType,
    X::Native: Summable,
{
    sum_with(array, Mode::Exact)
}

/// [`sum`] in `mode`.
pub fn sum_with<X>(array: &PrimitiveArray<X>, mode: Mode) -> <X::Native as Summable>::Output
where
    X: ArrowPrimitiveType,
    X::Native: Summable,
{
    // `values()` already starts at the array's offset; the null buffer carries its own.
    let values: &[X::Native] = array.values();
    let Some(nulls) = array.nulls().filter(|nulls| nulls.null_count() > 0) else {
        return crate::sum_with(values, mode);
    };
    match crate::sum_masked_with(values, nulls.validity(), nulls.offset(), mode) {
        Ok(total) => total,
        // An Arrow array's null buffer covers its values (checked when the array was built).
        Err(error) => unreachable!("coresum::arrow::sum: {error}"),
    }
}
