//! What the C ABI adds to a call: `coresum::sum` and the exported `coresum_sum_*` on the same
//! 1 KiB array, side by side in one run. The C entry is called through a function pointer hidden
//! from the optimiser, as C calls it (no inlining across the boundary).
//!
//! `cargo bench -p coresum-capi --bench call`; the difference of the two medians is the cost
//! of the boundary (the target: at most 50 ns).

use coresum_capi::{CORESUM_EXACT, coresum_i128, coresum_mode, coresum_sum_f64, coresum_sum_i32};
use criterion::{Criterion, criterion_group, criterion_main};
use std::ffi::c_int;
use std::hint::black_box;

type IntEntry = unsafe extern "C" fn(*const i32, usize, *mut coresum_i128) -> c_int;
type FloatEntry = unsafe extern "C" fn(*const f64, usize, coresum_mode, *mut f64) -> c_int;

fn one_kib(c: &mut Criterion) {
    let ints: Vec<i32> = (0..256).map(|i| i * 7919 - 1_000_000).collect();
    let floats: Vec<f64> = (0..128).map(|i| f64::from(i) * 0.1 - 3.0).collect();

    let mut group = c.benchmark_group("1KiB i32");
    group.bench_function("rust coresum::sum", |b| {
        b.iter(|| coresum::sum(black_box(&ints[..])))
    });
    let entry: IntEntry = black_box(coresum_sum_i32);
    group.bench_function("C coresum_sum_i32", |b| {
        b.iter(|| {
            let mut out = coresum_i128::default();
            // SAFETY: `ints` is a live array of `ints.len()` values; `out` is a local.
            let status = unsafe { entry(black_box(ints.as_ptr()), ints.len(), &mut out) };
            (status, out)
        })
    });
    group.finish();

    let mut group = c.benchmark_group("1KiB f64 exact");
    group.bench_function("rust coresum::sum", |b| {
        b.iter(|| coresum::sum(black_box(&floats[..])))
    });
    let entry: FloatEntry = black_box(coresum_sum_f64);
    group.bench_function("C coresum_sum_f64", |b| {
        b.iter(|| {
            let mut out = 0.0;
            // SAFETY: `floats` is a live array of `floats.len()` values; `out` is a local.
            let status = unsafe {
                entry(
                    black_box(floats.as_ptr()),
                    floats.len(),
                    CORESUM_EXACT,
                    &mut out,
                )
            };
            (status, out)
        })
    });
    group.finish();
}

criterion_group!(benches, one_kib);
criterion_main!(benches);
