//! Which peers run on which data: the integer types on every core and by thread count, the float
//! sets, the small sums and the round trips; `measure` writes them to `rust.json`.

use crate::harness::{Low64, Peer, Settings, interleaved, plain};
use crate::report::{
    Float, FloatRow, IntegerRow, Machine, Report, RunSettings, ScalingRow, Seconds, SmallRow,
};
use crate::{KIB, Result};
use accurate::sum::OnlineExactSum;
use accurate::traits::SumWithAccumulator;
use coresum::{Cores, Mode, Pool, Summable};
use coresum_bench_support::data::{Aligned, Integer, float_values};
use coresum_bench_support::native::{unrolled8_f32, unrolled8_f64};
use coresum_bench_support::openmp::OpenMp;
use coresum_bench_support::{fork_union_pool, native};
use crossbeam_utils::CachePadded;
use rayon::prelude::*;
use std::hint::black_box;
use std::iter::Sum;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use xsum::Xsum;

/// The OpenMP entry point for one element type.
type OmpSum<T> = fn(&OpenMp, &[T]) -> u64;

/// The multi-threaded peers on `threads` threads: coresum on `pool`, rayon, fork_union, OpenMP
/// (u8 and i32 only: `scripts/omp_sum.c` has no others) and the read ceiling on `pool`'s workers.
fn parallel_peers<'a, T, W>(
    data: &'a [T],
    words: &'a [u64],
    pool: &'a Pool,
    rayon: &'a rayon::ThreadPool,
    openmp: Option<(&'a OpenMp, OmpSum<T>)>,
    std_loop: fn(&[T]) -> W,
) -> Vec<Peer<'a>>
where
    T: Summable + Sync,
    T::Output: Low64,
    W: From<T> + Sum + Send + Low64 + 'static,
{
    let threads = pool.threads();
    let slots = || -> Vec<CachePadded<AtomicU64>> {
        (0..threads)
            .map(|_| CachePadded::new(AtomicU64::new(0)))
            .collect()
    };
    let (fork_slots, ceiling_slots) = (slots(), slots());
    let ceiling = native::ceiling::best();
    let mut peers: Vec<Peer> = vec![
        ("coresum", plain(move || pool.sum(black_box(data)).low64())),
        (
            "rayon",
            plain(move || {
                rayon.install(|| {
                    black_box(data)
                        .par_iter()
                        .map(|&x| W::from(x))
                        .sum::<W>()
                        .low64()
                })
            }),
        ),
        (
            "fork_union",
            Box::new(move |iterations| {
                let mut forks = fork_union_pool(threads);
                let share = data.len().div_ceil(threads);
                let start = Instant::now();
                let mut result = 0;
                for _ in 0..iterations {
                    forks.for_threads(|thread, _| {
                        let part = black_box(data).chunks(share).nth(thread).unwrap_or(&[]);
                        fork_slots[thread].store(std_loop(part).low64(), Ordering::Relaxed);
                    });
                    result = fork_slots
                        .iter()
                        .fold(0u64, |a, p| a.wrapping_add(p.load(Ordering::Relaxed)));
                }
                (start.elapsed(), result)
            }),
        ),
    ];
    if let Some((omp, sum)) = openmp {
        peers.push((
            "openmp",
            plain(move || {
                omp.set_threads(threads);
                sum(omp, black_box(data))
            }),
        ));
    }
    peers.push((
        "ceiling",
        plain(move || {
            let share = words.len().div_ceil(threads);
            pool.broadcast(|worker| {
                let part = words.chunks(share).nth(worker).unwrap_or(&[]);
                ceiling_slots[worker].store(ceiling(part), Ordering::Relaxed);
            })
            .expect("the pool runs the ceiling");
            ceiling_slots
                .iter()
                .fold(0u64, |a, p| a.wrapping_add(p.load(Ordering::Relaxed)))
        }),
    ));
    peers
}

/// coresum's sum, or an error unless every peer but the ceiling returned it.
fn check_sums(what: &str, measured: &crate::harness::Measured) -> Result<u64> {
    let expected = measured.results["coresum"];
    for (name, &result) in &measured.results {
        if *name != "ceiling" && result != expected {
            return Err(format!(
                "{what}: {name} returned {result:#x}, coresum {expected:#x}"
            ));
        }
    }
    Ok(expected)
}

