//! Research bench (issue 13): which exact integer kernel is fastest on this CPU, per type.
//!
//! Measures, one thread, in L1 (16 KiB), in L2 (256 KiB) and at the pool's chunk size (1 MiB):
//! - `lib-avx512` / `lib-avx2`: the library's kernels (`coresum::sum_on`), 4 accumulators;
//! - the variants below, on zmm (`z-…`, AVX-512) and ymm (`y-…`, AVX2 or AVX-VNNI), with `K`
//!   accumulators:
//!   - `halves`: the library's algorithm (wrapping sum + sum of high halves per 64-bit lane), with
//!     `K` accumulators (on ymm at most 4: 8 would need 16 accumulators and spill); `halves-sra` (i64, zmm only) takes the high half signed (`vpsraq`), so
//!     signed 64-bit needs no bias xor;
//!   - `extend`: sign- or zero-extend 32-bit elements into 64-bit lanes (`vpmovsxdq`/`vpmovzxdq`
//!     from memory) and add;
//!   - `dpbusd`: VNNI `vpdpbusd` against ones (bytes into i32 lanes, one instruction per vector),
//!     flushed into an `i128` before an i32 lane can overflow; `sad+dpbusd` alternates it with
//!     `vpsadbw` (they issue on different ports on Intel);
//!   - `dpwssd`: VNNI `vpdpwssd` against ones for 16-bit elements (u16 biased to signed first);
//! - `std-native` (`coresum_bench_support::native`, the `std` widening loop compiled for this CPU) and
//!   `ceiling` (a wrapping `u64` add over the same bytes).
//!
//! Every result is checked against an `i128` reference before it is timed. Timing: the minimum,
//! over many rounds that interleave all variants, of one batch of calls: the machine may be shared
//! (other builds), so medians are noise; the median is printed only to show how noisy a row was.
//!
//! Run: `cargo bench --bench isa_variants` (x86_64 with AVX-512 F/BW/VNNI and AVX-VNNI only).

#[cfg(target_arch = "x86_64")]
mod variants {
    /// Bytes folded before the lanes are reduced into an `i128`: far below any lane's overflow.
    pub const BLOCK_BYTES: usize = 1 << 30;

    /// Calls `step(state, k, offset)` for every whole group of `K` vectors of `vector` bytes in
    /// `len` bytes, and `flush(state)` every `flush_every` groups and at the end. Returns the bytes
    /// covered.
    #[inline(always)]
    pub fn drive<S, const K: usize>(
        state: &mut S,
        len: usize,
        vector: usize,
        flush_every: usize,
        mut step: impl FnMut(&mut S, usize, usize),
        mut flush: impl FnMut(&mut S),
    ) -> usize {
        let groups = len / (K * vector);
        let mut group = 0;
        while group < groups {
            let round = (groups - group).min(flush_every);
            for g in group..group + round {
                for k in 0..K {
                    step(state, k, (g * K + k) * vector);
                }
            }
            group += round;
            flush(state);
        }
        groups * K * vector
    }

    /// Sums `data` block by block with `kernel`, which returns its total and the elements it
    /// covered; the rest is added one by one.
    #[inline(always)]
    pub fn blocks<T: Copy + Into<i128>>(
        data: &[T],
        kernel: impl Fn(&[T]) -> (i128, usize),
    ) -> i128 {
        data.chunks(BLOCK_BYTES / size_of::<T>())
            .map(|block| {
                let (total, done) = kernel(block);
                total + block[done..].iter().map(|&x| x.into()).sum::<i128>()
            })
            .sum()
    }

    /// The `u64` lanes of a register.
    #[inline(always)]
    pub fn lanes64<R: Copy, const N: usize>(r: R) -> [u64; N] {
        const { assert!(size_of::<R>() == 8 * N) };
        // SAFETY: same size (checked above); every bit pattern is a valid `u64`.
        unsafe { core::mem::transmute_copy(&r) }
    }

