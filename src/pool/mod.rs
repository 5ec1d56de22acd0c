//! The bounded, core-pinned worker pool, and the blocking and asynchronous sums that run on it.
//!
//! A [`Pool`] owns a fixed number of worker threads, started once, named `<prefix><index>` and each
//! pinned to its own core where the OS allows it. Every sum, blocking or asynchronous, becomes one
//! job in a FIFO queue; however many are requested at once, only the pool's workers and the
//! callers of blocking sums (who claim chunks of their own sum while they wait) run them, so the
//! thread count is bounded by construction.
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
//!
//! # Where things are
//!
//! | file | what |
//! |---|---|
//! | `builder.rs` | [`PoolBuilder`], [`Cores`], the environment overrides, where each worker goes |
//! | `error.rs` | [`PoolError`], [`SumError`] |
//! | `registry.rs` | the queue, sleeping and waking workers, shutdown, starting the workers |
//! | `worker.rs` | a worker thread's body and loop |
//! | `latch.rs` | how a job's result reaches a blocked thread or a future (memory ordering) |
//! | `job.rs` | the job traits and [`Owner`]; job kinds in `reduce_job.rs` and `broadcast.rs` |
//! | `broadcast.rs` | [`Pool::broadcast`]: the queued job, and the word idle workers poll (the warm path) |
//! | `inline.rs` | the inline thresholds and the sum on the calling thread |
//! | `calibrate.rs` | the blocking threshold per element width, measured at start ([`Calibration`]) |
//! | `task.rs` | [`SumTask`], the future of an asynchronous sum |
//! | `stream.rs` | [`Pool::sum_stream`]: a stream of buffers, summed as they arrive |
//! | `global.rs` | the default pool |
//! | `topology.rs` | cores, caches and pinning, as the OS reports them |
//! | `sync.rs` | std's primitives, or loom's under `--cfg loom` (`loom_tests.rs`) |

mod broadcast;
mod builder;
mod calibrate;
mod error;
mod global;
mod inline;
mod job;
mod latch;
#[cfg(all(test, loom))]
mod loom_tests;
mod reduce_job;
mod registry;
mod stream;
mod sync;
mod task;
mod topology;
mod worker;

pub use builder::{Cores, PoolBuilder};
pub use calibrate::Calibration;
pub use error::{PoolError, SumError};
pub use global::{default_pool, default_pool_error};
pub use inline::{ASYNC_INLINE_BYTES, DEFAULT_INLINE_BYTES};
pub use job::Owner;
pub use registry::DEFAULT_SPIN;
pub use stream::STREAM_BUFFERS_PER_WORKER;
pub use task::SumTask;
pub use topology::{allowed_cores, cache_bytes, parse_core_list, physical_cores};

pub(crate) use error::panic_message;
pub(crate) use global::reduce_on_default;
pub(crate) use inline::reduce_inline;
pub(crate) use reduce_job::{Owned, Source};

use crate::arch::Kernels;
use crate::element::{Mode, Summable};
use crate::plan::chunk_bytes;
use crate::reduce::{Input, Reduction, Sum};
use broadcast::Broadcast;
use builder::Placement;
use job::{Control, Job};
use reduce_job::{Borrowed, ReduceJob};
use registry::Registry;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;
use sync::thread;
use worker::in_worker;

/// One worker, as the pool started it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerInfo {
    /// Its index, `0..threads`.
    pub index: usize,
    /// Its thread name.
    pub name: String,
    /// The core the pool placed it on: the one it is pinned to if [`pinned`](Self::pinned), the
    /// one the OS refused to pin it to if not. `None` when pinning is off or the OS names no cores.
    pub core: Option<usize>,
    /// Whether the OS keeps it on [`core`](Self::core). `false` with a core only in a pool that
    /// did not require pinning ([`PoolBuilder::pin`]), on an OS that refused it (macOS, for one).
    pub pinned: bool,
}

/// A fixed set of worker threads, each pinned to one core where the OS allows, that run sums.
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
    registry: Arc<Registry>,
    workers: Vec<WorkerInfo>,
    handles: Vec<thread::JoinHandle<()>>,
    /// Blocking-sum thresholds per element width (`calibrate::width_index`).
    inline: [usize; calibrate::WIDTHS],
    /// `None` where the threshold was given (builder, `CORESUM_INLINE_BYTES`) or cannot be timed.
    calibration: Option<Calibration>,
}

impl Pool {
    /// A builder with the defaults: one worker per allowed core, pinned to it where the OS
    /// allows.
    pub fn builder() -> PoolBuilder {
        PoolBuilder::new()
    }

    /// Starts the workers; with no `inline_bytes` given, calibrates the thresholds (≤ 1 ms).
    fn start(
        mut placement: Placement,
        spin: Duration,
        inline_bytes: Option<usize>,
    ) -> Result<Pool, PoolError> {
        let (registry, handles) = Registry::start(&mut placement, spin)?;
        let mut pool = Pool {
            registry,
            workers: placement.workers,
            handles,
            inline: [inline_bytes.unwrap_or(DEFAULT_INLINE_BYTES); calibrate::WIDTHS],
            calibration: None,
        };
        // Loom has no clock and Miri's is no guide to the hardware: they keep the default. So does
        // a pool built inside another pool's worker, whose broadcasts would run inline.
        if inline_bytes.is_none() && !cfg!(any(loom, miri)) && !in_worker() {
            let calibration = calibrate::calibrate(&pool);
            pool.inline = calibration.inline_bytes;
            pool.calibration = Some(calibration);
        }
        Ok(pool)
    }

