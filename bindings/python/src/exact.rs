//! `coresum.ExactSum`: the engine's exact float accumulator, for merging partial sums across
//! threads, processes and machines.

use crate::buffer::{Buffer, Elem, with_elem};
use crate::iterable;
use coresum::ExactSum;
use half::f16;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyFloat, PyInt};

/// The exact sum of any number of floats (and ints), rounded once when read.
#[pyclass(name = "ExactSum", module = "coresum._coresum", frozen)]
pub(crate) struct PyExactSum {
    acc: std::sync::Mutex<ExactSum>,
}

impl PyExactSum {
    fn with<R>(&self, f: impl FnOnce(&mut ExactSum) -> R) -> R {
        f(&mut self.acc.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Adds every element of a buffer exactly: floats as they are (float16 widened), integers summed
/// exactly first.
fn add_buffer(py: Python<'_>, acc: &mut ExactSum, buffer: &Buffer) -> PyResult<()> {
    fn floats<T: crate::buffer::Wire, R>(buffer: &Buffer, f: impl FnOnce(&[T]) -> R) -> R {
        match buffer.slice::<T>() {
            Some(data) => f(data),
            None => f(&buffer.gather::<T>()),
        }
    }
    match buffer.elem {
        Elem::F64 => py.detach(|| floats::<f64, _>(buffer, |d| acc.add_slice(d))),
        Elem::F32 => py.detach(|| floats::<f32, _>(buffer, |d| acc.add_slice_f32(d))),
        Elem::F16 => py.detach(|| {
            floats::<f16, _>(buffer, |d| {
                for block in d.chunks(4096) {
                    let wide: Vec<f32> = block.iter().map(|&x| f32::from(x)).collect();
                    acc.add_slice_f32(&wide);
                }
            })
        }),
        elem => {
            let total: crate::Total = with_elem!(elem, T => py.detach(|| floats::<T, _>(buffer, |d| coresum::sum(d).into())));
            iterable::add_int(acc, total.into_py(py)?.bind(py))?;
        }
    }
    Ok(())
}

#[pymethods]
impl PyExactSum {
    /// `ExactSum(data=())`: an accumulator holding the exact sum of `data` (see `add_slice`).
    #[new]
    #[pyo3(signature = (data = None))]
    fn new(py: Python<'_>, data: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let this = PyExactSum {
            acc: std::sync::Mutex::new(ExactSum::new()),
        };
        if let Some(data) = data {
            this.add_slice(py, data)?;
        }
        Ok(this)
    }

    /// Adds one float or int, exactly.
    fn add(&self, x: &Bound<'_, PyAny>) -> PyResult<()> {
        if let Ok(int) = x.cast::<PyInt>() {
            return self.with(|acc| iterable::add_int(acc, int.as_any()));
        }
        let x: f64 = x
            .cast::<PyFloat>()
            .map(|f| f.value())
            .or_else(|_| x.extract())?;
        self.with(|acc| acc.add(x));
        Ok(())
    }

    /// Adds every element of `data`, exactly: a buffer (float16/32/64 or integers, any layout) or
    /// an iterable of floats and ints.
    fn add_slice(&self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<()> {
        let mut part = ExactSum::new();
        match Buffer::get(data)? {
            Some(buffer) => add_buffer(py, &mut part, &buffer)?,
            None => part = iterable::collect(crate::buffer::refuse_text(data)?)?.into_exact(py)?,
        }
        self.with(|acc| acc.merge(&part));
        Ok(())
    }

    /// Adds everything `other` holds.
    fn merge(&self, other: &Bound<'_, PyExactSum>) {
        let theirs = other.get().with(|acc| acc.clone());
        self.with(|acc| acc.merge(&theirs));
    }

    /// The exact sum, correctly rounded to a float (NaN and infinities as IEEE says).
    #[getter]
    fn value(&self) -> f64 {
        self.with(|acc| acc.finish())
    }

    fn __float__(&self) -> f64 {
        self.value()
    }

    /// The state as bytes (a versioned, checksummed, machine-independent format).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.with(|acc| acc.to_bytes()))
    }

    /// Reads back `to_bytes`; `ValueError` for anything else.
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        let acc = ExactSum::from_bytes(data)
            .map_err(|e| PyValueError::new_err(format!("ExactSum.from_bytes: {e}")))?;
        Ok(PyExactSum {
            acc: std::sync::Mutex::new(acc),
        })
    }

    /// Pickles as its bytes.
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let from_bytes = slf.get_type().getattr("from_bytes")?;
        Ok((from_bytes, (slf.get().to_bytes(slf.py()),)))
    }

    fn __repr__(&self) -> String {
        format!("ExactSum({:?})", self.value())
    }
}
