//! `min` / `argmin` (issue 11) beside their peers, in one run on the same data.
//!
//! Groups `<op>/<type>/<size>`, op `min` or `argmin` (`max`/`argmax` are the same kernels with the
//! comparison turned round):
//! - `coresum`: `coresum::min` / `coresum::argmin` on the dispatched path (inline in cache; on the
//!   default pool at the large size);
//! - `std` (integers): `iter().min()`, and for `argmin` that followed by `iter().position(..)`,
//!   compiled for this CPU (AVX-512 F+BW where present, else AVX2), one thread;
//! - `scalar` (floats): the NaN-correct loop a caller writes without coresum (return at the first
//!   NaN, else keep the first strictly smaller element), compiled for this CPU, one thread;
//! - `ceiling` (large size): a wrapping `u64` add over the same bytes on the default pool's pinned
//!   workers, the read bandwidth every all-core reduction is bounded by.
//!
//! Sizes: 16 KiB (L1), 256 KiB (L2), and 256 MiB on all cores (`CORESUM_BENCH_MAX`, bytes, sets
//! the large size: up to 1 GiB, or below 16 MiB to skip it).

use coresum::Summable;
use coresum_bench_support::data::{Aligned, float_values};
use coresum_bench_support::native;
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use crossbeam_utils::CachePadded;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The peers, one function per element type and operation, compiled for the running CPU.
macro_rules! peers {
    ($($name:ident($t:ty) -> $out:ty: $body:expr;)*) => {$(
        mod $name {
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2")]
            fn avx512(data: &[$t]) -> $out {
                ($body)(data)
            }
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2")]
            fn avx2(data: &[$t]) -> $out {
                ($body)(data)
            }
            /// The widest of the two this CPU runs.
            pub fn best() -> fn(&[$t]) -> $out {
                #[cfg(target_arch = "x86_64")]
                if std::is_x86_feature_detected!("avx512f")
                    && std::is_x86_feature_detected!("avx512bw")
                    && std::is_x86_feature_detected!("avx512vl")
                {
                    // SAFETY: the CPU has AVX-512 F, BW and VL (checked above).
                    return |data| unsafe { avx512(data) };
                } else if std::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU has AVX2 (checked above).
                    return |data| unsafe { avx2(data) };
                }
                |data| ($body)(data)
            }
        }
    )*};
}

/// `iter().min()`, then the first position of it: the two-pass argmin a std user writes.
macro_rules! std_argmin {
    ($t:ty) => {
        |d: &[$t]| {
            let m = d.iter().min()?;
            d.iter().position(|x| x == m)
        }
    };
}

/// The NaN-correct scalar minimum and its first index (numpy's rule: the first NaN wins).
macro_rules! scalar_argmin {
    ($t:ty) => {
        |d: &[$t]| {
            let mut best = (0, *d.first()?);
            for (i, &x) in d.iter().enumerate() {
                if x.is_nan() {
                    return Some((i, x));
                }
                if x < best.1 {
                    best = (i, x);
                }
            }
            Some(best)
        }
    };
}

peers! {
    std_min_u8(u8) -> Option<u8>: |d: &[u8]| d.iter().copied().min();
    std_min_i16(i16) -> Option<i16>: |d: &[i16]| d.iter().copied().min();
    std_min_i32(i32) -> Option<i32>: |d: &[i32]| d.iter().copied().min();
    std_min_i64(i64) -> Option<i64>: |d: &[i64]| d.iter().copied().min();
    std_argmin_u8(u8) -> Option<usize>: std_argmin!(u8);
    std_argmin_i16(i16) -> Option<usize>: std_argmin!(i16);
    std_argmin_i32(i32) -> Option<usize>: std_argmin!(i32);
    std_argmin_i64(i64) -> Option<usize>: std_argmin!(i64);
    scalar_min_f32(f32) -> Option<f32>: |d: &[f32]| (scalar_argmin!(f32))(d).map(|(_, x)| x);
    scalar_min_f64(f64) -> Option<f64>: |d: &[f64]| (scalar_argmin!(f64))(d).map(|(_, x)| x);
    scalar_argmin_f32(f32) -> Option<usize>: |d: &[f32]| (scalar_argmin!(f32))(d).map(|(i, _)| i);
    scalar_argmin_f64(f64) -> Option<usize>: |d: &[f64]| (scalar_argmin!(f64))(d).map(|(i, _)| i);
}

