//! The [`Registry`]: what a pool's handle, its workers and its tasks share. The job queue, the
//! protocol that puts idle workers to sleep and wakes them, shutdown, and starting the workers.
//!
//! Waking: a worker about to sleep registers in `sleepers` and re-checks `pending` while holding
//! `sleep_lock`; a submitter bumps `pending` and then reads `sleepers`. A `SeqCst` fence between
//! the write and the read on both sides (store-buffering) makes at least one of them see the
//! other: either the worker sees the new job and does not sleep, or the submitter sees a sleeper
//! and notifies under `sleep_lock`, which the sleeper holds until it waits. (`SeqCst` accesses
//! alone would do in C11, but loom models them as `AcqRel` and would report a lost wake-up that
//! cannot happen; it does model the fences, which cost nothing next to the queue's lock.)
//!
//! A broadcast posted on the [`BroadcastWord`] wakes them the same way, its generation (a worker
//! has not seen) standing for `pending`.
//!
//! A warm worker (still spinning) picks a job up within about a microsecond; a sleeping one pays a
//! futex wake-up (tens of microseconds), which is why small sums never reach the pool.

use super::broadcast::BroadcastWord;
use super::builder::Placement;
use super::error::PoolError;
use super::job::Job;
use super::sync::{
    AtomicBool, AtomicUsize, Condvar, Mutex, Ordering, fence, lock, mpsc, spin_until, thread,
};
use super::worker;
use std::collections::VecDeque;
use std::sync::{Arc, PoisonError};
use std::time::Duration;

/// How long an idle worker spins before sleeping, by default.
pub const DEFAULT_SPIN: Duration = Duration::from_micros(100);

/// State shared by the pool handle, its workers and its tasks.
pub(crate) struct Registry {
    queue: Mutex<VecDeque<Arc<dyn Job>>>,
    /// Jobs in `queue`, readable without the lock; changed only under it.
    pending: AtomicUsize,
    sleepers: AtomicUsize,
    sleep_lock: Mutex<()>,
    wakeup: Condvar,
    shutdown: AtomicBool,
    /// How long an idle worker spins before it sleeps.
    spin: Duration,
    /// Where warm broadcasts are posted, beside the queue. Boxed, so that its cache-line padding
    /// leaves the registry's alignment and the queue fields' layout as they were.
    pub(crate) word: Box<BroadcastWord>,
}

/// A started pool's registry and its worker threads.
pub(crate) type Started = (Arc<Registry>, Vec<thread::JoinHandle<()>>);

impl Registry {
    /// Starts one thread per worker of `placement` and waits until each is ready, recording in
    /// `placement.workers` which of them the OS pinned. A worker that cannot start (or, where
    /// pinning is required, cannot be pinned) fails the whole start, after the others are joined.
    pub(crate) fn start(placement: &mut Placement, spin: Duration) -> Result<Started, PoolError> {
        let registry = Arc::new(Registry {
            queue: Mutex::new(VecDeque::new()),
            pending: AtomicUsize::new(0),
            sleepers: AtomicUsize::new(0),
            sleep_lock: Mutex::new(()),
            wakeup: Condvar::new(),
            shutdown: AtomicBool::new(false),
            spin,
            word: Box::new(BroadcastWord::new()),
        });
        let mut handles = Vec::with_capacity(placement.workers.len());
        match registry.spawn_workers(placement, &mut handles) {
            Ok(()) => Ok((registry, handles)),
            Err(error) => {
                registry.terminate(handles);
                Err(error)
            }
        }
    }

    fn spawn_workers(
        self: &Arc<Self>,
        placement: &mut Placement,
        handles: &mut Vec<thread::JoinHandle<()>>,
    ) -> Result<(), PoolError> {
        let (ready_tx, ready_rx) = mpsc::channel();
        for info in &placement.workers {
            let registry = Arc::clone(self);
            let ready = ready_tx.clone();
            let (index, core) = (info.index, info.core);
            let (pin, pin_required) = (placement.pin, placement.pin_required);
            let handle = thread::Builder::new()
                .name(info.name.clone())
                .spawn(move || worker::run(&registry, index, core, pin, pin_required, ready))
                .map_err(PoolError::Spawn)?;
            handles.push(handle);
        }
        drop(ready_tx);
        for _ in 0..placement.workers.len() {
            // A worker that died before reporting closes the channel: report it as a failed start.
            let (index, pinned) = ready_rx.recv().map_err(|_| {
                PoolError::Spawn(std::io::Error::other("a worker exited during start-up"))
            })??;
            placement.workers[index].pinned = pinned;
        }
        let refused: Vec<usize> = placement
            .workers
            .iter()
            .filter(|w| w.core.is_some() && !w.pinned)
            .map(|w| w.index)
            .collect();
        if !refused.is_empty() {
            log::warn!("coresum: the OS refused to pin workers {refused:?}; they run unpinned");
        }
        Ok(())
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
        self.wake_sleepers();
    }

