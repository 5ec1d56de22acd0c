//! Sums of Python iterables (lists, tuples, ranges, generators…) of ints and floats.
//!
//! - ints (and bools, and objects with `__index__` such as numpy integer scalars) are summed
//!   exactly: in an `i128` while machine integers last, in Python ints beyond;
//! - floats go into an [`ExactSum`] and are correctly rounded, like `math.fsum`;
//! - when any float is present the result is a float: the correctly rounded value of the exact
//!   sum of every int and float (an integer part beyond the float range raises `OverflowError`,
//!   as `math.fsum` does);
//! - anything else (complex, str, None, Decimal…) raises `TypeError` naming its type and index.
//!
//! The items are Python objects, so the GIL is held throughout; `mode` does not apply.

use coresum::ExactSum;
use pyo3::exceptions::{PyOverflowError, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyInt, PyList};

/// The running sum of an iterable.
#[derive(Default)]
pub(crate) struct ItemSum {
    /// The sum of the ints that fit, while it fits.
    small: i128,
    /// The rest of the integer sum, in Python ints (`None`: zero).
    big: Option<Py<PyAny>>,
    floats: ExactSum,
    saw_float: bool,
}

impl ItemSum {
    /// Adds the object `item` points to, a borrowed reference (the `index`th item).
    ///
    /// # Safety
    /// `item` must point to a live object for the duration of the call.
    unsafe fn add_ptr(
        &mut self,
        py: Python<'_>,
        item: *mut ffi::PyObject,
        index: usize,
    ) -> PyResult<()> {
        // The common cases first, without exceptions or reference counting: an exact int that
        // fits in 64 bits, an exact float.
        // SAFETY: `item` is live (the caller's contract); the checks read its type; for an exact
        // int `PyLong_AsLongLongAndOverflow` reports overflow in `overflow` and never raises, and
        // `PyFloat_AsDouble` of an exact float cannot fail.
        unsafe {
            if ffi::PyLong_CheckExact(item) != 0 {
                let mut overflow = 0;
                let v = ffi::PyLong_AsLongLongAndOverflow(item, &mut overflow);
                if overflow == 0
                    && let Some(sum) = self.small.checked_add(i128::from(v))
                {
                    self.small = sum;
                    return Ok(());
                }
            } else if ffi::PyFloat_CheckExact(item) != 0 {
                self.floats.add(ffi::PyFloat_AsDouble(item));
                self.saw_float = true;
                return Ok(());
            }
            self.add(&Bound::from_borrowed_ptr(py, item), index)
        }
    }

    /// Adds one item (the `index`th, for error messages).
    pub(crate) fn add(&mut self, item: &Bound<'_, PyAny>, index: usize) -> PyResult<()> {
        if let Ok(float) = item.cast::<PyFloat>() {
            self.floats.add(float.value());
            self.saw_float = true;
            return Ok(());
        }
        let int = if let Ok(int) = item.cast::<PyInt>() {
            int.clone()
        } else if item.hasattr("__index__")? {
            item.call_method0("__index__")?.cast_into::<PyInt>()?
        } else {
            return Err(PyTypeError::new_err(format!(
                "cannot sum item {index} of type {}: coresum sums ints and floats",
                item.get_type().name()?
            )));
        };
        match int.extract::<i64>() {
            Ok(v) => match self.small.checked_add(i128::from(v)) {
                Some(sum) => self.small = sum,
                None => self.add_big(int.as_any())?,
            },
            Err(_) => self.add_big(int.as_any())?,
        }
        Ok(())
    }

    fn add_big(&mut self, int: &Bound<'_, PyAny>) -> PyResult<()> {
        let big = match self.big.take() {
            Some(big) => big.bind(int.py()).add(int)?,
            None => int.clone(),
        };
        self.big = Some(big.unbind());
        Ok(())
    }

