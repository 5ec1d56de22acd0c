//! `coresum_pool_sum_*_async`: sums that run on the pool while the caller goes on, reported to a
//! callback and to `coresum_task_wait`.
//!
//! The Rust side is a [`SumTask`] (a future) driven by a waker: the pool's worker that finishes
//! the sum wakes it, and the wake settles the task on that worker. The caller's array is lent to
//! the pool as an owner ([`CArray`]) whose drop tells the task that no job can read it any more,
//! which is what cancelling waits for.

use crate::args::{self, coresum_mode};
use crate::error::{CORESUM_E_CANCELLED, CORESUM_E_INTERNAL, Failure, guard};
use crate::pool::coresum_pool;
use coresum::{SumError, SumTask, Summable};
use std::ffi::{c_int, c_void};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, ThreadId};

/// Called once per task with `user_data`, the status (`CORESUM_OK` or a negative code, with
/// `coresum_last_error()` set on the calling thread) and the sum (NaN unless the status is 0).
#[allow(non_camel_case_types)]
pub type coresum_callback =
    Option<unsafe extern "C" fn(user_data: *mut c_void, status: c_int, sum: f64)>;

/// An asynchronous sum (opaque). Free it with `coresum_task_free`.
#[allow(non_camel_case_types)]
pub struct coresum_task(Arc<Shared>);

/// What the submitter, the waker and the array's owner share.
struct Shared {
    state: Mutex<State>,
    /// Signalled when the task settles and when the array is released.
    changed: Condvar,
    callback: coresum_callback,
    user_data: UserData,
}

struct State {
    /// The sum, until it is finished or cancelled (whoever takes it settles the task).
    running: Option<SumTask<f64>>,
    /// The result, set before the callback runs.
    outcome: Option<Result<f64, Failure>>,
    /// The thread running the callback, while it does.
    in_callback: Option<ThreadId>,
    /// The callback has returned (or there is none): nothing of the task runs any more.
    settled: bool,
    /// No job holds the caller's array any more.
    released: bool,
}

/// The caller's opaque pointer.
struct UserData(*mut c_void);

// SAFETY: the pointer is only handed back to the caller's callback, which the caller lets run on
// any thread (documented at `coresum_pool_sum_f64_async`).
unsafe impl Send for UserData {}
// SAFETY: as above; the library never dereferences it.
unsafe impl Sync for UserData {}

/// The caller's array, lent to the pool for one asynchronous sum.
struct CArray<T> {
    data: *const T,
    len: usize,
    task: Arc<Shared>,
}

// SAFETY: a shared view of `Sync` elements (every `Summable` is), which the caller keeps alive
// and unchanged until the task is settled or cancelled (their contract); dropping it only
// touches the `Arc<Shared>`.
unsafe impl<T: Sync> Send for CArray<T> {}
// SAFETY: as above; it hands out shared access only.
unsafe impl<T: Sync> Sync for CArray<T> {}

impl<T> std::ops::Deref for CArray<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        // SAFETY: `data`/`len` come from a slice checked by `args::array` (aligned, non-null or
        // dangling for an empty one); the caller keeps it readable while any job holds `self`.
        unsafe { std::slice::from_raw_parts(self.data, self.len) }
    }
}

impl<T> Drop for CArray<T> {
    fn drop(&mut self) {
        lock(&self.task.state).released = true;
        self.task.changed.notify_all();
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // The lock is never held across the caller's callback, so nothing panics while holding it.
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Wake for Shared {
    /// The pool's worker finished the sum: settle the task on that worker.
    fn wake(self: Arc<Self>) {
        let finished = lock(&self.state).running.take_if(|task| task.is_finished());
        // Taken out of the lock first: dropping a task can drop the array, which locks `state`.
        if let Some(task) = finished {
            self.settle(task.wait().map_err(sum_failure));
        }
    }
}

impl Shared {
    /// Records the outcome, then runs the callback on this thread (without the lock).
    fn settle(&self, outcome: Result<f64, Failure>) {
        {
            let mut state = lock(&self.state);
            state.outcome = Some(outcome.clone());
            state.in_callback = Some(thread::current().id());
        }
        if let Some(callback) = self.callback {
            let (status, sum) = match &outcome {
                Ok(sum) => (0, *sum),
                Err(failure) => (failure.report(), f64::NAN),
            };
            // SAFETY: the caller gave this callback and `user_data` to be called once, on any
            // thread (documented at `coresum_pool_sum_f64_async`).
            unsafe { callback(self.user_data.0, status, sum) };
        }
        let mut state = lock(&self.state);
        state.in_callback = None;
        state.settled = true;
        self.changed.notify_all();
    }

    /// Blocks until the task is settled, or returns at once when called from its own callback.
    fn wait_settled(&self) -> MutexGuard<'_, State> {
        let me = thread::current().id();
        let mut state = lock(&self.state);
        while !state.settled && state.in_callback != Some(me) {
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        state
    }

    /// Cancels the sum unless it already finished, and waits until the task is settled.
    fn cancel(&self) {
        let running = lock(&self.state).running.take();
        match running {
            Some(task) if task.is_finished() => self.settle(task.wait().map_err(sum_failure)),
            Some(task) => {
                // Dropping cancels: the job leaves the queue and no further chunk starts.
                drop(task);
                let mut state = lock(&self.state);
                while !state.released {
                    state = self
                        .changed
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                drop(state);
                self.settle(Err(Failure::new(
                    CORESUM_E_CANCELLED,
                    "the asynchronous sum was cancelled",
                )));
            }
            // Finished or finishing elsewhere (or by another canceller): wait for its callback.
            None => drop(self.wait_settled()),
        }
    }
}

fn sum_failure(error: SumError) -> Failure {
    Failure::new(CORESUM_E_INTERNAL, format!("coresum: {error}"))
}

/// Starts the sum of `data[..len]` on `pool`.
///
/// # Safety
/// As `coresum_pool_sum_f64_async`.
unsafe fn submit<T: Summable<Output = f64>>(
    pool: *const coresum_pool,
    data: *const T,
    len: usize,
    mode: coresum_mode,
    callback: coresum_callback,
    user_data: *mut c_void,
    out: *mut *mut coresum_task,
) -> c_int {
    guard(|| {
        let mode = args::mode(mode)?;
        // SAFETY: forwarded from this function's contract.
        let (pool, data, out) = unsafe {
            (
                args::handle(pool, "the pool")?,
                args::array(data, len)?,
                args::out(out, "out")?,
            )
        };
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                running: None,
                outcome: None,
                in_callback: None,
                settled: false,
                released: false,
            }),
            changed: Condvar::new(),
            callback,
            user_data: UserData(user_data),
        });
        let array = CArray {
            data: data.as_ptr(),
            len: data.len(),
            task: shared.clone(),
        };
        // Handed out before the sum starts, so that the callback can use it (via `user_data`).
        *out = Box::into_raw(Box::new(coresum_task(shared.clone())));
        let mut task = pool.0.sum_async_with(array, mode);
        let waker = Waker::from(shared.clone());
        // Polled under the lock, so that a worker finishing meanwhile finds the task stored.
        let finished = {
            let mut state = lock(&shared.state);
            match Pin::new(&mut task).poll(&mut Context::from_waker(&waker)) {
                Poll::Ready(result) => Some(result),
                Poll::Pending => {
                    state.running = Some(task);
                    None
                }
            }
        };
        if let Some(result) = finished {
            shared.settle(result.map_err(sum_failure));
        }
        Ok(())
    })
}