    /// The `i32` lanes of a register.
    #[inline(always)]
    pub fn lanes32<R: Copy, const N: usize>(r: R) -> [i32; N] {
        const { assert!(size_of::<R>() == 4 * N) };
        // SAFETY: same size (checked above); every bit pattern is a valid `i32`.
        unsafe { core::mem::transmute_copy(&r) }
    }

    /// The variants on one register width; `use`s inside the module name its instructions.
    macro_rules! variants {
        ($feat:literal, $vnni:literal) => {
            use crate::variants::{blocks, drive, lanes32, lanes64};
            const BYTES: usize = size_of::<R>();
            const L64: usize = BYTES / 8;
            const L32: usize = BYTES / 4;

            /// One register from `data` at byte `offset`.
            #[inline(always)]
            fn at<T>(data: &[T], offset: usize) -> *const u8 {
                debug_assert!(offset + BYTES <= size_of_val(data));
                // SAFETY: `drive` only hands out offsets of whole vectors inside `data`.
                unsafe { data.as_ptr().cast::<u8>().add(offset) }
            }

            /// Split halves over 64-bit lanes: `BIAS` xor-ed in (each element then counts `EB`
            /// more), the high half weighing `2^SHIFT`, taken signed when `SRA`.
            #[target_feature(enable = $feat)]
            #[inline(never)]
            pub fn halves<
                T: Copy + Into<i128>,
                const K: usize,
                const BIAS: u64,
                const EB: i128,
                const SHIFT: u32,
                const SRA: bool,
            >(
                data: &[T],
            ) -> i128 {
                blocks(data, |d| {
                    let b = set1(BIAS as i64);
                    let mut acc = ([zero(); K], [zero(); K]);
                    let done = drive::<_, K>(
                        &mut acc,
                        size_of_val(d),
                        BYTES,
                        usize::MAX,
                        |(w, h), k, o| {
                            // SAFETY: `at` points at a whole vector inside `d`.
                            let v = unsafe { load(at(d, o).cast()) };
                            let v = if BIAS == 0 { v } else { xor(v, b) };
                            w[k] = add64(w[k], v);
                            h[k] = add64(h[k], if SRA { sra32(v) } else { srl32(v) });
                        },
                        |_| (),
                    );
                    let (mut w, mut h) = (zero(), zero());
                    for k in 0..K {
                        (w, h) = (add64(w, acc.0[k]), add64(h, acc.1[k]));
                    }
                    let mut total = 0i128;
                    for (w, h) in lanes64::<R, L64>(w).into_iter().zip(lanes64::<R, L64>(h)) {
                        let high = if SRA { h as i64 as i128 } else { h as i128 };
                        let low = w.wrapping_sub(h << 32) as i128;
                        total += low + (high << SHIFT);
                    }
                    let elements = done / size_of::<T>();
                    (total - EB * elements as i128, elements)
                })
            }

            /// 32-bit elements sign- (`SIGNED`) or zero-extended into 64-bit lanes from half a
            /// register.
            #[target_feature(enable = $feat)]
            #[inline(never)]
            pub fn extend<T: Copy + Into<i128>, const K: usize, const SIGNED: bool>(
                data: &[T],
            ) -> i128 {
                blocks(data, |d| {
                    let mut acc = [zero(); K];
                    let done = drive::<_, K>(
                        &mut acc,
                        size_of_val(d),
                        BYTES / 2,
                        usize::MAX,
                        |acc, k, o| {
                            // SAFETY: `at` points at a whole half-vector inside `d`.
                            let h = unsafe { load_half(at(d, o).cast()) };
                            acc[k] = add64(acc[k], if SIGNED { cvt_i32(h) } else { cvt_u32(h) });
                        },
                        |_| (),
                    );
                    let mut total = 0i128;
                    for a in acc {
                        for x in lanes64::<R, L64>(a) {
                            total += if SIGNED { x as i64 as i128 } else { x as i128 };
                        }
                    }
                    (total, done / 4)
                })
            }

            /// An all-zero register, outside any `#[target_feature]` function.
            #[inline(always)]
            fn zeroed() -> R {
                // SAFETY: `R` is plain bits; all zeros is a valid value.
                unsafe { core::mem::zeroed() }
            }

            /// Drains i32 lanes into `total` and zeroes them.
            #[inline(always)]
            fn drain<const K: usize>(acc: &mut [R; K], total: &mut i128) {
                for a in acc {
                    *total += lanes32::<R, L32>(*a)
                        .into_iter()
                        .map(i128::from)
                        .sum::<i128>();
                    *a = zeroed();
                }
            }

            /// Bytes into i32 lanes with `vpdpbusd` against ones; when `MIX`, every other
            /// accumulator takes `vpsadbw` into 64-bit lanes instead.
            #[target_feature(enable = $vnni)]
            #[inline(never)]
            pub fn dpbusd<
                T: Copy + Into<i128>,
                const K: usize,
                const SIGNED: bool,
                const MIX: bool,
            >(
                data: &[T],
            ) -> i128 {
                blocks(data, |d| {
                    let ones = set1(0x0101_0101_0101_0101);
                    let flip = set1(0x8080_8080_8080_8080u64 as i64);
                    let mut state = ([zero(); K], [zero(); K], 0i128);
                    // A lane gains at most 4 * 255 per vector: 2^20 groups stay below 2^31.
                    let done = drive::<_, K>(
                        &mut state,
                        size_of_val(d),
                        BYTES,
                        1 << 20,
                        |(acc, sad, _), k, o| {
                            // SAFETY: `at` points at a whole vector inside `d`.
                            let v = unsafe { load(at(d, o).cast()) };
                            if MIX && k % 2 == 1 {
                                let u = if SIGNED { xor(v, flip) } else { v };
                                sad[k] = add64(sad[k], sum_bytes(u));
                            } else if SIGNED {
                                acc[k] = dpbusd_op(acc[k], ones, v);
                            } else {
                                acc[k] = dpbusd_op(acc[k], v, ones);
                            }
                        },
                        |(acc, _, total)| drain(acc, total),
                    );
                    let (_, sad, mut total) = state;
                    for s in sad {
                        total += lanes64::<R, L64>(s)
                            .into_iter()
                            .map(i128::from)
                            .sum::<i128>();
                    }
                    if SIGNED && MIX {
                        // Each byte summed by `vpsadbw` carried an extra 128.
                        let sad_bytes = done / (K * BYTES) * (K / 2) * BYTES;
                        total -= 128 * sad_bytes as i128;
                    }
                    (total, done)
                })
            }

            /// 16-bit pairs into i32 lanes with `vpdpwssd` against ones (u16 biased to signed).
            #[target_feature(enable = $vnni)]
            #[inline(never)]
            pub fn dpwssd<T: Copy + Into<i128>, const K: usize, const SIGNED: bool>(
                data: &[T],
            ) -> i128 {
                blocks(data, |d| {
                    let ones = set1(0x0001_0001_0001_0001);
                    let flip = set1(0x8000_8000_8000_8000u64 as i64);
                    let mut state = ([zero(); K], 0i128);
                    // A lane gains at most 2^16 per vector: 32,767 groups stay below 2^31.
                    let done = drive::<_, K>(
                        &mut state,
                        size_of_val(d),
                        BYTES,
                        32_767,
                        |(acc, _), k, o| {
                            // SAFETY: `at` points at a whole vector inside `d`.
                            let v = unsafe { load(at(d, o).cast()) };
                            let v = if SIGNED { v } else { xor(v, flip) };
                            acc[k] = dpwssd_op(acc[k], v, ones);
                        },
                        |(acc, total)| drain(acc, total),
                    );
                    let elements = done / 2;
                    let total = state.1;
                    (
                        if SIGNED {
                            total
                        } else {
                            total + ((elements as i128) << 15)
                        },
                        elements,
                    )
                })
            }
        };
    }

