//! `coresum._coresum`: the Rust half of the Python package `coresum`.
//!
//! The Python half (`python/coresum/__init__.py`) builds the awaitable and the
//! `concurrent.futures.Future` on top of [`task::Task`], whose only link to a pool worker is one
//! callback, called with the GIL held when the sum is done; everything else is here.
//!
//! Locking rule, which is why nothing here can deadlock with the interpreter: a pool worker takes
//! the GIL only while it holds no lock of the pool (to run a task's callback and to release a
//! buffer), and a thread holding the GIL never waits for a worker (blocking sums, waits and pool
//! shutdowns release the GIL first).

mod buffer;
mod exact;
mod iterable;
mod pool;
mod reductions;
mod task;

use coresum::{Mode, Pool};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use std::collections::HashMap;
use std::sync::Mutex;

/// The result of a sum of numbers read by the engine (a buffer), before it becomes a Python object.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Total {
    Signed(i128),
    Unsigned(u128),
    Float(f64),
    /// `high · 2^128 + low`: an `int64`/`uint64` dot product.
    Wide {
        high: i128,
        low: u128,
    },
}

impl From<i128> for Total {
    fn from(v: i128) -> Self {
        Total::Signed(v)
    }
}

impl From<u128> for Total {
    fn from(v: u128) -> Self {
        Total::Unsigned(v)
    }
}

impl From<f64> for Total {
    fn from(v: f64) -> Self {
        Total::Float(v)
    }
}

impl Total {
    pub(crate) fn into_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(match self {
            Total::Signed(v) => v.into_pyobject(py)?.into_any().unbind(),
            Total::Unsigned(v) => v.into_pyobject(py)?.into_any().unbind(),
            Total::Float(v) => v.into_pyobject(py)?.into_any().unbind(),
            Total::Wide { high, low } => high.into_pyobject(py)?.lshift(128)?.add(low)?.unbind(),
        })
    }
}

/// `"exact"`, `"compensated"` or `"fast"`.
pub(crate) fn parse_mode(mode: &str) -> PyResult<Mode> {
    match mode {
        "exact" => Ok(Mode::Exact),
        "compensated" => Ok(Mode::Compensated),
        "fast" => Ok(Mode::Fast),
        other => Err(PyValueError::new_err(format!(
            "mode must be 'exact', 'compensated' or 'fast', got {other:?}"
        ))),
    }
}

/// The pool behind `threads=`: `None` is coresum's default pool (one pinned worker per allowed
/// core, `CORESUM_THREADS` / `CORESUM_CORES` respected); `k` is a process-wide pool of `k` pinned
/// workers (sharing cores if `k` exceeds them), started on first use and kept for the process's
/// life, so repeated calls never start threads again. `Ok(None)` where the default pool could not
/// start (coresum warned on stderr): sums then run on the calling thread.
pub(crate) fn shared_pool(threads: Option<i64>) -> PyResult<Option<&'static Pool>> {
    static BY_THREADS: Mutex<Option<HashMap<usize, &'static Pool>>> = Mutex::new(None);
    let Some(threads) = threads else {
        return Ok(coresum::default_pool());
    };
    let threads = positive_threads(threads)?;
    let mut pools = BY_THREADS.lock().unwrap_or_else(|e| e.into_inner());
    let pools = pools.get_or_insert_with(HashMap::new);
    if let Some(pool) = pools.get(&threads) {
        return Ok(Some(pool));
    }
    let pool = Pool::builder()
        .threads(threads)
        .oversubscribe(true)
        .build()
        .map_err(pool::pool_error)?;
    // Leaked on purpose: a shared pool lives as long as the process (see above).
    let pool: &'static Pool = Box::leak(Box::new(pool));
    pools.insert(threads, pool);
    Ok(Some(pool))
}

/// A thread count from Python: at least 1.
pub(crate) fn positive_threads(threads: i64) -> PyResult<usize> {
    usize::try_from(threads)
        .ok()
        .filter(|&t| t > 0)
        .ok_or_else(|| PyValueError::new_err(format!("threads must be at least 1, got {threads}")))
}

/// A sum that failed inside the pool (a panic caught there): a Python exception, never a crash.
pub(crate) fn sum_error(error: coresum::SumError) -> PyErr {
    PyRuntimeError::new_err(format!("coresum: {error}"))
}

/// `sum(data, *, mode="exact", threads=None)`; see `coresum.sum`.
#[pyfunction]
#[pyo3(signature = (data, *, mode = "exact", threads = None))]
fn sum(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    mode: &str,
    threads: Option<i64>,
) -> PyResult<Py<PyAny>> {
    let mode = parse_mode(mode)?;
    let pool = shared_pool(threads)?;
    buffer::sum_any(py, data, mode, pool)
}

/// `start(data, *, mode="exact", threads=None)`: a [`task::Task`] on a shared pool (`sum_async`).
#[pyfunction]
#[pyo3(signature = (data, *, mode = "exact", threads = None))]
fn start(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    mode: &str,
    threads: Option<i64>,
) -> PyResult<task::Task> {
    let mode = parse_mode(mode)?;
    let pool = shared_pool(threads)?;
    task::Task::start(py, data, mode, pool)
}

