//! The pool's promises, observed from outside: the thread bound, pinning, cancellation without
//! leaks, panics reported, results independent of the thread count, executors, bad configurations.

use coresum::{Cores, Owner, Pool, PoolError, SumError};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const MIB: usize = 1 << 20;

fn allowed_cores() -> usize {
    core_count_of(0)
}

/// Cores in the affinity mask of thread `tid` (0: the calling thread).
fn core_count_of(tid: libc::pid_t) -> usize {
    affinity_of(tid).len()
}

fn affinity_of(tid: libc::pid_t) -> Vec<usize> {
    // SAFETY: `cpu_set_t` is plain data; zeroed is a valid empty set, which the call fills.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid, writable `cpu_set_t` of the size passed.
    let rc = unsafe { libc::sched_getaffinity(tid, size_of::<libc::cpu_set_t>(), &mut set) };
    assert_eq!(rc, 0, "sched_getaffinity failed");
    (0..libc::CPU_SETSIZE as usize)
        // SAFETY: `cpu` is below CPU_SETSIZE and `set` is initialised.
        .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
        .collect()
}

/// Threads of this process whose name starts with `prefix`.
fn threads_named(prefix: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .flatten()
        .filter(|task| {
            std::fs::read_to_string(task.path().join("comm"))
                .is_ok_and(|name| name.starts_with(prefix))
        })
        .count()
}

fn current_thread_name() -> String {
    std::thread::current().name().unwrap_or("").to_owned()
}

fn bytes(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 3) as u8).collect()
}

fn exact(data: &[u8]) -> u128 {
    data.iter().map(|&x| u128::from(x)).sum()
}