    /// The exact integer part, as a Python int.
    fn int_total<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let small = self.small.into_pyobject(py)?.into_any();
        match &self.big {
            Some(big) => small.add(big.bind(py)),
            None => Ok(small),
        }
    }

    /// The sum: a Python int if every item was an int, else the correctly rounded float.
    pub(crate) fn finish(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let ints = self.int_total(py)?;
        if !self.saw_float {
            return Ok(ints.unbind());
        }
        let mut all = self.floats;
        add_int(&mut all, &ints)?;
        Ok(all.finish().into_pyobject(py)?.into_any().unbind())
    }

    /// Everything added so far, as one exact float accumulator (for `ExactSum.add_slice`).
    pub(crate) fn into_exact(self, py: Python<'_>) -> PyResult<ExactSum> {
        let ints = self.int_total(py)?;
        let mut all = self.floats;
        add_int(&mut all, &ints)?;
        Ok(all)
    }
}

/// Bits per limb when an int is split into exactly representable floats.
const LIMB_BITS: u32 = 52;

/// Adds the Python int `int` to `acc` exactly, in limbs of 52 bits (each `limb · 2^(52k)` is a
/// float). Beyond the float range (2^1024) that is impossible: `OverflowError`.
pub(crate) fn add_int(acc: &mut ExactSum, int: &Bound<'_, PyAny>) -> PyResult<()> {
    if let Ok(v) = int.extract::<i64>() {
        // |v| < 2^63: the high part is a multiple of 2^32 below 2^63 (exact), the low part < 2^32.
        let high = (v >> 32) << 32;
        acc.add(high as f64);
        acc.add((v - high) as f64);
        return Ok(());
    }
    let bits: u32 = int.call_method0("bit_length")?.extract()?;
    if bits > 1024 {
        return Err(PyOverflowError::new_err(
            "the integer part of the sum is too large to combine with floats",
        ));
    }
    let negative = int.lt(0)?;
    let mut rest = int.abs()?;
    let mask = (1u64 << LIMB_BITS) - 1;
    let mut scale = 1.0f64;
    while rest.is_truthy()? {
        let limb: u64 = rest.bitand(mask)?.extract()?;
        // Exact: a 52-bit integer times a power of two below 2^1024 - 2^52.
        let term = limb as f64 * scale;
        acc.add(if negative { -term } else { term });
        rest = rest.rshift(LIMB_BITS)?;
        scale *= (1u64 << LIMB_BITS) as f64;
    }
    Ok(())
}

/// The sum of the items of `data`, an iterable.
pub(crate) fn sum_iterable(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    collect(data)?.finish(py)
}

/// Adds up the items of `data`.
pub(crate) fn collect(data: &Bound<'_, PyAny>) -> PyResult<ItemSum> {
    let items = data.try_iter().map_err(|_| {
        PyTypeError::new_err(format!(
            "cannot sum a {}: pass a buffer (numpy array, array.array, bytes…) or an iterable of \
             ints and floats",
            data.get_type()
                .name()
                .map_or_else(|_| "?".into(), |n| n.to_string())
        ))
    })?;
    let mut sum = ItemSum::default();
    if let Ok(list) = data.cast::<PyList>() {
        // Lists by index, borrowing each item: no iterator, no reference counting.
        let mut index = 0;
        while index < list.len() {
            // SAFETY: `index` is within the list's current length (checked just now, and nothing
            // runs in between); the borrowed item is alive until the list changes, which only
            // the slow path can cause, after it took a reference of its own.
            unsafe {
                let item = ffi::PyList_GetItem(list.as_ptr(), index as ffi::Py_ssize_t);
                if item.is_null() {
                    return Err(PyErr::fetch(data.py()));
                }
                sum.add_ptr(data.py(), item, index)?;
            }
            index += 1;
        }
        return Ok(sum);
    }
    for (index, item) in items.enumerate() {
        sum.add(&item?, index)?;
    }
    Ok(sum)
}
