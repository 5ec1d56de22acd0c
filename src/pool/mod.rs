//! The bounded, core-pinned worker pool, and the blocking and asynchronous sums that run on it.
//!
//! A [`Pool`] owns a fixed number of worker threads, started once, named `<prefix><index>` and each
//! pinned to its own core. Every sum, blocking or asynchronous, becomes one job in a FIFO queue;
//! however many are requested at once, only the pool's workers run them (the callers of blocking
//! sums wait, they do not compute), so the thread count is bounded by construction.
//!
//! - Small inputs (below [`Pool::inline_bytes`] for blocking sums, [`ASYNC_INLINE_BYTES`] for
//!   asynchronous ones) are summed inline on the calling thread: waking a worker costs more than
//!   the sum.
//! - The slice is cut on a chunk grid (boundaries on 128-byte addresses, chunk size from the L2
//!   cache) that never depends on the thread count, and the partials are merged in chunk order:
//!   results are bit-identical for 1, 2, … N threads.
//! - A sum started from inside a worker runs inline, so nesting cannot deadlock.
//! - Dropping the pool lets its workers finish every job already queued (their tasks complete),
//!   then joins them.
//!
//! # Why not rayon-core
//!
//! rayon's pool can be pinned through `start_handler`, but its work-stealing join tree depends on
//! timing (no reproducible merge order for floats), it wakes workers for every `install`, and a
//! `par_iter().sum()` pays that on every call. This pool's fork-join round trip is a queue push
//! and a notify; see `docs/PERFORMANCE.md` for the measured comparison. To run coresum's plan and
//! kernels on an existing rayon pool instead, see [`crate::rayon`] (feature `rayon`).

mod job;
#[cfg(all(test, loom))]
mod loom_tests;
mod sync;
mod task;
mod topology;
mod worker;

pub use job::{Owner, SumError};
pub use task::SumTask;
pub use topology::{allowed_cores, parse_core_list, physical_cores};

/// The size in bytes of the level-`level` data (or unified) cache of CPU 0, if the OS says.
pub fn cache_bytes(level: u32) -> Option<usize> {
    crate::plan::cache_bytes(level)
}

use crate::arch::Kernels;
use crate::element::{Mode, Summable};
use crate::plan::chunk_bytes;
use job::{Broadcast, Control, SumJob, panic_message};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use sync::{mpsc, thread};
use worker::{Shared, in_worker};

/// Blocking sums of fewer bytes than this run on the calling thread by default. Measured
/// (`cargo bench --bench pool -- threshold`, docs/PERFORMANCE.md): below it, handing the work to
/// the workers and waiting for them took longer than the single-threaded kernel on the
/// development machine. Machines with more cores and faster wake-ups gain from a lower value:
/// see [`PoolBuilder::inline_bytes`].
pub const DEFAULT_INLINE_BYTES: usize = 4 << 20;

/// Asynchronous sums of fewer bytes than this (or than the pool's inline threshold, if lower) run
/// inside `sum_async`: about a microsecond of work, less than queueing a task costs. Larger ones
/// always go to the workers, so an executor thread never computes a long sum.
pub const ASYNC_INLINE_BYTES: usize = 64 << 10;

/// How long an idle worker spins before sleeping, by default.
pub const DEFAULT_SPIN: Duration = Duration::from_micros(100);

/// How long a thread blocked on a sum polls for the result before it sleeps.
const WAIT_SPIN: Duration = Duration::from_micros(50);

/// Linux keeps 15 bytes of a thread's name.
const MAX_THREAD_NAME: usize = 15;

/// Which cores the workers may be placed on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cores {
    /// Every core the process may run on (its affinity mask, as a new thread sees it: a caller
    /// that pinned its own thread to one core before building the pool gets that core only).
    #[default]
    Allowed,
    /// One logical CPU per physical core among the allowed ones (no two SMT siblings).
    Physical,
    /// Exactly these cores, each of which must be allowed.
    List(Vec<usize>),
}

