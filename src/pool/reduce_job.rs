//! One reduction on the pool: its chunks, who claims them, where their partials go, and how the
//! result reaches the waiting caller or future.
//!
//! Life cycle: the submitter builds a [`ReduceJob`] (the chunk plan, one padded slot per chunk) and
//! queues it. Workers claim *runs* of consecutive chunks with one `fetch_add`, reduce them into
//! their slots, and count them done. The worker that finishes the last chunk merges the slots in
//! chunk order and completes the job. A cancelled job (its `SumTask` dropped) is taken off the
//! queue; chunks already claimed finish, the rest are counted done without being read.
//!
//! Data ownership: the job owns its [`Source`] (an [`Owner`] in [`Owned`], or a [`Borrowed`] input) for as long
//! as any `Arc` of it lives: the queue holds one until every chunk is claimed, a worker holds one
//! while it reduces a run, the `SumTask` holds one until it is dropped. The data is read only
//! inside a claimed run, and every run is claimed before the job completes.

use super::error::{SumError, panic_message};
use super::job::{Control, Job, Owner};
use super::latch::Completion;
use super::sync::{AtomicBool, AtomicUsize, Mutex, Ordering, lock};
use crate::arch::Kernels;
use crate::plan::{ChunkPlan, chunk_bytes};
use crate::reduce::{self, Input, OfSlice, Reduction};
use crossbeam_utils::CachePadded;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Where one chunk's partial sum lands: written by the worker that sums the chunk, taken by the
/// one that merges; padded so that neighbouring slots never share a 128-byte line.
type Slot<P> = CachePadded<Mutex<Option<P>>>;

/// Where a job's input comes from: the data it owns, or a blocking call's borrowed input.
pub(crate) trait Source<R: Reduction>: Send + Sync {
    /// The input to reduce (user code for an [`Owner`]: it may panic or change).
    fn input(&self) -> R::Input<'_>;
}

/// The one slice an [`Owner`] hands out, as the input of a one-slice reduction.
pub(crate) struct Owned<D>(pub(crate) D);

impl<R: OfSlice, D: Owner<R::Element>> Source<R> for Owned<D> {
    fn input(&self) -> R::Input<'_> {
        R::input(self.0.slice())
    }
}

/// A reduction of the input `S` gives, cut into chunks.
pub(crate) struct ReduceJob<R: Reduction, S> {
    source: S,
    /// The identity of the input `source` gave at submission; the plan describes it.
    identity: (usize, usize),
    plan: ChunkPlan,
    kernels: &'static Kernels,
    reduction: R,
    /// Chunks claimed per `fetch_add`.
    run: usize,
    next: AtomicUsize,
    done: AtomicUsize,
    cancelled: AtomicBool,
    failure: Mutex<Option<SumError>>,
    partials: Box<[Slot<R::Partial>]>,
    completion: Completion<R::Output>,
}

impl<R: Reduction, S: Source<R>> ReduceJob<R, S> {
    /// A job over `source.input()`, planned now on the input it returns.
    pub(crate) fn new(reduction: R, source: S, kernels: &'static Kernels, workers: usize) -> Self {
        let input = source.input();
        let identity = input.identity();
        let plan = input.plan(chunk_bytes());
        let count = plan.count();
        ReduceJob {
            source,
            identity,
            plan,
            kernels,
            reduction,
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

    /// The input the plan describes, if the source still hands out that one.
    fn input(&self) -> Result<R::Input<'_>, SumError> {
        let input = self.source.input();
        if input.identity() != self.identity {
            return Err(SumError::OwnerChanged);
        }
        Ok(input)
    }

    /// Reduces chunks `claimed`, each into its slot.
    fn reduce_run(&self, claimed: std::ops::Range<usize>) -> Result<(), SumError> {
        let input = self.input()?;
        for i in claimed {
            if self.cancelled.load(Ordering::Relaxed) {
                break;
            }
            let partial = reduce::partial(self.reduction, self.kernels, input, self.plan.range(i));
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
        // Where the first pass leaves the result undecided (a float Exact sum's rounding, under
        // massive cancellation), the chunks are reduced again, with the retry, on this worker.
        let input = self.input()?;
        let partials = self
            .partials
            .iter()
            .map(|slot| lock(slot).take().ok_or(SumError::AlreadyTaken));
        let ranges = (0..self.plan.count()).map(|i| self.plan.range(i));
        reduce::finish(self.reduction, self.kernels, input, ranges, partials)
    }
}

impl<R: Reduction, S: Source<R>> Job for ReduceJob<R, S> {
    fn work(&self, _worker: usize) -> bool {
        let count = self.plan.count();
        let start = self.next.fetch_add(self.run, Ordering::Relaxed);
        if start >= count {
            return false;
        }
        let end = (start + self.run).min(count);
        if !self.cancelled.load(Ordering::Relaxed) {
            match catch_unwind(AssertUnwindSafe(|| self.reduce_run(start..end))) {
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

impl<R: Reduction, S: Source<R>> Control<R::Output> for ReduceJob<R, S> {
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

/// A borrowed input with its lifetime erased, for the blocking reductions.
pub(crate) struct Borrowed<R: Reduction> {
    input: R::Input<'static>,
}

impl<R: Reduction> Borrowed<R> {
    /// # Safety
    /// Every use of the job that reads it must end before `input`'s borrow does: the caller
    /// waits for the job's completion before returning.
    pub(crate) unsafe fn new(input: R::Input<'_>) -> Self {
        Borrowed {
            // SAFETY: the same type but for its lifetime (same layout); the caller keeps the
            // borrow alive for as long as the job reads it, as this function's contract says.
            input: unsafe { core::mem::transmute_copy(&input) },
        }
    }
}

impl<R: Reduction> Source<R> for Borrowed<R> {
    fn input(&self) -> R::Input<'_> {
        // SAFETY: the same type but for its lifetime, shortened to `self`'s: the borrow it came
        // from outlives every read (see `new`).
        unsafe { core::mem::transmute_copy(&self.input) }
    }
}