fn rayon_pool(threads: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| format!("a rayon pool of {threads} threads: {e}"))
}

/// What every measurement shares: the data, the pools, the peers' runtimes.
struct Context<'a> {
    settings: &'a Settings,
    /// The thread count of the all-cores rows.
    all: usize,
    buffer: &'a Aligned,
    cores: Vec<usize>,
    openmp: Option<&'a OpenMp>,
}

impl Context<'_> {
    /// A pinned coresum pool, a rayon pool and the OpenMP thread count, all of `threads` threads.
    fn pools(&self, threads: usize) -> Result<(Pool, rayon::ThreadPool)> {
        let pool = Pool::builder()
            .threads(threads)
            .cores(Cores::List(self.cores[..threads].to_vec()))
            .thread_name_prefix("compare-w")
            .build()
            .map_err(|e| format!("a pinned pool of {threads} threads: {e}"))?;
        Ok((pool, rayon_pool(threads)?))
    }
}

/// Integer sums of one type on every core, by size, and (u8 and i32) by thread count.
fn integer_type<T, W>(
    cx: &Context,
    name: &str,
    std_loop: fn(&[T]) -> W,
    openmp: Option<OmpSum<T>>,
    rows: &mut Vec<IntegerRow>,
    scaling: &mut Vec<ScalingRow>,
) -> Result<()>
where
    T: Summable + Integer + Sync,
    T::Output: Low64,
    W: From<T> + Sum + Send + Low64 + 'static,
{
    let openmp = cx.openmp.zip(openmp);
    let (pool, rayon) = cx.pools(cx.all)?;
    for &bytes in &cx.settings.int_sizes {
        eprintln!("{name}/{bytes}: all cores");
        let data: &[T] = cx.buffer.view(0, bytes / size_of::<T>());
        let words: &[u64] = cx.buffer.view(0, bytes / 8);
        let mut peers = parallel_peers(data, words, &pool, &rayon, openmp, std_loop);
        peers.push(("std", plain(move || std_loop(black_box(data)).low64())));
        let measured = interleaved(cx.settings, cx.settings.rounds(bytes), &mut peers);
        let sum_low64 = check_sums(&format!("{name}/{bytes}"), &measured)?;
        rows.push(IntegerRow {
            ty: name.into(),
            bytes,
            seconds: measured.by_peer(),
            spread: measured.spread(),
            sum_low64,
        });
    }
    drop((pool, rayon));
    if openmp.is_none() {
        return Ok(());
    }
    for &threads in &cx.settings.threads {
        let (pool, rayon) = cx.pools(threads)?;
        for &bytes in &cx.settings.scaling_sizes {
            eprintln!("{name}/{bytes}: {threads} threads");
            let data: &[T] = cx.buffer.view(0, bytes / size_of::<T>());
            let words: &[u64] = cx.buffer.view(0, bytes / 8);
            let mut peers = parallel_peers(data, words, &pool, &rayon, openmp, std_loop);
            let measured = interleaved(cx.settings, cx.settings.rounds(bytes), &mut peers);
            check_sums(&format!("{name}/{bytes}/{threads}"), &measured)?;
            scaling.push(ScalingRow {
                ty: name.into(),
                bytes,
                threads,
                seconds: measured.by_peer(),
                spread: measured.spread(),
            });
        }
    }
    Ok(())
}

/// Float sums of one set on one thread (and Exact on every core), with their results.
fn float_set<T: Summable<Output = f64> + Sync>(
    cx: &Context,
    set: &str,
    data: &[T],
    as_f64: Option<&[f64]>,
    naive: fn(&[T]) -> f64,
) -> Result<FloatRow> {
    eprintln!("{set}/{}: floats", size_of_val(data));
    let one = Pool::builder()
        .threads(1)
        .inline_bytes(usize::MAX)
        .build()
        .map_err(|e| format!("a one-thread pool: {e}"))?;
    let all = default_pool()?;
    let one = &one;
    let mode = |mode: Mode| plain(move || one.sum_with(black_box(data), mode).to_bits());
    let mut peers: Vec<Peer> = vec![
        ("exact", mode(Mode::Exact)),
        ("compensated", mode(Mode::Compensated)),
        ("fast", mode(Mode::Fast)),
        (
            "exact_all_cores",
            plain(move || all.sum_with(black_box(data), Mode::Exact).to_bits()),
        ),
        ("naive", plain(move || naive(black_box(data)).to_bits())),
    ];
    if let Some(values) = as_f64 {
        peers.push((
            "xsum",
            plain(move || {
                let mut acc = xsum::XsumAuto::new();
                acc.add_list(black_box(values));
                acc.sum().to_bits()
            }),
        ));
        peers.push((
            "accurate",
            plain(move || {
                black_box(values)
                    .iter()
                    .copied()
                    .sum_with_accumulator::<OnlineExactSum<f64>>()
                    .to_bits()
            }),
        ));
    }
    let measured = interleaved(cx.settings, cx.settings.rounds, &mut peers);
    let results = measured
        .results
        .iter()
        .map(|(&name, &bits)| (name.to_owned(), Float(f64::from_bits(bits))))
        .collect();
    Ok(FloatRow {
        set: set.into(),
        bytes: size_of_val(data),
        seconds: measured.by_peer(),
        spread: measured.spread(),
        results,
    })
}

