//! The reductions beyond the sum: `dot`, `min`, `max`, `argmin`, `argmax`, `mean`, `var`, `std`,
//! `norm2`, `checked_sum`, `nansum`, with numpy's semantics where numpy is exact and correctly
//! rounded where it is not.
//!
//! - Input: what `sum` takes. A buffer is read in C order (numpy's flat order, which `argmin`
//!   indices and `dot` pairs refer to): in place where it lies so, else as a gathered copy
//!   (`checked_sum` and `nansum`, like `sum`, read it in place in any order). An
//!   iterable is converted once as `numpy.asarray` would, to `int64` if every item is an int, else
//!   to `float64` (through `array.array`); ints beyond 64 bits raise `OverflowError`.
//! - `int64`/`uint64` have no `dot` kernel in the engine (a product needs 128 bits): their dot
//!   products and sums of squares are taken here, exactly, in 256 bits, on the calling thread.
//! - The GIL is released while the engine runs; a panic inside it is a `RuntimeError`.

use crate::buffer::{Buffer, Elem, Wire, refuse_text, with_elem};
use crate::{Total, sum_error};
use coresum::{Dottable, Mode, Pool};
use half::f16;
use pyo3::exceptions::{PyOverflowError, PyRuntimeWarning, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyList;

/// Runs `$body` with `$t` bound to the Rust type of `$elem` where the engine has a dot product
/// for it, else `$wide` with `$w` bound to `i64` or `u64`.
macro_rules! with_dottable {
    ($elem:expr, $t:ident => $body:expr, $w:ident => $wide:expr) => {
        match $elem {
            Elem::U8 => {
                type $t = u8;
                $body
            }
            Elem::I8 => {
                type $t = i8;
                $body
            }
            Elem::U16 => {
                type $t = u16;
                $body
            }
            Elem::I16 => {
                type $t = i16;
                $body
            }
            Elem::U32 => {
                type $t = u32;
                $body
            }
            Elem::I32 => {
                type $t = i32;
                $body
            }
            Elem::F16 => {
                type $t = half::f16;
                $body
            }
            Elem::F32 => {
                type $t = f32;
                $body
            }
            Elem::F64 => {
                type $t = f64;
                $body
            }
            Elem::I64 => {
                type $w = i64;
                $wide
            }
            Elem::U64 => {
                type $w = u64;
                $wide
            }
        }
    };
}

/// `data` as a buffer: its own, or (an iterable) converted as `numpy.asarray` would.
fn buffer_of(data: &Bound<'_, PyAny>) -> PyResult<Buffer> {
    if let Some(buffer) = Buffer::get(data)? {
        return Ok(buffer);
    }
    let py = data.py();
    let items = py
        .get_type::<PyList>()
        .call1((refuse_text(data)?,))
        .map_err(|_| {
            PyTypeError::new_err(format!(
                "cannot reduce a {}: pass a buffer (numpy array, array.array, bytes…) or an \
                 iterable of ints and floats",
                data.get_type()
                    .name()
                    .map_or_else(|_| "?".into(), |n| n.to_string())
            ))
        })?;
    let array = py.import("array")?.getattr("array")?;
    let converted = match array.call1(("q", &items)) {
        Ok(ints) => ints,
        // A float among the items (or something array.array('d') refuses in turn).
        Err(error) if error.is_instance_of::<PyTypeError>(py) => array.call1(("d", &items))?,
        Err(error) if error.is_instance_of::<PyOverflowError>(py) => {
            return Err(PyOverflowError::new_err(
                "an int beyond 64 bits: only coresum.sum takes ints of any size",
            ));
        }
        Err(error) => return Err(error),
    };
    Ok(Buffer::get(&converted)?.expect("array.array has a buffer"))
}

/// Runs `work` with the GIL released; a panic inside it becomes a `RuntimeError`.
fn detached<R: Send>(py: Python<'_>, what: &str, work: impl FnOnce() -> R + Send) -> PyResult<R> {
    py.detach(|| std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)))
        .map_err(|_| sum_error(coresum::SumError::Panicked(what.into())))
}

/// `min`, `max`, `argmin` or `argmax`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Extreme {
    Min,
    Max,
    ArgMin,
    ArgMax,
}

impl Extreme {
    /// The result for `data`, `None` if it is empty.
    fn of<T: Wire>(self, pool: Option<&Pool>, data: &[T]) -> Option<Total> {
        let index = |i: usize| Total::Unsigned(i as u128);
        match (self, pool) {
            (Extreme::Min, Some(pool)) => pool.min(data).map(T::value),
            (Extreme::Min, None) => coresum::min(data).map(T::value),
            (Extreme::Max, Some(pool)) => pool.max(data).map(T::value),
            (Extreme::Max, None) => coresum::max(data).map(T::value),
            (Extreme::ArgMin, Some(pool)) => pool.argmin(data).map(index),
            (Extreme::ArgMin, None) => coresum::argmin(data).map(index),
            (Extreme::ArgMax, Some(pool)) => pool.argmax(data).map(index),
            (Extreme::ArgMax, None) => coresum::argmax(data).map(index),
        }
    }

