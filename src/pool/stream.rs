//! [`Pool::sum_stream`]: the sum of a stream of owned buffers, each summed on the pool as it
//! arrives, with a bounded number held at once.
//!
//! No thread of its own: the [`SumTask`] drives the stream. Each poll merges the buffers whose
//! sums are done (in stream order), then, while fewer than the bound are in flight, takes the next
//! buffer from the stream and submits it as a job (small ones are summed on the spot, as
//! [`Pool::sum_async`] does). It returns `Pending` with the waker registered on one buffer's job
//! (its worker wakes the task) and, where the bound is not reached, on the stream. While the bound
//! is reached the stream is not polled: that is the back-pressure.
//!
//! The hand-off is hysteretic: the job that wakes the task is the one after which half the bound
//! remains in flight, not the oldest, so a stream that is always ready costs one wake-up of the
//! polling thread per half a bound of buffers rather than one per buffer (on a machine whose
//! every core runs a worker, each wake-up also preempts one). Measured on 2 cores, 1,000 × 1 MiB:
//! context switches per stream ~1,700 (oldest, 4 in flight) → ~500 (hysteresis, 8 in flight).
//!
//! Each buffer is reduced with [`Kept`], whose output is the buffer's partial in [`Pass::kept`]:
//! exact for `Mode::Exact` (the error-free pass), so a buffer is released as soon as it is summed,
//! and the result is the correctly rounded sum of the concatenation whatever the chunking.

use super::Pool;
use super::error::{SumError, panic_message};
use super::inline::ASYNC_INLINE_BYTES;
use super::job::Owner;
use super::reduce_job::{Owned, ReduceJob};
use super::registry::Registry;
use super::task::{Drive, SumTask};
use super::worker::in_worker;
use crate::arch::Kernels;
use crate::element::{Mode, Summable};
use crate::reduce::{self, Kept, Pass};
use futures_core::Stream;
use std::collections::VecDeque;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll};

/// Buffers in flight per worker when [`Pool::sum_stream`] is given no bound. The task is woken
/// when half the bound remains (one buffer being summed and one queued behind it, per worker),
/// and then takes the other half: two buffers per worker per wake-up, while no worker waits for
/// the stream's next buffer.
pub const STREAM_BUFFERS_PER_WORKER: usize = 4;

/// Buffers taken from a stream that is always ready in one poll, before the task yields to its
/// executor (and wakes itself to continue).
const BUFFERS_PER_POLL: usize = 64;

impl Pool {
    /// The exact sum (integers; floats in [`Mode::Exact`]) of every buffer `stream` yields, as
    /// if they were one slice; see [`sum_stream_bounded`](Self::sum_stream_bounded).
    ///
    /// ```
    /// use futures_util::stream;
    ///
    /// let pool = coresum::Pool::builder().threads(2).pin(false).build()?;
    /// let buffers = stream::iter((0..10u32).map(|i| vec![i; 100_000]));
    /// assert_eq!(pool.sum_stream(buffers).wait()?, 4_500_000);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sum_stream<T, D, S>(&self, stream: S) -> SumTask<T::Output>
    where
        T: Summable,
        D: Owner<T> + 'static,
        S: Stream<Item = D> + Send + 'static,
    {
        self.sum_stream_with(stream, Mode::Exact)
    }

    /// [`sum_stream`](Self::sum_stream) in `mode`, with [`STREAM_BUFFERS_PER_WORKER`] buffers per
    /// worker in flight.
    pub fn sum_stream_with<T, D, S>(&self, stream: S, mode: Mode) -> SumTask<T::Output>
    where
        T: Summable,
        D: Owner<T> + 'static,
        S: Stream<Item = D> + Send + 'static,
    {
        self.sum_stream_bounded(stream, mode, STREAM_BUFFERS_PER_WORKER * self.threads())
    }

    /// The sum of every buffer `stream` yields (anything [`sum_async`](Self::sum_async) takes),
    /// each summed on the pool as it arrives, with at most `max_buffers` (at least 1) held at once:
    /// while that many are being summed or wait to be merged, the stream is not polled.
    ///
    /// The task drives the stream: it makes progress only while it is awaited (or in
    /// [`SumTask::wait`]). Dropping it drops the stream and cancels every buffer in flight.
    ///
    /// Results: [`Mode::Exact`] gives the correctly rounded sum of the concatenation, the same bits
    /// as one [`sum`](crate::sum) over it (each buffer is summed with the error-free pass, since no
    /// retry can read it again). [`Mode::Compensated`] and [`Mode::Fast`] merge the buffers'
    /// partials in stream order: reproducible for the same buffers on the same ISA path, but they
    /// depend on where the buffers are cut, as they depend on a slice's chunk grid. Integers are
    /// exact in every mode.
    ///
    /// A panic in the stream or in a buffer's owner ends the sum with [`SumError::Panicked`]. If
    /// the pool is dropped first, the remaining buffers are summed on the polling thread.
    pub fn sum_stream_bounded<T, D, S>(
        &self,
        stream: S,
        mode: Mode,
        max_buffers: usize,
    ) -> SumTask<T::Output>
    where
        T: Summable,
        D: Owner<T> + 'static,
        S: Stream<Item = D> + Send + 'static,
    {
        SumTask::driven(Box::new(StreamSum::<T, S> {
            stream: Some(Box::pin(stream)),
            in_flight: VecDeque::new(),
            total: Some(T::partial(Kernels::active(), Pass::kept(mode), &[])),
            pool: Arc::downgrade(&self.registry),
            threads: self.threads(),
            inline_below: self.inline_bytes_for::<T>().min(ASYNC_INLINE_BYTES),
            mode,
            bound: max_buffers.max(1),
            summed: 0,
            taken: 0,
        }))
    }
}

