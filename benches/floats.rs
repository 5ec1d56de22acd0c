//! One-thread throughput of the floating-point sums, with their peers in the same run.
//!
//! Data: random signs, random mantissas and exponents uniform in 2^-32 .. 2^32 (the `narrow` sets,
//! typical data), or over the whole finite range (`wide`, the exact path's worst case). 256 KiB per
//! slice (in L2), plus 1 Mi `f64` (8 MiB) for the comparison with Python's `math.fsum`
//! (`scripts/fsum.py` generates the very same values).
//!
//! - `exact`, `compensated`, `fast`: `coresum::sum_with` on the dispatched path; `exact/<isa>`:
//!   each available path forced;
//! - `unrolled8`: a hand-unrolled loop with 8 `f64` accumulators (`f32` widened), compiled inside a
//!   `#[target_feature(enable = "avx2,fma")]` wrapper where the CPU has them;
//! - `f64/1GiB-all-cores`: the three modes over 1 GiB on the default pool (every allowed core);
//!   skipped when `CORESUM_BENCH_MAX` (bytes) is below 1 GiB;
//! - `xsum`: the `xsum` crate's `XsumAuto` (Neal's superaccumulators, f64 only);
//! - `accurate`: the `accurate` crate's `OnlineExactSum` (Zhu–Hayes, f64 only);
//! - `f64/1MiB-one-thread`: the two passes of Exact on one thread, 1 MiB buffers (as
//!   `sum_stream`'s): `certified` (`sum_on_with`, the first pass) against `error-free`
//!   (`ExactSum::add_slice`, the pass every stream buffer takes), on one buffer summed again and
//!   again (`in-cache`) and on 64 buffers in turn (`from-memory`, 64 MiB).

use accurate::sum::OnlineExactSum;
use accurate::traits::SumWithAccumulator;
use coresum::{ExactSum, Isa, Mode};
use coresum_bench_support::data::float_values;
use coresum_bench_support::native::{unrolled8_f32, unrolled8_f64};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;
use xsum::Xsum;

fn modes<T: coresum::Summable<Output = f64>>(
    c: &mut Criterion,
    group: &str,
    data: &[T],
    native: fn(&[T]) -> f64,
    peers: Option<&[f64]>,
) {
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Bytes(size_of_val(data) as u64));
    for (name, mode) in [
        ("exact", Mode::Exact),
        ("compensated", Mode::Compensated),
        ("fast", Mode::Fast),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| coresum::sum_with(black_box(data), mode))
        });
    }
    for isa in Isa::available() {
        g.bench_with_input(BenchmarkId::new("exact", isa), &isa, |b, &isa| {
            b.iter(|| coresum::sum_on_with(isa, black_box(data), Mode::Exact))
        });
    }
    g.bench_function("unrolled8", |b| b.iter(|| native(black_box(data))));
    if let Some(wide) = peers {
        g.bench_function("xsum", |b| {
            b.iter(|| {
                let mut acc = xsum::XsumAuto::new();
                acc.add_list(black_box(wide));
                acc.sum()
            })
        });
        g.bench_function("accurate", |b| {
            b.iter(|| {
                black_box(wide)
                    .iter()
                    .copied()
                    .sum_with_accumulator::<OnlineExactSum<f64>>()
            })
        });
    }
    g.finish();
}

fn floats(c: &mut Criterion) {
    eprintln!("coresum path: {}", coresum::isa());
    const BYTES: usize = 256 << 10;
    let narrow = float_values(BYTES / 8, false);
    let wide = float_values(BYTES / 8, true);
    let narrow32: Vec<f32> = float_values(BYTES / 4, false)
        .iter()
        .map(|&x| x as f32)
        .collect();
    modes(c, "f64/256KiB", &narrow, unrolled8_f64(), Some(&narrow));
    modes(c, "f64-wide/256KiB", &wide, unrolled8_f64(), Some(&wide));
    modes(c, "f32/256KiB", &narrow32, unrolled8_f32(), None);

    let million = float_values(1 << 20, false);
    let mut g = c.benchmark_group("f64/1Mi");
    g.throughput(Throughput::Bytes(size_of_val(&million[..]) as u64));
    g.bench_function("exact", |b| {
        b.iter(|| coresum::sum(black_box(&million[..])))
    });
    g.finish();
    eprintln!("f64/1Mi exact sum: {:e}", coresum::sum(&million[..]));

    error_free_vs_certified(c);

    // All cores, out of cache: the default pool (every allowed core, pinned).
    let max = std::env::var("CORESUM_BENCH_MAX").map_or(usize::MAX, |v| v.parse().unwrap_or(0));
    if max >= 1 << 30 {
        let big = float_values((1 << 30) / 8, false);
        let mut g = c.benchmark_group("f64/1GiB-all-cores");
        g.throughput(Throughput::Bytes(1 << 30));
        g.sample_size(10);
        for (name, mode) in [
            ("exact", Mode::Exact),
            ("compensated", Mode::Compensated),
            ("fast", Mode::Fast),
        ] {
            g.bench_function(name, |b| {
                b.iter(|| coresum::sum_with(black_box(&big[..]), mode))
            });
        }
        g.finish();
    }
}

/// The certified and the error-free pass of Exact, one thread, 1 MiB buffers in cache and from
/// memory (issue 12: each buffer of `sum_stream` takes the error-free pass).
fn error_free_vs_certified(c: &mut Criterion) {
    const BUFFER: usize = (1 << 20) / 8;
    let values = float_values(64 * BUFFER, false);
    let buffers: Vec<&[f64]> = values.chunks(BUFFER).collect();
    let isa = coresum::isa();
    let mut g = c.benchmark_group("f64/1MiB-one-thread");
    g.throughput(Throughput::Bytes(1 << 20));
    for (place, count) in [("in-cache", 1), ("from-memory", buffers.len())] {
        let mut next = 0;
        let mut buffer = || {
            next = (next + 1) % count;
            black_box(buffers[next])
        };
        g.bench_function(format!("certified/{place}"), |b| {
            b.iter(|| coresum::sum_on_with(isa, buffer(), Mode::Exact))
        });
        g.bench_function(format!("error-free/{place}"), |b| {
            b.iter(|| {
                let mut acc = ExactSum::new();
                acc.add_slice(buffer());
                acc.finish()
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(20);
    targets = floats
}
criterion_main!(benches);
