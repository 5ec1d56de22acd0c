//! Data as users hold it, each against `coresum::sum` over the same bytes in the same run
//! (issue 12's ratios; docs/PERFORMANCE.md):
//!
//! - `narrow/<size>`: `sum`, `checked_sum`, `wrapping_sum` of `i32` (64 KiB, 1 MiB, 64 MiB);
//! - `strided2/<type>`: `sum` of the whole slice vs `sum_strided` of every other element, with
//!   throughput counted in bytes spanned (64 MiB, on the default pool);
//! - `masked/<type>`: `sum` vs `sum_masked` with every element valid and with a random half valid
//!   (64 MiB), and `nansum` of data without NaNs;
//! - `axis`: `sum` of a C-order `f64` matrix vs `ndarray::sum_axis` along axis 0 (column sums)
//!   and axis 1 (row sums), and the same for `i64`; 8192 × 8192 (512 MiB) unless
//!   `CORESUM_BENCH_MATRIX` gives the side.
//!
//! `cargo bench --bench layout --features ndarray`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

const LARGE: usize = 64 << 20;

fn values<T: Copy>(bytes: usize, f: impl Fn(usize) -> T) -> Vec<T> {
    (0..bytes / size_of::<T>()).map(f).collect()
}

fn narrow(c: &mut Criterion) {
    for bytes in [64 << 10, 1 << 20, LARGE] {
        let data: Vec<i32> = values(bytes, |i| {
            (i as i32).wrapping_mul(0x9e37_79b9u32 as i32) >> 8
        });
        let mut g = c.benchmark_group(format!("narrow/{}KiB", bytes >> 10));
        g.throughput(Throughput::Bytes(bytes as u64));
        g.bench_function("sum", |b| b.iter(|| coresum::sum(black_box(&data[..]))));
        g.bench_function("checked_sum", |b| {
            b.iter(|| coresum::checked_sum(black_box(&data[..])))
        });
        g.bench_function("wrapping_sum", |b| {
            b.iter(|| coresum::wrapping_sum(black_box(&data[..])))
        });
        g.finish();
    }
}

fn strided_and_masked<T: coresum::Summable>(c: &mut Criterion, name: &str, data: &[T]) {
    let mut g = c.benchmark_group(format!("strided2/{name}"));
    g.throughput(Throughput::Bytes(size_of_val(data) as u64));
    g.bench_function("sum", |b| b.iter(|| coresum::sum(black_box(data))));
    let view = coresum::Strided::new(data, 0, 2, data.len() / 2).unwrap();
    g.bench_function("sum_strided", |b| {
        b.iter(|| coresum::sum_strided(black_box(view)))
    });
    g.finish();

    let mut g = c.benchmark_group(format!("masked/{name}"));
    g.throughput(Throughput::Bytes(size_of_val(data) as u64));
    g.bench_function("sum", |b| b.iter(|| coresum::sum(black_box(data))));
    let all = vec![0xffu8; data.len().div_ceil(8)];
    g.bench_function("all_valid", |b| {
        b.iter(|| coresum::sum_masked(black_box(data), &all, 0))
    });
    let half: Vec<u8> = values(all.len() + 1, |i| (i.wrapping_mul(0x9e37_79b9) >> 11) as u8);
    g.bench_function("random_half", |b| {
        b.iter(|| coresum::sum_masked(black_box(data), &half, 3))
    });
    g.finish();
}

fn layouts(c: &mut Criterion) {
    let ints: Vec<i32> = values(LARGE, |i| i as i32);
    strided_and_masked(c, "i32", &ints);
    let floats: Vec<f64> = values(LARGE, |i| (i % 1000) as f64 * 0.37 - 100.0);
    strided_and_masked(c, "f64", &floats);
    let mut g = c.benchmark_group("masked/f64");
    g.throughput(Throughput::Bytes(LARGE as u64));
    g.bench_function("nansum", |b| {
        b.iter(|| coresum::nansum(black_box(&floats[..])))
    });
    g.finish();
}

#[cfg(feature = "ndarray")]
fn axis(c: &mut Criterion) {
    use ndarray::{Array2, Axis};
    let side: usize = std::env::var("CORESUM_BENCH_MATRIX")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8192);
    let m = Array2::from_shape_fn((side, side), |(i, j)| ((i * 31 + j) % 1000) as f64 * 0.37);
    let mut g = c.benchmark_group("axis");
    g.throughput(Throughput::Bytes((side * side * 8) as u64));
    g.sample_size(10);
    g.bench_function("sum", |b| {
        b.iter(|| coresum::sum(black_box(m.as_slice().unwrap())))
    });
    for k in [0, 1] {
        g.bench_function(format!("sum_axis{k}"), |b| {
            b.iter(|| coresum::ndarray::sum_axis(black_box(&m), Axis(k)))
        });
    }
    drop(m);
    let m = Array2::from_shape_fn((side, side), |(i, j)| (i * 31 + j) as i64 - 1000);
    g.bench_function("sum_i64", |b| {
        b.iter(|| coresum::sum(black_box(m.as_slice().unwrap())))
    });
    for k in [0, 1] {
        g.bench_function(format!("sum_axis{k}_i64"), |b| {
            b.iter(|| coresum::ndarray::sum_axis(black_box(&m), Axis(k)))
        });
    }
    g.finish();
}

#[cfg(not(feature = "ndarray"))]
fn axis(_: &mut Criterion) {
    eprintln!("axis: skipped (needs --features ndarray)");
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    targets = narrow, layouts, axis
}
criterion_main!(benches);