    /// zmm: AVX-512 F/BW (+VNNI).
    pub mod z {
        use core::arch::x86_64::*;
        type R = __m512i;
        use _mm256_loadu_si256 as load_half;
        use _mm512_add_epi64 as add64;
        use _mm512_cvtepi32_epi64 as cvt_i32;
        use _mm512_cvtepu32_epi64 as cvt_u32;
        use _mm512_dpbusd_epi32 as dpbusd_op;
        use _mm512_dpwssd_epi32 as dpwssd_op;
        use _mm512_loadu_si512 as load;
        use _mm512_sad_epu8 as sad_op;
        use _mm512_set1_epi64 as set1;
        use _mm512_setzero_si512 as zero;
        use _mm512_xor_si512 as xor;
        #[target_feature(enable = "avx512f,avx512bw")]
        #[inline]
        fn srl32(v: R) -> R {
            _mm512_srli_epi64::<32>(v)
        }
        #[target_feature(enable = "avx512f,avx512bw")]
        #[inline]
        fn sra32(v: R) -> R {
            _mm512_srai_epi64::<32>(v)
        }
        #[target_feature(enable = "avx512f,avx512bw")]
        #[inline]
        fn sum_bytes(v: R) -> R {
            sad_op(v, _mm512_setzero_si512())
        }
        variants!("avx512f,avx512bw", "avx512f,avx512bw,avx512vnni");
    }

