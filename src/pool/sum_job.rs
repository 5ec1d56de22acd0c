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
//! claimed before the job completes. A blocking sum lends its slice as a [`Borrowed`].

use super::error::{SumError, panic_message};
use super::job::{Control, Job, Owner};
use super::latch::Completion;
use super::sync::{AtomicBool, AtomicUsize, Mutex, Ordering, lock};
use crate::arch::Kernels;
use crate::element::{Mode, Summable};
use crate::plan::{ChunkPlan, chunk_bytes};
use crate::reduce::{self, Pass};
use crossbeam_utils::CachePadded;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// What a [`SumJob`] delivers once every chunk is summed: the finished sum ([`Total`]), or the
/// merged partial of a stream's buffer ([`Kept`]).
pub(crate) trait Deliver<T: Summable>: Send + Sync + 'static {
    /// The job's result.
    type Output: Send + 'static;

    /// The pass each chunk is summed with.
    fn pass(mode: Mode) -> Pass;

    /// The result from the chunks' partials, in chunk order (and the chunks, for a retry).
    fn deliver<'a>(
        kernels: &Kernels,
        mode: Mode,
        partials: impl Iterator<Item = Result<T::Partial, SumError>>,
        chunks: impl Iterator<Item = &'a [T]>,
    ) -> Result<Self::Output, SumError>;
}

/// The finished sum: the first pass of the mode, retried where it leaves the rounding open.
pub(crate) struct Total;

impl<T: Summable> Deliver<T> for Total {
    type Output = T::Output;

    fn pass(mode: Mode) -> Pass {
        Pass::first(mode)
    }

    fn deliver<'a>(
        kernels: &Kernels,
        mode: Mode,
        partials: impl Iterator<Item = Result<T::Partial, SumError>>,
        chunks: impl Iterator<Item = &'a [T]>,
    ) -> Result<T::Output, SumError> {
        reduce::finish(kernels, mode, partials, chunks)
    }
}

/// The merged partial in [`Pass::kept`]: exact for `Exact`, so it can be merged with other
/// buffers' partials after this buffer is released (`stream.rs`).
pub(crate) struct Kept;

impl<T: Summable> Deliver<T> for Kept {
    type Output = T::Partial;

    fn pass(mode: Mode) -> Pass {
        Pass::kept(mode)
    }

    fn deliver<'a>(
        kernels: &Kernels,
        mode: Mode,
        partials: impl Iterator<Item = Result<T::Partial, SumError>>,
        _chunks: impl Iterator<Item = &'a [T]>,
    ) -> Result<T::Partial, SumError> {
        reduce::merged::<T, SumError>(kernels, Pass::kept(mode), partials)
    }
}

/// Where one chunk's partial sum lands: written by the worker that sums the chunk, taken by the
/// one that merges; padded so that neighbouring slots never share a 128-byte line.
type Slot<P> = CachePadded<Mutex<Option<P>>>;

/// A sum of the slice `D` owns, cut into chunks, delivering `R` ([`Total`] or [`Kept`]).
pub(crate) struct SumJob<T: Summable, D, R: Deliver<T> = Total> {
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
    completion: Completion<R::Output>,
    deliver: PhantomData<fn() -> R>,
}

impl<T: Summable, D: Owner<T>, R: Deliver<T>> SumJob<T, D, R> {
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
            deliver: PhantomData,
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
            let chunk = &slice[self.plan.range(i)];
            let partial = T::partial(self.kernels, R::pass(self.mode), chunk);
            *lock(&self.partials[i]) = Some(partial);
        }
        Ok(())
    }

    fn fail(&self, error: SumError) {
        lock(&self.failure).get_or_insert(error);
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// Merges the partials in chunk order.
    fn result(&self) -> Result<R::Output, SumError> {
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
        R::deliver(self.kernels, self.mode, partials, chunks)
    }
}

impl<T: Summable, D: Owner<T>, R: Deliver<T>> Job for SumJob<T, D, R> {
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

impl<T: Summable, D: Owner<T>, R: Deliver<T>> Control<R::Output> for SumJob<T, D, R> {
    fn completion(&self) -> &Completion<R::Output> {
        &self.completion
    }

    fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    fn progress(&self) -> (usize, usize) {
        (self.done.load(Ordering::Relaxed), self.plan.count())
    }
}

/// A borrowed slice with its lifetime erased, for the blocking sum.
pub(crate) struct Borrowed<T> {
    ptr: *const T,
    len: usize,
}

impl<T> Borrowed<T> {
    pub(crate) fn new(data: &[T]) -> Self {
        Borrowed {
            ptr: data.as_ptr(),
            len: data.len(),
        }
    }
}

// SAFETY: a `Borrowed` is a shared slice of `Sync` elements (every `Summable` is `Sync`); it is
// created only by `Pool::sum_with`, which does not return while the job can still read it.
unsafe impl<T: Sync> Send for Borrowed<T> {}
// SAFETY: as above; it only hands out shared access.
unsafe impl<T: Sync> Sync for Borrowed<T> {}

impl<T> std::ops::Deref for Borrowed<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        // SAFETY: `ptr`/`len` come from a live `&[T]` whose borrow `Pool::sum_with` holds until
        // the job completes; the job reads it only for chunks claimed before completion.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}