/// Why a pool could not be built.
#[derive(Debug)]
#[non_exhaustive]
pub enum PoolError {
    /// A pool needs at least one thread.
    NoThreads,
    /// No core is available to place workers on.
    NoCores,
    /// A requested core is not in the process's affinity mask.
    CoreNotAllowed {
        /// The core asked for.
        core: usize,
        /// The cores the process may run on.
        allowed: Vec<usize>,
    },
    /// More pinned workers than cores, without [`PoolBuilder::oversubscribe`].
    TooManyThreads {
        /// Workers asked for.
        threads: usize,
        /// Cores available to pin them to.
        cores: usize,
    },
    /// The OS refused to pin a worker to its core.
    PinFailed {
        /// The worker's index.
        worker: usize,
        /// The core it was to run on.
        core: usize,
    },
    /// A worker name (`prefix` + index) would exceed the 15 bytes Linux keeps.
    NameTooLong(String),
    /// `CORESUM_THREADS` or `CORESUM_CORES` holds something unusable.
    InvalidEnv {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A worker thread could not be started.
    Spawn(std::io::Error),
    /// A sum failed (see [`SumError`]).
    Sum(SumError),
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::NoThreads => f.write_str("a pool needs at least one thread (got 0)"),
            PoolError::NoCores => f.write_str("no core is available to run workers on"),
            PoolError::CoreNotAllowed { core, allowed } => {
                write!(
                    f,
                    "core {core} is not allowed for this process (allowed: {allowed:?})"
                )
            }
            PoolError::TooManyThreads { threads, cores } => write!(
                f,
                "{threads} pinned workers need {threads} cores but only {cores} are available \
                 (allow oversubscription, lower the thread count or turn pinning off)"
            ),
            PoolError::PinFailed { worker, core } => {
                write!(f, "the OS refused to pin worker {worker} to core {core}")
            }
            PoolError::NameTooLong(name) => write!(
                f,
                "worker name {name:?} is longer than the {MAX_THREAD_NAME} bytes Linux keeps"
            ),
            PoolError::InvalidEnv { var, value, reason } => {
                write!(f, "{var}={value:?}: {reason}")
            }
            PoolError::Spawn(e) => write!(f, "could not start a worker thread: {e}"),
            PoolError::Sum(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for PoolError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PoolError::Spawn(e) => Some(e),
            PoolError::Sum(e) => Some(e),
            _ => None,
        }
    }
}

/// One worker, as the pool started it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerInfo {
    /// Its index, `0..threads`.
    pub index: usize,
    /// Its thread name.
    pub name: String,
    /// The core it is pinned to, or `None` when pinning is off.
    pub core: Option<usize>,
}

/// Configures a [`Pool`]. Start from [`Pool::builder`].
#[derive(Clone, Debug)]
pub struct PoolBuilder {
    threads: Option<usize>,
    cores: Cores,
    pin: bool,
    oversubscribe: bool,
    prefix: String,
    spin: Duration,
    inline_bytes: usize,
    use_env: bool,
}

