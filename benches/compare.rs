//! Every peer side by side, for `docs/PERFORMANCE.md`: the bench behind `scripts/compare.sh`.
//!
//! `cargo bench --bench compare -- measure [--quick]` measures the Rust-side peers and writes
//! `target/compare/rust.json`; `scripts/compare_py.py` then adds numpy and `math.fsum` over the
//! same bytes (`target/compare/python.json`); `cargo bench --bench compare -- render` merges both
//! into the marked section of `docs/PERFORMANCE.md` and the SVGs in `docs/img/`.
//!
//! The machine is shared and noisy, so peers compared in one table row are measured *interleaved*:
//! `rounds` round-robin passes (the order rotated each pass), each sample a batch of calls lasting
//! about `sample` after a short pause (so that peers that spin after their work — OpenMP, coresum's
//! workers — do not steal the next peer's cores), and each figure the median per call. Noise then
//! hits every peer of a row alike, and the report gives ratios between them.

use accurate::sum::OnlineExactSum;
use accurate::traits::SumWithAccumulator;
use coresum::{Cores, Mode, Pool, Summable};
use coresum_bench_support::data::float_values;
use coresum_bench_support::data::{Aligned, Integer};
use coresum_bench_support::native::{unrolled8_f32, unrolled8_f64};
use coresum_bench_support::openmp::OpenMp;
use coresum_bench_support::{fork_union_pool, native};
use crossbeam_utils::CachePadded;
use rayon::prelude::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::iter::Sum;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use xsum::Xsum;

const KIB: usize = 1 << 10;
const MIB: usize = 1 << 20;
const GIB: usize = 1 << 30;
const OUT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/target/compare");
const DOCS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs");
const BEGIN: &str = "<!-- compare.sh: begin -->";
const END: &str = "<!-- compare.sh: end -->";

/// How much to measure: the full report, or a smoke run (`--quick`).
struct Settings {
    quick: bool,
    rounds: usize,
    sample: Duration,
    settle: Duration,
    int_sizes: Vec<usize>,
    float_sizes: Vec<usize>,
    latency_sizes: Vec<usize>,
    scaling_sizes: Vec<usize>,
    threads: Vec<usize>,
}

impl Settings {
    fn new(quick: bool, cores: usize) -> Settings {
        // 1, 2, 4, … and every allowed core; `COMPARE_THREADS=1,3,8` picks others.
        let threads = std::env::var("COMPARE_THREADS")
            .ok()
            .map(|list| {
                list.split(',')
                    .filter_map(|t| t.trim().parse().ok())
                    .collect()
            })
            .unwrap_or_else(|| {
                let mut counts: Vec<usize> =
                    (0..).map(|p| 1 << p).take_while(|&n| n < cores).collect();
                counts.push(cores);
                counts
            });
        let int_sizes = if quick {
            vec![16 * KIB, 256 * KIB, 4 * MIB]
        } else {
            vec![16 * KIB, 256 * KIB, 4 * MIB, 64 * MIB, GIB]
        };
        let mut scaling_sizes = vec![4 * MIB, *int_sizes.last().unwrap()];
        scaling_sizes.dedup();
        Settings {
            quick,
            rounds: if quick { 3 } else { 7 },
            sample: Duration::from_millis(if quick { 5 } else { 20 }),
            // libgomp's threads spin for several milliseconds after a region (GOMP_SPINCOUNT),
            // pinned to the cores every other peer needs: the pause outlasts that.
            settle: Duration::from_millis(10),
            scaling_sizes,
            int_sizes,
            float_sizes: vec![256 * KIB, 8 * MIB],
            latency_sizes: vec![KIB, 4 * KIB, 16 * KIB, 64 * KIB],
            threads,
        }
    }

    /// Fewer rounds where one call already takes a large share of a second.
    fn rounds(&self, bytes: usize) -> usize {
        if bytes >= 256 * MIB {
            self.rounds.min(5)
        } else {
            self.rounds
        }
    }
}

/// One sample of a peer: runs it the given number of times, returns the time taken and the low
/// 64 bits of its last result (float results: their bits).
type Sampler<'a> = Box<dyn FnMut(u64) -> (Duration, u64) + 'a>;

/// A named peer of one measurement.
type Peer<'a> = (&'static str, Sampler<'a>);

/// A peer with nothing to set up per sample.
fn plain<'a>(mut call: impl FnMut() -> u64 + 'a) -> Sampler<'a> {
    Box::new(move |iterations| {
        let start = Instant::now();
        let mut result = 0;
        for _ in 0..iterations {
            result = black_box(call());
        }
        (start.elapsed(), result)
    })
}

/// Medians, in seconds per call, of peers measured interleaved, and their last results.
struct Measured {
    seconds: BTreeMap<&'static str, f64>,
    results: BTreeMap<&'static str, u64>,
}

/// The interleaved measurement described in the module documentation.
fn interleaved(settings: &Settings, rounds: usize, peers: &mut [Peer]) -> Measured {
    // Calibration (also the warm-up): the calls per sample that fill `settings.sample`.
    let iterations: Vec<u64> = peers
        .iter_mut()
        .map(|(_, sampler)| {
            let mut calls = 1u64;
            loop {
                let (time, _) = sampler(calls);
                if time >= settings.sample / 4 || calls >= 1 << 24 {
                    let scale = settings.sample.as_secs_f64() / time.as_secs_f64().max(1e-9);
                    break ((calls as f64 * scale).ceil() as u64).max(1);
                }
                calls *= 8;
            }
        })
        .collect();
    let mut times = vec![Vec::with_capacity(rounds); peers.len()];
    let mut results = BTreeMap::new();
    for round in 0..rounds {
        for k in 0..peers.len() {
            let i = (k + round) % peers.len();
            std::thread::sleep(settings.settle);
            let (name, sampler) = &mut peers[i];
            let (time, result) = sampler(iterations[i]);
            times[i].push(time.as_secs_f64() / iterations[i] as f64);
            results.insert(*name, result);
        }
    }
    let seconds = peers
        .iter()
        .zip(&mut times)
        .map(|((name, _), t)| {
            t.sort_by(f64::total_cmp);
            (*name, t[t.len() / 2])
        })
        .collect();
    Measured { seconds, results }
}