    /// numpy's error for an empty input.
    fn empty_error(self) -> PyErr {
        PyValueError::new_err(match self {
            Extreme::Min => "zero-size array to reduction operation minimum which has no identity",
            Extreme::Max => "zero-size array to reduction operation maximum which has no identity",
            Extreme::ArgMin => "attempt to get argmin of an empty sequence",
            Extreme::ArgMax => "attempt to get argmax of an empty sequence",
        })
    }

    /// The extreme of anything `sum` takes, on `pool` (the default pool where `None`).
    pub(crate) fn run(
        self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        pool: Option<&Pool>,
    ) -> PyResult<Py<PyAny>> {
        let buffer = buffer_of(data)?;
        let result = detached(
            py,
            "finding an extreme",
            || with_elem!(buffer.elem, T => self.of(pool, &buffer.c_elements::<T>())),
        )?;
        result.ok_or_else(|| self.empty_error())?.into_py(py)
    }
}

/// The exact dot product of two `int64` or `uint64` slices (of equal length), in 256 bits.
trait WideProduct: Copy + Send + Sync {
    /// `a · b` as its low 128 bits and whether it is negative.
    fn product(a: Self, b: Self) -> (u128, bool);
}

impl WideProduct for i64 {
    fn product(a: i64, b: i64) -> (u128, bool) {
        let p = i128::from(a) * i128::from(b); // |p| <= 2^126: no overflow
        (p as u128, p < 0)
    }
}

impl WideProduct for u64 {
    fn product(a: u64, b: u64) -> (u128, bool) {
        (u128::from(a) * u128::from(b), false) // < 2^128
    }
}

fn wide_dot<T: WideProduct>(a: &[T], b: &[T]) -> Total {
    let (mut high, mut low) = (0i128, 0u128);
    for (&x, &y) in a.iter().zip(b) {
        let (p, negative) = T::product(x, y);
        let (sum, carry) = low.overflowing_add(p);
        low = sum;
        // A negative product is sign-extended: its high word is −1. `high` counts at most one
        // per element, far from overflowing.
        high += i128::from(carry) - i128::from(negative);
    }
    Total::Wide { high, low }
}

/// The engine's dot product of two slices of a type it has kernels for.
fn engine_dot<T: Dottable<DotOutput: Into<Total>>>(a: &[T], b: &[T], mode: Mode) -> Total {
    coresum::dot_with(a, b, mode)
        .expect("lengths checked before")
        .into()
}

/// `coresum.dot(a, b, *, mode="exact")`: the elements of `a` and `b` (same dtype, same number
/// of elements) paired in C order.
pub(crate) fn dot(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    mode: Mode,
) -> PyResult<Py<PyAny>> {
    let (a, b) = (buffer_of(a)?, buffer_of(b)?);
    if a.elem != b.elem {
        return Err(PyTypeError::new_err(format!(
            "dot needs two inputs of the same element type, got {} and {}",
            a.elem.name(),
            b.elem.name()
        )));
    }
    if a.len() != b.len() {
        return Err(PyValueError::new_err(format!(
            "dot needs inputs of the same size, got {} and {} elements",
            a.len(),
            b.len()
        )));
    }
    let total = detached(py, "a dot product", || {
        with_dottable!(a.elem,
            T => engine_dot(&a.c_elements::<T>(), &b.c_elements::<T>(), mode),
            W => wide_dot(&a.c_elements::<W>(), &b.c_elements::<W>()))
    })?;
    total.into_py(py)
}

/// numpy's answer where a mean or variance has no value: NaN, with a `RuntimeWarning`.
fn nan_with_warning(py: Python<'_>, message: &std::ffi::CStr) -> PyResult<Py<PyAny>> {
    PyErr::warn(py, &py.get_type::<PyRuntimeWarning>(), message, 1)?;
    Total::Float(f64::NAN).into_py(py)
}

/// `coresum.mean(data)`: the correctly rounded `Σx / n`; NaN and a `RuntimeWarning` if empty.
pub(crate) fn mean(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let buffer = buffer_of(data)?;
    let mean = detached(
        py,
        "a mean",
        || with_elem!(buffer.elem, T => coresum::mean(&buffer.c_elements::<T>())),
    )?;
    match mean {
        Some(mean) => Total::Float(mean).into_py(py),
        None => nan_with_warning(py, c"Mean of empty slice"),
    }
}

/// The exact sums an `int64`/`uint64` variance is made of: `Σx` and `Σx²`.
fn wide_moments<T: WideProduct + Wire>(data: &[T]) -> (Total, Total) {
    (coresum::sum(data).into(), wide_dot(data, data))
}

