//! One sum on the pool: its chunks, who claims them, where their partials go, and how the result
//! reaches the waiting caller or future.
//!
//! Life cycle: the submitter builds a [`SumJob`] (the chunk plan, one padded slot per chunk) and
//! queues it. Workers claim *runs* of consecutive chunks with one `fetch_add`, sum them into their
//! slots, and count them done. The worker that finishes the last chunk merges the slots in chunk
//! order and completes the job. A cancelled job (its `SumTask` dropped) is taken off the queue;
//! chunks already claimed finish, the rest are counted done without being read.
//!
//! Data ownership: the job owns the data (`D`, an [`Owner`]) for as long as any `Arc` of it lives: the queue
//! holds one until every chunk is claimed, a worker holds one while it sums a run, the `SumTask`
//! holds one until it is dropped. The data is read only inside a claimed run, and every run is
//! claimed before the job completes.

use super::PoolError;
use super::sync::{AtomicBool, AtomicUsize, Condvar, Mutex, MutexGuard, Ordering, spin_until};
use crate::arch::Kernels;
use crate::element::{Mode, Summable};
use crate::plan::{ChunkPlan, chunk_bytes};
use crate::reduce;
use crossbeam_utils::CachePadded;
use std::any::Any;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::PoisonError;
use std::task::Waker;
use std::time::Duration;

/// Why a sum on the pool produced no result.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SumError {
    /// Code run for the job panicked (for example the data owner's `AsRef` implementation); the
    /// message, when the panic carried one. The pool itself keeps working.
    Panicked(String),
    /// The data owner returned a different slice than it did at submission, so the
    /// chunk plan no longer describes it.
    OwnerChanged,
    /// The result was already taken from this task.
    AlreadyTaken,
}

impl fmt::Display for SumError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SumError::Panicked(message) => write!(f, "a job of the sum panicked: {message}"),
            SumError::OwnerChanged => {
                f.write_str("the data owner returned a different slice than at submission")
            }
            SumError::AlreadyTaken => f.write_str("the result of this task was already taken"),
        }
    }
}

impl std::error::Error for SumError {}

impl From<SumError> for PoolError {
    fn from(e: SumError) -> Self {
        PoolError::Sum(e)
    }
}

/// The text of a panic payload.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}

/// Locks, ignoring poisoning: no code here panics while holding these locks, and a value left by a
/// panicking owner is still a valid value.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Anything that owns (or, for the blocking sum, lends) a slice of `T`: `Vec<T>`, `Box<[T]>`,
/// `Arc<[T]>`, `Arc<Vec<T>>`, a memory map of bytes… Implemented for every `Deref` whose target
/// is `AsRef<[T]>`.
pub trait Owner<T>: Send + Sync {
    /// The slice to sum.
    fn slice(&self) -> &[T];
}

impl<T, D> Owner<T> for D
where
    D: std::ops::Deref + Send + Sync,
    D::Target: AsRef<[T]>,
{
    fn slice(&self) -> &[T] {
        (**self).as_ref()
    }
}

/// Work the pool's workers can pick up.
pub(crate) trait Job: Send + Sync {
    /// Does one unit of the job on worker `worker`. `false` when nothing is left to start, so
    /// the job can leave the queue.
    fn work(&self, worker: usize) -> bool;
}

/// The side of a job its submitter sees: the result, and cancellation.
pub(crate) trait Control<R>: Send + Sync {
    fn completion(&self) -> &Completion<R>;
    fn cancel(&self);
    /// Chunks done, of how many.
    fn progress(&self) -> (usize, usize);
}

/// A result that arrives later, for a blocked thread or a future's waker.
pub(crate) struct Completion<R> {
    ready: AtomicBool,
    state: Mutex<Outcome<R>>,
    wakeup: Condvar,
}

struct Outcome<R> {
    result: Option<Result<R, SumError>>,
    waker: Option<Waker>,
}

impl<R> Completion<R> {
    pub(crate) fn new() -> Self {
        Completion {
            ready: AtomicBool::new(false),
            state: Mutex::new(Outcome {
                result: None,
                waker: None,
            }),
            wakeup: Condvar::new(),
        }
    }