/// The low 64 bits of an integer result: every peer's sum is compared in these (numpy's too,
/// which wraps 64-bit inputs).
trait Low64 {
    fn low64(self) -> u64;
}

macro_rules! low64 {
    ($($t:ty)*) => {$(
        impl Low64 for $t {
            fn low64(self) -> u64 {
                self as u64
            }
        }
    )*};
}

low64!(u64 i64 u128 i128);

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

/// Panics unless every peer but the ceiling returned coresum's sum.
fn check_sums(what: &str, measured: &Measured) -> u64 {
    let expected = measured.results["coresum"];
    for (name, &result) in &measured.results {
        assert!(
            *name == "ceiling" || result == expected,
            "{what}: {name} returned {result:#x}, coresum {expected:#x}"
        );
    }
    expected
}

/// What every measurement shares: the data, the pools, the peers' runtimes.
struct Context<'a> {
    settings: &'a Settings,
    buffer: &'a Aligned,
    cores: Vec<usize>,
    openmp: Option<&'a OpenMp>,
}

impl Context<'_> {
    /// A pinned coresum pool, a rayon pool and the OpenMP thread count, all of `threads` threads.
    fn pools(&self, threads: usize) -> (Pool, rayon::ThreadPool) {
        let pool = Pool::builder()
            .threads(threads)
            .cores(Cores::List(self.cores[..threads].to_vec()))
            .thread_name_prefix("compare-w")
            .build()
            .expect("a pinned pool starts");
        let rayon = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a rayon pool starts");
        (pool, rayon)
    }
}

/// Integer sums of one type on every core, by size, and (u8 and i32) by thread count.
fn integer_type<T, W>(
    cx: &Context,
    name: &str,
    std_loop: fn(&[T]) -> W,
    openmp: Option<OmpSum<T>>,
    rows: &mut Vec<Value>,
    scaling: &mut Vec<Value>,
) where
    T: Summable + Integer + Sync,
    T::Output: Low64,
    W: From<T> + Sum + Send + Low64 + 'static,
{
    let openmp = cx.openmp.zip(openmp);
    let all = *cx.settings.threads.last().unwrap();
    let (pool, rayon) = cx.pools(all);
    for &bytes in &cx.settings.int_sizes {
        eprintln!("{name}/{bytes}: all cores");
        let data: &[T] = cx.buffer.view(0, bytes / size_of::<T>());
        let words: &[u64] = cx.buffer.view(0, bytes / 8);
        let mut peers = parallel_peers(data, words, &pool, &rayon, openmp, std_loop);
        peers.push(("std", plain(move || std_loop(black_box(data)).low64())));
        let measured = interleaved(cx.settings, cx.settings.rounds(bytes), &mut peers);
        let sum = check_sums(&format!("{name}/{bytes}"), &measured);
        rows.push(
            json!({"type": name, "bytes": bytes, "seconds": measured.seconds, "sum_low64": sum}),
        );
    }
    drop((pool, rayon));
    if openmp.is_none() {
        return;
    }
    for &threads in &cx.settings.threads {
        let (pool, rayon) = cx.pools(threads);
        for &bytes in &cx.settings.scaling_sizes {
            eprintln!("{name}/{bytes}: {threads} threads");
            let data: &[T] = cx.buffer.view(0, bytes / size_of::<T>());
            let words: &[u64] = cx.buffer.view(0, bytes / 8);
            let mut peers = parallel_peers(data, words, &pool, &rayon, openmp, std_loop);
            let measured = interleaved(cx.settings, cx.settings.rounds(bytes), &mut peers);
            check_sums(&format!("{name}/{bytes}/{threads}"), &measured);
            scaling.push(json!({"type": name, "bytes": bytes, "threads": threads, "seconds": measured.seconds}));
        }
    }
}

/// Float sums of one set on one thread (and Exact on every core), with their results.
fn float_set<T: Summable<Output = f64> + Sync>(
    cx: &Context,
    set: &str,
    data: &[T],
    as_f64: Option<&[f64]>,
    naive: fn(&[T]) -> f64,
) -> Value {
    eprintln!("{set}/{}: floats", size_of_val(data));
    let one = Pool::builder()
        .threads(1)
        .inline_bytes(usize::MAX)
        .build()
        .expect("a one-thread pool starts");
    let all = coresum::default_pool().expect("the default pool starts");
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
    // As text: JSON has no infinities (the f64-wide sums overflow).
    let results: BTreeMap<_, _> = measured
        .results
        .iter()
        .map(|(name, &bits)| (*name, format!("{:?}", f64::from_bits(bits))))
        .collect();
    json!({"set": set, "bytes": size_of_val(data), "seconds": measured.seconds, "results": results})
}