    /// The number of workers.
    pub fn threads(&self) -> usize {
        self.workers.len()
    }

    /// The workers: their names, their cores, and whether the OS pinned them there.
    pub fn workers(&self) -> &[WorkerInfo] {
        &self.workers
    }

    /// Blocking sums of `T` below this many bytes run on the calling thread: the threshold
    /// calibrated for `T`'s width when the pool started, or the one the builder set.
    pub fn inline_bytes_for<T>(&self) -> usize {
        self.inline[calibrate::width_index(size_of::<T>())]
    }

    /// The lowest of the per-width thresholds ([`inline_bytes_for`](Self::inline_bytes_for));
    /// the one threshold when the builder set it.
    pub fn inline_bytes(&self) -> usize {
        self.inline
            .iter()
            .copied()
            .min()
            .unwrap_or(DEFAULT_INLINE_BYTES)
    }

    /// What the pool measured at start to place its thresholds; `None` if they were set
    /// ([`PoolBuilder::inline_bytes`], `CORESUM_INLINE_BYTES`).
    pub fn calibration(&self) -> Option<&Calibration> {
        self.calibration.as_ref()
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
        self.reduce(Sum::new(mode), data)
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
        self.reduce_async(Sum::new(mode), Owned(data))
    }

    /// Reduces `input`, blocking until it is done: inline when small, else on the workers.
    pub(crate) fn reduce<R: Reduction>(&self, reduction: R, input: R::Input<'_>) -> R::Output {
        if self.runs_inline(input) {
            return reduce_inline(reduction, input);
        }
        // SAFETY: the job reads `input` only in claimed chunks, all of which complete before the
        // result is delivered; `wait` returns only then, so the borrow outlives every read.
        let source = unsafe { Borrowed::<R>::new(input) };
        let job = Arc::new(ReduceJob::new(
            reduction,
            source,
            Kernels::active(),
            self.threads(),
        ));
        self.registry.submit(job.clone());
        // The caller claims runs beside the workers rather than wait idle: a sum of a few chunks
        // then needs no worker to finish before the caller does. It leaves the queue once claimed.
        while job.work(usize::MAX) {}
        self.registry.retire(&(job.clone() as Arc<dyn Job>));
        match job.completion().wait() {
            Ok(total) => total,
            // Kernels do not panic, and a borrowed input cannot change: reaching this is a bug.
            Err(error) => panic!("coresum: {error}"),
        }
    }

    /// Reduces the input `source` owns asynchronously; see [`SumTask`].
    pub(crate) fn reduce_async<R, S>(&self, reduction: R, source: S) -> SumTask<R::Output>
    where
        R: Reduction,
        S: Source<R> + 'static,
    {
        // The owner's `deref`/`as_ref` are user code: a panic there is the task's error, not the caller's.
        let started = catch_unwind(AssertUnwindSafe(|| {
            let input = source.input();
            let bytes = input.bytes();
            if self.runs_inline(input) && (bytes < ASYNC_INLINE_BYTES || in_worker()) {
                Err(reduce_inline(reduction, input))
            } else {
                Ok(Arc::new(ReduceJob::new(
                    reduction,
                    source,
                    Kernels::active(),
                    self.threads(),
                )))
            }
        }));
        match started {
            Ok(Ok(job)) => {
                self.registry.submit(job.clone());
                SumTask::queued(job, &self.registry)
            }
            Ok(Err(total)) => SumTask::done(Ok(total)),
            Err(payload) => SumTask::done(Err(SumError::Panicked(panic_message(&*payload)))),
        }
    }

    /// Runs `task(worker_index)` once on every worker, in parallel, and returns when all have.
    ///
    /// For per-worker set-up (first-touch allocation on each core, thread-local state) and for
    /// measuring the pool's fork-join round trip. Behind sums queued before the call; a sum
    /// queued while it runs may start on workers that have finished `task`. A worker busy with
    /// a sum runs `task` when its current run of chunks ends. Called from inside a worker, it
    /// runs `task` for every index on that thread.
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
        // Warm path: the registry's broadcast word; the queue when jobs are queued.
        self.registry
            .broadcast(&task, self.threads(), |task| self.broadcast_queued(task))
    }

    /// [`broadcast`](Self::broadcast) as a queued job, what a sum's hand-off costs (calibration
    /// measures it, before the pool is handed out). Not from inside a worker; other callers go
    /// through [`broadcast`](Self::broadcast), which holds the word.
    pub(crate) fn broadcast_queued(&self, task: &(dyn Fn(usize) + Sync)) -> Result<(), SumError> {
        // SAFETY: `task` lives on the caller's stack until `wait` below returns, which is after
        // every worker has run it.
        let job = Arc::new(unsafe { Broadcast::new(task, self.threads()) });
        self.registry.submit(job.clone());
        job.completion().wait()
    }

    /// Whether `input` is reduced on the calling thread: empty, under its width's threshold (the
    /// bytes of one element of each slice), or from inside a worker.
    #[inline]
    fn runs_inline(&self, input: impl Input) -> bool {
        let bytes = input.bytes();
        let width = calibrate::width_index(input.width());
        bytes == 0 || bytes < self.inline[width] || in_worker()
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.registry.terminate(std::mem::take(&mut self.handles));
    }
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("workers", &self.workers)
            .field("inline", &self.inline)
            .field("calibration", &self.calibration)
            .field("chunk_bytes", &chunk_bytes())
            .finish()
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
