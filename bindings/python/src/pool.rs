//! `coresum.Pool`: a pool of the caller's own, closed explicitly or by the garbage collector.

use crate::reductions::Extreme;
use crate::{buffer, parse_mode, positive_threads, task::Task};
use coresum::{Cores, Pool, PoolError};
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use std::sync::{Arc, Mutex};

/// A pool error as the Python exception that fits it: bad arguments are `ValueError`, failures of
/// the OS (`threads`, pinning) `OSError`.
pub(crate) fn pool_error(error: PoolError) -> PyErr {
    match error {
        PoolError::Spawn(_) | PoolError::PinFailed { .. } => PyOSError::new_err(error.to_string()),
        PoolError::Sum(_) => PyRuntimeError::new_err(error.to_string()),
        _ => PyValueError::new_err(error.to_string()),
    }
}

/// A bounded pool of worker threads, each pinned to one core (see `coresum.Pool`).
#[pyclass(name = "Pool", module = "coresum._coresum", subclass, frozen)]
pub(crate) struct PyPool {
    /// `None` once closed. Operations clone the `Arc`, so a pool closed during a sum shuts down
    /// when that sum ends.
    pool: Mutex<Option<Arc<Pool>>>,
}

impl PyPool {
    fn get(&self) -> PyResult<Arc<Pool>> {
        self.pool
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| PyValueError::new_err("the pool is closed"))
    }

    /// `min`, `max`, `argmin` or `argmax` on this pool.
    fn extreme(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        extreme: Extreme,
    ) -> PyResult<Py<PyAny>> {
        let pool = self.get()?;
        let result = extreme.run(py, data, Some(&pool));
        shut_down(py, pool);
        result
    }

    fn take(&self) -> Option<Arc<Pool>> {
        self.pool.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// Drops (shuts down and joins) a pool with the GIL released: its workers may be waiting for the
/// GIL to finish a task.
fn shut_down(py: Python<'_>, pool: Arc<Pool>) {
    if let Some(last) = Arc::into_inner(pool) {
        py.detach(move || drop(last));
    }
}

#[pymethods]
impl PyPool {
    /// `Pool(threads=None, cores=None, pin=True)`: `threads` workers (default: one per core in
    /// `cores`), on `cores` (default: every core this process may run on), each pinned to its
    /// core unless `pin=False`.
    #[new]
    #[pyo3(signature = (threads = None, cores = None, pin = true))]
    fn new(
        py: Python<'_>,
        threads: Option<i64>,
        cores: Option<Vec<usize>>,
        pin: bool,
    ) -> PyResult<Self> {
        let mut builder = Pool::builder().pin(pin);
        if let Some(threads) = threads {
            builder = builder.threads(positive_threads(threads)?);
        }
        if let Some(cores) = cores {
            if cores.is_empty() {
                return Err(PyValueError::new_err("cores must name at least one core"));
            }
            builder = builder.cores(Cores::List(cores));
        }
        let pool = py.detach(|| builder.build()).map_err(pool_error)?;
        Ok(PyPool {
            pool: Mutex::new(Some(Arc::new(pool))),
        })
    }

    /// The number of workers.
    #[getter]
    fn threads(&self) -> PyResult<usize> {
        Ok(self.get()?.threads())
    }

    /// The core each worker is pinned to, in worker order (`None` entries when not pinned).
    #[getter]
    fn cores(&self) -> PyResult<Vec<Option<usize>>> {
        Ok(self
            .get()?
            .workers()
            .iter()
            .map(|w| w.core.filter(|_| w.pinned))
            .collect())
    }

    /// Whether `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.pool
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_none()
    }

    /// The sum of `data`, blocking (the GIL released meanwhile); see `coresum.sum`.
    #[pyo3(signature = (data, *, mode = "exact"))]
    fn sum(&self, py: Python<'_>, data: &Bound<'_, PyAny>, mode: &str) -> PyResult<Py<PyAny>> {
        let mode = parse_mode(mode)?;
        let pool = self.get()?;
        let total = buffer::sum_any(py, data, mode, Some(&pool));
        shut_down(py, pool);
        total
    }

    /// The smallest element of `data`, blocking; see `coresum.min`.
    fn min(&self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.extreme(py, data, Extreme::Min)
    }

    /// The largest element of `data`, blocking; see `coresum.max`.
    fn max(&self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.extreme(py, data, Extreme::Max)
    }

    /// The flat index of the first smallest element of `data`, blocking; see `coresum.argmin`.
    fn argmin(&self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.extreme(py, data, Extreme::ArgMin)
    }

    /// The flat index of the first largest element of `data`, blocking; see `coresum.argmax`.
    fn argmax(&self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.extreme(py, data, Extreme::ArgMax)
    }

    /// Starts an asynchronous sum (see `Pool.sum_async` and `Pool.submit`).
    #[pyo3(signature = (data, *, mode = "exact"))]
    fn start(&self, py: Python<'_>, data: &Bound<'_, PyAny>, mode: &str) -> PyResult<Task> {
        let mode = parse_mode(mode)?;
        let pool = self.get()?;
        let task = Task::start(py, data, mode, Some(&pool));
        shut_down(py, pool);
        task
    }

    /// Shuts the pool down: queued sums finish, then the workers exit. Idempotent.
    fn close(&self, py: Python<'_>) {
        if let Some(pool) = self.take() {
            shut_down(py, pool);
        }
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        self.close(py);
        false
    }

    fn __repr__(&self) -> String {
        match self.get() {
            Ok(pool) => format!("<coresum.Pool threads={}>", pool.threads()),
            Err(_) => "<coresum.Pool closed>".into(),
        }
    }
}

impl Drop for PyPool {
    fn drop(&mut self) {
        if let Some(pool) = self.take() {
            // Collected with the GIL held: release it while the workers are joined. During
            // interpreter shutdown (no GIL to be had) the process is ending: leave them.
            let mut pool = Some(pool);
            let _ = Python::try_attach(|py| pool.take().map(|pool| shut_down(py, pool)));
            std::mem::forget(pool);
        }
    }
}
