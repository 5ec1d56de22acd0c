//! Multi-threaded sums on the default pool, with every peer in the same run, on the same bytes.
//!
//! Groups `<type>/<size>` (u8 and i32, 1 KiB … 1 GiB), functions:
//! - `coresum`: `coresum::sum` (inline below the threshold, the default pinned pool above);
//! - `std`: the single-thread widening loop compiled for this CPU;
//! - `rayon`: `par_iter().map(widen).sum()` on a rayon pool of as many threads;
//! - `fork_union`: fork_union 2.3 `for_threads`, each thread running the std loop on its share;
//! - `openmp`: `scripts/omp_sum.c` (`gcc -O3 -march=native -fopenmp`, `OMP_PROC_BIND=close`),
//!   built and loaded by this bench (skipped if gcc is missing);
//! - `ceiling`: a wrapping u64 add over the same bytes on the pool's own pinned workers.
//!
//! Group `round-trip`: a tiny job on every worker (coresum `broadcast`, fork_union `for_threads`,
//! rayon `broadcast`, an empty OpenMP parallel region). Group `async`: 1,000 concurrent
//! `sum_async` of 1 MiB each against one blocking sum over the same 1,000 MiB. Groups
//! `threshold/<size>`: the same i32 sum inline and on the workers, to place the inline threshold.
//!
//! Set `CORESUM_BENCH_MAX` (bytes) to skip larger sizes.

use coresum::Pool;
use coresum_bench_support::data::Aligned;
use coresum_bench_support::openmp::OpenMp;
use coresum_bench_support::{fork_union_pool, native};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use crossbeam_utils::CachePadded;
use rayon::prelude::*;
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const SIZES: [(usize, &str); 6] = [
    (1 << 10, "1KiB"),
    (16 << 10, "16KiB"),
    (256 << 10, "256KiB"),
    (4 << 20, "4MiB"),
    (64 << 20, "64MiB"),
    (1 << 30, "1GiB"),
];

/// A 1 MiB window of a shared buffer: an owner for `sum_async` without copying.
struct Window(Arc<Aligned>, usize);

impl AsRef<[u8]> for Window {
    fn as_ref(&self) -> &[u8] {
        &self.0.view::<u8>(0, (self.1 + 1) << 20)[self.1 << 20..]
    }
}

macro_rules! size_groups {
    ($c:expr, $buffer:expr, $pool:expr, $omp:expr, $max:expr;
     $($t:ident wide $wide:ty, omp $omp_fn:ident;)*) => {$(
        let std_loop = native::$t::best();
        let ceiling = native::ceiling::best();
        for (bytes, label) in SIZES.into_iter().filter(|(b, _)| *b <= $max) {
            let data: &[$t] = $buffer.view(0, bytes / size_of::<$t>());
            let words: &[u64] = $buffer.view(0, bytes / 8);
            let threads = $pool.threads();
            let mut group = $c.benchmark_group(format!("{}/{label}", stringify!($t)));
            group.throughput(Throughput::Bytes(bytes as u64));
            if bytes >= 64 << 20 {
                group.sample_size(10);
            }
            group.bench_function("coresum", |b| b.iter(|| coresum::sum(black_box(data))));
            group.bench_function("std", |b| b.iter(|| std_loop(black_box(data))));
            group.bench_function("rayon", |b| {
                b.iter(|| black_box(data).par_iter().map(|&x| x as $wide).sum::<$wide>())
            });
            let partials: Vec<CachePadded<AtomicU64>> =
                (0..threads).map(|_| CachePadded::new(AtomicU64::new(0))).collect();
            group.bench_function("fork_union", |b| {
                let mut forks = fork_union_pool(threads);
                b.iter(|| {
                    let share = data.len().div_ceil(threads);
                    forks.for_threads(|thread, _| {
                        let part = data.chunks(share).nth(thread).unwrap_or(&[]);
                        partials[thread].store(std_loop(part) as u64, Ordering::Relaxed);
                    });
                    partials.iter().map(|p| p.load(Ordering::Relaxed) as $wide).sum::<$wide>()
                })
            });
            if let Some(omp) = &$omp {
                group.bench_function("openmp", |b| b.iter(|| omp.$omp_fn(black_box(data))));
            }
            group.bench_function("ceiling", |b| {
                b.iter(|| {
                    let share = words.len().div_ceil(threads);
                    $pool.broadcast(|worker| {
                        let part = words.chunks(share).nth(worker).unwrap_or(&[]);
                        partials[worker].store(ceiling(part), Ordering::Relaxed);
                    }).unwrap();
                    partials.iter().fold(0u64, |a, p| a.wrapping_add(p.load(Ordering::Relaxed)))
                })
            });
            group.finish();
        }
    )*};
}