/// Small sums (inline on the calling thread) against the std loop, and the pool's round trips.
fn latency(cx: &Context, rows: &mut Vec<SmallRow>) -> Result<Seconds> {
    for &bytes in &cx.settings.latency_sizes {
        let bytes_of_u8: &[u8] = cx.buffer.view(0, bytes);
        let of_i32: &[i32] = cx.buffer.view(0, bytes / 4);
        let (std_u8, std_i32) = (native::u8::best(), native::i32::best());
        let mut peers: Vec<Peer> = vec![
            (
                "u8 coresum",
                plain(|| coresum::sum(black_box(bytes_of_u8)) as u64),
            ),
            ("u8 std", plain(|| std_u8(black_box(bytes_of_u8)))),
            (
                "i32 coresum",
                plain(|| coresum::sum(black_box(of_i32)) as u64),
            ),
            ("i32 std", plain(|| std_i32(black_box(of_i32)) as u64)),
        ];
        let measured = interleaved(cx.settings, cx.settings.rounds, &mut peers);
        rows.push(SmallRow {
            bytes,
            seconds: measured.by_peer(),
            spread: measured.spread(),
        });
    }
    let threads = cx.all;
    let pool = default_pool()?;
    let pooled = Pool::builder()
        .threads(threads)
        .inline_bytes(0)
        .build()
        .map_err(|e| format!("a pool without inline sums: {e}"))?;
    let tiny: Arc<[i32]> = cx.buffer.view::<i32>(0, KIB / 4).into();
    let (pooled, tiny_ref) = (&pooled, &tiny);
    let rayon = &rayon_pool(threads)?;
    let mut peers: Vec<Peer> = vec![
        (
            "sum_async inline",
            plain(move || {
                pool.sum_async(tiny_ref.clone())
                    .wait()
                    .expect("a sum of 1 KiB") as u64
            }),
        ),
        (
            "sum_async wait",
            plain(move || {
                pooled
                    .sum_async(tiny_ref.clone())
                    .wait()
                    .expect("a sum of 1 KiB") as u64
            }),
        ),
        (
            "sum_async await",
            plain(move || {
                futures_executor::block_on(pooled.sum_async(tiny_ref.clone()))
                    .expect("a sum of 1 KiB") as u64
            }),
        ),
        (
            "blocking sum",
            plain(move || pooled.sum(&tiny_ref[..]) as u64),
        ),
        (
            "coresum broadcast",
            plain(move || {
                pool.broadcast(|w| {
                    black_box(w);
                })
                .expect("a broadcast");
                0
            }),
        ),
        (
            "rayon broadcast",
            plain(move || rayon.broadcast(|c| black_box(c.index())).len() as u64),
        ),
        (
            "fork_union for_threads",
            Box::new(move |iterations| {
                let mut forks = fork_union_pool(threads);
                let start = Instant::now();
                for _ in 0..iterations {
                    forks.for_threads(|t, _| {
                        black_box(t);
                    });
                }
                (start.elapsed(), 0)
            }),
        ),
    ];
    if let Some(omp) = cx.openmp {
        omp.set_threads(threads);
        peers.push((
            "openmp parallel",
            plain(move || {
                omp.round_trip();
                0
            }),
        ));
    }
    eprintln!("round trips");
    Ok(interleaved(cx.settings, cx.settings.rounds, &mut peers).by_peer())
}

