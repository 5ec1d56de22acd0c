//! A closure run once on every worker ([`Pool::broadcast`](super::Pool::broadcast)), two ways:
//!
//! - [`BroadcastWord`], the warm path: the caller posts the closure (a pointer to it, on its stack,
//!   and the function that calls it) and a new generation in one cache line that idle workers
//!   poll beside the queue, and waits on a [`Countdown`] the last worker releases. No allocation, no queue, no lock on the workers'
//!   side: the round trip is two cache-line transfers each way. It is posted only while the queue is empty, so that
//!   the broadcast is behind every sum queued before it.
//! - [`Broadcast`], a queued job, when jobs are queued. It stays at the front of the queue until
//!   every worker has run it, so jobs queued after it wait for all of them.
//!
//! Either way each worker runs the closure exactly once. A worker done with a posted closure
//! goes straight back to its loop (it waits for no other worker): a sum queued while a posted
//! broadcast runs may start on the workers that have finished it.
//!
//! One caller at a time holds the word (`holder`), from before it looks at the queue until its
//! broadcast is over; other callers wait for it. Two broadcasts therefore never overlap, on either
//! path, and every worker runs them in one order: closures that wait for one another across
//! workers (a barrier inside the closure) cannot end up waiting on another broadcast's.
//!
//! # Memory ordering (the word)
//!
//! - The caller stores the closure's pointers and arms the countdown (`Relaxed`), then bumps the
//!   generation (`SeqCst`, at least `Release`); a worker that loads the new generation with
//!   `Acquire` sees them all. The pointers cannot change under a worker: the next post waits for
//!   this worker's count-down.
//! - A worker calls the closure before it counts down (`AcqRel`); the caller returns, ending the
//!   closure's borrow, only once the count is zero. A worker touches neither the closure nor the
//!   caller's stack after counting down.
//! - Sleeping workers are woken by the registry's `sleepers` hand-shake, with the generation in
//!   the place of `pending` (see `registry.rs`).
//! - A worker never misses a generation: the next one is posted only after every worker counted
//!   this one down, so a worker's last seen generation lags the word by at most one.
//!
//! # Progress (the word)
//!
//! The caller waits for every worker to count down, so it returns if every worker reaches
//! [`run_posted`](BroadcastWord::run_posted) after the post. A worker is always in one of:
//!
//! - its loop, which calls `run_posted` before it looks at the queue, after every unit of a queued
//!   job (a run of a sum's chunks; no queued broadcast runs while the word is posted): a worker
//!   busy with a long run picks the broadcast up when the run ends;
//! - [`idle`](super::registry::Registry::idle), whose spin and sleep both end on a generation other
//!   than the one it last ran. One parking after the post sees the generation before it sleeps
//!   (it re-checks under `sleep_lock`, after its `sleepers` increment and a fence); one parked
//!   before it is counted in `sleepers`, which the caller reads after its own fence and notifies
//!   (the store-buffering argument of `registry.rs`);
//! - running a posted closure, which ends without waiting for any other thread (unless the closure
//!   itself does).
//!
//! No worker waits for another on this path, so no cycle of waits can form: the broadcast takes at
//! most the longest unit of work in flight when it is posted, the time a queued broadcast would
//! take too (it also needs every worker). The pool cannot shut down under it: shutdown needs the
//! last handle, and the caller borrows one.
//!
//! Why callers wait for the word rather than queue beside a posted broadcast: a worker that looked
//! at the word just before the post and at the queue just after the second caller's submit runs
//! the queued closure first, the others the posted one first; closures that wait for each other
//! across workers would then wait forever (the case
//! `tests/broadcast.rs::closures_that_wait_for_each_other_from_two_callers_finish` exercises).
//! Why no barrier after a posted closure: it made a worker wait for the others, the one wait on
//! this path that a closure did not ask for, and it is what the argument above does without.

use super::error::{SumError, panic_message};
use super::job::Job;
use super::latch::{Completion, Countdown};
use super::sync::{AtomicBool, AtomicPtr, AtomicUsize, Mutex, Ordering, lock};
use crossbeam_utils::CachePadded;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// What a worker calls a posted closure with: [`call::<F>`](call) for the closure's type `F`.
type Call = unsafe fn(*const (), usize);

/// Calls the closure of type `F` at `closure` for worker `worker`.
///
/// # Safety
/// `closure` points at a live `F`.
unsafe fn call<F: Fn(usize) + Sync>(closure: *const (), worker: usize) {
    // SAFETY: the caller's contract; `F: Sync`, so a shared borrow may be used on this thread.
    unsafe { (*closure.cast::<F>())(worker) }
}