    /// ymm: AVX2 (+AVX-VNNI).
    pub mod y {
        use core::arch::x86_64::*;
        type R = __m256i;
        use _mm_loadu_si128 as load_half;
        use _mm256_add_epi64 as add64;
        use _mm256_cvtepi32_epi64 as cvt_i32;
        use _mm256_cvtepu32_epi64 as cvt_u32;
        use _mm256_dpbusd_avx_epi32 as dpbusd_op;
        use _mm256_dpwssd_avx_epi32 as dpwssd_op;
        use _mm256_loadu_si256 as load;
        use _mm256_sad_epu8 as sad_op;
        use _mm256_set1_epi64x as set1;
        use _mm256_setzero_si256 as zero;
        use _mm256_xor_si256 as xor;
        #[target_feature(enable = "avx2")]
        #[inline]
        fn srl32(v: R) -> R {
            _mm256_srli_epi64::<32>(v)
        }
        /// Unused on ymm (AVX2 has no 64-bit arithmetic shift); present for the shared code.
        #[target_feature(enable = "avx2")]
        #[inline]
        fn sra32(_: R) -> R {
            unreachable!("no vpsraq on AVX2")
        }
        #[target_feature(enable = "avx2")]
        #[inline]
        fn sum_bytes(v: R) -> R {
            sad_op(v, _mm256_setzero_si256())
        }
        variants!("avx2", "avx2,avxvnni");
    }
}

