//! [`Broadcast`]: a closure run once on every worker ([`Pool::broadcast`](super::Pool::broadcast)).
//!
//! The job stays at the front of the queue, a barrier, until every worker has run the closure, so
//! that each worker runs it exactly once and jobs queued later wait for all of them.

use super::error::{SumError, panic_message};
use super::job::Job;
use super::latch::Completion;
use super::sync::{AtomicBool, AtomicUsize, Mutex, Ordering, lock};
use std::panic::{AssertUnwindSafe, catch_unwind};

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