#[test]
fn never_more_threads_than_workers_and_every_result_exact() {
    let workers = allowed_cores().min(4);
    let pool = Arc::new(
        Pool::builder()
            .threads(workers)
            .thread_name_prefix("bound-w")
            .build()
            .unwrap(),
    );
    let data: Arc<[u8]> = bytes(MIB).into();
    let expected = exact(&data);

    let stop = Arc::new(AtomicBool::new(false));
    let most = Arc::new(AtomicUsize::new(0));
    let monitor = {
        let (stop, most) = (stop.clone(), most.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                most.fetch_max(threads_named("bound-w"), Ordering::Relaxed);
                std::thread::sleep(Duration::from_micros(200));
            }
        })
    };
    let submitters: Vec<_> = (0..8)
        .map(|_| {
            let (pool, data) = (pool.clone(), data.clone());
            std::thread::spawn(move || {
                let tasks: Vec<_> = (0..125).map(|_| pool.sum_async(data.clone())).collect();
                tasks
                    .into_iter()
                    .map(|t| t.wait().unwrap())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for submitter in submitters {
        for total in submitter.join().unwrap() {
            assert_eq!(total, expected);
        }
    }
    stop.store(true, Ordering::Relaxed);
    monitor.join().unwrap();
    let most = most.load(Ordering::Relaxed);
    assert!(most >= 1, "the monitor saw no worker at all");
    assert!(
        most <= workers,
        "{most} worker threads seen, pool has {workers}"
    );
    assert_eq!(threads_named("bound-w"), workers);
}

/// An owner that records, on every read, which thread read it and that thread's affinity.
struct Probe {
    data: Vec<u8>,
    seen: Mutex<HashMap<String, Vec<usize>>>,
}

impl AsRef<[u8]> for Probe {
    fn as_ref(&self) -> &[u8] {
        self.seen
            .lock()
            .unwrap()
            .insert(current_thread_name(), affinity_of(0));
        &self.data
    }
}

#[test]
fn workers_are_pinned_to_the_distinct_cores_they_report() {
    let pool = Pool::builder()
        .thread_name_prefix("pin-w")
        .inline_bytes(0)
        .build()
        .unwrap();
    assert!(
        pool.workers().iter().all(|w| w.pinned),
        "the OS refused a pin"
    );
    let cores: Vec<usize> = pool.workers().iter().map(|w| w.core.unwrap()).collect();
    let mut distinct = cores.clone();
    distinct.dedup();
    assert_eq!(distinct.len(), cores.len(), "two workers share a core");

    let probe = Arc::new(Probe {
        data: bytes(64 * MIB),
        seen: Mutex::new(HashMap::new()),
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    while probe
        .seen
        .lock()
        .unwrap()
        .keys()
        .filter(|n| n.starts_with("pin-w"))
        .count()
        < pool.threads()
        && Instant::now() < deadline
    {
        assert_eq!(pool.sum_async(probe.clone()).wait(), Ok(exact(&probe.data)));
    }
    let seen = probe.seen.lock().unwrap();
    for worker in pool.workers() {
        let affinity = seen.get(&worker.name).expect("every worker took part");
        assert_eq!(affinity, &vec![worker.core.unwrap()], "{}", worker.name);
    }
}

#[test]
fn dropped_tasks_cancel_without_leaks_and_the_pool_still_works() {
    let pool = Pool::builder()
        .threads(allowed_cores().min(4))
        .thread_name_prefix("drop-w")
        .build()
        .unwrap();
    let data: Arc<Vec<u8>> = Arc::new(bytes(MIB));
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..10_000 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let task = pool.sum_async(data.clone());
        match rng % 4 {
            0 => {}
            1 => std::thread::yield_now(),
            2 => (0..(rng % 2000)).for_each(|_| std::hint::spin_loop()),
            _ => std::thread::sleep(Duration::from_micros(rng % 50)),
        }
        drop(task);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while Arc::strong_count(&data) > 1 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(
        Arc::strong_count(&data),
        1,
        "the pool kept a reference to the data"
    );
    assert_eq!(pool.sum(&data[..]), exact(&data));
    assert_eq!(pool.sum_async(data.clone()).wait(), Ok(exact(&data)));
}

/// An owner that panics when a pool worker reads it.
struct PanicsOnWorker(Vec<u8>);

impl std::ops::Deref for PanicsOnWorker {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        if current_thread_name().starts_with("panic-w") {
            panic!("injected failure");
        }
        &self.0
    }
}

#[test]
fn a_panicking_job_is_reported_and_the_pool_survives() {
    let pool = Pool::builder()
        .threads(allowed_cores().min(2))
        .thread_name_prefix("panic-w")
        .build()
        .unwrap();
    for _ in 0..3 {
        let result = pool.sum_async(PanicsOnWorker(bytes(4 * MIB))).wait();
        match result {
            Err(SumError::Panicked(message)) => assert!(message.contains("injected failure")),
            other => panic!("expected a panic report, got {other:?}"),
        }
        let data = bytes(4 * MIB);
        assert_eq!(pool.sum(&data), exact(&data));
    }
}

#[test]
fn results_are_identical_for_every_thread_count() {
    let data: Vec<i64> = (0..3_000_000i64)
        .map(|i| (i * 0x9e37_79b9) ^ (i << 40))
        .collect();
    let expected: i128 = data.iter().map(|&x| i128::from(x)).sum();
    for threads in 1..=8 {
        let pool = Pool::builder()
            .threads(threads)
            .pin(false)
            .inline_bytes(0)
            .build()
            .unwrap();
        assert!(pool.workers().iter().all(|w| w.core.is_none() && !w.pinned));
        assert_eq!(pool.sum(&data), expected, "{threads} threads");
        assert_eq!(
            pool.sum(&data[3..]),
            expected - i128::from(data[0] + data[1] + data[2])
        );
    }
    assert_eq!(coresum::sum(&data), expected);
}

#[test]
fn small_inputs_and_nested_sums_run_inline() {
    let pool = Arc::new(
        Pool::builder()
            .threads(1)
            .thread_name_prefix("nest-w")
            .build()
            .unwrap(),
    );
    assert_eq!(pool.sum::<u8>(&[]), 0);
    assert_eq!(pool.sum(&[1u8, 2, 3]), 6);
    assert!(pool.sum_async(vec![5u16; 10]).is_finished());

    /// Sums a second, large slice on the same pool from inside a worker.
    struct Nested(Vec<u8>, Arc<Pool>, AtomicUsize);
    impl AsRef<[u8]> for Nested {
        fn as_ref(&self) -> &[u8] {
            if current_thread_name().starts_with("nest-w") {
                let inner = vec![1u8; 2 * MIB];
                assert_eq!(self.1.sum(&inner), 2 * MIB as u128);
                self.2.fetch_add(1, Ordering::Relaxed);
            }
            &self.0
        }
    }
    let nested = Arc::new(Nested(bytes(4 * MIB), pool.clone(), AtomicUsize::new(0)));
    assert_eq!(pool.sum_async(nested.clone()).wait(), Ok(exact(&nested.0)));
    assert!(nested.2.load(Ordering::Relaxed) > 0, "the nested sum ran");
}

#[test]
fn every_executor_can_await_a_sum() {
    let pool = Arc::new(Pool::builder().threads(2).pin(false).build().unwrap());
    let data: Arc<[u32]> = (0..2_000_000u32).collect::<Vec<_>>().into();
    let expected: u128 = data.iter().map(|&x| u128::from(x)).sum();

    assert_eq!(
        futures_executor::block_on(pool.sum_async(data.clone())),
        Ok(expected)
    );
    assert_eq!(smol::block_on(pool.sum_async(data.clone())), Ok(expected));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let from_tokio = runtime.block_on(async {
        let a = pool.sum_async(data.clone());
        let b = pool.sum_async(Arc::new(data.to_vec()));
        (a.await, b.await)
    });
    assert_eq!(from_tokio, (Ok(expected), Ok(expected)));
}

#[test]
fn impossible_configurations_are_errors() {
    let build = |b: coresum::PoolBuilder| b.build().map(|_| ()).unwrap_err();
    assert!(matches!(
        build(Pool::builder().threads(0)),
        PoolError::NoThreads
    ));
    assert!(matches!(
        build(Pool::builder().cores(Cores::List(vec![100_000]))),
        PoolError::CoreNotAllowed { core: 100_000, .. }
    ));
    let too_many = allowed_cores() + 1;
    assert!(matches!(
        build(Pool::builder().threads(too_many)),
        PoolError::TooManyThreads { .. }
    ));
    assert!(matches!(
        build(Pool::builder().thread_name_prefix("a-very-long-prefix")),
        PoolError::NameTooLong(_)
    ));
    let error = build(Pool::builder().threads(0));
    assert!(error.to_string().contains("at least one thread"));

    // Oversubscription, when asked for, works; so does an unpinned pool of any size.
    let over = Pool::builder()
        .threads(too_many)
        .oversubscribe(true)
        .build()
        .unwrap();
    assert_eq!(over.threads(), too_many);
    let physical = Pool::builder().cores(Cores::Physical).build().unwrap();
    assert!(physical.threads() >= 1);
}

#[test]
fn any_owner_of_a_slice_is_accepted() {
    fn total<D: Owner<u16> + 'static>(pool: &Pool, data: D) -> u128 {
        pool.sum_async(data).wait().unwrap()
    }
    let pool = Pool::builder()
        .threads(1)
        .pin(false)
        .inline_bytes(0)
        .build()
        .unwrap();
    let values: Vec<u16> = (0..100_000).map(|i| i as u16).collect();
    let expected: u128 = values.iter().map(|&x| u128::from(x)).sum();
    assert_eq!(total(&pool, values.clone()), expected);
    assert_eq!(total(&pool, values.clone().into_boxed_slice()), expected);
    assert_eq!(total(&pool, Arc::<[u16]>::from(values.clone())), expected);
    assert_eq!(total(&pool, Arc::new(values.clone())), expected);
    assert_eq!(total(&pool, Box::new(values)), expected);
}
