//! Model checks of the pool's protocols: loom runs each test under every interleaving of the
//! workers, submitters and waiters (up to a preemption bound), with the pool's real code on loom's
//! primitives (`sync.rs`). A lost wake-up or a hang shows as a deadlock, a wrong or missing result
//! as a failed assertion.
//!
//! `RUSTFLAGS="--cfg loom" cargo test --release --lib loom --target-dir target/loom`
//! (`.ci/lanes/loom.sh`). Models stay small, 1–2 workers and 1–2 chunks, so that the lane takes
//! minutes.

use super::sync::{AtomicBool, AtomicUsize, Ordering, thread};
use super::{Pool, SumTask};
use crate::plan::{ChunkPlan, chunk_bytes};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

/// Runs `model` under loom with at most `preemptions` forced switches per execution (unless
/// `LOOM_MAX_PREEMPTIONS` says otherwise): enough for these protocols, whose races each need one
/// or two, and what keeps the exploration to seconds.
fn check(preemptions: usize, model: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound.get_or_insert(preemptions);
    builder.check(model);
}

/// A pool of `threads` unpinned workers that sleep at once when idle and take every sum.
fn pool(threads: usize) -> Pool {
    Pool::builder()
        .threads(threads)
        .pin(false)
        .spin(Duration::ZERO)
        .inline_bytes(0)
        .build()
        .unwrap()
}

/// Ones that the pool cuts into `chunks` chunks (whatever the allocation's alignment).
fn ones(chunks: usize) -> Vec<u8> {
    let data = vec![1; chunks * chunk_bytes()];
    assert_eq!(ChunkPlan::new(&data, chunk_bytes()).count(), chunks);
    data
}

/// A waker that records that it was woken.
struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::Release);
    }
}

fn poll_once(task: &mut SumTask<u128>, waker: &Waker) -> Poll<Result<u128, super::SumError>> {
    Pin::new(task).poll(&mut Context::from_waker(waker))
}

/// A blocking sum: the caller's and the workers' claims, the last claimant's merge, the caller's
/// retire of the claimed job, the waiter's condvar (notified only if it sleeps).
#[test]
fn loom_blocking_sum_on_two_workers() {
    check(2, || {
        let pool = pool(2);
        let data = ones(2);
        assert_eq!(pool.sum(&data), data.len() as u128);
    });
}

/// The caller may claim every chunk before the sleeping worker wakes, or the worker may finish
/// the last one while the caller falls asleep in `wait`: either way one result, no hang, and the
/// job leaves the queue (the pool then shuts down).
#[test]
fn loom_blocking_caller_races_a_sleeping_worker() {
    check(3, || {
        let pool = pool(1);
        let data = ones(2);
        assert_eq!(pool.sum(&data), data.len() as u128);
        assert_eq!(pool.sum(&data[..chunk_bytes()]), chunk_bytes() as u128);
    });
}

/// A job submitted while the only worker is going to sleep is picked up (the `sleepers` /
/// `pending` handshake), and the thread blocked in `wait` gets the result.
#[test]
fn loom_submit_while_worker_falls_asleep() {
    check(3, || {
        let pool = pool(1);
        let task = pool.sum_async(ones(1));
        assert_eq!(task.wait(), Ok(chunk_bytes() as u128));
    });
}

/// A future polled once either finds the result or is woken when it arrives.
#[test]
fn loom_async_poll_is_woken() {
    check(3, || {
        let pool = pool(1);
        let mut task = pool.sum_async(ones(1));
        let flag = Arc::new(Flag(AtomicBool::new(false)));
        let waker = Waker::from(flag.clone());
        if poll_once(&mut task, &waker) == Poll::Ready(Ok(chunk_bytes() as u128)) {
            return;
        }
        // The job stays queued through shutdown, so it has completed once the workers are joined.
        drop(pool);
        assert!(
            flag.0.load(Ordering::Acquire),
            "the completed sum did not wake its task"
        );
        assert_eq!(
            poll_once(&mut task, &waker),
            Poll::Ready(Ok(chunk_bytes() as u128))
        );
    });
}

