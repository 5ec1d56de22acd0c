//! [`Task`]: one asynchronous sum, and the single bridge from a pool worker back to Python.
//!
//! The task owns the engine's [`SumTask`](coresum::SumTask) (boxed as a future of a [`Total`]).
//! When the sum is not finished at submission, the task polls it once with a waker of its own;
//! the worker that completes the sum wakes it *after* releasing every lock of the pool, and the
//! waker then takes the GIL, stores the result, drops the engine's task (which releases the
//! buffer) and calls the registered callbacks. The Python layer's callbacks only hand the news on
//! (`loop.call_soon_threadsafe`, `Future.set_result`): no thread is ever started for a task.
//!
//! Lock order: GIL, then the task's state, then the engine's (which never waits for the GIL).

use crate::buffer::{Buffer, Elem, Owned, with_elem};
use crate::{Total, iterable};
use coresum::{Mode, Pool, SumError, Summable};
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll, Wake, Waker};

type Running = Pin<Box<dyn Future<Output = Result<Total, SumError>> + Send>>;

enum State {
    Running(Running),
    Done(Result<Py<PyAny>, String>),
    Cancelled,
}

struct Inner {
    state: State,
    callbacks: Vec<Py<PyAny>>,
}

/// An asynchronous sum (returned by `start` and `Pool.start`). Await it through
/// `coresum.sum_async`, or hand it to `concurrent.futures` through `Pool.submit`.
#[pyclass(module = "coresum._coresum", frozen)]
pub(crate) struct Task {
    inner: Arc<Mutex<Inner>>,
}

fn lock(inner: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    inner.lock().unwrap_or_else(|e| e.into_inner())
}

impl Task {
    /// Starts summing `data` on `pool` (inline where there is none, or where it is small: see
    /// `coresum::Pool::sum_async`). Iterables are summed here, at once: their items are Python
    /// objects, which only a thread holding the GIL may read.
    pub(crate) fn start(
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        mode: Mode,
        pool: Option<&Pool>,
    ) -> PyResult<Task> {
        let state = match Buffer::get(data)? {
            Some(buffer) => match pool {
                Some(pool) => State::Running(py.detach(|| submit(pool, buffer, mode))),
                None => {
                    let total = py.detach(|| crate::buffer::sum_buffer(&buffer, mode, None));
                    State::Done(Ok(total.into_py(py)?))
                }
            },
            None => State::Done(Ok(iterable::sum_iterable(
                py,
                crate::buffer::refuse_text(data)?,
            )?)),
        };
        let inner = Arc::new(Mutex::new(Inner {
            state,
            callbacks: Vec::new(),
        }));
        poll(py, &inner);
        Ok(Task { inner })
    }
}

/// Queues the sum of `buffer` (a gathered copy where it cannot be read in place).
fn submit(pool: &Pool, buffer: Buffer, mode: Mode) -> Running {
    fn queued<T: crate::buffer::Wire>(pool: &Pool, buffer: Buffer, mode: Mode) -> Running {
        let task = pool.sum_async_with(Owned::<T>::new(buffer), mode);
        Box::pin(async move { task.await.map(<T as Summable>::Output::into) })
    }
    let elem: Elem = buffer.elem;
    with_elem!(elem, T => queued::<T>(pool, buffer, mode))
}

/// Polls a running task with its waker; if it finished, stores the result and runs the callbacks.
fn poll(py: Python<'_>, inner: &Arc<Mutex<Inner>>) {
    let callbacks = {
        let mut guard = lock(inner);
        let State::Running(running) = &mut guard.state else {
            return;
        };
        let waker = Waker::from(Arc::new(Notify(Arc::downgrade(inner))));
        let Poll::Ready(result) = running.as_mut().poll(&mut Context::from_waker(&waker)) else {
            return;
        };
        // Dropping the engine's task here releases the buffer, with the GIL held.
        guard.state = State::Done(match result {
            Ok(total) => total.into_py(py).map_err(|e| e.to_string()),
            Err(error) => Err(error.to_string()),
        });
        std::mem::take(&mut guard.callbacks)
    };
    run_callbacks(py, callbacks);
}