/// Small sums (inline on the calling thread) against the std loop, and the pool's round trips.
fn latency(cx: &Context, rows: &mut Vec<Value>) -> Value {
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
        rows.push(json!({"bytes": bytes, "seconds": measured.seconds}));
    }
    let threads = *cx.settings.threads.last().unwrap();
    let pool = coresum::default_pool().expect("the default pool starts");
    let pooled = Pool::builder()
        .threads(threads)
        .inline_bytes(0)
        .build()
        .expect("a pool without inline sums starts");
    let tiny: Arc<[i32]> = cx.buffer.view::<i32>(0, KIB / 4).into();
    let (pooled, tiny_ref) = (&pooled, &tiny);
    let rayon = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a rayon pool starts");
    let rayon = &rayon;
    let mut peers: Vec<Peer> = vec![
        (
            "sum_async inline",
            plain(move || pool.sum_async(tiny_ref.clone()).wait().unwrap() as u64),
        ),
        (
            "sum_async wait",
            plain(move || pooled.sum_async(tiny_ref.clone()).wait().unwrap() as u64),
        ),
        (
            "sum_async await",
            plain(move || {
                futures_executor::block_on(pooled.sum_async(tiny_ref.clone())).unwrap() as u64
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
                .unwrap();
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
    json!(interleaved(cx.settings, cx.settings.rounds, &mut peers).seconds)
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

fn measure(quick: bool) {
    let cores = coresum::pool::allowed_cores();
    let settings = Settings::new(quick, cores.len());
    assert!(
        settings
            .threads
            .iter()
            .all(|&t| (1..=cores.len()).contains(&t)),
        "COMPARE_THREADS: counts between 1 and {} (the allowed cores)",
        cores.len()
    );
    let started = command_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]);
    let load_before = load_average();
    let all = *settings.threads.last().unwrap();
    let openmp = OpenMp::load(all);
    let largest = *settings.int_sizes.last().unwrap();
    let buffer = Aligned::new(largest + 256);
    let cx = Context {
        settings: &settings,
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
    );
    integer_type::<i8, i64>(&cx, "i8", native::i8::best(), None, i, s);
    integer_type::<u16, u64>(&cx, "u16", native::u16::best(), None, i, s);
    integer_type::<i16, i64>(&cx, "i16", native::i16::best(), None, i, s);
    integer_type::<u32, u64>(&cx, "u32", native::u32::best(), None, i, s);
    let omp_i32: OmpSum<i32> = |o, d| o.sum_i32(d) as u64;
    integer_type::<i32, i64>(&cx, "i32", native::i32::best(), Some(omp_i32), i, s);
    integer_type::<u64, u128>(&cx, "u64", native::u64::best(), None, i, s);
    integer_type::<i64, i128>(&cx, "i64", native::i64::best(), None, i, s);

    let mut floats = Vec::new();
    for &bytes in &settings.float_sizes {
        let narrow = float_values(bytes / 8, false);
        let wide = float_values(bytes / 8, true);
        let narrow32: Vec<f32> = float_values(bytes / 4, false)
            .iter()
            .map(|&x| x as f32)
            .collect();
        floats.push(float_set(
            &cx,
            "f64",
            &narrow,
            Some(&narrow),
            unrolled8_f64(),
        ));
        floats.push(float_set(
            &cx,
            "f64-wide",
            &wide,
            Some(&wide),
            unrolled8_f64(),
        ));
        floats.push(float_set(&cx, "f32", &narrow32, None, unrolled8_f32()));
    }
    let mut small = Vec::new();
    let round_trips = latency(&cx, &mut small);

    let pool = coresum::default_pool().expect("the default pool starts");
    let report = json!({
        "settings": {
            "quick": settings.quick,
            "rounds": settings.rounds,
            "sample_ms": settings.sample.as_millis() as u64,
            "settle_ms": settings.settle.as_millis() as u64,
            "threads": settings.threads,
        },
        "machine": {
            "cpu": std::fs::read_to_string("/proc/cpuinfo").ok()
                .and_then(|c| c.lines().find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split(':').nth(1)).map(|m| m.trim().to_owned()))
                .unwrap_or_else(|| "unknown".into()),
            "cores": cores,
            "isa": coresum::isa().to_string(),
            "pool_threads": pool.threads(),
            "inline_bytes": pool.inline_bytes(),
            "chunk_bytes": pool.chunk_bytes(),
            "rustc": command_line("rustc", &["--version"]),
            "gcc": command_line("gcc", &["--version"]),
            "openmp": openmp.is_some(),
            "started": started,
            "load_before": load_before,
            "load_after": load_average(),
        },
        "integers": ints,
        "scaling": scaling,
        "floats": floats,
        "small": small,
        "round_trips": round_trips,
    });
    std::fs::create_dir_all(OUT).expect("target/compare can be created");
    let path = format!("{OUT}/rust.json");
    std::fs::write(&path, serde_json::to_string_pretty(&report).unwrap()).expect("rust.json");
    eprintln!("wrote {path}");
}

// ---------------------------------------------------------------------------------------------
// The report.

/// `rust.json` and (if present) `python.json`, with lookups by row.
struct Results {
    rust: Value,
    python: Option<Value>,
}

impl Results {
    fn load() -> Results {
        let read = |name: &str| {
            std::fs::read_to_string(format!("{OUT}/{name}"))
                .ok()
                .map(|text| serde_json::from_str::<Value>(&text).expect("valid JSON"))
        };
        let rust = read("rust.json").expect("target/compare/rust.json: run `measure` first");
        let python = read("python.json").filter(|p| p.get("skipped").is_none());
        Results { rust, python }
    }

    /// The note python.json left when it measured nothing.
    fn python_skipped() -> Option<String> {
        let text = std::fs::read_to_string(format!("{OUT}/python.json")).ok();
        match text.and_then(|t| serde_json::from_str::<Value>(&t).ok()) {
            None => Some("scripts/compare_py.py did not run".into()),
            Some(p) => p["skipped"].as_str().map(str::to_owned),
        }
    }

    /// GB/s of every peer of an integer row, numpy's included.
    fn integer(&self, row: &Value) -> BTreeMap<String, f64> {
        let bytes = row["bytes"].as_f64().unwrap();
        let mut gbps: BTreeMap<String, f64> = row["seconds"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), bytes / v.as_f64().unwrap() / 1e9))
            .collect();
        if let Some(numpy) = self.python_row("integers", row, "type") {
            gbps.insert(
                "numpy".into(),
                bytes / numpy["seconds"].as_f64().unwrap() / 1e9,
            );
        }
        gbps
    }

    /// GB/s and results of every method of a float row, numpy's and fsum's included.
    fn float(&self, row: &Value) -> (BTreeMap<String, f64>, BTreeMap<String, f64>) {
        let bytes = row["bytes"].as_f64().unwrap();
        let map = |v: &Value| -> BTreeMap<String, f64> {
            v.as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| {
                    let number = v.as_f64().or_else(|| v.as_str()?.parse().ok());
                    (k.clone(), number.expect("a number or its text"))
                })
                .collect()
        };
        let (mut seconds, mut results) = (map(&row["seconds"]), map(&row["results"]));
        if let Some(p) = self.python_row("floats", row, "set") {
            seconds.extend(map(&p["seconds"]));
            results.extend(map(&p["results"]));
        }
        let gbps = seconds
            .into_iter()
            .map(|(k, s)| (k, bytes / s / 1e9))
            .collect();
        (gbps, results)
    }

    fn python_row(&self, section: &str, row: &Value, key: &str) -> Option<&Value> {
        self.python.as_ref()?[section]
            .as_array()?
            .iter()
            .find(|p| p[key] == row[key] && p["bytes"] == row["bytes"])
    }
}

