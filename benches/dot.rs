//! The issue-11 reductions beside their peers, in one run (ratios in docs/PERFORMANCE.md).
//!
//! - `dot-f64/32KiB` and `dot-f64/64KiB` (two 16 KiB slices in L1; two 32 KiB slices, in L1/L2;
//!   one core: below the inline threshold):
//!   `coresum::dot_with` in each mode; `std8`, a `zip` loop with 8 accumulators compiled with
//!   AVX2+FMA where the CPU has them; `accurate`, the `accurate` crate's `OnlineExactDot`.
//! - `dot-i16/64KiB`, `dot-u16/64KiB`, `dot-i8/64KiB`, `dot-u8/64KiB`: `coresum::dot` (on AVX-512
//!   VNNI for the 8- and 16-bit signed types where the CPU has it: `coresum info`) against the
//!   `std` widening loop `zip().map(|(x, y)| x as i64 * y as i64).sum()` compiled for AVX-512
//!   (or AVX2).
//! - `dot-f64/2x<size>-all-cores`: `dot_with` Fast and Exact on the default pool against the
//!   two-stream read ceiling (both slices read once on rayon's workers, the same size).
//! - `moments-f64/<size>-all-cores`: `sum`, `mean`, `variance` on the default pool, 1 GiB when
//!   `CORESUM_BENCH_MAX` (bytes) allows, else 64 MiB.

use accurate::dot::OnlineExactDot;
use accurate::traits::DotWithAccumulator;
use coresum::Mode;
use coresum_bench_support::data::{float_values, pseudo_random};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

/// `zip().map(x·y)` into 8 accumulators (one FMA each, where compiled with FMA).
#[inline(always)]
fn std8(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] = x[k].mul_add(y[k], acc[k]);
        }
    }
    acc.iter().sum::<f64>() + tail
}

/// The best build of `std8` for this CPU.
fn std8_best() -> fn(&[f64], &[f64]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2,fma")]
        fn avx2(a: &[f64], b: &[f64]) -> f64 {
            std8(a, b)
        }
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU has AVX2 and FMA (checked above).
            return |a, b| unsafe { avx2(a, b) };
        }
    }
    std8
}

/// The `std` widening dot loop per type, compiled for AVX-512 F+BW where present, else AVX2.
macro_rules! native_dot {
    ($($name:ident($t:ty) -> $wide:ty;)*) => {$(
        fn $name() -> fn(&[$t], &[$t]) -> $wide {
            #[inline(always)]
            fn plain(a: &[$t], b: &[$t]) -> $wide {
                a.iter().zip(b).map(|(&x, &y)| x as $wide * y as $wide).sum()
            }
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512bw,avx2")]
                fn avx512(a: &[$t], b: &[$t]) -> $wide {
                    plain(a, b)
                }
                #[target_feature(enable = "avx2")]
                fn avx2(a: &[$t], b: &[$t]) -> $wide {
                    plain(a, b)
                }
                if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512bw") {
                    // SAFETY: the CPU has AVX-512 F and BW (checked above).
                    return |a, b| unsafe { avx512(a, b) };
                }
                if std::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU has AVX2 (checked above).
                    return |a, b| unsafe { avx2(a, b) };
                }
            }
            plain
        }
    )*};
}

native_dot! {
    native_i16(i16) -> i64;
    native_u16(u16) -> u64;
    native_i8(i8) -> i64;
    native_u8(u8) -> u64;
}

fn integer<T: coresum::Dottable + Copy, W>(
    c: &mut Criterion,
    group: &str,
    a: &[T],
    b: &[T],
    native: fn(&[T], &[T]) -> W,
) {
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Bytes(2 * size_of_val(a) as u64));
    g.bench_function("coresum", |bench| {
        bench.iter(|| coresum::dot(black_box(a), black_box(b)))
    });
    g.bench_function("std", |bench| {
        bench.iter(|| native(black_box(a), black_box(b)))
    });
    g.finish();
}

/// The two-stream read ceiling on all cores: both slices read once by rayon's workers, every
/// word of each folded into a wrapping sum (no multiply, no dependency chain).
fn two_stream_read(a: &[f64], b: &[f64]) -> u64 {
    use rayon::prelude::*;
    const PIECE: usize = 1 << 17;
    a.par_chunks(PIECE)
        .zip(b.par_chunks(PIECE))
        .map(|(x, y)| {
            x.iter()
                .zip(y)
                .fold(0u64, |s, (p, q)| s.wrapping_add(p.to_bits() ^ q.to_bits()))
        })
        .reduce(|| 0, u64::wrapping_add)
}

