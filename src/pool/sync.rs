//! The pool's synchronisation primitives: std's, or loom's under `--cfg loom` so that the model
//! checker (`src/pool/loom_tests.rs`, `.ci/lanes/loom.sh`) explores every interleaving of the
//! queue, sleep/wake, completion and shutdown protocols.
//!
//! Not swapped:
//! - `Arc`/`Weak` stay std's: loom's `Arc` cannot be coerced to `Arc<dyn Job>` (one allocation is
//!   seen as a job, a control and a concrete `ReduceJob`) and has no `Weak`. Reference counting is
//!   not part of the protocols checked; the loom tests check that the data is released directly.
//! - Pinning, thread names and the topology are plain system calls; the loom tests turn pinning
//!   off.
//! - Time: see [`spin_until`].

#[cfg(loom)]
pub(crate) use loom::{
    sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering, fence},
    sync::{Condvar, Mutex, MutexGuard, mpsc},
    thread,
};
#[cfg(not(loom))]
pub(crate) use std::{
    sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering, fence},
    sync::{Condvar, Mutex, MutexGuard, mpsc},
    thread,
};

use std::time::Duration;

/// Polls between yields in [`spin_until`]. Each poll waits one `spin_loop` (`pause`: about 60 ns
/// on Sapphire Rapids), so this is the longest a thread sharing its core with the one it waits for
/// (a blocking caller beside a pinned worker) keeps the core before yielding it: 64 polls made
/// every such hand-off cost about 3.7 µs there, 8 cost 2.1 µs (about two `sched_yield` switches,
/// the floor), while a thread alone on its core still sees a hand-off within about 0.5 µs.
const POLLS_PER_YIELD: usize = 8;

/// A `sched_yield` that returns within this found no other thread wanting the core: on the Intel
/// AVX-512 host (2 cores) one that switches to nobody takes 0.25-0.55 µs (p10-p99), one that runs
/// another thread a few microseconds at least.
const SWITCHED: Duration = Duration::from_micros(1);

/// How long a thread whose last yield found its core to itself polls between yields. On the Intel
/// AVX-512 host (2 cores; `pause` about 15 ns) a burst of 8 polls and a clock read take about
/// 0.2 µs and the yield 0.26 µs more: a hand-off that landed in it waited for the system call, on
/// both sides of every round trip. Polling this long spends under 10 % of the time in yields
/// (broadcast to 1 worker, per round trip on a loaded host: median 0.87-0.99 → 0.68-0.69 µs), and
/// a thread that wants the core still gets it within this (or at once: the scheduler preempts a
/// spinner for a thread it wakes).
const ALONE_YIELD_EVERY: Duration = Duration::from_micros(4);

std::thread_local! {
    /// Whether this thread's last yield in [`spin_until`] returned at once (nobody else wanted
    /// the core), so that its next spin starts with the sparse yields.
    static ALONE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Polls `ready` for up to `limit`, yielding the core between bursts of polls; whether it became
/// true. A thread whose yields return at once (its core is its own) yields only every
/// [`ALONE_YIELD_EVERY`]; one whose yield ran another thread yields after every burst again.
///
/// Under loom it checks once: loom has no clock, and a loop bounded by time would make the
/// executions it replays differ. The checks then cover what follows the spin, the sleep.
pub(crate) fn spin_until(limit: Duration, mut ready: impl FnMut() -> bool) -> bool {
    if cfg!(loom) {
        return ready();
    }
    let start = std::time::Instant::now();
    let mut alone = ALONE.get();
    let mut yielded = start;
    let ready = loop {
        // A few cheap polls before each clock read and yield (a system call): a hand-off that is
        // about to land is seen within tens of nanoseconds.
        if (0..POLLS_PER_YIELD).any(|_| {
            let done = ready();
            if !done {
                std::hint::spin_loop();
            }
            done
        }) {
            break true;
        }
        let now = std::time::Instant::now();
        if now.duration_since(start) >= limit {
            break false;
        }
        if alone && now.duration_since(yielded) < ALONE_YIELD_EVERY {
            continue;
        }
        thread::yield_now();
        yielded = std::time::Instant::now();
        alone = yielded.duration_since(now) < SWITCHED;
    };
    ALONE.set(alone);
    ready
}

/// Locks, ignoring poisoning: no code here panics while holding these locks, and a value left by a
/// panicking owner is still a valid value.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