fn size_label(bytes: u64) -> String {
    match bytes {
        b if b >= GIB as u64 => format!("{} GiB", b >> 30),
        b if b >= MIB as u64 => format!("{} MiB", b >> 20),
        b => format!("{} KiB", b >> 10),
    }
}

/// A ratio cell, or "–" where the peer was not measured.
fn ratio(a: Option<&f64>, b: Option<&f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) => format!("{:.2}", a / b),
        _ => "–".into(),
    }
}

/// Integer peers that the headline compares coresum with (the ceiling is a bound, not a peer).
const INT_PEERS: [&str; 5] = ["std", "rayon", "fork_union", "openmp", "numpy"];

fn best_peer(gbps: &BTreeMap<String, f64>) -> Option<(&'static str, f64)> {
    INT_PEERS
        .iter()
        .filter_map(|&p| gbps.get(p).map(|&v| (p, v)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

fn markdown(r: &Results, quick: bool) -> String {
    let m = &r.rust["machine"];
    let s = &r.rust["settings"];
    let threads = m["pool_threads"].as_u64().unwrap();
    let mut md = String::new();
    let w = &mut md;
    let python = r.python.as_ref();
    let text = |v: &Value| v.as_str().unwrap_or("unknown").to_owned();
    writeln!(w, "{BEGIN}\n## Side by side (`scripts/compare.sh`)\n").unwrap();
    writeln!(
        w,
        "Generated by `scripts/compare.sh{}` — do not edit by hand; re-run it. Started {}.\n",
        if quick { " --quick" } else { "" },
        text(&m["started"])
    )
    .unwrap();
    writeln!(
        w,
        "- Machine: {}, {} allowed cores ({:?}), coresum path `{}`, chunks of {} KiB, blocking sums \
         inline below {}; {}; {}; {}.",
        text(&m["cpu"]),
        m["cores"].as_array().map_or(0, Vec::len),
        m["cores"].as_array().unwrap().iter().map(|c| c.as_u64().unwrap()).collect::<Vec<_>>(),
        text(&m["isa"]),
        m["chunk_bytes"].as_u64().unwrap() >> 10,
        size_label(m["inline_bytes"].as_u64().unwrap()),
        text(&m["rustc"]),
        text(&m["gcc"]),
        python.map_or("Python peers not measured".into(), |p| format!(
            "Python {}, numpy {}",
            text(&p["python"]),
            text(&p["numpy"])
        )),
    )
    .unwrap();
    writeln!(
        w,
        "- Load average (1, 5, 15 min): {} before, {} after the Rust measurements{}.",
        text(&m["load_before"]),
        text(&m["load_after"]),
        python.map_or(String::new(), |p| format!(
            ", {} after the Python ones",
            text(&p["load_after"])
        ))
    )
    .unwrap();
    writeln!(
        w,
        "- Method: the peers of a row are measured interleaved — {} round-robin rounds (order rotated \
         each round, fewer from 256 MiB), each sample a batch of calls lasting about {} ms after a \
         {} ms pause — and each figure is the median per call; noise hits the peers of a row alike, \
         so read the ratios, not the absolute GB/s. numpy and `math.fsum` run right after in a \
         second process (`scripts/compare_py.py`) with the same rounds, over the same bytes (same \
         xorshift64* sequence); their ratios are against coresum's medians from the first process.",
        s["rounds"],
        s["sample_ms"],
        s["settle_ms"]
    )
    .unwrap();
    let mut missing = Vec::new();
    if !m["openmp"].as_bool().unwrap_or(false) {
        missing.push("OpenMP (gcc -fopenmp failed)".to_owned());
    }
    if let Some(why) = Results::python_skipped() {
        missing.push(format!("numpy and math.fsum ({why})"));
    }
    if !missing.is_empty() {
        writeln!(w, "- **Not measured**: {}.", missing.join("; ")).unwrap();
    }
    writeln!(
        w,
        "\n![coresum throughput ÷ the best peer's, per type and size](img/compare-headline.svg)\n"
    )
    .unwrap();

    writeln!(w, "### Integer sums, all cores\n").unwrap();
    writeln!(
        w,
        "coresum: `Pool::sum` on {threads} pinned workers (default settings: inline below 4 MiB); std: the one-thread \
         widening loop compiled for this CPU; rayon: `par_iter().map(widen).sum()` on {threads} \
         threads; fork_union: `for_threads`, each thread running the std loop on its share; OpenMP: \
         `scripts/omp_sum.c` (`gcc -O3 -march=native -fopenmp`, u8 and i32 only); numpy: `np.sum` \
         (64-bit accumulator, wraps for 64-bit types); ceiling: a wrapping `u64` add over the same \
         bytes on the pool's workers, through `broadcast` (so below a few MiB it measures the \
         round trip). fork_union, OpenMP and the ceiling need every thread scheduled at once: on a \
         loaded machine a pinned thread can wait a whole time slice for its core, which shows in \
         their small sizes. Every peer's sum is checked against coresum's (modulo 2^64). \
         Cells: coresum's throughput ÷ the peer's (above 1: coresum is faster).\n"
    )
    .unwrap();
    writeln!(
        w,
        "| type | size | coresum GB/s | ÷ std | ÷ rayon | ÷ fork_union | ÷ OpenMP | ÷ numpy | ÷ best peer | ÷ ceiling |\n\
         |---|---|---|---|---|---|---|---|---|---|"
    )
    .unwrap();
    for row in r.rust["integers"].as_array().unwrap() {
        let g = r.integer(row);
        let c = g.get("coresum");
        let best = best_peer(&g);
        writeln!(
            w,
            "| {} | {} | {:.1} | {} | {} | {} | {} | {} | {} | {} |",
            row["type"].as_str().unwrap(),
            size_label(row["bytes"].as_u64().unwrap()),
            c.unwrap(),
            ratio(c, g.get("std")),
            ratio(c, g.get("rayon")),
            ratio(c, g.get("fork_union")),
            ratio(c, g.get("openmp")),
            ratio(c, g.get("numpy")),
            best.map_or("–".into(), |(name, v)| format!(
                "**{:.2}** ({})",
                c.unwrap() / v,
                name.replace("openmp", "OpenMP")
            )),
            ratio(c, g.get("ceiling")),
        )
        .unwrap();
    }

    writeln!(w, "\n### Scaling with threads\n").unwrap();
    writeln!(
        w,
        "The same peers on pools of 1 … {threads} threads (coresum's pinned to the first cores, \
         OpenMP `close` on cores), u8 and i32. Cells: coresum ÷ peer, and each peer's throughput \
         ÷ its own one-thread throughput (the speed-up).\n"
    )
    .unwrap();
    writeln!(
        w,
        "| type | size | threads | coresum GB/s | ÷ rayon | ÷ fork_union | ÷ OpenMP | ÷ ceiling | coresum speed-up | ceiling speed-up |\n\
         |---|---|---|---|---|---|---|---|---|---|"
    )
    .unwrap();
    let scaling = r.rust["scaling"].as_array().unwrap();
    let mut ordered: Vec<&Value> = scaling.iter().collect();
    // Measured by thread count (one pool at a time); read by type and size.
    ordered.sort_by_key(|x| (x["bytes"].as_u64(), x["threads"].as_u64()));
    ordered.sort_by_key(|x| ["u8", "i32"].iter().position(|t| x["type"] == *t));
    for row in ordered {
        let g = r.integer(row);
        let one = scaling
            .iter()
            .find(|o| o["type"] == row["type"] && o["bytes"] == row["bytes"] && o["threads"] == 1)
            .map(|o| r.integer(o));
        let speedup = |peer: &str| ratio(g.get(peer), one.as_ref().and_then(|o| o.get(peer)));
        let c = g.get("coresum");
        writeln!(
            w,
            "| {} | {} | {} | {:.1} | {} | {} | {} | {} | {} | {} |",
            row["type"].as_str().unwrap(),
            size_label(row["bytes"].as_u64().unwrap()),
            row["threads"],
            c.unwrap(),
            ratio(c, g.get("rayon")),
            ratio(c, g.get("fork_union")),
            ratio(c, g.get("openmp")),
            ratio(c, g.get("ceiling")),
            speedup("coresum"),
            speedup("ceiling"),
        )
        .unwrap();
    }
    writeln!(w, "\n![GB/s against threads](img/compare-scaling.svg)\n").unwrap();

    writeln!(w, "### Floating-point sums, one thread\n").unwrap();
    writeln!(
        w,
        "Data: random signs and mantissas, exponents uniform in 2^-32 … 2^32 (`f64`, `f32`), or \
         over the whole finite range (`f64-wide`, the exact path's worst case). coresum's modes via \
         `Pool::sum_with` on the calling thread; *exact, all cores*: `coresum::sum_with(Exact)` on \
         the default pool (inline below {}); naive: a loop with 8 `f64` accumulators compiled for \
         AVX2+FMA; xsum: `XsumAuto`; accurate: `OnlineExactSum` (both f64 only); numpy: `np.sum` \
         (pairwise, in the input's precision: `f32` sums stay `f32`); fsum: `math.fsum` over a \
         Python list of the same values. Cells: throughput ÷ the naive loop's.\n",
        size_label(m["inline_bytes"].as_u64().unwrap()),
    )
    .unwrap();
    const METHODS: [(&str, &str); 9] = [
        ("exact", "Exact"),
        ("compensated", "Compensated"),
        ("fast", "Fast"),
        ("exact_all_cores", "Exact, all cores"),
        ("xsum", "xsum"),
        ("accurate", "accurate"),
        ("numpy", "numpy"),
        ("fsum", "fsum"),
        ("naive", "naive GB/s"),
    ];
    writeln!(
        w,
        "| set | size | {} |\n|---|---|{}",
        METHODS.map(|(_, label)| label).join(" | "),
        "---|".repeat(METHODS.len())
    )
    .unwrap();
    let floats = r.rust["floats"].as_array().unwrap();
    for row in floats {
        let (g, _) = r.float(row);
        let naive = g.get("naive");
        let cells: Vec<String> = METHODS
            .iter()
            .map(|&(key, _)| match key {
                "naive" => format!("{:.1}", naive.unwrap()),
                _ => ratio(g.get(key), naive),
            })
            .collect();
        writeln!(
            w,
            "| {} | {} | {} |",
            row["set"].as_str().unwrap(),
            size_label(row["bytes"].as_u64().unwrap()),
            cells.join(" | ")
        )
        .unwrap();
    }
    writeln!(
        w,
        "\ncoresum's modes against their peers (throughput ratios, same rows):\n\n\
         | set | size | Exact ÷ xsum | Exact ÷ accurate | Exact ÷ fsum | Exact ÷ Fast | Compensated ÷ numpy | Fast ÷ numpy | Fast ÷ naive |\n\
         |---|---|---|---|---|---|---|---|---|"
    )
    .unwrap();
    for row in floats {
        let (g, _) = r.float(row);
        writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            row["set"].as_str().unwrap(),
            size_label(row["bytes"].as_u64().unwrap()),
            ratio(g.get("exact"), g.get("xsum")),
            ratio(g.get("exact"), g.get("accurate")),
            ratio(g.get("exact"), g.get("fsum")),
            ratio(g.get("exact"), g.get("fast")),
            ratio(g.get("compensated"), g.get("numpy")),
            ratio(g.get("fast"), g.get("numpy")),
            ratio(g.get("fast"), g.get("naive")),
        )
        .unwrap();
    }
    writeln!(
        w,
        "\nError of each result, in units in the last place of the correctly rounded sum \
         (coresum Exact's; 0 = the same bits; on `f64-wide` the correctly rounded sum overflows to \
         ±inf, and the other results are printed as they are):\n\n| set | size | {} |\n|---|---|{}",
        METHODS[1..8]
            .iter()
            .map(|(_, label)| *label)
            .collect::<Vec<_>>()
            .join(" | ")
            + " | naive",
        "---|".repeat(8)
    )
    .unwrap();
    for row in floats {
        let (_, results) = r.float(row);
        let exact = results["exact"];
        let ulp = f64::from_bits(exact.abs().to_bits() + 1) - exact.abs();
        let cells: Vec<String> = METHODS[1..8]
            .iter()
            .map(|&(key, _)| key)
            .chain(["naive"])
            .map(|key| match results.get(key) {
                None => "–".into(),
                Some(v) if v.to_bits() == exact.to_bits() => "0".into(),
                Some(v) if !v.is_finite() || !exact.is_finite() => format!("{v}"),
                Some(v) => match (v - exact).abs() / ulp {
                    e if e < 1e4 => format!("{e:.0}"),
                    e => format!("{e:.1e}"),
                },
            })
            .collect();
        writeln!(
            w,
            "| {} | {} | {} |",
            row["set"].as_str().unwrap(),
            size_label(row["bytes"].as_u64().unwrap()),
            cells.join(" | ")
        )
        .unwrap();
    }
    for p in python
        .and_then(|p| p["floats"].as_array())
        .into_iter()
        .flatten()
    {
        for (peer, error) in p["errors"].as_object().into_iter().flatten() {
            writeln!(
                w,
                "\n{peer} on {} / {}: `{}` — not measured.",
                p["set"].as_str().unwrap(),
                size_label(p["bytes"].as_u64().unwrap()),
                error.as_str().unwrap()
            )
            .unwrap();
        }
    }
    writeln!(
        w,
        "\n![float sums: throughput ÷ the naive loop's](img/compare-floats.svg)\n"
    )
    .unwrap();

    writeln!(w, "### Small sums and round trips\n").unwrap();
    writeln!(
        w,
        "Small sums run inline on the calling thread (`coresum::sum`); std: the one-thread \
         widening loop. Cells: time per call, and coresum's time ÷ std's (below 1: coresum is \
         faster).\n\n\
         | size | u8 coresum ns | u8 std ns | u8 coresum ÷ std | i32 coresum ns | i32 std ns | i32 coresum ÷ std |\n\
         |---|---|---|---|---|---|---|"
    )
    .unwrap();
    for row in r.rust["small"].as_array().unwrap() {
        let t = |k: &str| row["seconds"][k].as_f64().unwrap() * 1e9;
        writeln!(
            w,
            "| {} | {:.1} | {:.1} | {:.2} | {:.1} | {:.1} | {:.2} |",
            size_label(row["bytes"].as_u64().unwrap()),
            t("u8 coresum"),
            t("u8 std"),
            t("u8 coresum") / t("u8 std"),
            t("i32 coresum"),
            t("i32 std"),
            t("i32 coresum") / t("i32 std"),
        )
        .unwrap();
    }
    let trips = r.rust["round_trips"].as_object().unwrap();
    let blocking = trips["blocking sum"].as_f64().unwrap();
    writeln!(
        w,
        "\nRound trips on {threads} threads (1 KiB of i32 where there is a sum). *sum_async inline*: \
         the default pool, which sums inputs below 64 KiB inline at submission; *wait*, *await* \
         (`futures_executor::block_on`) and *blocking sum*: a pool with `inline_bytes(0)`, so the \
         sum goes through a worker; *broadcast*: a no-op on every worker.\n\n\
         | round trip | µs | ÷ blocking sum |\n|---|---|---|"
    )
    .unwrap();
    for name in [
        "sum_async inline",
        "sum_async wait",
        "sum_async await",
        "blocking sum",
        "coresum broadcast",
        "rayon broadcast",
        "fork_union for_threads",
        "openmp parallel",
    ] {
        if let Some(t) = trips.get(name).and_then(Value::as_f64) {
            writeln!(w, "| {name} | {:.2} | {:.2} |", t * 1e6, t / blocking).unwrap();
        }
    }
    writeln!(w, "{END}").unwrap();
    md
}

/// Replaces the marked section of docs/PERFORMANCE.md, or puts it right after "How to reproduce".
fn splice(section: &str) {
    let path = format!("{DOCS}/PERFORMANCE.md");
    let doc = std::fs::read_to_string(&path).expect("docs/PERFORMANCE.md");
    let (before, after) = match (doc.find(BEGIN), doc.find(END)) {
        (Some(b), Some(e)) => (&doc[..b], &doc[e + END.len()..]),
        _ => {
            let reproduce = doc
                .find("## How to reproduce")
                .expect("a How to reproduce section");
            let next = doc[reproduce + 3..]
                .find("\n## ")
                .map_or(doc.len(), |n| reproduce + 3 + n + 1);
            (&doc[..next], &doc[next - 1..])
        }
    };
    std::fs::write(&path, format!("{before}{}{after}", section.trim_end())).expect("write docs");
}

// ---------------------------------------------------------------------------------------------
// The plots (plotters, SVG).

type Chart<'a> = plotters::prelude::ChartContext<
    'a,
    plotters::prelude::SVGBackend<'a>,
    plotters::prelude::Cartesian2d<
        plotters::coord::types::RangedCoordf64,
        plotters::coord::types::RangedCoordf64,
    >,
>;

/// Grouped bars: one group per label, one bar per series; `y` on a log scale when `log`.
fn bars(
    path: &str,
    caption: &str,
    y_desc: &str,
    groups: &[String],
    series: &[(String, Vec<Option<f64>>)],
    log: bool,
) {
    use plotters::prelude::*;
    let root = SVGBackend::new(path, (960, 520)).into_drawing_area();
    root.fill(&WHITE).unwrap();
    let values = series.iter().flat_map(|(_, v)| v.iter().flatten().copied());
    let (low, high) = values.fold((1.0f64, 1.0f64), |(l, h), v| (l.min(v), h.max(v)));
    // Headroom above the bars for the legend.
    let (low, high) = if log {
        (low / 1.5, high * 4.0)
    } else {
        (0.0, high * 1.4)
    };
    let draw = |chart: &mut Chart, transform: &dyn Fn(f64) -> f64| {
        let width = 0.8 / series.len() as f64;
        for (k, (name, values)) in series.iter().enumerate() {
            let color = Palette99::pick(k).to_rgba();
            chart
                .draw_series(values.iter().enumerate().filter_map(|(g, v)| {
                    let x = g as f64 - 0.4 + k as f64 * width;
                    v.map(|v| {
                        Rectangle::new(
                            [(x, transform(low)), (x + width * 0.9, transform(v))],
                            color.filled(),
                        )
                    })
                }))
                .unwrap()
                .label(name.as_str())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled())
                });
        }
        chart
            .draw_series(LineSeries::new(
                [
                    (-0.5, transform(1.0)),
                    (groups.len() as f64 - 0.5, transform(1.0)),
                ],
                BLACK.stroke_width(1),
            ))
            .unwrap();
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .unwrap();
    };
    // A log axis is drawn as log10 values with labels raised back.
    let transform: &dyn Fn(f64) -> f64 = if log { &|v: f64| v.log10() } else { &|v| v };
    let mut chart = ChartBuilder::on(&root)
        .caption(caption, ("sans-serif", 20))
        .margin(14)
        .x_label_area_size(36)
        .y_label_area_size(60)
        .build_cartesian_2d(
            -0.5..groups.len() as f64 - 0.5,
            transform(low)..transform(high),
        )
        .unwrap();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(groups.len())
        .x_label_formatter(&|x| {
            let i = x.round();
            let label = (i >= 0.0 && (x - i).abs() < 1e-6).then(|| groups.get(i as usize));
            label.flatten().cloned().unwrap_or_default()
        })
        .y_desc(y_desc)
        .y_label_formatter(&|y| {
            let v = if log { 10f64.powf(*y) } else { *y };
            // Two significant digits.
            let decimals = (1.0 - v.abs().log10().floor()).clamp(0.0, 6.0) as usize;
            format!("{v:.decimals$}")
        })
        .draw()
        .unwrap();
    draw(&mut chart, transform);
    root.present().unwrap();
}

