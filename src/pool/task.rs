//! [`SumTask`]: the handle of an asynchronous sum, a runtime-agnostic future.

use super::error::SumError;
use super::job::Control;
use super::registry::Registry;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll};

/// An asynchronous sum running on a [`Pool`](super::Pool).
///
/// Await it under any executor (tokio, smol, `futures::executor::block_on`): polling never blocks,
/// the pool's worker that finishes the sum wakes the task. Or block on it with [`SumTask::wait`].
///
/// Dropping an unfinished task cancels it: it leaves the queue, chunks not yet started are
/// skipped, and the data is released as soon as no worker is reading it.
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
        }
    }

    /// How far the sum is: chunks done, of how many (for progress bars).
    pub fn progress(&self) -> (usize, usize) {
        match &self.state {
            State::Done(_) => (1, 1),
            State::Queued { job, .. } => job.progress(),
        }
    }

    /// Blocks the calling thread until the sum is done.
    pub fn wait(mut self) -> Result<R, SumError> {
        match &mut self.state {
            State::Done(result) => result.take().unwrap_or(Err(SumError::AlreadyTaken)),
            State::Queued { job, .. } => job.completion().wait(),
        }
    }
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