/// `coresum.var(data, ddof=0)` (`std` if `root`): `Σ(x − mean)² / (n − ddof)`, correctly rounded
/// (`std`: its square root); NaN and a `RuntimeWarning` where `n <= ddof`, as numpy.
pub(crate) fn var(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    ddof: i64,
    root: bool,
) -> PyResult<Py<PyAny>> {
    let ddof = usize::try_from(ddof)
        .map_err(|_| PyValueError::new_err(format!("ddof must be at least 0, got {ddof}")))?;
    let buffer = buffer_of(data)?;
    let n = buffer.len();
    if n <= ddof {
        return nan_with_warning(py, c"Degrees of freedom <= 0 for slice");
    }
    let moments = detached(py, "a variance", || {
        with_dottable!(buffer.elem,
            T => Ok(coresum::variance(&buffer.c_elements::<T>(), ddof).unwrap_or(f64::NAN)),
            W => Err(wide_moments(&buffer.c_elements::<W>())))
    })?;
    let variance = match moments {
        Ok(variance) => variance,
        // (n·Σx² − (Σx)²) / (n·(n − ddof)) in Python ints, whose true division rounds correctly.
        Err((sum, squares)) => {
            let (sum, squares) = (sum.into_py(py)?, squares.into_py(py)?);
            let (sum, squares) = (sum.bind(py), squares.bind(py));
            let numerator = squares.mul(n)?.sub(sum.mul(sum)?)?;
            numerator.div(n as u128 * (n - ddof) as u128)?.extract()?
        }
    };
    Total::Float(if root { variance.sqrt() } else { variance }).into_py(py)
}

/// `coresum.norm2(data)`: the square root of the correctly rounded exact sum of squares (0.0 if
/// empty).
pub(crate) fn norm2(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let buffer = buffer_of(data)?;
    let norm = detached(py, "a norm", || {
        with_dottable!(buffer.elem,
            T => Ok(coresum::norm2(&buffer.c_elements::<T>())),
            W => { let data = buffer.c_elements::<W>(); Err(wide_dot(&data, &data)) })
    })?;
    match norm {
        Ok(norm) => Total::Float(norm).into_py(py),
        // int → float rounds correctly in Python.
        Err(squares) => Total::Float(squares.into_py(py)?.extract::<f64>(py)?.sqrt()).into_py(py),
    }
}

/// What `checked_sum` and `nansum` do with one element type: integers and floats differ.
trait ByKind: Wire {
    /// The sum in the element type (`Some(None)`: it does not fit); `None` for floats.
    fn checked_sum(data: &[Self]) -> Option<Option<Total>>;
    /// The sum with NaNs skipped (integers have none: their exact sum).
    fn nansum(data: &[Self], mode: Mode) -> Total;
}

macro_rules! by_kind {
    (integers: $($i:ty),*; floats: $($f:ty),*) => {
        $(impl ByKind for $i {
            fn checked_sum(data: &[Self]) -> Option<Option<Total>> {
                Some(coresum::checked_sum(data).map(Wire::value))
            }

            fn nansum(data: &[Self], mode: Mode) -> Total {
                coresum::sum_with(data, mode).into()
            }
        })*
        $(impl ByKind for $f {
            fn checked_sum(_: &[Self]) -> Option<Option<Total>> {
                None
            }

            fn nansum(data: &[Self], mode: Mode) -> Total {
                Total::Float(coresum::nansum_with(data, mode))
            }
        })*
    };
}

by_kind!(integers: u8, i8, u16, i16, u32, i32, u64, i64; floats: f16, f32, f64);

/// `coresum.checked_sum(data)`: the exact sum as an `int` where it fits the element type, else
/// `OverflowError` naming the type; floats are a `TypeError`.
pub(crate) fn checked_sum(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let buffer = buffer_of(data)?;
    let elem = buffer.elem;
    if matches!(elem, Elem::F16 | Elem::F32 | Elem::F64) {
        return Err(PyTypeError::new_err(format!(
            "checked_sum needs integers, got {}: use sum or nansum for floats",
            elem.name()
        )));
    }
    let checked = detached(
        py,
        "a checked sum",
        || with_elem!(elem, T => T::checked_sum(&buffer.elements::<T>())),
    )?;
    match checked.expect("integers have a checked sum") {
        Some(total) => total.into_py(py),
        None => Err(PyOverflowError::new_err(format!(
            "the sum does not fit {}; coresum.sum gives it exactly",
            elem.name()
        ))),
    }
}

/// `coresum.nansum(data, *, mode="exact")`: the sum with NaNs skipped (0.0 if all are NaN);
/// integers are summed exactly, as by `sum`.
pub(crate) fn nansum(py: Python<'_>, data: &Bound<'_, PyAny>, mode: Mode) -> PyResult<Py<PyAny>> {
    let buffer = buffer_of(data)?;
    let total = detached(
        py,
        "a sum without NaNs",
        || with_elem!(buffer.elem, T => T::nansum(&buffer.elements::<T>(), mode)),
    )?;
    total.into_py(py)
}