/// Dropping a task (after a poll) races with the worker summing and completing it: no hang, no
/// double completion, and the data is released once the pool is gone.
#[test]
fn loom_cancel_races_completion() {
    check(3, || {
        let pool = pool(1);
        let data: Arc<[u8]> = ones(2).into();
        let mut task = pool.sum_async(data.clone());
        let _ = poll_once(&mut task, Waker::noop());
        drop(task);
        drop(pool);
        assert_eq!(
            Arc::strong_count(&data),
            1,
            "the cancelled job kept its data"
        );
    });
}

/// The pool is dropped while a job is queued or running and another thread waits for it: the
/// workers finish it before they exit, the waiter gets the result, every worker joins.
#[test]
fn loom_shutdown_with_job_in_flight() {
    check(2, || {
        let pool = pool(2);
        let task = pool.sum_async(ones(2));
        let waiter = thread::spawn(move || task.wait());
        drop(pool);
        let expected = (2 * chunk_bytes()) as u128;
        assert_eq!(waiter.join().unwrap(), Ok(expected));
    });
}

/// Shutdown reaches workers wherever they are in going to sleep: all of them join.
#[test]
fn loom_shutdown_wakes_sleeping_workers() {
    check(3, || drop(pool(2)));
}

/// The broadcast word: both workers see the posted generation (spinning, or going to sleep as it
/// is posted: the `sleepers` hand-shake), each runs the closure once, and the last to count down
/// releases the caller, spinning or asleep on the countdown.
#[test]
fn loom_broadcast_word_two_workers() {
    check(2, || {
        let pool = pool(2);
        let calls = [AtomicUsize::new(0), AtomicUsize::new(0)];
        pool.broadcast(|w| {
            calls[w].fetch_add(1, Ordering::Relaxed);
        })
        .unwrap();
        let calls = calls.map(|c| c.load(Ordering::Relaxed));
        assert_eq!(calls, [1, 1]);
    });
}

/// Two generations back to back on one worker that parks in between (or is parking as the next
/// is posted): the second is neither missed nor run twice, and a panic in the first is reported
/// to its caller only.
#[test]
fn loom_broadcast_generations_meet_a_parking_worker() {
    check(3, || {
        let pool = pool(1);
        assert_eq!(
            pool.broadcast(|_| panic!("first")),
            Err(super::SumError::Panicked("first".into()))
        );
        let calls = AtomicUsize::new(0);
        pool.broadcast(|_| {
            calls.fetch_add(1, Ordering::Relaxed);
        })
        .unwrap();
        assert_eq!(calls.load(Ordering::Relaxed), 1);
    });
}

/// Two callers broadcast at once: one holds the word, the other waits for it; each closure runs
/// once on the worker, and both callers return.
#[test]
fn loom_two_callers_broadcast_at_once() {
    check(2, || {
        let pool = Arc::new(pool(1));
        let calls = Arc::new(AtomicUsize::new(0));
        let other = {
            let (pool, calls) = (pool.clone(), calls.clone());
            thread::spawn(move || {
                pool.broadcast(|_| {
                    calls.fetch_add(1, Ordering::Relaxed);
                })
            })
        };
        pool.broadcast(|_| {
            calls.fetch_add(10, Ordering::Relaxed);
        })
        .unwrap();
        other.join().unwrap().unwrap();
        assert_eq!(calls.load(Ordering::Relaxed), 11);
    });
}

/// A broadcast called while a sum is in flight: through the queue while the sum is queued, else
/// through the word while the worker may still be in the sum's last chunk (it picks the broadcast
/// up when the chunk is done) or parking. Both finish, the closure runs once. (One worker: with
/// two, a queued broadcast's barrier is a spin loop that loom cannot bound.)
#[test]
fn loom_broadcast_beside_a_sum_in_flight() {
    check(2, || {
        let pool = pool(1);
        let task = pool.sum_async(ones(2));
        let calls = AtomicUsize::new(0);
        pool.broadcast(|_| {
            calls.fetch_add(1, Ordering::Relaxed);
        })
        .unwrap();
        assert_eq!(calls.load(Ordering::Relaxed), 1);
        assert_eq!(task.wait(), Ok(2 * chunk_bytes() as u128));
    });
}