/// GB/s against threads, one line per peer, one panel per (type, size) at the largest size.
fn scaling_plot(path: &str, r: &Results) {
    use plotters::prelude::*;
    let rows = r.rust["scaling"].as_array().unwrap();
    let largest = rows
        .iter()
        .filter_map(|x| x["bytes"].as_u64())
        .max()
        .unwrap_or(0);
    let panels: Vec<&str> = ["u8", "i32"]
        .into_iter()
        .filter(|t| rows.iter().any(|x| x["type"] == *t))
        .collect();
    let root = SVGBackend::new(path, (960, 440)).into_drawing_area();
    root.fill(&WHITE).unwrap();
    let max_threads = rows
        .iter()
        .filter_map(|x| x["threads"].as_u64())
        .max()
        .unwrap_or(1) as f64;
    for (area, ty) in root
        .split_evenly((1, panels.len().max(1)))
        .iter()
        .zip(&panels)
    {
        let mine: Vec<(f64, BTreeMap<String, f64>)> = rows
            .iter()
            .filter(|x| x["type"] == *ty && x["bytes"] == largest)
            .map(|x| (x["threads"].as_f64().unwrap(), r.integer(x)))
            .collect();
        let top = mine
            .iter()
            .flat_map(|(_, g)| g.values())
            .fold(1.0f64, |a, &b| a.max(b));
        let mut chart = ChartBuilder::on(area)
            .caption(format!("{ty}, {}", size_label(largest)), ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(50)
            // Headroom above the lines for the legend.
            .build_cartesian_2d(0.8..max_threads + 0.2, 0.0..top * 1.6)
            .unwrap();
        chart
            .configure_mesh()
            .x_desc("threads")
            .y_desc("GB/s")
            .x_labels(max_threads as usize + 1)
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 1e-6 {
                    format!("{i}")
                } else {
                    String::new()
                }
            })
            .draw()
            .unwrap();
        for (k, peer) in ["coresum", "rayon", "fork_union", "openmp", "ceiling"]
            .iter()
            .enumerate()
        {
            let color = Palette99::pick(k).to_rgba();
            let points: Vec<(f64, f64)> = mine
                .iter()
                .filter_map(|(t, g)| g.get(*peer).map(|&v| (*t, v)))
                .collect();
            if points.is_empty() {
                continue;
            }
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
                .unwrap()
                .label(peer.replace("openmp", "OpenMP"))
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 16, y)], color.stroke_width(2))
                });
            chart
                .draw_series(
                    points
                        .into_iter()
                        .map(|p| Circle::new(p, 3, color.filled())),
                )
                .unwrap();
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .unwrap();
    }
    root.present().unwrap();
}