fn pool(c: &mut Criterion) {
    let max: usize = std::env::var("CORESUM_BENCH_MAX")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1 << 30);
    let pool: &Pool = coresum::default_pool().expect("the default pool starts");
    let threads = pool.threads();
    eprintln!(
        "coresum: {threads} workers on cores {:?}, path {}, chunks of {} KiB",
        pool.workers().iter().map(|w| w.core).collect::<Vec<_>>(),
        coresum::isa(),
        pool.chunk_bytes() >> 10
    );
    let omp = OpenMp::load(threads);
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .ok();
    let buffer = Arc::new(Aligned::new(max.max(1000 << 20) + 256));

    size_groups!(c, buffer, pool, omp, max;
        u8 wide u64, omp sum_u8;
        i32 wide i64, omp sum_i32;
    );

    // Where the inline threshold comes from: the same sums on the calling thread and on the
    // workers, around the default threshold.
    let pooled = Pool::builder()
        .inline_bytes(0)
        .build()
        .expect("a second pool starts");
    let inline = Pool::builder()
        .threads(1)
        .inline_bytes(usize::MAX)
        .build()
        .expect("a third pool starts");
    for kib in [64, 256, 1024, 2048, 4096, 8192, 16384] {
        let data: &[i32] = buffer.view(0, (kib << 10) / 4);
        let mut group = c.benchmark_group(format!("threshold/{kib}KiB"));
        group.throughput(Throughput::Bytes((kib as u64) << 10));
        group.bench_function("inline", |b| b.iter(|| inline.sum(black_box(data))));
        group.bench_function("pooled", |b| b.iter(|| pooled.sum(black_box(data))));
        group.finish();
    }
    drop((pooled, inline));

    let mut group = c.benchmark_group("round-trip");
    group.bench_function("coresum-broadcast", |b| {
        b.iter(|| {
            pool.broadcast(|w| {
                black_box(w);
            })
            .unwrap()
        })
    });
    group.bench_function("fork_union-for_threads", |b| {
        let mut forks = fork_union_pool(threads);
        b.iter(|| {
            forks.for_threads(|t, _| {
                black_box(t);
            });
        })
    });
    group.bench_function("rayon-broadcast", |b| {
        b.iter(|| rayon::broadcast(|ctx| black_box(ctx.index())))
    });
    if let Some(omp) = &omp {
        group.bench_function("openmp-parallel", |b| b.iter(|| omp.round_trip()));
    }
    group.finish();

    let mut group = c.benchmark_group("async");
    group.throughput(Throughput::Bytes(1000 << 20));
    group.sample_size(10);
    group.bench_function("1000-sum_async-of-1MiB", |b| {
        b.iter(|| {
            let tasks: Vec<_> = (0..1000)
                .map(|i| pool.sum_async(Box::new(Window(buffer.clone(), i))))
                .collect();
            tasks.into_iter().map(|t| t.wait().unwrap()).sum::<u128>()
        })
    });
    let all: &[u8] = buffer.view(0, 1000 << 20);
    group.bench_function("blocking-sum-of-1000MiB", |b| {
        b.iter(|| pool.sum(black_box(all)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20);
    targets = pool
}
criterion_main!(benches);