#[cfg(target_arch = "x86_64")]
fn main() {
    use coresum::Isa;
    use coresum_bench_support::{data::Aligned, native};
    use variants::{y, z};

    use std::arch::is_x86_feature_detected as has;
    if !(has!("avx512f") && has!("avx512bw") && has!("avx512vnni") && has!("avxvnni")) {
        eprintln!("isa_variants: needs AVX-512 F/BW/VNNI and AVX-VNNI; nothing measured");
        return;
    }
    println!("coresum path: {}", coresum::isa());
    println!(
        "| type | size | variant | min GB/s | median GB/s | ÷ std | ÷ lib-avx512 | ÷ ceiling |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    // Leaked so that the rows' closures may hold `'static` slices of them.
    let buffer: &'static _ = Box::leak(Box::new(Aligned::new((1 << 20) + 256)));
    // Every type's extremes (all ones; i32, i64 and i8 minima; i64 maximum), for the checks.
    let pattern = [
        u64::MAX,
        0x8000_0000_8000_0000,
        1 << 63,
        i64::MAX as u64,
        0x8080_8080_8080_8080,
    ];
    let extremes: &'static [u64] = (0..(1 << 20) / 8)
        .map(|i| pattern[i % 5])
        .collect::<Vec<_>>()
        .leak();
    for (bytes, size) in [
        (16 << 10, "16KiB"),
        (256 << 10, "256KiB"),
        (1 << 20, "1MiB"),
    ] {
        let words: &'static [u64] = buffer.view(0, bytes / 8);
        let ceiling = native::ceiling::best();
        /// The rows of one type: the library, the variants, std and the ceiling.
        macro_rules! suite {
            ($t:ident: $($label:literal => $f:path),* $(,)?) => {{
                let std_native = native::$t::best();
                let rows = |d: &'static [$t]| -> Vec<Row> { vec![
                    ("lib-avx512", Box::new(move || coresum::sum_on(Isa::Avx512, d).unwrap() as i128)),
                    ("lib-avx2", Box::new(move || coresum::sum_on(Isa::Avx2, d).unwrap() as i128)),
                    // SAFETY: the CPU has AVX-512 F/BW/VNNI and AVX-VNNI (checked above).
                    $(($label, Box::new(move || unsafe { $f(d) })),)*
                    ("std-native", Box::new(move || std_native(d) as i128)),
                    ("ceiling", Box::new(move || ceiling(words) as i128)),
                ]};
                let len = bytes / size_of::<$t>();
                // SAFETY: `extremes` holds `bytes` bytes, 8-aligned; integers take any bits.
                let x: &[$t] = unsafe { std::slice::from_raw_parts(extremes.as_ptr().cast(), len) };
                check(stringify!($t), &rows(x), x);
                let d: &[$t] = buffer.view(0, len);
                check(stringify!($t), &rows(d), d);
                report(stringify!($t), size, bytes, &rows(d));
            }};
        }
        suite!(u8:
            "z-dpbusd K=4" => z::dpbusd::<u8, 4, false, false>,
            "z-dpbusd K=8" => z::dpbusd::<u8, 8, false, false>,
            "z-sad+dpbusd K=4" => z::dpbusd::<u8, 4, false, true>,
            "z-sad+dpbusd K=8" => z::dpbusd::<u8, 8, false, true>,
            "y-dpbusd K=8" => y::dpbusd::<u8, 8, false, false>,
            "y-sad+dpbusd K=8" => y::dpbusd::<u8, 8, false, true>,
        );
        suite!(i8:
            "z-dpbusd K=4" => z::dpbusd::<i8, 4, true, false>,
            "z-dpbusd K=8" => z::dpbusd::<i8, 8, true, false>,
            "z-sad+dpbusd K=4" => z::dpbusd::<i8, 4, true, true>,
            "z-sad+dpbusd K=8" => z::dpbusd::<i8, 8, true, true>,
            "y-dpbusd K=8" => y::dpbusd::<i8, 8, true, false>,
            "y-sad+dpbusd K=8" => y::dpbusd::<i8, 8, true, true>,
        );
        suite!(u16:
            "z-dpwssd K=4" => z::dpwssd::<u16, 4, false>,
            "z-dpwssd K=8" => z::dpwssd::<u16, 8, false>,
            "y-dpwssd K=8" => y::dpwssd::<u16, 8, false>,
        );
        suite!(i16:
            "z-dpwssd K=4" => z::dpwssd::<i16, 4, true>,
            "z-dpwssd K=8" => z::dpwssd::<i16, 8, true>,
            "y-dpwssd K=8" => y::dpwssd::<i16, 8, true>,
        );
        suite!(u32:
            "z-halves K=2" => z::halves::<u32, 2, 0, 0, 0, false>,
            "z-halves K=8" => z::halves::<u32, 8, 0, 0, 0, false>,
            "z-extend K=2" => z::extend::<u32, 2, false>,
            "z-extend K=4" => z::extend::<u32, 4, false>,
            "z-extend K=8" => z::extend::<u32, 8, false>,
            "y-halves K=4" => y::halves::<u32, 4, 0, 0, 0, false>,
            "y-extend K=8" => y::extend::<u32, 8, false>,
        );
        suite!(i32:
            "z-halves K=2" => z::halves::<i32, 2, 0x8000_0000_8000_0000, { 1 << 31 }, 0, false>,
            "z-halves K=8" => z::halves::<i32, 8, 0x8000_0000_8000_0000, { 1 << 31 }, 0, false>,
            "z-extend K=2" => z::extend::<i32, 2, true>,
            "z-extend K=4" => z::extend::<i32, 4, true>,
            "z-extend K=8" => z::extend::<i32, 8, true>,
            "y-halves K=4" => y::halves::<i32, 4, 0x8000_0000_8000_0000, { 1 << 31 }, 0, false>,
            "y-extend K=8" => y::extend::<i32, 8, true>,
        );
        suite!(u64:
            "z-halves K=2" => z::halves::<u64, 2, 0, 0, 32, false>,
            "z-halves K=8" => z::halves::<u64, 8, 0, 0, 32, false>,
        );
        suite!(i64:
            "z-halves K=8" => z::halves::<i64, 8, 0x8000_0000_0000_0000, { 1 << 63 }, 32, false>,
            "z-halves-sra K=4" => z::halves::<i64, 4, 0, 0, 32, true>,
            "z-halves-sra K=8" => z::halves::<i64, 8, 0, 0, 32, true>,
        );
    }
}