fn render() {
    let r = Results::load();
    let quick = r.rust["settings"]["quick"].as_bool().unwrap_or(false);
    let img = format!("{DOCS}/img");
    std::fs::create_dir_all(&img).expect("docs/img can be created");
    let m = &r.rust["machine"];
    let machine = format!(
        "{}, {} cores, {}",
        m["cpu"].as_str().unwrap_or("?"),
        m["cores"].as_array().map_or(0, Vec::len),
        m["started"].as_str().unwrap_or("?")
    );

    let ints = r.rust["integers"].as_array().unwrap();
    let mut sizes: Vec<u64> = ints.iter().filter_map(|x| x["bytes"].as_u64()).collect();
    sizes.sort_unstable();
    sizes.dedup();
    let types = ["u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64"];
    let series: Vec<(String, Vec<Option<f64>>)> = types
        .iter()
        .map(|ty| {
            let per_size = sizes
                .iter()
                .map(|&bytes| {
                    let row = ints
                        .iter()
                        .find(|x| x["type"] == *ty && x["bytes"] == bytes)?;
                    let g = r.integer(row);
                    Some(g["coresum"] / best_peer(&g)?.1)
                })
                .collect();
            (ty.to_string(), per_size)
        })
        .collect();
    bars(
        &format!("{img}/compare-headline.svg"),
        &format!("coresum ÷ best of std, rayon, fork_union, OpenMP, numpy (all cores) — {machine}"),
        "throughput ratio (log)",
        &sizes.iter().map(|&b| size_label(b)).collect::<Vec<_>>(),
        &series,
        true,
    );

    scaling_plot(&format!("{img}/compare-scaling.svg"), &r);

    let floats: Vec<&Value> = r.rust["floats"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["bytes"] == 256 * KIB)
        .collect();
    let methods = [
        "exact",
        "compensated",
        "fast",
        "xsum",
        "accurate",
        "numpy",
        "fsum",
    ];
    let series: Vec<(String, Vec<Option<f64>>)> = methods
        .iter()
        .map(|method| {
            let per_set = floats
                .iter()
                .map(|row| {
                    let (g, _) = r.float(row);
                    Some(g.get(*method)? / g["naive"])
                })
                .collect();
            (method.to_string(), per_set)
        })
        .collect();
    bars(
        &format!("{img}/compare-floats.svg"),
        &format!("float sums, 256 KiB, one thread: throughput ÷ the naive loop's — {machine}"),
        "ratio to naive (log)",
        &floats
            .iter()
            .map(|x| x["set"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>(),
        &series,
        true,
    );

    splice(&markdown(&r, quick));
    eprintln!("wrote docs/PERFORMANCE.md (the marked section) and docs/img/compare-*.svg");
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let quick = args.iter().any(|a| a == "--quick");
    match args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map(String::as_str)
    {
        Some("measure") => measure(quick),
        Some("render") => render(),
        _ => eprintln!("usage: cargo bench --bench compare -- measure [--quick] | render"),
    }
}
