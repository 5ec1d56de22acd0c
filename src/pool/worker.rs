//! What a worker thread does: pin itself, report ready, then run any broadcast posted on the
//! registry's word, else take the oldest queued job and claim runs of its chunks until none are
//! left, and, when the queue is empty, wait in the registry's
//! [`idle`](super::registry::Registry::idle).

use super::error::PoolError;
use super::registry::Registry;
use super::sync::mpsc;
use std::cell::Cell;

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

/// The body of worker `index`'s thread. Pins it to `core` (if it has one) with `pin`, sends
/// `(index, pinned)` on `ready` (or the refusal, if `pin_required`, and exits), then runs jobs
/// until the pool shuts down.
pub(crate) fn run(
    registry: &Registry,
    index: usize,
    core: Option<usize>,
    pin: fn(usize) -> bool,
    pin_required: bool,
    ready: mpsc::Sender<Result<(usize, bool), PoolError>>,
) {
    let pinned = core.is_some_and(pin);
    if let Some(core) = core
        && !pinned
        && pin_required
    {
        let _ = ready.send(Err(PoolError::PinFailed {
            worker: index,
            core,
        }));
        return;
    }
    let _ = ready.send(Ok((index, pinned)));
    drop(ready);
    IN_WORKER.with(|flag| flag.set(true));
    // The last broadcast generation this worker ran (the word starts at 0).
    let mut seen = 0;
    loop {
        // Checked between units of queued jobs, so a posted broadcast waits for at most one run.
        if registry.word.run_posted(index, &mut seen) {
            continue;
        }
        // Read before the queue: every job queued before the shutdown is then in it. Read
        // after an empty queue, it could be a shutdown that follows a job queued in between,
        // and the worker would leave that job (and whoever waits for it) behind.
        let stop = registry.is_shut_down();
        match registry.front() {
            Some(job) => {
                if !job.work(index) {
                    registry.retire(&job);
                }
            }
            None if stop => return,
            None => registry.idle(seen),
        }
    }
}