/// A labelled sum over data the closure holds.
#[cfg(target_arch = "x86_64")]
type Row = (&'static str, Box<dyn Fn() -> i128>);

/// Panics unless every row but the ceiling sums `data` exactly.
#[cfg(target_arch = "x86_64")]
fn check<T: Copy + Into<i128>>(ty: &str, rows: &[Row], data: &[T]) {
    let expected: i128 = data.iter().map(|&x| x.into()).sum();
    for (label, f) in rows {
        let ok = *label == "ceiling" || f() == expected;
        assert!(ok, "{ty} {label}, {} elements: wrong sum", data.len());
    }
}

/// Times every row in interleaved rounds and prints one table line per row.
#[cfg(target_arch = "x86_64")]
fn report(ty: &str, size: &str, bytes: usize, rows: &[Row]) {
    use std::hint::black_box;
    use std::time::Instant;
    // About 20 µs per batch; 1,000 rounds of every row.
    let batch = (1 << 20) / bytes;
    let mut samples = vec![Vec::with_capacity(1000); rows.len()];
    for _ in 0..1000 {
        for ((_, f), samples) in rows.iter().zip(&mut samples) {
            let start = Instant::now();
            for _ in 0..batch {
                black_box(f());
            }
            samples.push(start.elapsed().as_secs_f64() / batch as f64);
        }
    }
    let gbs = |s: f64| bytes as f64 / s / 1e9;
    let stats: Vec<(f64, f64)> = samples
        .iter_mut()
        .map(|s| {
            s.sort_by(f64::total_cmp);
            (gbs(s[0]), gbs(s[s.len() / 2]))
        })
        .collect();
    let of = |label: &str| stats[rows.iter().position(|(l, _)| *l == label).unwrap()].0;
    let (std, lib, ceiling) = (of("std-native"), of("lib-avx512"), of("ceiling"));
    for ((label, _), (best, median)) in rows.iter().zip(stats) {
        println!(
            "| {ty} | {size} | {label} | {best:.1} | {median:.1} | {:.2} | {:.2} | {:.2} |",
            best / std,
            best / lib,
            best / ceiling
        );
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn main() {
    eprintln!("isa_variants: x86_64 only");
}