fn run_callbacks(py: Python<'_>, callbacks: Vec<Py<PyAny>>) {
    for callback in callbacks {
        if let Err(error) = callback.call0(py) {
            error.write_unraisable(py, Some(callback.bind(py)));
        }
    }
}

/// The waker: called by the pool worker that completed the sum, holding none of the pool's locks.
struct Notify(Weak<Mutex<Inner>>);

impl Wake for Notify {
    fn wake(self: Arc<Self>) {
        let Some(inner) = self.0.upgrade() else {
            return; // the task was dropped: nobody is listening
        };
        // `try_attach`: during interpreter shutdown there is nobody left to tell. A panic must not
        // unwind into the pool's worker.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Python::try_attach(|py| poll(py, &inner))
        }));
    }
}

#[pymethods]
impl Task {
    /// Whether the result is there (or the task was cancelled).
    fn done(&self) -> bool {
        !matches!(lock(&self.inner).state, State::Running(_))
    }

    /// Whether the task was cancelled.
    fn cancelled(&self) -> bool {
        matches!(lock(&self.inner).state, State::Cancelled)
    }

    /// Cancels the sum if it is not finished: chunks not yet started are skipped, the buffer is
    /// released once no worker reads it. True if it was cancelled (now or before).
    fn cancel(&self, py: Python<'_>) -> bool {
        let (cancelled, running, callbacks) = {
            let mut guard = lock(&self.inner);
            match guard.state {
                State::Running(_) => {
                    let State::Running(running) =
                        std::mem::replace(&mut guard.state, State::Cancelled)
                    else {
                        unreachable!("matched above")
                    };
                    (true, Some(running), std::mem::take(&mut guard.callbacks))
                }
                State::Cancelled => (true, None, Vec::new()),
                State::Done(_) => (false, None, Vec::new()),
            }
        };
        // Dropping the engine's task cancels it; outside our lock, as a worker may be waking us.
        drop(running);
        run_callbacks(py, callbacks);
        cancelled
    }

    /// The result. `RuntimeError` if not done yet; `concurrent.futures.CancelledError` if
    /// cancelled; `RuntimeError` if the sum failed in the pool.
    fn result(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match &lock(&self.inner).state {
            State::Done(Ok(value)) => Ok(value.clone_ref(py)),
            State::Done(Err(message)) => {
                Err(PyRuntimeError::new_err(format!("coresum: {message}")))
            }
            State::Cancelled => Err(cancelled_error(py)),
            State::Running(_) => Err(PyRuntimeError::new_err("the sum is not finished")),
        }
    }

    /// Calls `callback()` once the task is done or cancelled: at once if it already is, else on
    /// the pool worker that finishes it (with the GIL). The callback must be quick and must not
    /// block: it runs on one of the pool's workers.
    fn on_done(&self, py: Python<'_>, callback: Py<PyAny>) -> PyResult<()> {
        if !callback.bind(py).is_callable() {
            return Err(PyTypeError::new_err("on_done needs a callable"));
        }
        {
            let mut guard = lock(&self.inner);
            if matches!(guard.state, State::Running(_)) {
                guard.callbacks.push(callback);
                return Ok(());
            }
        }
        run_callbacks(py, vec![callback]);
        Ok(())
    }

    /// Blocks until the task is done (the GIL released meanwhile) and returns the result.
    fn wait(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let signal = pyo3::types::PyCFunction::new_closure(py, None, None, move |_, _| {
            let _ = done_tx.send(());
        })?;
        self.on_done(py, signal.into_any().unbind())?;
        py.detach(move || {
            let _ = done_rx.recv();
        });
        self.result(py)
    }
}

fn cancelled_error(py: Python<'_>) -> PyErr {
    match py
        .import("concurrent.futures")
        .and_then(|m| m.getattr("CancelledError"))
    {
        Ok(class) => match class.call1(("the sum was cancelled",)) {
            Ok(instance) => PyErr::from_value(instance),
            Err(error) => error,
        },
        Err(error) => error,
    }
}
