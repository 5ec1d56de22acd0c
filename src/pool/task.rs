//! [`SumTask`]: the handle of an asynchronous sum, a runtime-agnostic future.

use super::error::SumError;
use super::job::Control;
use super::registry::Registry;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

/// An asynchronous sum running on a [`Pool`](super::Pool).
///
/// Await it under any executor (tokio, smol, `futures::executor::block_on`): polling never blocks,
/// the pool's worker that finishes the sum wakes the task. Or block on it with [`SumTask::wait`].
///
/// Dropping an unfinished task cancels it: it leaves the queue, chunks not yet started are
/// skipped, and the data is released as soon as no worker is reading it. A stream's task
/// ([`Pool::sum_stream`](super::Pool::sum_stream)) also drops its stream and cancels every buffer
/// in flight.
#[must_use = "a SumTask does nothing useful unless awaited or waited on; dropping it cancels the sum"]
pub struct SumTask<R> {
    state: State<R>,
}

enum State<R> {
    /// Summed inline at submission (small input, or submitted from a worker), or failed there.
    Done(Option<Result<R, SumError>>),
    Queued {
        job: Arc<dyn Control<R>>,
        pool: Weak<Registry>,
    },
    /// Computed by this task's own polls (a stream's sum). The mutex only makes the task `Sync`
    /// like the others: polling has `&mut` access and never locks it.
    Driven(Mutex<Box<dyn Drive<R>>>),
}

/// A sum that makes progress when its task is polled: [`Pool::sum_stream`](super::Pool::sum_stream).
pub(crate) trait Drive<R>: Send {
    /// Advances the sum; the result once it is complete. Registers `cx`'s waker otherwise.
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<R, SumError>>;
    /// Whether the next poll completes (nothing left to read or wait for).
    fn is_finished(&self) -> bool;
    /// Units done, of how many are known so far.
    fn progress(&self) -> (usize, usize);
}

/// Wakes the thread blocked in [`SumTask::wait`] on a driven task.
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

impl<R> SumTask<R> {
    pub(crate) fn done(result: Result<R, SumError>) -> Self {
        SumTask {
            state: State::Done(Some(result)),
        }
    }

    pub(crate) fn queued(job: Arc<dyn Control<R>>, pool: &Arc<Registry>) -> Self {
        SumTask {
            state: State::Queued {
                job,
                pool: Arc::downgrade(pool),
            },
        }
    }

    /// Whether the result is ready (awaiting or waiting will not block).
    pub fn is_finished(&self) -> bool {
        match &self.state {
            State::Done(_) => true,
            State::Queued { job, .. } => job.completion().is_ready(),
            State::Driven(driver) => lock(driver).is_finished(),
        }
    }

    /// How far the sum is: chunks done, of how many (for progress bars); for a stream, buffers
    /// summed, of those taken from the stream so far.
    pub fn progress(&self) -> (usize, usize) {
        match &self.state {
            State::Done(_) => (1, 1),
            State::Queued { job, .. } => job.progress(),
            State::Driven(driver) => lock(driver).progress(),
        }
    }

    /// Blocks the calling thread until the sum is done (a stream's task is polled on this thread,
    /// which sleeps between wake-ups).
    pub fn wait(mut self) -> Result<R, SumError> {
        match &mut self.state {
            State::Done(result) => result.take().unwrap_or(Err(SumError::AlreadyTaken)),
            State::Queued { job, .. } => job.completion().wait(),
            State::Driven(driver) => {
                let driver = driver.get_mut().unwrap_or_else(PoisonError::into_inner);
                let waker = Waker::from(Arc::new(Unpark(thread::current())));
                let mut cx = Context::from_waker(&waker);
                loop {
                    match driver.poll(&mut cx) {
                        Poll::Ready(result) => return result,
                        Poll::Pending => thread::park(),
                    }
                }
            }
        }
    }

    /// Polls the task without taking its result: `Ready` once the result is there (kept for the
    /// next poll), otherwise `cx`'s waker is registered. A stream's sum waits on one of its
    /// buffers this way, wherever that buffer stands in its queue.
    pub(crate) fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if let State::Done(_) = self.state {
            return Poll::Ready(());
        }
        let result = std::task::ready!(Pin::new(&mut *self).poll(cx));
        self.state = State::Done(Some(result));
        Poll::Ready(())
    }
}

impl<R: Send + 'static> SumTask<R> {
    pub(crate) fn driven(driver: Box<dyn Drive<R>>) -> Self {
        SumTask {
            state: State::Driven(Mutex::new(driver)),
        }
    }
}

fn lock<R>(driver: &Mutex<Box<dyn Drive<R>>>) -> std::sync::MutexGuard<'_, Box<dyn Drive<R>>> {
    driver.lock().unwrap_or_else(PoisonError::into_inner)
}

// No field is structurally pinned: the result is moved out by value.
impl<R> Unpin for SumTask<R> {}

impl<R> Future for SumTask<R> {
    type Output = Result<R, SumError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        match &mut this.state {
            State::Done(result) => {
                Poll::Ready(result.take().unwrap_or(Err(SumError::AlreadyTaken)))
            }
            State::Queued { job, .. } => match job.completion().poll(cx.waker()) {
                Some(result) => Poll::Ready(result),
                None => Poll::Pending,
            },
            State::Driven(driver) => driver
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner)
                .poll(cx),
        }
    }
}

impl<R> Drop for SumTask<R> {
    fn drop(&mut self) {
        if let State::Queued { job, pool } = &self.state
            && !job.completion().is_ready()
        {
            job.cancel();
            if let Some(pool) = pool.upgrade() {
                pool.withdraw(Arc::as_ptr(job).cast::<()>());
            }
        }
    }
}

impl<R> fmt::Debug for SumTask<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SumTask")
            .field("finished", &self.is_finished())
            .finish()
    }
}
