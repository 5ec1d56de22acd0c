//! One-thread kernel throughput, with its peers in the same run.
//!
//! For every element type and size (16 KiB and 256 KiB in cache, 4 MiB, 64 MiB from memory):
//! - `coresum`: `coresum::sum` on the dispatched path, 128-byte-aligned data;
//! - `coresum-misaligned`: the same, one element past a 128-byte boundary;
//! - `coresum-<isa>`: each available path forced (in-cache sizes only);
//! - `std-native`: `iter().map(|&x| x as Wide).sum()` (64-bit accumulator, 128-bit for 64-bit
//!   inputs) compiled for this CPU inside `#[target_feature]` (AVX-512 F+BW where present, else AVX2);
//! - `ceiling`: a wrapping `u64` add over the same bytes, compiled the same way: the read ceiling.
//!
//! Groups `small/<type>/<size>` (issue 13; 1, 4, 16 and 64 KiB, in L1/L2): `coresum::sum` (inline
//! on the calling thread) against `std-native`, where a sum's fixed cost per call shows
//! (`cargo bench --bench kernels -- small/`).
//!
//! `scripts/bench_table.py` turns the results into the ratios recorded in `docs/PERFORMANCE.md`.

use coresum_bench_support::data::{Aligned, Integer};
use coresum_bench_support::native;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

const SIZES: [(usize, &str); 4] = [
    (16 << 10, "16KiB"),
    (256 << 10, "256KiB"),
    (4 << 20, "4MiB"),
    (64 << 20, "64MiB"),
];

fn bench_type<T: coresum::Summable + Integer, W>(
    c: &mut Criterion,
    name: &str,
    buffer: &Aligned,
    std_native: fn(&[T]) -> W,
) {
    let ceiling = native::ceiling::best();
    for (bytes, label) in SIZES {
        let len = bytes / size_of::<T>();
        let data: &[T] = buffer.view(0, len);
        let misaligned: &[T] = buffer.view(1, len);
        let words: &[u64] = buffer.view(0, bytes / 8);

        let mut group = c.benchmark_group(format!("{name}/{label}"));
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function("coresum", |b| b.iter(|| coresum::sum(black_box(data))));
        group.bench_function("coresum-misaligned", |b| {
            b.iter(|| coresum::sum(black_box(misaligned)))
        });
        if bytes <= 256 << 10 {
            for isa in coresum::Isa::available() {
                group.bench_with_input(BenchmarkId::new("coresum", isa), &isa, |b, &isa| {
                    b.iter(|| coresum::sum_on(isa, black_box(data)))
                });
            }
        }
        group.bench_function("std-native", |b| b.iter(|| std_native(black_box(data))));
        group.bench_function("ceiling", |b| b.iter(|| ceiling(black_box(words))));
        group.finish();
    }
}

/// The sizes of the `small/…` groups: where the fixed cost of a call is a large share of it.
const SMALL: [(usize, &str); 4] = [
    (1 << 10, "1KiB"),
    (4 << 10, "4KiB"),
    (16 << 10, "16KiB"),
    (64 << 10, "64KiB"),
];

/// `coresum::sum` against the std loop on small, hot, 128-byte-aligned slices.
fn bench_small<T: coresum::Summable + Integer, W>(
    c: &mut Criterion,
    name: &str,
    buffer: &Aligned,
    std_native: fn(&[T]) -> W,
) {
    for (bytes, label) in SMALL {
        let data: &[T] = buffer.view(0, bytes / size_of::<T>());
        let mut group = c.benchmark_group(format!("small/{name}/{label}"));
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function("coresum", |b| b.iter(|| coresum::sum(black_box(data))));
        group.bench_function("std-native", |b| b.iter(|| std_native(black_box(data))));
        group.finish();
    }
}

fn small(c: &mut Criterion) {
    // As in an application that has summed a large slice before (and as in `compare.sh`): small
    // sums then go through the started pool's inline check.
    let _ = coresum::default_pool();
    let buffer = Aligned::new(SMALL[SMALL.len() - 1].0 + 256);
    bench_small::<i32, _>(c, "i32", &buffer, native::i32::best());
    bench_small::<u32, _>(c, "u32", &buffer, native::u32::best());
    bench_small::<i64, _>(c, "i64", &buffer, native::i64::best());
    bench_small::<u64, _>(c, "u64", &buffer, native::u64::best());
    bench_small::<i16, _>(c, "i16", &buffer, native::i16::best());
    bench_small::<u8, _>(c, "u8", &buffer, native::u8::best());
}

fn kernels(c: &mut Criterion) {
    eprintln!("coresum path: {}", coresum::isa());
    let buffer = Aligned::new(SIZES[SIZES.len() - 1].0 + 256);
    bench_type::<u8, _>(c, "u8", &buffer, native::u8::best());
    bench_type::<i8, _>(c, "i8", &buffer, native::i8::best());
    bench_type::<u16, _>(c, "u16", &buffer, native::u16::best());
    bench_type::<i16, _>(c, "i16", &buffer, native::i16::best());
    bench_type::<u32, _>(c, "u32", &buffer, native::u32::best());
    bench_type::<i32, _>(c, "i32", &buffer, native::i32::best());
    bench_type::<u64, _>(c, "u64", &buffer, native::u64::best());
    bench_type::<i64, _>(c, "i64", &buffer, native::i64::best());
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(20);
    targets = small, kernels
}
criterion_main!(benches);