    /// Wakes the sleeping workers, after new work was published.
    fn wake_sleepers(&self) {
        // Pairs with the fence in `idle` (see the module docs).
        fence(Ordering::SeqCst);
        if self.sleepers.load(Ordering::SeqCst) > 0 {
            let _guard = lock(&self.sleep_lock);
            self.wakeup.notify_all();
        }
    }

    /// Runs `task` on the `workers` workers through the word, or with `queued` if jobs are
    /// queued (the broadcast would overtake them); see [`BroadcastWord::broadcast`].
    pub(crate) fn broadcast<F: Fn(usize) + Sync>(
        &self,
        task: &F,
        workers: usize,
        queued: impl FnOnce(&(dyn Fn(usize) + Sync)) -> Result<(), super::SumError>,
    ) -> Result<(), super::SumError> {
        self.word.broadcast(
            task,
            workers,
            || self.pending.load(Ordering::SeqCst) == 0,
            || self.wake_sleepers(),
            queued,
        )
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

    /// The oldest queued job, left in the queue for the other workers to share.
    ///
    /// `pending` first, without the lock: an idle worker that locked the queue on every pass wrote
    /// the line that broadcast callers and submitters read `pending` and `sleepers` from, one more
    /// transfer in each round trip (broadcast to 1 worker, Intel AVX-512 host, 2 cores: median
    /// 0.54-0.57 → 0.46-0.50 µs, with the closure in the polled line). Reading 0 while a job is being queued is a submit this worker
    /// has not seen yet, which `idle` (`pending` again, then the `sleepers` hand-shake) catches; a
    /// job queued before a shutdown this worker saw is counted in the value it reads (`SeqCst`:
    /// the shutdown store was after the count, and this load is after the shutdown load).
    pub(crate) fn front(&self) -> Option<Arc<dyn Job>> {
        if self.pending.load(Ordering::SeqCst) == 0 {
            return None;
        }
        lock(&self.queue).front().cloned()
    }

    /// Removes a fully claimed job from the front of the queue (unless another worker did).
    pub(crate) fn retire(&self, job: &Arc<dyn Job>) {
        let mut queue = lock(&self.queue);
        if queue.front().is_some_and(|front| Arc::ptr_eq(front, job)) {
            queue.pop_front();
            self.pending.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Whether the pool is shutting down: the workers finish the queued jobs and exit.
    pub(crate) fn is_shut_down(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }

    /// Waits for work: polls for `spin`, yielding between polls (a thread that wants this core
    /// gets it; an idle core returns at once), then sleeps until a submit, a broadcast of a
    /// generation other than `seen` (the last this worker ran), or shutdown.
    pub(crate) fn idle(&self, seen: usize) {
        let woken = || {
            self.pending.load(Ordering::SeqCst) > 0
                || self.word.generation() != seen
                || self.is_shut_down()
        };
        if spin_until(self.spin, woken) {
            return;
        }
        let mut guard = lock(&self.sleep_lock);
        self.sleepers.fetch_add(1, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        while !woken() {
            guard = self
                .wakeup
                .wait(guard)
                .unwrap_or_else(PoisonError::into_inner);
        }
        self.sleepers.fetch_sub(1, Ordering::SeqCst);
    }

    /// Asks the workers to finish the queued jobs and exit, and joins them.
    pub(crate) fn terminate(&self, handles: Vec<thread::JoinHandle<()>>) {
        self.shutdown.store(true, Ordering::SeqCst);
        {
            let _guard = lock(&self.sleep_lock);
            self.wakeup.notify_all();
        }
        let me = thread::current().id();
        for handle in handles {
            // A pool dropped by one of its own workers (the last owner of the pool was a job's
            // data) cannot join that worker, which exits by itself after this job.
            if handle.thread().id() != me {
                // A worker cannot panic (jobs catch their panics); nothing to report if one did.
                let _ = handle.join();
            }
        }
    }
}
