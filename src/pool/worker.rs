//! What a worker does: take the oldest queued job, claim runs of its chunks until none are left,
//! and, when the queue is empty, spin briefly before sleeping.
//!
//! Waking: a worker about to sleep registers in `sleepers` and re-checks `pending` while holding
//! `sleep_lock`; a submitter bumps `pending` and then reads `sleepers`. A `SeqCst` fence between
//! the write and the read on both sides (store-buffering) makes at least one of them see the
//! other: either the worker sees the new job and does not sleep, or the submitter sees a sleeper
//! and notifies under `sleep_lock`, which the sleeper holds until it waits. (`SeqCst` accesses
//! alone would do in C11, but loom models them as `AcqRel` and would report a lost wake-up that
//! cannot happen; it does model the fences, which cost nothing next to the queue's lock.)
//!
//! A warm worker (still spinning) picks a job up within about a microsecond; a sleeping one pays a
//! futex wake-up (tens of microseconds), which is why small sums never reach the pool.

use super::job::{Job, lock};
use super::sync::{AtomicBool, AtomicUsize, Condvar, Mutex, Ordering, fence, spin_until};
use std::cell::Cell;
use std::collections::VecDeque;
use std::sync::{Arc, PoisonError};
use std::time::Duration;

/// State shared by the pool handle, its workers and its tasks.
pub(crate) struct Shared {
    queue: Mutex<VecDeque<Arc<dyn Job>>>,
    /// Jobs in `queue`, readable without the lock; changed only under it.
    pending: AtomicUsize,
    sleepers: AtomicUsize,
    sleep_lock: Mutex<()>,
    wakeup: Condvar,
    shutdown: AtomicBool,
    /// How long an idle worker spins before it sleeps.
    spin: Duration,
}

#[cfg(not(loom))]
std::thread_local! {
    /// Set on pool workers: a sum started from inside a job runs inline rather than waiting for
    /// workers that may all be busy with the outer job.
    static IN_WORKER: Cell<bool> = const { Cell::new(false) };
}

// Loom's threads share one OS thread, so the flag must be loom's (whose macro takes no `const`).
#[cfg(loom)]
loom::thread_local! {
    static IN_WORKER: Cell<bool> = Cell::new(false);
}

/// Whether the calling thread is a coresum worker.
pub(crate) fn in_worker() -> bool {
    IN_WORKER.with(Cell::get)
}

impl Shared {
    pub(crate) fn new(spin: Duration) -> Self {
        Shared {
            queue: Mutex::new(VecDeque::new()),
            pending: AtomicUsize::new(0),
            sleepers: AtomicUsize::new(0),
            sleep_lock: Mutex::new(()),
            wakeup: Condvar::new(),
            shutdown: AtomicBool::new(false),
            spin,
        }
    }

    /// Queues a job and wakes sleeping workers.
    pub(crate) fn submit(&self, job: Arc<dyn Job>) {
        {
            // Counted under the lock, like every change of `pending`: counted after it, a job
            // that a worker took and retired in between would take `pending` below zero (it
            // wraps), and the idle workers would spin on the empty queue until the count caught up.
            let mut queue = lock(&self.queue);
            queue.push_back(job);
            self.pending.fetch_add(1, Ordering::SeqCst);
        }
        // Pairs with the fence in `idle` (see the module docs).
        fence(Ordering::SeqCst);
        if self.sleepers.load(Ordering::SeqCst) > 0 {
            let _guard = lock(&self.sleep_lock);
            self.wakeup.notify_all();
        }
    }

    /// Takes a job off the queue (cancellation), if it is still there.
    pub(crate) fn withdraw(&self, job: *const ()) {
        let mut queue = lock(&self.queue);
        if let Some(at) = queue
            .iter()
            .position(|queued| Arc::as_ptr(queued).cast::<()>() == job)
        {
            queue.remove(at);
            self.pending.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Asks the workers to finish the queued jobs and exit.
    pub(crate) fn shut_down(&self) {
        self.shutdown.store(true, Ordering::SeqCst);
        let _guard = lock(&self.sleep_lock);
        self.wakeup.notify_all();
    }

    /// The worker loop. Returns once shut down and the queue is empty.
    pub(crate) fn run_worker(&self, index: usize) {
        IN_WORKER.with(|flag| flag.set(true));
        loop {
            // Read before the queue: every job queued before the shutdown is then in it. Read
            // after an empty queue, it could be a shutdown that follows a job queued in between,
            // and the worker would leave that job (and whoever waits for it) behind.
            let stop = self.shutdown.load(Ordering::SeqCst);
            let front = lock(&self.queue).front().cloned();
            match front {
                Some(job) => {
                    if !job.work(index) {
                        self.retire(&job);
                    }
                }
                None if stop => return,
                None => self.idle(),
            }
        }
    }

    /// Removes a fully claimed job from the front of the queue (unless another worker did).
    fn retire(&self, job: &Arc<dyn Job>) {
        let mut queue = lock(&self.queue);
        if queue.front().is_some_and(|front| Arc::ptr_eq(front, job)) {
            queue.pop_front();
            self.pending.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Waits for work: polls for `spin`, yielding between polls (a thread that wants this core
    /// gets it; an idle core returns at once), then sleeps until a submit or shutdown.
    fn idle(&self) {
        let woken =
            || self.pending.load(Ordering::SeqCst) > 0 || self.shutdown.load(Ordering::SeqCst);
        if spin_until(self.spin, woken) {
            return;
        }
        let mut guard = lock(&self.sleep_lock);
        self.sleepers.fetch_add(1, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        while self.pending.load(Ordering::SeqCst) == 0 && !self.shutdown.load(Ordering::SeqCst) {
            guard = self
                .wakeup
                .wait(guard)
                .unwrap_or_else(PoisonError::into_inner);
        }
        self.sleepers.fetch_sub(1, Ordering::SeqCst);
    }
}
