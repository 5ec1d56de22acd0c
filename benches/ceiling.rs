//! Integer sums from memory on every core against the read ceiling, interleaved in one process
//! (issue 13: "≥ 0.95× the read ceiling at 1 GiB").
//!
//! ```sh
//! cargo bench --bench ceiling                          # 1 GiB, 25 rounds
//! CORESUM_CEILING_MIB=64 CORESUM_CEILING_ROUNDS=50 cargo bench --bench ceiling
//! cargo bench --bench ceiling -- i32 u32               # only the types named
//! ```
//!
//! Peers, on one pool (its workers are the only threads that spin):
//! - `ceiling`: a wrapping `u64` add over the same bytes, one contiguous share per worker
//!   (`Pool::broadcast`), compiled for this CPU: the read ceiling `scripts/compare.sh` reports;
//! - `<type>`: `Pool::sum` of the bytes as that type (the library's hand-out of chunks);
//! - `<type>-halves`: the library's kernel (`sum_on` the dispatched path) on one contiguous share
//!   per worker, as the ceiling is cut: the kernel without the chunk hand-out.
//!
//! `CORESUM_CEILING_SEGMENT_MIB=4` measures one thread instead (the calling thread, no pool): each
//! peer streams the whole buffer in segments of that size, each segment timed on its own, so that
//! a time slice lost to another process spoils one segment, not the figure; on a loaded machine
//! this is the A/B to trust.
//!
//! One VM's memory figures vary by tens of per cent from run to run, so every round runs every
//! peer once, in a rotated order, and the table gives each peer's fast decile and median time
//! (over rounds and segments) and the ratios of those to the ceiling's: a gap that shows in both
//! is real. (Not the minimum: a segment still in the 260 MiB L3 from the previous peer's pass would
//! set it.)

use coresum::{Pool, Summable};
use coresum_bench_support::data::{Aligned, Integer};
use coresum_bench_support::native;
use std::hint::black_box;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// One measured call: reduces the bytes in the range (whole elements of every type), returns the
/// low 64 bits of the result.
type Call<'a> = Box<dyn FnMut(Range<usize>) -> u64 + 'a>;

/// The low 64 bits of a sum, so that peers' results can be kept alive and compared.
trait Low64 {
    fn low64(self) -> u64;
}
impl Low64 for u128 {
    fn low64(self) -> u64 {
        self as u64
    }
}
impl Low64 for i128 {
    fn low64(self) -> u64 {
        self as u64
    }
}

/// The sum of the whole range as `T`: `pool.sum` on every core and the kernel on one contiguous
/// share per worker, or (`pool` `None`) the kernel on the calling thread.
fn typed<'a, T>(
    name: &'static str,
    pool: Option<&'a Pool>,
    buffer: &'a Aligned,
) -> Vec<(String, Call<'a>)>
where
    T: Summable + Integer + Sync,
    T::Output: Low64 + Send,
{
    let isa = coresum::isa();
    let view = move |bytes: Range<usize>| -> &'a [T] {
        let size = size_of::<T>();
        &buffer.view::<T>(0, bytes.end / size)[bytes.start / size..]
    };
    let Some(pool) = pool else {
        let kernel = move |bytes: Range<usize>| {
            coresum::sum_on(isa, black_box(view(bytes)))
                .expect("the dispatched path runs")
                .low64()
        };
        return vec![(name.to_string(), Box::new(kernel))];
    };
    let threads = pool.threads();
    let slots: Vec<AtomicU64> = (0..threads).map(|_| AtomicU64::new(0)).collect();
    let halves = move |bytes: Range<usize>| {
        let data = view(bytes);
        let share = data.len().div_ceil(threads);
        pool.broadcast(|worker| {
            let part = data.chunks(share).nth(worker).unwrap_or(&[]);
            let sum = coresum::sum_on(isa, black_box(part)).expect("the dispatched path runs");
            slots[worker].store(sum.low64(), Ordering::Relaxed);
        })
        .expect("the pool runs the kernel");
        slots
            .iter()
            .fold(0u64, |a, s| a.wrapping_add(s.load(Ordering::Relaxed)))
    };
    vec![
        (
            name.to_string(),
            Box::new(move |bytes| pool.sum(black_box(view(bytes))).low64()),
        ),
        (format!("{name}-halves"), Box::new(halves)),
    ]
}