    pub(crate) fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    fn complete(&self, result: Result<R, SumError>) {
        let waker = {
            let mut state = lock(&self.state);
            state.result = Some(result);
            self.ready.store(true, Ordering::Release);
            self.wakeup.notify_all();
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// The result, if it is there; otherwise `waker` will be woken when it is.
    pub(crate) fn poll(&self, waker: &Waker) -> Option<Result<R, SumError>> {
        let mut state = lock(&self.state);
        if self.ready.load(Ordering::Acquire) {
            return Some(state.result.take().unwrap_or(Err(SumError::AlreadyTaken)));
        }
        match &mut state.waker {
            Some(old) if old.will_wake(waker) => {}
            slot => *slot = Some(waker.clone()),
        }
        None
    }

    /// Blocks until the result is there: polls for at most `spin`, then sleeps.
    ///
    /// The waiting thread is not a worker, and when every core runs one it shares a core with
    /// a worker: it yields between polls so that the worker keeps the core, and it sleeps
    /// after `spin` so that a long sum does not pay for its polling.
    pub(crate) fn wait(&self, spin: Duration) -> Result<R, SumError> {
        spin_until(spin, || self.is_ready());
        let mut state = lock(&self.state);
        while !self.ready.load(Ordering::Acquire) {
            state = self
                .wakeup
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        state.result.take().unwrap_or(Err(SumError::AlreadyTaken))
    }
}

/// Where one chunk's partial sum lands: written by the worker that sums the chunk, taken by the
/// one that merges; padded so that neighbouring slots never share a 128-byte line.
type Slot<P> = CachePadded<Mutex<Option<P>>>;

/// A sum of the slice `D` owns, cut into chunks.
pub(crate) struct SumJob<T: Summable, D> {
    data: D,
    /// The slice `data.slice()` gave at submission; the plan describes it.
    address: usize,
    len: usize,
    plan: ChunkPlan,
    kernels: &'static Kernels,
    mode: Mode,
    /// Chunks claimed per `fetch_add`.
    run: usize,
    next: AtomicUsize,
    done: AtomicUsize,
    cancelled: AtomicBool,
    failure: Mutex<Option<SumError>>,
    partials: Box<[Slot<T::Partial>]>,
    completion: Completion<T::Output>,
}

impl<T: Summable, D: Owner<T>> SumJob<T, D> {
    /// A job over `data.slice()`, planned now on the slice it returns.
    pub(crate) fn new(data: D, kernels: &'static Kernels, mode: Mode, workers: usize) -> Self {
        let slice = data.slice();
        let (address, len) = (slice.as_ptr() as usize, slice.len());
        let plan = ChunkPlan::new(slice, chunk_bytes());
        let count = plan.count();
        SumJob {
            data,
            address,
            len,
            plan,
            kernels,
            mode,
            // Four runs per worker: contiguous, yet balanced when workers run at different speeds.
            run: count.div_ceil(4 * workers).max(1),
            next: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            cancelled: AtomicBool::new(false),
            failure: Mutex::new(None),
            partials: (0..count)
                .map(|_| CachePadded::new(Mutex::new(None)))
                .collect(),
            completion: Completion::new(),
        }
    }

    /// The slice the plan describes, if the owner still hands out that one.
    fn slice(&self) -> Result<&[T], SumError> {
        let slice = self.data.slice();
        if slice.as_ptr() as usize != self.address || slice.len() != self.len {
            return Err(SumError::OwnerChanged);
        }
        Ok(slice)
    }

    /// Sums chunks `claimed`, each into its slot.
    fn sum_run(&self, claimed: std::ops::Range<usize>) -> Result<(), SumError> {
        let slice = self.slice()?;
        for i in claimed {
            if self.cancelled.load(Ordering::Relaxed) {
                break;
            }
            let partial = reduce::partial(self.kernels, self.mode, &slice[self.plan.range(i)]);
            *lock(&self.partials[i]) = Some(partial);
        }
        Ok(())
    }

    fn fail(&self, error: SumError) {
        lock(&self.failure).get_or_insert(error);
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// Merges the partials in chunk order.
    fn result(&self) -> Result<T::Output, SumError> {
        if let Some(error) = lock(&self.failure).take() {
            return Err(error);
        }
        // Where the first pass leaves a float Exact sum's rounding open (massive cancellation),
        // the chunks are summed again, with the error-free pass, on this worker.
        let slice = self.slice()?;
        let partials = self
            .partials
            .iter()
            .map(|slot| lock(slot).take().ok_or(SumError::AlreadyTaken));
        let chunks = (0..self.plan.count()).map(|i| &slice[self.plan.range(i)]);
        reduce::finish(self.kernels, self.mode, partials, chunks)
    }
}

impl<T: Summable, D: Owner<T>> Job for SumJob<T, D> {
    fn work(&self, _worker: usize) -> bool {
        let count = self.plan.count();
        let start = self.next.fetch_add(self.run, Ordering::Relaxed);
        if start >= count {
            return false;
        }
        let end = (start + self.run).min(count);
        if !self.cancelled.load(Ordering::Relaxed) {
            match catch_unwind(AssertUnwindSafe(|| self.sum_run(start..end))) {
                Ok(Ok(())) => {}
                Ok(Err(error)) => self.fail(error),
                Err(payload) => self.fail(SumError::Panicked(panic_message(&*payload))),
            }
        }
        // AcqRel: the finisher sees every slot written before each run was counted.
        let done = self.done.fetch_add(end - start, Ordering::AcqRel) + (end - start);
        if done == count {
            if self.cancelled.load(Ordering::Relaxed) && lock(&self.failure).is_none() {
                // Nobody is listening any more; skip the merge.
                return true;
            }
            self.completion.complete(self.result());
        }
        true
    }
}

impl<T: Summable, D: Owner<T>> Control<T::Output> for SumJob<T, D> {
    fn completion(&self) -> &Completion<T::Output> {
        &self.completion
    }

    fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    fn progress(&self) -> (usize, usize) {
        (self.done.load(Ordering::Relaxed), self.plan.count())
    }
}

/// A closure run once on every worker ([`Pool::broadcast`](super::Pool::broadcast)).
pub(crate) struct Broadcast {
    /// Borrowed from the caller of `broadcast`, which waits for completion; see `Pool::broadcast`.
    task: &'static (dyn Fn(usize) + Sync),
    ran: Box<[AtomicBool]>,
    remaining: AtomicUsize,
    failure: Mutex<Option<SumError>>,
    completion: Completion<()>,
}

impl Broadcast {
    /// # Safety
    /// The caller must not let `task`'s borrow end before `completion().wait` has returned.
    pub(crate) unsafe fn new(task: &(dyn Fn(usize) + Sync), workers: usize) -> Self {
        // SAFETY: only the lifetime is changed; the caller keeps the borrow alive until the
        // job completes, and no worker calls `task` after that (each calls it once, before).
        let task: &'static (dyn Fn(usize) + Sync) = unsafe { std::mem::transmute(task) };
        Broadcast {
            task,
            ran: (0..workers).map(|_| AtomicBool::new(false)).collect(),
            remaining: AtomicUsize::new(workers),
            failure: Mutex::new(None),
            completion: Completion::new(),
        }
    }

    pub(crate) fn completion(&self) -> &Completion<()> {
        &self.completion
    }
}

impl Job for Broadcast {
    fn work(&self, worker: usize) -> bool {
        if self.ran[worker].swap(true, Ordering::AcqRel) {
            // Done here; the job stays queued (a barrier) until every worker has run it.
            std::hint::spin_loop();
            return self.remaining.load(Ordering::Acquire) > 0;
        }
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| (self.task)(worker))) {
            lock(&self.failure).get_or_insert(SumError::Panicked(panic_message(&*payload)));
        }
        if self.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
            let result = lock(&self.failure).take().map_or(Ok(()), Err);
            self.completion.complete(result);
        }
        true
    }
}