/// `dot(a, b, *, mode="exact")`: the sum of the products of `a` and `b`, paired in flat C order
/// (like `numpy.vdot`). Same element type and size, else `TypeError` / `ValueError`. Integers: an
/// exact `int` (`int64` never wraps); floats: the correctly rounded exact value (`mode` as `sum`'s).
#[pyfunction]
#[pyo3(signature = (a, b, *, mode = "exact"))]
fn dot(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    mode: &str,
) -> PyResult<Py<PyAny>> {
    reductions::dot(py, a, b, parse_mode(mode)?)
}

/// `min`, `max`, `argmin`, `argmax`: `name(data, *, threads=None)`.
macro_rules! extremes {
    ($($name:ident => $extreme:ident, $doc:literal;)*) => {$(
        #[doc = $doc]
        #[doc = ""]
        #[doc = "A NaN anywhere wins (`argmin`/`argmax`: the first NaN's index), like numpy; ties give the"]
        #[doc = "first index in flat C order; empty input raises `ValueError`. `threads` as for `sum`."]
        #[pyfunction]
        #[pyo3(signature = (data, *, threads = None))]
        fn $name(py: Python<'_>, data: &Bound<'_, PyAny>, threads: Option<i64>) -> PyResult<Py<PyAny>> {
            reductions::Extreme::$extreme.run(py, data, shared_pool(threads)?)
        }
    )*};
}

extremes! {
    min => Min, "`min(data, *, threads=None)`: the smallest element, an `int` or a `float`.";
    max => Max, "`max(data, *, threads=None)`: the largest element, an `int` or a `float`.";
    argmin => ArgMin, "`argmin(data, *, threads=None)`: the flat index of the first smallest element.";
    argmax => ArgMax, "`argmax(data, *, threads=None)`: the flat index of the first largest element.";
}

/// `mean(data)`: the correctly rounded `Σx / n`; NaN with a `RuntimeWarning` if empty (as numpy).
#[pyfunction]
fn mean(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    reductions::mean(py, data)
}

/// `var(data, ddof=0)`: the correctly rounded `Σ(x − mean)² / (n − ddof)`; NaN with a
/// `RuntimeWarning` where `n <= ddof` (as numpy).
#[pyfunction]
#[pyo3(signature = (data, ddof = 0))]
fn var(py: Python<'_>, data: &Bound<'_, PyAny>, ddof: i64) -> PyResult<Py<PyAny>> {
    reductions::var(py, data, ddof, false)
}

/// `std(data, ddof=0)`: the square root of `var(data, ddof)`.
#[pyfunction]
#[pyo3(name = "std", signature = (data, ddof = 0))]
fn std_dev(py: Python<'_>, data: &Bound<'_, PyAny>, ddof: i64) -> PyResult<Py<PyAny>> {
    reductions::var(py, data, ddof, true)
}

/// `norm2(data)`: the square root of the correctly rounded exact sum of squares; 0.0 if empty.
#[pyfunction]
fn norm2(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    reductions::norm2(py, data)
}

/// `checked_sum(data)`: the exact sum of integers as an `int` where it fits their element type
/// (an iterable: `int64`), else `OverflowError` naming the type; floats raise `TypeError`.
#[pyfunction]
fn checked_sum(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    reductions::checked_sum(py, data)
}

/// `nansum(data, *, mode="exact")`: numpy's `nansum`: floats summed with NaNs skipped (0.0 if
/// every element is NaN, or none), `mode` as `sum`'s; integers summed exactly, as by `sum`.
#[pyfunction]
#[pyo3(signature = (data, *, mode = "exact"))]
fn nansum(py: Python<'_>, data: &Bound<'_, PyAny>, mode: &str) -> PyResult<Py<PyAny>> {
    reductions::nansum(py, data, parse_mode(mode)?)
}

/// The ISA path sums run on (`"avx512"`, `"avx2"`, `"sse2"`, `"neon"`, `"scalar"`).
#[pyfunction]
fn isa() -> String {
    coresum::isa().to_string()
}

/// The workers of the default pool (0 where it could not start and sums run inline).
#[pyfunction]
fn default_threads() -> usize {
    coresum::default_pool().map_or(0, Pool::threads)
}

#[pymodule]
fn _coresum(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(sum, m)?)?;
    m.add_function(wrap_pyfunction!(start, m)?)?;
    for reduction in [
        wrap_pyfunction!(dot, m)?,
        wrap_pyfunction!(min, m)?,
        wrap_pyfunction!(max, m)?,
        wrap_pyfunction!(argmin, m)?,
        wrap_pyfunction!(argmax, m)?,
        wrap_pyfunction!(mean, m)?,
        wrap_pyfunction!(var, m)?,
        wrap_pyfunction!(std_dev, m)?,
        wrap_pyfunction!(norm2, m)?,
        wrap_pyfunction!(checked_sum, m)?,
        wrap_pyfunction!(nansum, m)?,
    ] {
        m.add_function(reduction)?;
    }
    m.add_function(wrap_pyfunction!(isa, m)?)?;
    m.add_function(wrap_pyfunction!(default_threads, m)?)?;
    m.add_class::<pool::PyPool>()?;
    m.add_class::<task::Task>()?;
    m.add_class::<exact::PyExactSum>()?;
    Ok(())
}
