//! What the queue holds: the [`Job`] a worker runs a unit of, the [`Control`] its submitter keeps,
//! and the [`Owner`] of the data an asynchronous sum reads.
//!
//! Job kinds: [`ReduceJob`](super::reduce_job::ReduceJob) (a sum or other reduction, cut into chunks) and
//! [`Broadcast`](super::broadcast::Broadcast) (a closure run once on every worker).

use super::latch::Completion;

/// Anything that owns (or, for the blocking sum, lends) a slice of `T`: `Vec<T>`, `Box<[T]>`,
/// `Arc<[T]>`, `Arc<Vec<T>>`, a memory map of bytes… Implemented for every `Deref` whose target
/// is `AsRef<[T]>`.
pub trait Owner<T>: Send + Sync {
    /// The slice to sum.
    fn slice(&self) -> &[T];
}

impl<T, D> Owner<T> for D
where
    D: std::ops::Deref + Send + Sync,
    D::Target: AsRef<[T]>,
{
    fn slice(&self) -> &[T] {
        (**self).as_ref()
    }
}

/// Work the pool's workers can pick up.
pub(crate) trait Job: Send + Sync {
    /// Does one unit of the job on worker `worker`. `false` when nothing is left to start, so
    /// the job can leave the queue.
    fn work(&self, worker: usize) -> bool;
}

/// The side of a job its submitter sees: the result, and cancellation.
pub(crate) trait Control<R>: Send + Sync {
    fn completion(&self) -> &Completion<R>;
    fn cancel(&self);
    /// Chunks done, of how many.
    fn progress(&self) -> (usize, usize);
}