/// Starts the sum of the `double` array `data[..len]` in `mode` on `pool`; `*out` receives the
/// task before the sum starts.
///
/// The result goes to `callback(user_data, status, sum)` (if not null), called exactly once:
/// on the pool's worker that finished the sum; on the calling thread, before this function
/// returns, if the sum is done by then (small arrays are summed at once); or with
/// `CORESUM_E_CANCELLED` on the thread that cancels or frees the unfinished task. It may call `coresum_task_wait` and `coresum_task_free`
/// on its own task, but must not block on other work of the same pool.
///
/// The caller keeps `data` alive and unchanged until the callback has run or
/// `coresum_task_wait` / `coresum_task_cancel` / `coresum_task_free` has returned.
///
/// # Safety
/// See the crate docs: `pool` live, `data` readable for `len` elements as above, `out` writable;
/// `callback` safe to call with `user_data` on any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_pool_sum_f64_async(
    pool: *const coresum_pool,
    data: *const f64,
    len: usize,
    mode: coresum_mode,
    callback: coresum_callback,
    user_data: *mut c_void,
    out: *mut *mut coresum_task,
) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { submit(pool, data, len, mode, callback, user_data, out) }
}

/// `coresum_pool_sum_f64_async` for a `float` array (summed into a `double`).
///
/// # Safety
/// As `coresum_pool_sum_f64_async`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_pool_sum_f32_async(
    pool: *const coresum_pool,
    data: *const f32,
    len: usize,
    mode: coresum_mode,
    callback: coresum_callback,
    user_data: *mut c_void,
    out: *mut *mut coresum_task,
) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { submit(pool, data, len, mode, callback, user_data, out) }
}

/// Blocks until the task is finished and its callback has returned, then writes the sum to
/// `*out`, or returns the task's error (`CORESUM_E_CANCELLED` if it was cancelled). May be called
/// again, and from the task's own callback (it then returns at once).
///
/// # Safety
/// `task` is a live task; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_task_wait(task: *const coresum_task, out: *mut f64) -> c_int {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let (task, out) = unsafe { (args::handle(task, "the task")?, args::out(out, "out")?) };
        let outcome = task.0.wait_settled().outcome.clone();
        *out = outcome.ok_or_else(|| Failure::new(CORESUM_E_INTERNAL, "no outcome"))??;
        Ok(())
    })
}

/// Cancels the sum unless it already finished: chunks not yet started are skipped. Returns once
/// no worker reads the array any more and the callback (with `CORESUM_E_CANCELLED`, or with the
/// sum if it finished first) has returned; the array may be freed then. Cancelling a finished or
/// cancelled task does nothing.
///
/// # Safety
/// `task` is a live task.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_task_cancel(task: *const coresum_task) -> c_int {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        unsafe { args::handle(task, "the task")? }.0.cancel();
        Ok(())
    })
}

/// Frees the task. An unfinished one is cancelled first, as by `coresum_task_cancel` (which
/// waits for its callback). From the task's own callback it frees without waiting. Null is
/// ignored.
///
/// # Safety
/// `task` is null or a live task, not used again after this call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_task_free(task: *mut coresum_task) {
    if task.is_null() {
        return;
    }
    // SAFETY: a live task came from `Box::into_raw` in `submit`, freed only here.
    let task = unsafe { Box::from_raw(task) };
    // The callback running this free holds its own reference to the task until it returns.
    let _ = guard(|| {
        if lock(&task.0.state).in_callback != Some(thread::current().id()) {
            task.0.cancel();
        }
        Ok(())
    });
}
