//! `Pool::sum_stream` of 1,000 buffers of 1 MiB against one `sum_async` over the same 1,000 MiB
//! (issue 12: the stream at ≥ 0.9× the single buffer), on the default pool, for `i32` and for `f64`
//! in `Mode::Exact` (each buffer of a stream takes the error-free pass: see `Pool::sum_stream_bounded`)
//! and `Mode::Compensated` (the first pass, as `sum_async`'s Exact).
//!
//! Default bound ([`coresum::STREAM_BUFFERS_PER_WORKER`] per worker: the task is woken when half
//! of it remains), and twice that (`-bound-x2`, half the wake-ups).
//!
//! ```text
//! cargo bench --bench stream
//! ```

use coresum::{Mode, Owner, Summable};
use coresum_bench_support::data::{float_values, pseudo_random};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures_util::stream;
use std::sync::Arc;
use std::time::Duration;

const BUFFERS: usize = 1000;
const BUFFER_BYTES: usize = 1 << 20;

/// Buffer `.1` (1 MiB) of a shared allocation: an owner that copies nothing.
struct Window<T>(Arc<Vec<T>>, usize);

impl<T> AsRef<[T]> for Window<T> {
    fn as_ref(&self) -> &[T] {
        let len = BUFFER_BYTES / size_of::<T>();
        &self.0[self.1 * len..(self.1 + 1) * len]
    }
}

fn compare<T: Summable>(c: &mut Criterion, name: &str, data: Vec<T>, mode: Mode)
where
    Arc<Vec<T>>: Owner<T>,
{
    let pool = coresum::default_pool().expect("the default pool");
    let data = Arc::new(data);
    let mut group = c.benchmark_group(format!("stream/{name}"));
    group.throughput(Throughput::Bytes((BUFFERS * BUFFER_BYTES) as u64));
    group.sample_size(10);
    group.bench_function("sum_async-of-1000MiB", |b| {
        b.iter(|| pool.sum_async_with(data.clone(), mode).wait().unwrap())
    });
    let windows = || {
        let shared = data.clone();
        stream::iter((0..BUFFERS).map(move |i| Box::new(Window(shared.clone(), i))))
    };
    group.bench_function("sum_stream-of-1000x1MiB", |b| {
        b.iter(|| pool.sum_stream_with(windows(), mode).wait().unwrap())
    });
    // Twice the default bound: the task wakes half as often (once per 4 buffers per worker).
    let deeper = 2 * coresum::STREAM_BUFFERS_PER_WORKER * pool.threads();
    group.bench_function("sum_stream-of-1000x1MiB-bound-x2", |b| {
        b.iter(|| {
            pool.sum_stream_bounded(windows(), mode, deeper)
                .wait()
                .unwrap()
        })
    });
    group.finish();
}

fn streams(c: &mut Criterion) {
    let words = BUFFERS * BUFFER_BYTES / 8;
    let ints: Vec<i32> = pseudo_random(words)
        .iter()
        .flat_map(|w| [*w as i32, (*w >> 32) as i32])
        .collect();
    compare(c, "i32", ints, Mode::Exact);
    let floats = float_values(words, false);
    compare(c, "f64-exact", floats.clone(), Mode::Exact);
    compare(c, "f64-compensated", floats, Mode::Compensated);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = streams
}
criterion_main!(benches);
