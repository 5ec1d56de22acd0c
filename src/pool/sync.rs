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

/// Polls `ready` for up to `limit`, yielding the core between bursts of polls; whether it became
/// true.
///
/// Under loom it checks once: loom has no clock, and a loop bounded by time would make the
/// executions it replays differ. The checks then cover what follows the spin, the sleep.
pub(crate) fn spin_until(limit: Duration, mut ready: impl FnMut() -> bool) -> bool {
    if cfg!(loom) {
        return ready();
    }
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        // A few cheap polls before each yield (a system call): a hand-off that is about to
        // land is seen within tens of nanoseconds instead of after the yield returns.
        for _ in 0..POLLS_PER_YIELD {
            if ready() {
                return true;
            }
            std::hint::spin_loop();
        }
        thread::yield_now();
    }
    false
}

/// Locks, ignoring poisoning: no code here panics while holding these locks, and a value left by a
/// panicking owner is still a valid value.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