impl PoolBuilder {
    /// The number of workers. Default: one per available core, bounded by the CPU quota that
    /// `std::thread::available_parallelism` reports.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads);
        self
    }

    /// Which cores to place workers on. Default: [`Cores::Allowed`].
    pub fn cores(mut self, cores: Cores) -> Self {
        self.cores = cores;
        self
    }

    /// Pin each worker to one core (default: on). A pin the OS refuses fails [`build`](Self::build).
    pub fn pin(mut self, pin: bool) -> Self {
        self.pin = pin;
        self
    }

    /// Allow more pinned workers than cores; workers then share cores round-robin.
    pub fn oversubscribe(mut self, allow: bool) -> Self {
        self.oversubscribe = allow;
        self
    }

    /// Worker names are `prefix` + index (default `coresum-w`, so `coresum-w3`), at most 15 bytes.
    pub fn thread_name_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long an idle worker spins before it sleeps (default [`DEFAULT_SPIN`]). Longer keeps
    /// dispatch at about a microsecond for bursty callers; zero sleeps at once.
    pub fn spin(mut self, spin: Duration) -> Self {
        self.spin = spin;
        self
    }

    /// Blocking sums below this many bytes run on the calling thread (default
    /// [`DEFAULT_INLINE_BYTES`]); 0 sends every non-empty sum to the workers. Asynchronous sums
    /// use the lower of this and [`ASYNC_INLINE_BYTES`].
    pub fn inline_bytes(mut self, bytes: usize) -> Self {
        self.inline_bytes = bytes;
        self
    }

    /// Let `CORESUM_THREADS` and `CORESUM_CORES` (a list such as `0-3,8`) override the thread
    /// count and the cores, as the default pool does.
    pub fn with_env(mut self) -> Self {
        self.use_env = true;
        self
    }

    /// Starts the workers, pins them, and waits until every one is ready.
    pub fn build(mut self) -> Result<Pool, PoolError> {
        if self.use_env {
            let (threads, cores) = topology::env_overrides()?;
            self.threads = threads.or(self.threads);
            if let Some(cores) = cores {
                self.cores = Cores::List(cores);
            }
        }
        let allowed = topology::allowed_cores();
        let cores = match &self.cores {
            Cores::Allowed => allowed.clone(),
            Cores::Physical => topology::physical_cores(&allowed),
            Cores::List(list) => {
                if let Some(&core) = list.iter().find(|c| !allowed.contains(c)) {
                    return Err(PoolError::CoreNotAllowed { core, allowed });
                }
                list.clone()
            }
        };
        if cores.is_empty() && (self.pin || self.threads.is_none()) {
            return Err(PoolError::NoCores);
        }
        let quota = std::thread::available_parallelism().map_or(usize::MAX, |n| n.get());
        let threads = self.threads.unwrap_or_else(|| cores.len().min(quota));
        if threads == 0 {
            return Err(PoolError::NoThreads);
        }
        if self.pin && threads > cores.len() && !self.oversubscribe {
            return Err(PoolError::TooManyThreads {
                threads,
                cores: cores.len(),
            });
        }
        let workers: Vec<WorkerInfo> = (0..threads)
            .map(|index| WorkerInfo {
                index,
                name: format!("{}{index}", self.prefix),
                core: self.pin.then(|| cores[index % cores.len()]),
            })
            .collect();
        if let Some(long) = workers.iter().find(|w| w.name.len() > MAX_THREAD_NAME) {
            return Err(PoolError::NameTooLong(long.name.clone()));
        }
        Pool::start(workers, self.spin, self.inline_bytes)
    }
}

/// A fixed set of worker threads, each pinned to one core, that run sums.
///
/// ```
/// use coresum::Pool;
///
/// let pool = Pool::builder().threads(2).pin(false).build()?;
/// let data: Vec<u32> = (0..1_000_000).collect();
/// assert_eq!(pool.sum(&data), 499_999_500_000);
///
/// // Asynchronously, on owned data (a Vec, an Arc<[T]>, …), from any executor:
/// let task = pool.sum_async(data);
/// assert_eq!(task.wait()?, 499_999_500_000);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// A borrowed slice cannot be handed to an asynchronous sum, which may outlive it:
///
/// ```compile_fail
/// let pool = coresum::Pool::builder().threads(1).pin(false).build().unwrap();
/// let data = vec![1u8; 10];
/// let task = pool.sum_async(&data[..]); // error: `data` does not live long enough
/// drop(data);
/// task.wait();
/// ```
pub struct Pool {
    shared: Arc<Shared>,
    workers: Vec<WorkerInfo>,
    handles: Vec<thread::JoinHandle<()>>,
    inline_bytes: usize,
}

impl Pool {
    /// A builder with the defaults: one pinned worker per allowed core.
    pub fn builder() -> PoolBuilder {
        PoolBuilder {
            threads: None,
            cores: Cores::Allowed,
            pin: true,
            oversubscribe: false,
            prefix: "coresum-w".into(),
            spin: DEFAULT_SPIN,
            inline_bytes: DEFAULT_INLINE_BYTES,
            use_env: false,
        }
    }

