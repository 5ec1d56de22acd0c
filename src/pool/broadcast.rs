//! A closure run once on every worker ([`Pool::broadcast`](super::Pool::broadcast)), two ways:
//!
//! - [`BroadcastWord`], the warm path: the caller posts a pointer to the closure (on its stack)
//!   and a new generation in one cache line that idle workers poll beside the queue, and waits on
//!   a [`Countdown`] the last worker releases. No allocation, no lock, no queue: the round trip
//!   is two cache-line transfers each way. One caller at a time holds the word, and only while
//!   the queue is empty (so that the broadcast is behind every sum queued before it).
//! - [`Broadcast`], a queued job, when the word is taken (another caller broadcasts) or jobs are
//!   queued.
//!
//! Either way each worker runs the closure exactly once, and stays in a barrier until every worker
//! has (a queued job stays at the front of the queue; a posted one holds each worker before the
//! queue), so that jobs queued later wait for all of them.
//!
//! # Memory ordering (the word)
//!
//! - The caller stores the task pointer and arms the countdown (`Relaxed`), then bumps the
//!   generation with `Release`; a worker that loads the new generation with `Acquire` sees both.
//!   The pointer cannot change under a worker: the next post waits for this worker's count-down.
//! - A worker calls the closure before it counts down (`AcqRel`); the caller returns, ending the
//!   closure's borrow, only once the count is zero. A worker touches neither the closure nor the
//!   caller's stack after counting down.
//! - Sleeping workers are woken by the registry's `sleepers` hand-shake, with the generation in
//!   the place of `pending` (see `registry.rs`).
//! - A worker never misses a generation: the next one is posted only after every worker counted
//!   this one down, so a worker's last seen generation lags the word by at most one.

use super::error::{SumError, panic_message};
use super::job::Job;
use super::latch::{Completion, Countdown};
use super::sync::{AtomicBool, AtomicPtr, AtomicUsize, Mutex, Ordering, lock, spin_until, thread};
use crossbeam_utils::CachePadded;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

/// A broadcast's closure, its lifetime erased; see [`BroadcastWord::broadcast`].
type Task = &'static (dyn Fn(usize) + Sync);

/// How long a worker done with a posted broadcast polls for the others between yields.
const BARRIER_SPIN: Duration = Duration::from_micros(20);

/// The pool's broadcast word; see the module docs.
pub(crate) struct BroadcastWord {
    post: CachePadded<Post>,
    /// Workers yet to run the posted closure; written by the workers, read by the caller.
    countdown: CachePadded<Countdown>,
    /// The first panic of a closure in this round (taken by the caller).
    failure: Mutex<Option<SumError>>,
}

/// What the caller writes and the workers poll: one cache line.
struct Post {
    /// Bumped once per broadcast posted; each worker runs the closure of a generation it has not seen.
    generation: AtomicUsize,
    /// The posted closure, on the caller's stack.
    task: AtomicPtr<Task>,
    /// A caller holds the word.
    taken: AtomicBool,
}

impl BroadcastWord {
    pub(crate) fn new() -> Self {
        BroadcastWord {
            post: CachePadded::new(Post {
                generation: AtomicUsize::new(0),
                task: AtomicPtr::new(std::ptr::null_mut()),
                taken: AtomicBool::new(false),
            }),
            countdown: CachePadded::new(Countdown::new()),
            failure: Mutex::new(None),
        }
    }

    /// The generation last posted (what a worker compares with the last one it ran).
    pub(crate) fn generation(&self) -> usize {
        self.post.generation.load(Ordering::SeqCst)
    }

    /// Runs `task` on `workers` workers through the word and returns when all have (with the
    /// first panic among them). `None`, having run nothing, if another caller holds the word or
    /// `may_post` (asked once the word is held) says no. `wake` wakes sleeping workers after the
    /// post.
    pub(crate) fn broadcast(
        &self,
        task: &(dyn Fn(usize) + Sync),
        workers: usize,
        may_post: impl FnOnce() -> bool,
        wake: impl FnOnce(),
    ) -> Option<Result<(), SumError>> {
        if self.post.taken.swap(true, Ordering::Acquire) {
            return None;
        }
        if !may_post() {
            self.post.taken.store(false, Ordering::Release);
            return None;
        }
        // SAFETY: only the lifetime is changed. Workers reach `task` through a pointer to this
        // local, and each calls it before counting down; this function returns (ending both the
        // local and the borrow) only after `countdown.wait`, once every worker has counted down.
        let task: Task = unsafe { std::mem::transmute::<&(dyn Fn(usize) + Sync), Task>(task) };
        self.countdown.arm(workers);
        self.post
            .task
            .store(std::ptr::from_ref(&task).cast_mut(), Ordering::Relaxed);
        let next = self.post.generation.load(Ordering::Relaxed).wrapping_add(1);
        self.post.generation.store(next, Ordering::Release);
        wake();
        self.countdown.wait();
        let result = lock(&self.failure).take().map_or(Ok(()), Err);
        self.post.taken.store(false, Ordering::Release);
        Some(result)
    }

    /// On worker `worker`: runs the posted closure if its generation is not `seen` (then
    /// recorded), and waits for the other workers to run it too. Whether it ran one.
    pub(crate) fn run_posted(&self, worker: usize, seen: &mut usize) -> bool {
        let generation = self.post.generation.load(Ordering::Acquire);
        if generation == *seen {
            return false;
        }
        *seen = generation;
        // SAFETY: the pointer was stored before this generation was (`Release`, seen through the
        // `Acquire` above) and points at the caller's `task` local, which stays there, with the
        // closure's borrow, until this worker has counted down (see `broadcast`).
        let task: Task = unsafe { *self.post.task.load(Ordering::Relaxed) };
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| task(worker))) {
            lock(&self.failure).get_or_insert(SumError::Panicked(panic_message(&*payload)));
        }
        self.countdown.count_down();
        // The barrier; a next generation means this one is over (and that this worker is wanted).
        let over = || {
            self.countdown.is_done() || self.post.generation.load(Ordering::Relaxed) != generation
        };
        while !spin_until(BARRIER_SPIN, over) {
            thread::yield_now();
        }
        true
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
