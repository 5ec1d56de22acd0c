//! `Pool::broadcast` on its warm path (the registry's broadcast word) and its fallback (a queued
//! job): every worker runs the closure exactly once per call, whoever else broadcasts or sums at
//! the same time, with workers warm, parked, or busy.

use coresum::{Pool, SumError};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Barrier, Mutex};
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
    for _ in 0..500 {
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
                for i in 0..120 {
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
        .flat_map(|c| (0..120).filter(move |i| (c + i) % 3 != 0))
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

/// Runs `f` on a thread of its own and returns its result, failing the test if it takes more
/// than 120 s (a hang: these take a second or two, up to ~10 s on a heavily loaded 2-core
/// machine) rather than hanging the test run.
fn within<R: Send + 'static>(what: &str, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (done, result) = mpsc::channel();
    std::thread::spawn(move || done.send(f()));
    match result.recv_timeout(Duration::from_secs(120)) {
        Ok(result) => result,
        Err(RecvTimeoutError::Timeout) => panic!("{what}: no progress in 120 s"),
        Err(RecvTimeoutError::Disconnected) => panic!("{what}: panicked"),
    }
}

/// Bytes whose slice, read on a worker, takes 50 ms, and records which worker read it and when
/// it was done.
struct Slow {
    bytes: Vec<u8>,
    reader: Arc<Mutex<(Option<String>, bool)>>,
}

impl std::ops::Deref for Slow {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        let name = std::thread::current().name().map(str::to_owned);
        if name.as_deref().is_some_and(|n| n.starts_with("coresum-w")) {
            self.reader.lock().unwrap().0 = name;
            std::thread::sleep(Duration::from_millis(50));
            self.reader.lock().unwrap().1 = true;
        }
        &self.bytes
    }
}

/// A worker in the middle of a 50 ms run of a sum picks the broadcast up when the run ends; the
/// other worker runs it at once, parked or not.
#[test]
fn a_worker_busy_with_a_long_sum_runs_it_when_the_run_ends() {
    for spin in [Duration::ZERO, Duration::from_millis(1)] {
        let pool = Arc::new(pool(2, spin));
        let reader = Arc::new(Mutex::new((None, false)));
        let slow = pool.sum_async(Slow {
            bytes: vec![1; 300],
            reader: reader.clone(),
        });
        while reader.lock().unwrap().0.is_none() {
            std::thread::yield_now();
        }
        let busy = reader.lock().unwrap().0.clone();
        let (pool2, reader2) = (pool.clone(), reader.clone());
        let counts = within("broadcast beside a busy worker", move || {
            let counts: Vec<AtomicUsize> = (0..2).map(|_| AtomicUsize::new(0)).collect();
            pool2
                .broadcast(|w| {
                    if std::thread::current().name().map(str::to_owned) == busy {
                        assert!(
                            reader2.lock().unwrap().1,
                            "ran inside the busy worker's run"
                        );
                    }
                    counts[w].fetch_add(1, Ordering::Relaxed);
                })
                .map(|()| counts.into_iter().map(AtomicUsize::into_inner).collect())
        });
        assert_eq!(counts, Ok(vec![1, 1]));
        assert_eq!(slow.wait(), Ok(300));
    }
}

/// Two callers at once whose closures each wait for every worker to reach them (a barrier
/// inside the closure), between sums: broadcasts never overlap, so neither waits on the other's.
#[test]
fn closures_that_wait_for_each_other_from_two_callers_finish() {
    let pool = Arc::new(pool(2, Duration::from_micros(20)));
    let callers: Vec<_> = (0..2)
        .map(|caller| {
            let pool = pool.clone();
            std::thread::spawn(move || {
                let meet = Barrier::new(pool.threads());
                for i in 0..60 {
                    if i % 7 == caller {
                        drop(pool.sum_async(vec![1u8; 3 << 20]));
                    }
                    pool.broadcast(|_| {
                        meet.wait();
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    within("rendezvous closures from two callers", move || {
        callers.into_iter().for_each(|c| c.join().unwrap())
    });
}

/// A pool dropped right after broadcasts (through the word, then through the queue behind a
/// sum) finishes the queued sum and lets its workers exit.
#[test]
fn shutdown_right_after_broadcasts() {
    for spin in [Duration::ZERO, Duration::from_micros(50)] {
        let pool = pool(2, spin);
        runs_once_on_each(&pool);
        let queued = pool.sum_async(vec![1u8; 4 << 20]);
        runs_once_on_each(&pool);
        let result = within("shutdown after broadcasts", move || {
            drop(pool);
            queued.wait()
        });
        assert_eq!(result, Ok(4 << 20));
    }
}
