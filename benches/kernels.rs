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
//! `scripts/bench_table.py` turns the results into the ratios recorded in `docs/PERFORMANCE.md`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

const SIZES: [(usize, &str); 4] = [
    (16 << 10, "16KiB"),
    (256 << 10, "256KiB"),
    (4 << 20, "4MiB"),
    (64 << 20, "64MiB"),
];

/// A buffer whose data starts on a 128-byte boundary, filled with pseudo-random bytes.
struct Aligned {
    raw: Vec<u64>,
    start: usize,
}

impl Aligned {
    fn new(bytes: usize) -> Self {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let raw: Vec<u64> = (0..bytes / 8 + 32)
            .map(|_| {
                // xorshift64*: cheap, deterministic, no pattern a kernel could exploit.
                state ^= state >> 12;
                state ^= state << 25;
                state ^= state >> 27;
                state.wrapping_mul(0x2545_f491_4f6c_dd1d)
            })
            .collect();
        let start = raw.as_ptr().align_offset(128) / 8;
        Aligned { raw, start }
    }

    /// `len` elements of `T` starting `skip` elements past the aligned start.
    fn view<T: Copy>(&self, skip: usize, len: usize) -> &[T] {
        let bytes = (skip + len) * size_of::<T>();
        assert!(self.start * 8 + bytes <= self.raw.len() * 8);
        // SAFETY: the range lies inside `raw` (checked above), is aligned for `T` (the start is
        // 128-aligned and `skip` counts whole elements), and integers accept any bit pattern.
        unsafe {
            let base = self.raw.as_ptr().add(self.start).cast::<T>();
            std::slice::from_raw_parts(base.add(skip), len)
        }
    }
}

/// The `std` widening loop and the read ceiling, compiled for this CPU at run time.
macro_rules! native {
    ($($name:ident($t:ty) -> $wide:ty: $body:expr;)*) => {
        mod native {
            $(
                pub mod $name {
                    #[cfg(target_arch = "x86_64")]
                    #[target_feature(enable = "avx512f,avx512bw,avx2")]
                    fn avx512(data: &[$t]) -> $wide {
                        ($body)(data)
                    }
                    #[cfg(target_arch = "x86_64")]
                    #[target_feature(enable = "avx2")]
                    fn avx2(data: &[$t]) -> $wide {
                        ($body)(data)
                    }
                    /// The widest of the two this CPU runs.
                    pub fn best() -> fn(&[$t]) -> $wide {
                        #[cfg(target_arch = "x86_64")]
                        if std::is_x86_feature_detected!("avx512f")
                            && std::is_x86_feature_detected!("avx512bw")
                        {
                            // SAFETY: the CPU has AVX-512 F and BW (checked above).
                            return |data| unsafe { avx512(data) };
                        } else if std::is_x86_feature_detected!("avx2") {
                            // SAFETY: the CPU has AVX2 (checked above).
                            return |data| unsafe { avx2(data) };
                        }
                        // Elsewhere the build's own target features decide.
                        |data| ($body)(data)
                    }
                }
            )*
        }
    };
}

native! {
    u8(u8) -> u64: |d: &[u8]| d.iter().map(|&x| x as u64).sum();
    i8(i8) -> i64: |d: &[i8]| d.iter().map(|&x| x as i64).sum();
    u16(u16) -> u64: |d: &[u16]| d.iter().map(|&x| x as u64).sum();
    i16(i16) -> i64: |d: &[i16]| d.iter().map(|&x| x as i64).sum();
    u32(u32) -> u64: |d: &[u32]| d.iter().map(|&x| x as u64).sum();
    i32(i32) -> i64: |d: &[i32]| d.iter().map(|&x| x as i64).sum();
    u64(u64) -> u128: |d: &[u64]| d.iter().map(|&x| x as u128).sum();
    i64(i64) -> i128: |d: &[i64]| d.iter().map(|&x| x as i128).sum();
    ceiling(u64) -> u64: |d: &[u64]| d.iter().fold(0u64, |a, &x| a.wrapping_add(x));
}

fn bench_type<T: coresum::Summable, W>(
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
    targets = kernels
}
criterion_main!(benches);
