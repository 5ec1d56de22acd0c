//! `Pool::broadcast` on its warm path (the registry's broadcast word) and its fallback (a queued
//! job): every worker runs the closure exactly once per call, whoever else broadcasts or sums at
//! the same time, with workers warm, parked, or busy.

use coresum::{Pool, SumError};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Barrier, Mutex};
use std::time::Duration;

fn pool(threads: usize, spin: Duration) -> Pool {
    Pool::builder()
        .threads(threads)
        .pin(false)
        .inline_bytes(0)
        .spin(spin)
        .build()
        .unwrap()
}

/// Per-worker call counts of one broadcast: each worker exactly once.
fn runs_once_on_each(pool: &Pool) {
    let counts: Vec<AtomicUsize> = (0..pool.threads()).map(|_| AtomicUsize::new(0)).collect();
    pool.broadcast(|w| {
        counts[w].fetch_add(1, Ordering::Relaxed);
    })
    .unwrap();
    let counts: Vec<usize> = counts.into_iter().map(AtomicUsize::into_inner).collect();
    assert_eq!(counts, vec![1; pool.threads()]);
}

#[test]
fn warm_and_parked_workers_each_run_it_once() {
    // Warm: back to back, the workers still spinning.
    let warm = pool(3, Duration::from_millis(1));
    for _ in 0..2_000 {
        runs_once_on_each(&warm);
    }
    // Parked: no spin, and a pause after each call so that the workers fall asleep.
    let parked = pool(2, Duration::ZERO);
    for round in 0..200 {
        runs_once_on_each(&parked);
        if round % 10 == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

#[test]
fn concurrent_callers_and_sums_all_complete() {
    let pool = pool(2, Duration::from_micros(50));
    let data: Vec<u32> = (0..300_000).collect();
    let expected: u128 = data.iter().map(|&x| u128::from(x)).sum();
    let calls = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for caller in 0..4 {
            let (pool, data, calls) = (&pool, &data, &calls);
            scope.spawn(move || {
                for i in 0..300 {
                    if (caller + i) % 3 == 0 {
                        assert_eq!(pool.sum(data), expected);
                    } else {
                        pool.broadcast(|_| {
                            calls.fetch_add(1, Ordering::Relaxed);
                        })
                        .unwrap();
                    }
                }
            });
        }
    });
    let broadcasts = (0..4)
        .flat_map(|c| (0..300).filter(move |i| (c + i) % 3 != 0))
        .count();
    assert_eq!(calls.into_inner(), broadcasts * pool.threads());
}

#[test]
fn panics_are_reported_and_the_word_is_reusable() {
    let pool = pool(2, Duration::from_micros(50));
    for _ in 0..50 {
        assert_eq!(
            pool.broadcast(|w| assert!(w != 1, "worker one")),
            Err(SumError::Panicked("worker one".into()))
        );
        runs_once_on_each(&pool);
    }
}

#[test]
fn nested_calls_run_inline_on_the_worker() {
    let pool = pool(2, Duration::from_micros(50));
    let inner = Mutex::new(Vec::new());
    pool.broadcast(|outer| {
        pool.broadcast(|w| inner.lock().unwrap().push((outer, w)))
            .unwrap();
    })
    .unwrap();
    let mut inner = inner.into_inner().unwrap();
    inner.sort_unstable();
    assert_eq!(inner, vec![(0, 0), (0, 1), (1, 0), (1, 1)]);
}

/// A broadcast waits for a job queued before it, and a sum queued while a broadcast runs waits
/// for every worker to have run it (the barrier), on either path.
#[test]
fn a_sum_queued_during_a_broadcast_waits_for_it() {
    let pool = pool(2, Duration::from_micros(50));
    let data: Vec<u8> = vec![1; 8 << 20];
    let (entered, release) = (Barrier::new(2), Barrier::new(2));
    let finished = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let blocker = scope.spawn(|| {
            pool.broadcast(|w| {
                if w == 0 {
                    entered.wait();
                    release.wait();
                }
                finished.fetch_add(1, Ordering::SeqCst);
            })
        });
        entered.wait();
        // Worker 0 is held inside the broadcast; worker 1 ran it and waits at the barrier. This
        // thread's own sum needs no worker (the caller claims chunks), so it completes; the
        // async one must not start on worker 1 before worker 0 is released.
        let task = pool.sum_async(data.clone());
        std::thread::sleep(Duration::from_millis(20));
        let progress = task.progress().0;
        release.wait();
        assert_eq!(progress, 0, "a queued sum overtook the broadcast");
        assert_eq!(task.wait(), Ok(8 << 20));
        blocker.join().unwrap().unwrap();
    });
    assert_eq!(finished.into_inner(), 2);
}