    fn start(
        workers: Vec<WorkerInfo>,
        spin: Duration,
        inline_bytes: usize,
    ) -> Result<Pool, PoolError> {
        let shared = Arc::new(Shared::new(spin));
        // The pool exists (and its Drop joins whatever started) before the first spawn, so a
        // failed start shuts the started workers down.
        let mut pool = Pool {
            shared,
            workers,
            handles: Vec::new(),
            inline_bytes,
        };
        let (ready_tx, ready_rx) = mpsc::channel::<Result<(), PoolError>>();
        for info in pool.workers.clone() {
            let shared = Arc::clone(&pool.shared);
            let ready = ready_tx.clone();
            let handle = thread::Builder::new()
                .name(info.name.clone())
                .spawn(move || {
                    let pinned = info.core.is_none_or(|id| {
                        core_affinity::set_for_current(core_affinity::CoreId { id })
                    });
                    if !pinned {
                        let core = info.core.unwrap_or_default();
                        let _ = ready.send(Err(PoolError::PinFailed {
                            worker: info.index,
                            core,
                        }));
                        return;
                    }
                    let _ = ready.send(Ok(()));
                    drop(ready);
                    shared.run_worker(info.index);
                })
                .map_err(PoolError::Spawn)?;
            pool.handles.push(handle);
        }
        drop(ready_tx);
        for _ in 0..pool.workers.len() {
            // A worker that died before reporting closes the channel: report it as a failed start.
            ready_rx.recv().map_err(|_| {
                PoolError::Spawn(std::io::Error::other("a worker exited during start-up"))
            })??;
        }
        Ok(pool)
    }

    /// The number of workers.
    pub fn threads(&self) -> usize {
        self.workers.len()
    }

    /// The workers, their names and cores.
    pub fn workers(&self) -> &[WorkerInfo] {
        &self.workers
    }

    /// Inputs below this many bytes are summed on the calling thread.
    pub fn inline_bytes(&self) -> usize {
        self.inline_bytes
    }

    /// The size of the chunks sums are cut into (a multiple of 128 bytes, from the cache sizes).
    pub fn chunk_bytes(&self) -> usize {
        chunk_bytes()
    }

    /// The exact sum of `data` (integers; floats in [`Mode::Exact`]), blocking until it is done.
    pub fn sum<T: Summable>(&self, data: &[T]) -> T::Output {
        self.sum_with(data, Mode::Exact)
    }

    /// The sum of `data` in `mode`, blocking until it is done.
    pub fn sum_with<T: Summable>(&self, data: &[T], mode: Mode) -> T::Output {
        if self.runs_inline(size_of_val(data)) {
            return sum_inline(data, mode);
        }
        let job = Arc::new(SumJob::new(
            Borrowed::new(data),
            Kernels::active(),
            mode,
            self.threads(),
        ));
        self.shared.submit(job.clone());
        // The job reads `data` only in claimed chunks, all of which complete before the result
        // is delivered; `wait` returns only then, so the borrow outlives every read.
        match job.completion().wait(WAIT_SPIN) {
            Ok(total) => total,
            // Kernels do not panic, and a borrowed slice cannot change: reaching this is a bug.
            Err(error) => panic!("coresum: {error}"),
        }
    }

    /// Sums owned data asynchronously; see [`SumTask`].
    ///
    /// `data` is anything that owns a slice (an [`Owner`]): `Vec<T>`, `Box<[T]>`, `Arc<[T]>`,
    /// `Arc<Vec<T>>`, a memory map… It is not copied; the pool holds it until the sum is done or
    /// cancelled.
    pub fn sum_async<T, D>(&self, data: D) -> SumTask<T::Output>
    where
        T: Summable,
        D: Owner<T> + 'static,
    {
        self.sum_async_with(data, Mode::Exact)
    }