/// coresum's `min` or `argmin` of `data` beside `peer`'s.
fn group<T: Summable, R>(
    c: &mut Criterion,
    name: String,
    data: &[T],
    argmin: bool,
    peer: (&str, fn(&[T]) -> R),
) {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(size_of_val(data) as u64));
    if argmin {
        g.bench_function("coresum", |b| b.iter(|| coresum::argmin(black_box(data))));
    } else {
        g.bench_function("coresum", |b| {
            b.iter(|| coresum::min(black_box(data)).is_some())
        });
    }
    g.bench_function(peer.0, |b| b.iter(|| peer.1(black_box(data))));
    g.finish();
}

/// The read ceiling over `words` on the default pool's workers.
fn ceiling(words: &[u64], partials: &[CachePadded<AtomicU64>]) -> u64 {
    let pool = coresum::default_pool().expect("the default pool starts");
    let sum = native::ceiling::best();
    let share = words.len().div_ceil(pool.threads());
    pool.broadcast(|worker| {
        let part = words.chunks(share).nth(worker).unwrap_or(&[]);
        partials[worker].store(sum(part), Ordering::Relaxed);
    })
    .expect("the pool runs the ceiling");
    partials
        .iter()
        .fold(0u64, |a, p| a.wrapping_add(p.load(Ordering::Relaxed)))
}

/// `coresum::min` and `coresum::argmin` of `data` on the default pool, named after `t`.
fn large<T: Summable>(g: &mut BenchmarkGroup<'_, WallTime>, t: &str, data: &[T]) {
    g.bench_function(format!("{t}-min"), |b| {
        b.iter(|| coresum::min(black_box(data)).is_some())
    });
    g.bench_function(format!("{t}-argmin"), |b| {
        b.iter(|| coresum::argmin(black_box(data)))
    });
}

fn minmax(c: &mut Criterion) {
    let pool = coresum::default_pool().expect("the default pool starts");
    eprintln!(
        "coresum: path {}, {} workers, chunks of {} KiB",
        coresum::isa(),
        pool.threads(),
        pool.chunk_bytes() >> 10
    );
    for (bytes, label) in [(16 << 10, "16KiB"), (256 << 10, "256KiB")] {
        let buffer = Aligned::new(bytes);
        macro_rules! ints {
            ($($t:ident: $min:ident, $argmin:ident;)*) => {$(
                let data: &[$t] = buffer.view(0, bytes / size_of::<$t>());
                let t = stringify!($t);
                group(c, format!("min/{t}/{label}"), data, false, ("std", $min::best()));
                group(c, format!("argmin/{t}/{label}"), data, true, ("std", $argmin::best()));
            )*};
        }
        ints! {
            u8: std_min_u8, std_argmin_u8;
            i16: std_min_i16, std_argmin_i16;
            i32: std_min_i32, std_argmin_i32;
            i64: std_min_i64, std_argmin_i64;
        }
        let f64s = float_values(bytes / 8, false);
        let f32s: Vec<f32> = float_values(bytes / 4, false)
            .iter()
            .map(|&x| x as f32)
            .collect();
        let (min64, arg64) = (scalar_min_f64::best(), scalar_argmin_f64::best());
        let (min32, arg32) = (scalar_min_f32::best(), scalar_argmin_f32::best());
        group(
            c,
            format!("min/f64/{label}"),
            &f64s,
            false,
            ("scalar", min64),
        );
        group(
            c,
            format!("argmin/f64/{label}"),
            &f64s,
            true,
            ("scalar", arg64),
        );
        group(
            c,
            format!("min/f32/{label}"),
            &f32s,
            false,
            ("scalar", min32),
        );
        group(
            c,
            format!("argmin/f32/{label}"),
            &f32s,
            true,
            ("scalar", arg32),
        );
    }

    let bytes: usize = std::env::var("CORESUM_BENCH_MAX")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256 << 20)
        .min(1 << 30);
    if bytes < 16 << 20 {
        return;
    }
    let buffer = Aligned::new(bytes);
    let partials: Vec<CachePadded<AtomicU64>> = (0..pool.threads())
        .map(|_| CachePadded::new(AtomicU64::new(0)))
        .collect();
    let mut g = c.benchmark_group(format!("all-cores/{}MiB", bytes >> 20));
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(10);
    let words: &[u64] = buffer.view(0, bytes / 8);
    g.bench_function("ceiling", |b| {
        b.iter(|| ceiling(black_box(words), &partials))
    });
    // Integers: the bytes as they are; floats: the same bytes with the exponent's top bit
    // cleared, so that no NaN ends the search early.
    large(&mut g, "i32", buffer.view::<i32>(0, bytes / 4));
    let floats: Vec<f64> = words
        .iter()
        .map(|&w| f64::from_bits(w & !(1 << 62)))
        .collect();
    large(&mut g, "f64", &floats);
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(20);
    targets = minmax
}
criterion_main!(benches);