fn main() {
    let env = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let bytes = env("CORESUM_CEILING_MIB", 1024) << 20;
    let rounds = env("CORESUM_CEILING_ROUNDS", 25);
    let segment = (env("CORESUM_CEILING_SEGMENT_MIB", 0) << 20).clamp(0, bytes);
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let pool = Pool::builder()
        .build()
        .expect("a pool on every allowed core");
    let (pool, segment, threads) = if segment == 0 {
        (Some(&pool), bytes, pool.threads())
    } else {
        (None, segment, 1)
    };
    let buffer = Aligned::new(bytes);
    let ceiling = native::ceiling::best();
    let slots: Vec<AtomicU64> = (0..threads).map(|_| AtomicU64::new(0)).collect();
    let words = |bytes: Range<usize>| &buffer.view::<u64>(0, bytes.end / 8)[bytes.start / 8..];
    let read: Call = match pool {
        Some(pool) => Box::new(|bytes| {
            let words = words(bytes);
            let share = words.len().div_ceil(threads);
            pool.broadcast(|worker| {
                let part = words.chunks(share).nth(worker).unwrap_or(&[]);
                slots[worker].store(ceiling(black_box(part)), Ordering::Relaxed);
            })
            .expect("the pool runs the ceiling");
            slots
                .iter()
                .fold(0u64, |a, s| a.wrapping_add(s.load(Ordering::Relaxed)))
        }),
        None => Box::new(|bytes| ceiling(black_box(words(bytes)))),
    };
    let mut peers: Vec<(String, Call)> = vec![("ceiling".into(), read)];
    macro_rules! types {
        ($($t:ident),*) => {$(
            if only.is_empty() || only.iter().any(|o| o == stringify!($t)) {
                peers.extend(typed::<$t>(stringify!($t), pool, &buffer));
            }
        )*};
    }
    types!(u8, i8, u16, i16, u32, i32, u64, i64);

    // A type's peers agree with each other before anything is timed.
    if pool.is_some() {
        let results: Vec<u64> = peers.iter_mut().map(|(_, call)| call(0..bytes)).collect();
        for pair in results[1..].chunks(2) {
            assert_eq!(
                pair[0], pair[1],
                "pool.sum and the per-worker kernel disagree"
            );
        }
    }

    // Each round streams every peer over the whole buffer, a segment at a time.
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); peers.len()];
    for round in 0..rounds {
        for k in 0..peers.len() {
            let k = (k + round) % peers.len();
            for start in (0..bytes).step_by(segment) {
                let range = start..(start + segment).min(bytes);
                let clock = Instant::now();
                black_box((peers[k].1)(range));
                times[k].push(clock.elapsed());
            }
        }
    }
    for t in &mut times {
        t.sort();
    }
    println!(
        "{} MiB in segments of {} MiB, {threads} thread(s), {rounds} rounds, isa {}",
        bytes >> 20,
        segment >> 20,
        coresum::isa()
    );
    println!("| peer | fast decile GB/s | median GB/s | ÷ ceiling, decile | ÷ ceiling, median |");
    println!("|---|---|---|---|---|");
    let gbs = |d: Duration| segment as f64 / d.as_secs_f64() / 1e9;
    let decile = |t: &[Duration]| t[t.len() / 10];
    let median = |t: &[Duration]| t[t.len() / 2];
    let (ceiling_best, ceiling_median) = (decile(&times[0]), median(&times[0]));
    for ((name, _), t) in peers.iter().zip(&times) {
        let (b, m) = (decile(t), median(t));
        println!(
            "| {name} | {:.1} | {:.1} | {:.2} | {:.2} |",
            gbs(b),
            gbs(m),
            ceiling_best.as_secs_f64() / b.as_secs_f64(),
            ceiling_median.as_secs_f64() / m.as_secs_f64(),
        );
    }
}
