//! Round trips: the fixed cost of handing work to a pool and getting the answer back.
//!
//! - `coresum-broadcast`: a no-op on every worker of a warm coresum pool ([`Pool::broadcast`]);
//! - `coresum-broadcast-n-1`: the same on a pool of one worker fewer than the cores, so that the
//!   caller and the workers are as many threads as fork_union's (whose caller is its thread 0):
//!   the hand-off itself, with no worker sharing the caller's core;
//! - `coresum-sum-1KiB`: a blocking sum of 1 KiB sent to the pool (`inline_bytes(0)`);
//! - `coresum-await-1KiB`: `block_on(pool.sum_async(..))` of 1 KiB on that pool;
//! - `fork_union-for_threads`: a no-op on every thread of fork_union 2.3;
//! - `executor-floor`: what any await costs under `futures_executor::block_on`: a spinning thread
//!   completes a oneshot (tokio's, runtime-agnostic) that `block_on` awaits.
//!
//! Pools whose threads spin (fork_union's always do, coresum's for 100 µs after each job) distort
//! each other's figures when they share the cores, so each function builds its pool inside its own
//! measurement: run one per process, as `scripts/roundtrip.sh` does:
//! `for f in coresum-broadcast …; do cargo bench --bench roundtrip -- --exact "round-trip/$f"; done`.

use coresum::Pool;
use coresum_bench_support::fork_union_pool;
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

fn threads() -> usize {
    coresum::pool::allowed_cores().len().max(1)
}

fn pool() -> Pool {
    pool_of(threads())
}

fn pool_of(workers: usize) -> Pool {
    Pool::builder()
        .threads(workers)
        .inline_bytes(0)
        .build()
        .expect("the pool starts")
}

fn round_trips(c: &mut Criterion) {
    let mut group = c.benchmark_group("round-trip");
    group.bench_function("coresum-broadcast", |b| {
        let pool = pool();
        b.iter(|| pool.broadcast(|w| _ = black_box(w)).unwrap())
    });
    group.bench_function("coresum-broadcast-n-1", |b| {
        let pool = pool_of(threads().saturating_sub(1).max(1));
        b.iter(|| pool.broadcast(|w| _ = black_box(w)).unwrap())
    });
    group.bench_function("coresum-sum-1KiB", |b| {
        let pool = pool();
        let data = vec![7u8; 1 << 10];
        b.iter(|| pool.sum(black_box(&data[..])))
    });
    group.bench_function("coresum-await-1KiB", |b| {
        let pool = pool();
        let data: Arc<[u8]> = vec![7u8; 1 << 10].into();
        b.iter(|| futures_executor::block_on(pool.sum_async(data.clone())).unwrap())
    });
    group.bench_function("fork_union-for_threads", |b| {
        let mut forks = fork_union_pool(threads());
        b.iter(|| {
            forks.for_threads(|t, _| _ = black_box(t));
        })
    });
    group.bench_function("executor-floor", |b| {
        let slot: Arc<Mutex<Option<oneshot::Sender<u128>>>> = Arc::default();
        let (posted, stop) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        );
        let spinner = {
            let (slot, posted, stop) = (slot.clone(), posted.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if posted.swap(false, Ordering::Acquire)
                        && let Some(tx) = slot.lock().unwrap().take()
                    {
                        let _ = tx.send(1);
                    }
                    std::hint::spin_loop();
                }
            })
        };
        b.iter(|| {
            let (tx, rx) = oneshot::channel();
            *slot.lock().unwrap() = Some(tx);
            posted.store(true, Ordering::Release);
            futures_executor::block_on(rx).unwrap()
        });
        stop.store(true, Ordering::Relaxed);
        spinner.join().unwrap();
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30);
    targets = round_trips
}
criterion_main!(benches);