/// The state of one stream's sum, owned by its [`SumTask`].
struct StreamSum<T: Summable, S> {
    /// `None` once the stream has ended (or panicked).
    stream: Option<Pin<Box<S>>>,
    /// The buffers taken and not yet merged, in stream order.
    in_flight: VecDeque<SumTask<T::Partial>>,
    /// The merged partial of every buffer before `in_flight`; `None` once the result is taken.
    total: Option<T::Partial>,
    pool: Weak<Registry>,
    threads: usize,
    /// Buffers of fewer bytes are summed on the polling thread.
    inline_below: usize,
    mode: Mode,
    bound: usize,
    summed: usize,
    taken: usize,
}

impl<T, D, S> StreamSum<T, S>
where
    T: Summable,
    D: Owner<T> + 'static,
    S: Stream<Item = D> + Send + 'static,
{
    /// Starts summing one buffer: on the spot if it is small or empty (or this is a worker, or the
    /// pool is gone), else as a job.
    fn start(&self, data: D) -> SumTask<T::Partial> {
        let kernels = Kernels::active();
        // The owner's `deref`/`as_ref` are user code: a panic there is the task's error.
        let started = catch_unwind(AssertUnwindSafe(|| {
            let slice = data.slice();
            let registry = self.pool.upgrade().filter(|r| !r.is_shut_down());
            match registry {
                Some(registry)
                    if !slice.is_empty()
                        && size_of_val(slice) >= self.inline_below
                        && !in_worker() =>
                {
                    let job =
                        ReduceJob::new(Kept::new(self.mode), Owned(data), kernels, self.threads);
                    Ok((Arc::new(job), registry))
                }
                _ => Err(reduce::reduce_on_grid(Kept::new(self.mode), kernels, slice)),
            }
        }));
        match started {
            Ok(Ok((job, registry))) => {
                registry.submit(job.clone());
                SumTask::queued(job, &registry)
            }
            Ok(Err(partial)) => SumTask::done(Ok(partial)),
            Err(payload) => SumTask::done(Err(SumError::Panicked(panic_message(&*payload)))),
        }
    }

    /// Registers `cx`'s waker on the buffer whose completion is worth a poll, and `true`; `false`
    /// if that buffer and all before it are done already (merge them instead). While the stream
    /// is open, that is the buffer after which `bound / 2` remain in flight: the task then runs
    /// once per half a bound of buffers and takes that many, rather than once per buffer (a
    /// wake-up is a system call, and the polling thread shares a core with a worker). Once the
    /// stream has ended, it is the newest buffer. Jobs finish roughly in queue order; one that
    /// finishes early merely wakes the task early. With nothing in flight, the stream (which
    /// returned `Pending`) holds the waker.
    fn wake_on_buffer(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(newest) = self.in_flight.len().checked_sub(1) else {
            return true;
        };
        let target = match self.stream {
            Some(_) => newest.saturating_sub(self.bound / 2),
            None => newest,
        };
        self.in_flight
            .range_mut(..=target)
            .rev()
            .any(|task| task.poll_ready(cx).is_pending())
    }

    /// Ends the sum early: drops the stream and cancels the buffers in flight.
    fn stop(&mut self, error: SumError) -> Poll<Result<T::Output, SumError>> {
        self.stream = None;
        self.in_flight.clear();
        self.total = None;
        Poll::Ready(Err(error))
    }
}

impl<T, D, S> Drive<T::Output> for StreamSum<T, S>
where
    T: Summable,
    D: Owner<T> + 'static,
    S: Stream<Item = D> + Send + 'static,
{
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<T::Output, SumError>> {
        let mut pulled = 0;
        loop {
            let Some(total) = &mut self.total else {
                return Poll::Ready(Err(SumError::AlreadyTaken));
            };
            // Merge the finished buffers, oldest first.
            while let Some(oldest) = self.in_flight.front_mut()
                && oldest.is_finished()
            {
                match Pin::new(oldest).poll(cx) {
                    Poll::Ready(Ok(partial)) => {
                        T::merge(total, partial);
                        self.in_flight.pop_front();
                        self.summed += 1;
                    }
                    Poll::Ready(Err(error)) => return self.stop(error),
                    Poll::Pending => break,
                }
            }
            if self.in_flight.len() < self.bound
                && let Some(stream) = &mut self.stream
            {
                if pulled == BUFFERS_PER_POLL {
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                match catch_unwind(AssertUnwindSafe(|| stream.as_mut().poll_next(cx))) {
                    Ok(Poll::Ready(Some(data))) => {
                        let task = self.start(data);
                        self.in_flight.push_back(task);
                        self.taken += 1;
                        pulled += 1;
                        continue;
                    }
                    Ok(Poll::Ready(None)) => {
                        self.stream = None;
                        continue;
                    }
                    Ok(Poll::Pending) => {}
                    Err(payload) => return self.stop(SumError::Panicked(panic_message(&*payload))),
                }
            }
            if self.stream.is_none() && self.in_flight.is_empty() {
                let total = self.total.take().expect("checked at the top of the loop");
                return Poll::Ready(Ok(T::round(total)));
            }
            if self.wake_on_buffer(cx) {
                return Poll::Pending;
            }
        }
    }

    fn is_finished(&self) -> bool {
        self.stream.is_none() && self.in_flight.iter().all(SumTask::is_finished)
    }

    fn progress(&self) -> (usize, usize) {
        (self.summed, self.taken)
    }
}
