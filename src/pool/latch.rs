//! [`Completion`]: how a job's result reaches whoever waits for it, a blocked thread or a future;
//! [`Countdown`]: how the workers of a broadcast posted on the pool's word release its caller.
//!
//! The worker that finishes a job calls [`Completion::complete`] once; the submitter either blocks
//! in [`wait`](Completion::wait) (spinning briefly, then on a condition variable) or polls with a
//! waker ([`poll`](Completion::poll), from [`SumTask`](super::SumTask)).
//!
//! # Memory ordering
//!
//! - The result lives in a mutex-protected slot. `complete` writes it, sets `ready` and notifies
//!   under that mutex (only if a waiter has marked itself `sleeping` there, which it does under
//!   the same mutex before it waits: a notify is a system call); `wait` and `poll` read `ready` and take the result under the same mutex. The
//!   mutex alone orders the hand-off, so neither a sleeping waiter nor a registered waker can miss
//!   it: whichever of `complete` and `poll` locks second sees what the first left (the result, or
//!   the waker to wake).
//! - `ready` is also read without the lock, by [`is_ready`](Completion::is_ready) and the spin in
//!   `wait`: it is stored with `Release` after the result is written and loaded with `Acquire`, so
//!   a thread that sees `true` finds the result in the slot when it then locks.
//! - What the job wrote before completing (its chunk partials) is ordered by the job itself (the
//!   finishing worker's `AcqRel` count of done chunks), before `complete` publishes the result.
//! - The waker is woken after the lock is released, so a waker that polls at once does not
//!   contend with the worker.
//!
//! A [`Countdown`] is reused by every broadcast, so it has no result slot and takes no lock unless
//! its waiter sleeps:
//!
//! - Each worker counts down with `AcqRel` after it ran the task: the count's release sequence
//!   carries every worker's writes to the waiter, whose `Acquire` load of zero then sees them all.
//! - Sleeping is the registry's store-buffering hand-shake: the waiter sets `sleeping` under
//!   `lock`, then (`SeqCst` fence) re-reads the count before it waits; the last worker counts
//!   down, then (`SeqCst` fence) reads `sleeping` and, if set, notifies under `lock`, which the
//!   waiter holds until it waits. One of them sees the other, so the wake-up cannot be lost.
//!   The accesses are `SeqCst` as well as the fences, as in `registry.rs` (they are off the
//!   spinning path).
//! - A worker late from the previous round may see the next round's `sleeping` and notify: the
//!   waiter re-checks the count, so that costs one spurious wake-up, never a lost one.

use super::error::SumError;
use super::sync::{AtomicBool, AtomicUsize, Condvar, Mutex, Ordering, fence, lock, spin_until};
use std::sync::PoisonError;
use std::task::Waker;
use std::time::Duration;

/// How long a thread blocked on a sum polls for the result before it sleeps.
const WAIT_SPIN: Duration = Duration::from_micros(50);

/// A result that arrives later, for a blocked thread or a future's waker.
pub(crate) struct Completion<R> {
    ready: AtomicBool,
    state: Mutex<Outcome<R>>,
    wakeup: Condvar,
}

struct Outcome<R> {
    result: Option<Result<R, SumError>>,
    waker: Option<Waker>,
    /// A thread sleeps on `wakeup`: only then does `complete` pay for a notify (a system call).
    sleeping: bool,
}

impl<R> Completion<R> {
    pub(crate) fn new() -> Self {
        Completion {
            ready: AtomicBool::new(false),
            state: Mutex::new(Outcome {
                result: None,
                waker: None,
                sleeping: false,
            }),
            wakeup: Condvar::new(),
        }
    }

    pub(crate) fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Delivers the result: wakes the blocked thread or the registered waker. Called once.
    pub(crate) fn complete(&self, result: Result<R, SumError>) {
        let waker = {
            let mut state = lock(&self.state);
            state.result = Some(result);
            self.ready.store(true, Ordering::Release);
            if state.sleeping {
                self.wakeup.notify_all();
            }
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

    /// Blocks until the result is there: polls for a few tens of microseconds, then sleeps.
    ///
    /// The waiting thread is not a worker, and when every core runs one it shares a core with
    /// a worker: it yields between polls so that the worker keeps the core, and it sleeps
    /// after the spin so that a long sum does not pay for its polling.
    pub(crate) fn wait(&self) -> Result<R, SumError> {
        spin_until(WAIT_SPIN, || self.is_ready());
        let mut state = lock(&self.state);
        while !self.ready.load(Ordering::Acquire) {
            state.sleeping = true;
            state = self
                .wakeup
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        state.result.take().unwrap_or(Err(SumError::AlreadyTaken))
    }
}

/// A count of workers still running a broadcast, reused round after round, that its caller waits
/// on: spinning first, then sleeping on a condition variable.
pub(crate) struct Countdown {
    remaining: AtomicUsize,
    /// The waiter sleeps on `wakeup` (set under `lock`): only then does the last worker notify.
    sleeping: AtomicBool,
    lock: Mutex<()>,
    wakeup: Condvar,
}

impl Countdown {
    pub(crate) fn new() -> Self {
        Countdown {
            remaining: AtomicUsize::new(0),
            sleeping: AtomicBool::new(false),
            lock: Mutex::new(()),
            wakeup: Condvar::new(),
        }
    }

    /// Starts a round of `count`. Called by the waiter while no round runs; the store is
    /// published to the workers by whatever then tells them to count down (a `Release` store).
    pub(crate) fn arm(&self, count: usize) {
        self.remaining.store(count, Ordering::Relaxed);
    }

    pub(crate) fn is_done(&self) -> bool {
        self.remaining.load(Ordering::Acquire) == 0
    }

    /// Counts one worker done, waking the waiter if this was the last and it sleeps.
    pub(crate) fn count_down(&self) {
        if self.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
            // Pairs with the fence in `wait` (see the module docs).
            fence(Ordering::SeqCst);
            if self.sleeping.load(Ordering::SeqCst) {
                let _guard = lock(&self.lock);
                self.wakeup.notify_all();
            }
        }
    }

    /// Blocks until the count reaches zero: polls as [`Completion::wait`] does, then sleeps.
    pub(crate) fn wait(&self) {
        if spin_until(WAIT_SPIN, || self.is_done()) {
            return;
        }
        let mut guard = lock(&self.lock);
        self.sleeping.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        while self.remaining.load(Ordering::SeqCst) != 0 {
            guard = self
                .wakeup
                .wait(guard)
                .unwrap_or_else(PoisonError::into_inner);
        }
        self.sleeping.store(false, Ordering::SeqCst);
    }
}