    /// [`sum_async`](Self::sum_async) in `mode`.
    pub fn sum_async_with<T, D>(&self, data: D, mode: Mode) -> SumTask<T::Output>
    where
        T: Summable,
        D: Owner<T> + 'static,
    {
        // The owner's `deref`/`as_ref` are user code: a panic there is the task's error, not the caller's.
        let started = catch_unwind(AssertUnwindSafe(|| {
            let slice = data.slice();
            let bytes = size_of_val(slice);
            if self.runs_inline(bytes) && (bytes < ASYNC_INLINE_BYTES || in_worker()) {
                Err(sum_inline(slice, mode))
            } else {
                Ok(Arc::new(SumJob::new(
                    data,
                    Kernels::active(),
                    mode,
                    self.threads(),
                )))
            }
        }));
        match started {
            Ok(Ok(job)) => {
                self.shared.submit(job.clone());
                SumTask::queued(job, &self.shared)
            }
            Ok(Err(total)) => SumTask::done(Ok(total)),
            Err(payload) => SumTask::done(Err(SumError::Panicked(panic_message(&*payload)))),
        }
    }

    /// Runs `task(worker_index)` once on every worker, in parallel, and returns when all have.
    ///
    /// For per-worker set-up (first-touch allocation on each core, thread-local state) and for
    /// measuring the pool's fork-join round trip. Behind sums queued earlier; sums queued later
    /// wait for it. Called from inside a worker, it runs `task` for every index on that thread.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// let pool = coresum::Pool::builder().threads(2).pin(false).build()?;
    /// let calls = AtomicUsize::new(0);
    /// pool.broadcast(|_worker| { calls.fetch_add(1, Ordering::Relaxed); })?;
    /// assert_eq!(calls.into_inner(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn broadcast<F: Fn(usize) + Sync>(&self, task: F) -> Result<(), SumError> {
        if in_worker() {
            return catch_unwind(AssertUnwindSafe(|| (0..self.threads()).for_each(&task)))
                .map_err(|payload| SumError::Panicked(panic_message(&*payload)));
        }
        // SAFETY: `task` lives on this stack frame until `wait` below returns, which is after
        // every worker has run it.
        let job = Arc::new(unsafe { Broadcast::new(&task, self.threads()) });
        self.shared.submit(job.clone());
        job.completion().wait(WAIT_SPIN)
    }

    fn runs_inline(&self, bytes: usize) -> bool {
        bytes == 0 || bytes < self.inline_bytes || in_worker()
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.shared.shut_down();
        let me = thread::current().id();
        for handle in self.handles.drain(..) {
            // A pool dropped by one of its own workers (the last owner of the pool was a job's
            // data) cannot join that worker, which exits by itself after this job.
            if handle.thread().id() != me {
                // A worker cannot panic (jobs catch their panics); nothing to report if one did.
                let _ = handle.join();
            }
        }
    }
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("workers", &self.workers)
            .field("inline_bytes", &self.inline_bytes)
            .field("chunk_bytes", &chunk_bytes())
            .finish()
    }
}

/// Sums `data` on the calling thread, on the same chunk grid as the pool (so floating-point
/// modes give the same bits either way).
pub(crate) fn sum_inline<T: Summable>(data: &[T], mode: Mode) -> T::Output {
    crate::reduce::sum_on_grid(Kernels::active(), mode, data)
}

/// The process-wide pool behind [`crate::sum`]: built on first use with the defaults and the
/// `CORESUM_THREADS` / `CORESUM_CORES` overrides. `None`, after one warning on stderr, if that
/// configuration cannot be built; sums then run on the calling thread.
pub fn default_pool() -> Option<&'static Pool> {
    static DEFAULT: OnceLock<Option<Pool>> = OnceLock::new();
    DEFAULT
        .get_or_init(|| match Pool::builder().with_env().build() {
            Ok(pool) => Some(pool),
            Err(error) => {
                eprintln!("coresum: warning: default pool not started ({error}); summing inline");
                None
            }
        })
        .as_ref()
}

/// A borrowed slice with its lifetime erased, for the blocking sum.
struct Borrowed<T> {
    ptr: *const T,
    len: usize,
}