/// The pool's broadcast word; see the module docs.
pub(crate) struct BroadcastWord {
    /// Held by the caller of a broadcast, on either path (see [`BroadcastWord::broadcast`]).
    holder: CachePadded<Mutex<()>>,
    post: CachePadded<Post>,
    /// Workers yet to run the posted closure; written by the workers, read by the caller.
    countdown: CachePadded<Countdown>,
    /// The first panic of a closure in this round (taken by the caller).
    failure: Mutex<Option<SumError>>,
}

/// What the caller writes and the workers poll: one cache line, which holds all a worker reads to
/// run the closure. A pointer to a `&dyn Fn` on the caller's stack (as before) cost the worker a
/// second line from the caller's core on every round trip: broadcast to 1 worker, Intel AVX-512
/// host, 2 cores, median per round trip 0.68 → 0.54-0.57 µs.
struct Post {
    /// Bumped once per broadcast posted; each worker runs the closure of a generation it has not seen.
    generation: AtomicUsize,
    /// The posted closure, on the caller's stack.
    closure: AtomicPtr<()>,
    /// The [`Call`] for the closure's type, as a pointer.
    call: AtomicPtr<()>,
}

impl BroadcastWord {
    pub(crate) fn new() -> Self {
        BroadcastWord {
            holder: CachePadded::new(Mutex::new(())),
            post: CachePadded::new(Post {
                generation: AtomicUsize::new(0),
                closure: AtomicPtr::new(std::ptr::null_mut()),
                call: AtomicPtr::new(std::ptr::null_mut()),
            }),
            countdown: CachePadded::new(Countdown::new()),
            failure: Mutex::new(None),
        }
    }

    /// The generation last posted (what a worker compares with the last one it ran).
    pub(crate) fn generation(&self) -> usize {
        self.post.generation.load(Ordering::SeqCst)
    }

    /// Runs `task` on `workers` workers and returns when all have (with the first panic among
    /// them), holding the word throughout (waiting for another caller's broadcast to end first).
    /// Through the word if `queue_empty` says so, else with `queued`, which must not return
    /// before every worker has run `task`. `wake` wakes sleeping workers after the post.
    ///
    /// A queued broadcast is also over before the next caller gets the word, so a queued job
    /// that `queue_empty` sees is never another broadcast's.
    pub(crate) fn broadcast<F: Fn(usize) + Sync>(
        &self,
        task: &F,
        workers: usize,
        queue_empty: impl FnOnce() -> bool,
        wake: impl FnOnce(),
        queued: impl FnOnce(&(dyn Fn(usize) + Sync)) -> Result<(), SumError>,
    ) -> Result<(), SumError> {
        let _held = lock(&self.holder);
        if !queue_empty() {
            return queued(task);
        }
        // Workers call `task` through these pointers, each before it counts down; this function
        // returns (ending the borrow of `task`) only after `countdown.wait`, once every worker
        // has counted down.
        self.countdown.arm(workers);
        let call: Call = call::<F>;
        self.post.closure.store(
            std::ptr::from_ref(task).cast::<()>().cast_mut(),
            Ordering::Relaxed,
        );
        self.post.call.store(call as *mut (), Ordering::Relaxed);
        let next = self.post.generation.load(Ordering::Relaxed).wrapping_add(1);
        // The store half of the `sleepers` hand-shake (`wake` fences after it). `SeqCst` as well as
        // the fence, as in `registry.rs`: the checkers (loom, Miri) then need not model fences.
        self.post.generation.store(next, Ordering::SeqCst);
        wake();
        self.countdown.wait();
        lock(&self.failure).take().map_or(Ok(()), Err)
    }

    /// On worker `worker`: runs the posted closure if its generation is not `seen` (then
    /// recorded) and counts it down. Whether it ran one.
    pub(crate) fn run_posted(&self, worker: usize, seen: &mut usize) -> bool {
        let generation = self.post.generation.load(Ordering::Acquire);
        if generation == *seen {
            return false;
        }
        *seen = generation;
        let closure = self.post.closure.load(Ordering::Relaxed).cast_const();
        // SAFETY: the pointer was stored (before this generation was: `Release`, seen through the
        // `Acquire` above) from a `Call`, of the type of the closure stored with it.
        let call =
            unsafe { std::mem::transmute::<*mut (), Call>(self.post.call.load(Ordering::Relaxed)) };
        // SAFETY: `closure` is the caller's closure, borrowed until this worker has counted down
        // (see `broadcast`), and `call` is the function for its type.
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| unsafe { call(closure, worker) })) {
            lock(&self.failure).get_or_insert(SumError::Panicked(panic_message(&*payload)));
        }
        self.countdown.count_down();
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