/// The f64 dot in each mode beside `std8` and `accurate`, over two slices of `len` elements.
fn float_dot(c: &mut Criterion, len: usize) {
    let (a, b) = (float_values(len, false), float_values(2 * len, false));
    let b = &b[len..];
    let mut g = c.benchmark_group(format!("dot-f64/{}KiB", (2 * 8 * len) >> 10));
    g.throughput(Throughput::Bytes(2 * 8 * len as u64));
    for (name, mode) in [
        ("exact", Mode::Exact),
        ("compensated", Mode::Compensated),
        ("fast", Mode::Fast),
    ] {
        g.bench_function(name, |bench| {
            bench.iter(|| coresum::dot_with(black_box(&a[..]), black_box(b), mode))
        });
    }
    let native = std8_best();
    g.bench_function("std8", |bench| {
        bench.iter(|| native(black_box(&a[..]), black_box(b)))
    });
    g.bench_function("accurate", |bench| {
        bench.iter(|| {
            let pairs = black_box(&a[..])
                .iter()
                .copied()
                .zip(black_box(b).iter().copied());
            pairs.dot_with_accumulator::<OnlineExactDot<f64>>()
        })
    });
    g.finish();
}

fn reductions(c: &mut Criterion) {
    eprintln!(
        "coresum path: {} (integer dot on VNNI: {})",
        coresum::isa(),
        coresum::isa::dot_uses_vnni()
    );
    float_dot(c, 2048); // two 16 KiB slices: in L1
    float_dot(c, 4096); // two 32 KiB slices: L1 and L2

    let words = pseudo_random(2 * 8192);
    let narrow = |shift: u32| -> Vec<u64> { words.iter().map(|w| w >> shift).collect() };
    let (x, y) = (narrow(0), narrow(7));
    let i16s = |v: &[u64]| -> Vec<i16> { v.iter().map(|&w| w as i16).collect() };
    let i8s = |v: &[u64]| -> Vec<i8> { v.iter().map(|&w| w as i8).collect() };
    let u16s = |v: &[u64]| -> Vec<u16> { v.iter().map(|&w| w as u16).collect() };
    let u8s = |v: &[u64]| -> Vec<u8> { v.iter().map(|&w| w as u8).collect() };
    // 64 KiB in all per pair of slices.
    let (p, q) = (i16s(&x[..16384]), i16s(&y[..16384]));
    integer(c, "dot-i16/64KiB", &p, &q, native_i16());
    let (p, q) = (u16s(&x[..16384]), u16s(&y[..16384]));
    integer(c, "dot-u16/64KiB", &p, &q, native_u16());
    let (p, q) = (i8s(&x), i8s(&y));
    integer(c, "dot-i8/64KiB", &p, &q, native_i8());
    let (p, q) = (u8s(&x), u8s(&y));
    integer(c, "dot-u8/64KiB", &p, &q, native_u8());

    let max = std::env::var("CORESUM_BENCH_MAX").map_or(usize::MAX, |v| v.parse().unwrap_or(0));
    let (bytes, label) = if max >= 1 << 30 {
        (1usize << 30, "1GiB")
    } else {
        (64 << 20, "64MiB")
    };
    let a = float_values(bytes / 8, false);
    let mut b = float_values(bytes / 8 + 7, false);
    b.drain(..7); // other values than `a`'s
    let mut g = c.benchmark_group(format!("dot-f64/2x{label}-all-cores"));
    g.throughput(Throughput::Bytes(2 * bytes as u64));
    g.sample_size(10);
    for (name, mode) in [("fast", Mode::Fast), ("exact", Mode::Exact)] {
        g.bench_function(name, |bench| {
            bench.iter(|| coresum::dot_with(black_box(&a[..]), black_box(&b[..]), mode))
        });
    }
    g.bench_function("read-ceiling", |bench| {
        bench.iter(|| two_stream_read(black_box(&a[..]), black_box(&b[..])))
    });
    g.finish();
    drop((a, b));

    let big = float_values(bytes / 8, false);
    let mut g = c.benchmark_group(format!("moments-f64/{label}-all-cores"));
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(10);
    g.bench_function("sum", |bench| {
        bench.iter(|| coresum::sum(black_box(&big[..])))
    });
    g.bench_function("mean", |bench| {
        bench.iter(|| coresum::mean(black_box(&big[..])))
    });
    g.bench_function("variance", |bench| {
        bench.iter(|| coresum::variance(black_box(&big[..]), 1))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(20);
    targets = reductions
}
criterion_main!(benches);