/// The first line of a command's output, or "unknown".
fn command_line(program: &str, args: &[&str]) -> String {
    std::process::Command::new(program)
        .args(args)
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.lines().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// The default pool, which `coresum::sum` and the "all cores" float rows use.
fn default_pool() -> Result<&'static Pool> {
    coresum::default_pool().ok_or_else(|| "the default pool did not start".to_owned())
}

/// Measures every Rust peer and writes `target/compare/rust.json`.
pub fn measure(quick: bool) -> Result<()> {
    let cores = coresum::pool::allowed_cores();
    let settings = Settings::new(quick, cores.len());
    let all = match settings.threads.last() {
        Some(&all)
            if settings
                .threads
                .iter()
                .all(|&t| (1..=cores.len()).contains(&t)) =>
        {
            all
        }
        _ => {
            return Err(format!(
                "COMPARE_THREADS: counts between 1 and {} (the allowed cores)",
                cores.len()
            ));
        }
    };
    let started = command_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]);
    let load_before = load_average();
    let openmp = OpenMp::load(all);
    let largest = settings.int_sizes.iter().max().copied().unwrap_or(0);
    let buffer = Aligned::new(largest + 256);
    let cx = Context {
        settings: &settings,
        all,
        buffer: &buffer,
        cores: cores.clone(),
        openmp: openmp.as_ref(),
    };
    let (mut ints, mut scaling) = (Vec::new(), Vec::new());
    let (i, s) = (&mut ints, &mut scaling);
    integer_type::<u8, u64>(
        &cx,
        "u8",
        native::u8::best(),
        Some(|o, d| o.sum_u8(d)),
        i,
        s,
    )?;
    integer_type::<i8, i64>(&cx, "i8", native::i8::best(), None, i, s)?;
    integer_type::<u16, u64>(&cx, "u16", native::u16::best(), None, i, s)?;
    integer_type::<i16, i64>(&cx, "i16", native::i16::best(), None, i, s)?;
    integer_type::<u32, u64>(&cx, "u32", native::u32::best(), None, i, s)?;
    let omp_i32: OmpSum<i32> = |o, d| o.sum_i32(d) as u64;
    integer_type::<i32, i64>(&cx, "i32", native::i32::best(), Some(omp_i32), i, s)?;
    integer_type::<u64, u128>(&cx, "u64", native::u64::best(), None, i, s)?;
    integer_type::<i64, i128>(&cx, "i64", native::i64::best(), None, i, s)?;

    let mut floats = Vec::new();
    for &bytes in &settings.float_sizes {
        let narrow = float_values(bytes / 8, false);
        let wide = float_values(bytes / 8, true);
        let narrow32: Vec<f32> = float_values(bytes / 4, false)
            .iter()
            .map(|&x| x as f32)
            .collect();
        let (f64s, f32s) = (unrolled8_f64(), unrolled8_f32());
        floats.push(float_set(&cx, "f64", &narrow, Some(&narrow), f64s)?);
        floats.push(float_set(&cx, "f64-wide", &wide, Some(&wide), f64s)?);
        floats.push(float_set(&cx, "f32", &narrow32, None, f32s)?);
    }
    let mut small = Vec::new();
    let round_trips = latency(&cx, &mut small)?;

    let pool = default_pool()?;
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            let line = info.lines().find(|l| l.starts_with("model name"))?;
            Some(line.split(':').nth(1)?.trim().to_owned())
        });
    let report = Report {
        settings: RunSettings {
            quick: settings.quick,
            rounds: settings.rounds,
            sample_ms: settings.sample.as_millis() as u64,
            settle_ms: settings.settle.as_millis() as u64,
            threads: settings.threads.clone(),
        },
        machine: Machine {
            cpu: cpu.unwrap_or_else(|| "unknown".into()),
            cores,
            isa: coresum::isa().to_string(),
            pool_threads: pool.threads(),
            inline_bytes: pool.inline_bytes(),
            chunk_bytes: pool.chunk_bytes(),
            rustc: command_line("rustc", &["--version"]),
            gcc: command_line("gcc", &["--version"]),
            openmp: openmp.is_some(),
            started,
            load_before,
            load_after: load_average(),
        },
        integers: ints,
        scaling,
        floats,
        small,
        round_trips,
    };
    eprintln!("wrote {}", report.save()?);
    Ok(())
}