impl<T> Borrowed<T> {
    fn new(data: &[T]) -> Self {
        Borrowed {
            ptr: data.as_ptr(),
            len: data.len(),
        }
    }
}

// SAFETY: a `Borrowed` is a shared slice of `Sync` elements (every `Summable` is `Sync`); it is
// created only by `Pool::sum_with`, which does not return while the job can still read it.
unsafe impl<T: Sync> Send for Borrowed<T> {}
// SAFETY: as above; it only hands out shared access.
unsafe impl<T: Sync> Sync for Borrowed<T> {}

impl<T> std::ops::Deref for Borrowed<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        // SAFETY: `ptr`/`len` come from a live `&[T]` whose borrow `Pool::sum_with` holds until
        // the job completes; the job reads it only for chunks claimed before completion.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

#[cfg(test)]
mod tests {
    //! The pool's job life cycle on small data, cheap enough for Miri (which checks the unsafe
    //! lifetime erasure of blocking sums and broadcasts, and the atomics of the hand-off). The
    //! behavioural tests (thread bound, pinning, cancellation at scale) live in `tests/pool.rs`.
    use super::*;
    use std::future::Future;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn small_pool() -> Pool {
        Pool::builder()
            .threads(2)
            .pin(false)
            .inline_bytes(0)
            .spin(Duration::from_micros(10))
            .build()
            .unwrap()
    }

    #[test]
    fn blocking_async_broadcast_and_cancel() {
        let pool = small_pool();
        let data: Vec<u16> = (0..3000).map(|i| (i * 37 % 65_536) as u16).collect();
        let expected: u128 = data.iter().map(|&x| u128::from(x)).sum();
        assert_eq!(pool.sum(&data), expected);
        assert_eq!(pool.sum(&data[1..]), expected - u128::from(data[0]));

        let owned = Arc::new(data);
        assert_eq!(pool.sum_async(owned.clone()).wait(), Ok(expected));
        assert_eq!(pool.sum_async(vec![1u8; 100_000]).wait(), Ok(100_000));
        drop(pool.sum_async(owned.clone()));

        let calls = AtomicUsize::new(0);
        pool.broadcast(|_| {
            calls.fetch_add(1, Ordering::Relaxed);
        })
        .unwrap();
        assert_eq!(calls.load(Ordering::Relaxed), 2);
        drop(pool);
        assert_eq!(
            Arc::strong_count(&owned),
            1,
            "the dropped pool released the data"
        );
    }

    /// An owner whose slice panics on the third call: at submission (twice) it works, on the worker
    /// it panics.
    struct Fuse(Vec<u8>, AtomicUsize);

    impl std::ops::Deref for Fuse {
        type Target = [u8];

        fn deref(&self) -> &[u8] {
            assert!(self.1.fetch_add(1, Ordering::Relaxed) < 2, "fuse blown");
            &self.0
        }
    }

    #[test]
    fn panics_cancel_after_poll_and_shutdown_with_jobs_queued() {
        let pool = small_pool();
        let blown = pool
            .sum_async(Fuse(vec![1; 300], AtomicUsize::new(0)))
            .wait();
        assert_eq!(blown, Err(SumError::Panicked("fuse blown".into())));
        assert_eq!(
            pool.broadcast(|_| panic!("boom")),
            Err(SumError::Panicked("boom".into()))
        );

        let owned: Arc<[u32]> = (0..500).collect::<Vec<u32>>().into();
        let mut polled = pool.sum_async(owned.clone());
        let waker = std::task::Waker::noop();
        let _ = std::pin::Pin::new(&mut polled).poll(&mut std::task::Context::from_waker(waker));
        drop(polled);

        // Queued, then the pool goes: the workers finish the job before they exit.
        let queued = pool.sum_async(owned.clone());
        drop(pool);
        assert_eq!(queued.wait(), Ok(124_750));
        assert_eq!(Arc::strong_count(&owned), 1, "a job kept its data");
    }
}
