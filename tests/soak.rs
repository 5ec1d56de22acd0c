//! Soak: many mixed sums (and, one in four, min/max/argmin/argmax; one in four dot, sum_sq,
//! mean, variance or std_dev: `soak/reductions.rs`) from 8 submitter threads on one
//! small-threshold pool, every result checked against an exact reference, with random
//! cancellation, while the process's thread count is sampled. Catches what unit tests of one mechanism miss: a rare lost wake-up (a hang), a result
//! merged from another job's slots, an owner leaked by a cancelled job, a worker spawned per sum.
//!
//! `CORESUM_SOAK_SUMS` sets the number of sums: by default 100,000 in release builds (about 4 s on
//! 2 cores), 5,000 in debug builds (whose reference is far slower); `CORESUM_SOAK_SEED` the seed.
//! `.ci/lanes/soak.sh` runs 100,000 from each of several seeds.

// norm2's reference is the fuzz target's.
#[allow(dead_code)]
#[path = "common/exact.rs"]
mod exact;
#[path = "soak/reductions.rs"]
mod reductions;
#[path = "common/reference.rs"]
mod reference;

use coresum::{Mode, Pool, Summable};
use reference::{canon, reference, rounded_bound};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Waker};
use std::time::Duration;

const SUBMITTERS: usize = 8;

/// Threads beyond the submitters and workers: the test's main thread, the libtest thread running
/// it, the sampler, and one spare.
const OTHER_THREADS: usize = 4;

/// SplitMix64: a seeded, reproducible stream (the seed of each submitter is printed on failure).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Owners handed to asynchronous sums, counted so that the end can check each one was dropped.
static OWNERS_MADE: AtomicUsize = AtomicUsize::new(0);
static OWNERS_DROPPED: AtomicUsize = AtomicUsize::new(0);

struct Counted<T>(Vec<T>);

impl<T> Counted<T> {
    fn new(data: Vec<T>) -> Self {
        OWNERS_MADE.fetch_add(1, Ordering::Relaxed);
        Counted(data)
    }
}

impl<T> std::ops::Deref for Counted<T> {
    type Target = Vec<T>;

    fn deref(&self) -> &Vec<T> {
        &self.0
    }
}

impl<T> Drop for Counted<T> {
    fn drop(&mut self) {
        OWNERS_DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

/// An element type with a random value generator and an exact expectation for its sums.
trait Soak: Summable + reductions::Reduce + Copy + PartialOrd + Send + Sync + 'static {
    /// What a sum must match, computed before the data is handed over.
    type Expected: Send;
    fn draw(rng: &mut Rng) -> Self;
    fn expect(data: &[Self], mode: Mode) -> Self::Expected;
    fn check(expected: &Self::Expected, got: Self::Output, what: &str);
}

macro_rules! soak_int {
    ($($t:ty),*) => {$(
        impl Soak for $t {
            type Expected = i128;

            fn draw(rng: &mut Rng) -> Self {
                rng.next() as $t
            }

            fn expect(data: &[Self], _mode: Mode) -> i128 {
                data.iter().map(|&x| x as i128).sum()
            }

            fn check(expected: &i128, got: Self::Output, what: &str) {
                assert_eq!(i128::try_from(got).ok(), Some(*expected), "{what}");
            }
        }
    )*};
}

soak_int!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

/// A float sum's expectation: the exact value, and for the rounded modes the same sum run
/// inline (the pool must reproduce it bit for bit) and its error bound.
struct FloatExpected {
    exact: f64,
    mode: Mode,
    inline: f64,
    bound: f64,
}

fn expect_float<T: Summable<Output = f64>>(data: &[T], terms: &[f64], mode: Mode) -> FloatExpected {
    let exact = reference(terms.iter().copied());
    FloatExpected {
        exact,
        mode,
        // Below `DEFAULT_INLINE_BYTES`, on the calling thread and on the same chunk grid.
        inline: coresum::sum_with(data, mode),
        bound: rounded_bound(mode, exact, terms),
    }
}

fn check_float(e: &FloatExpected, got: f64, what: &str) {
    if e.mode == Mode::Exact {
        assert_eq!(
            canon(got),
            canon(e.exact),
            "{what}: {got:e} vs {:e}",
            e.exact
        );
    } else {
        assert_eq!(canon(got), canon(e.inline), "{what}: not the inline result");
        let err = (got - e.exact).abs();
        assert!(
            err <= e.bound,
            "{what}: |{got:e} - {:e}| > {:e}",
            e.exact,
            e.bound
        );
    }
}

macro_rules! soak_float {
    ($t:ty, $draw:expr, $wide:expr) => {
        impl Soak for $t {
            type Expected = FloatExpected;

            fn draw(rng: &mut Rng) -> Self {
                $draw(rng)
            }

            fn expect(data: &[Self], mode: Mode) -> FloatExpected {
                let terms: Vec<f64> = data.iter().map(|&x| $wide(x)).collect();
                expect_float(data, &terms, mode)
            }

            fn check(expected: &FloatExpected, got: f64, what: &str) {
                check_float(expected, got, what);
            }
        }
    };
}

// f64: any sign and mantissa, exponents within ±64 so that cancellation is common and no sum
// overflows. The narrower types: any finite bit pattern.
soak_float!(
    f64,
    |rng: &mut Rng| {
        let bits = rng.next();
        let exp = 1023 - 64 + (bits >> 52) % 129;
        f64::from_bits(bits & (1 << 63 | ((1 << 52) - 1)) | exp << 52)
    },
    |x: f64| x
);
soak_float!(
    f32,
    |rng: &mut Rng| loop {
        let x = f32::from_bits(rng.next() as u32);
        if x.is_finite() {
            break x;
        }
    },
    f64::from
);
#[cfg(feature = "half")]
soak_float!(
    half::f16,
    |rng: &mut Rng| loop {
        let x = half::f16::from_bits(rng.next() as u16);
        if x.is_finite() {
            break x;
        }
    },
    half::f16::to_f64
);
#[cfg(feature = "half")]
soak_float!(
    half::bf16,
    |rng: &mut Rng| loop {
        let x = half::bf16::from_bits(rng.next() as u16);
        if x.is_finite() {
            break x;
        }
    },
    half::bf16::to_f64
);

/// How a sum is requested and how its task (if any) ends.
#[derive(Clone, Copy, Debug)]
enum Way {
    Blocking,
    Wait,
    Await,
    /// Dropped before it is polled.
    DropAtOnce,
    /// Polled once, then dropped.
    DropAfterPoll,
}

/// One sum of `T`: random length and mode, requested one random way, checked.
fn one<T: Soak>(pool: &Pool, rng: &mut Rng, chunk_bytes: usize, what: &str) {
    let size = size_of::<T>();
    let len = match rng.below(100) {
        0..70 => rng.below(64),
        70..95 => rng.below(4096),
        // Up to two and a half chunks: several jobs' chunks interleave on the workers.
        _ => rng.below((5 * chunk_bytes / 2 / size) as u64),
    } as usize;
    let data: Vec<T> = (0..len).map(|_| T::draw(rng)).collect();
    match rng.below(8) {
        0 | 1 => return extreme(pool, rng, data, what),
        2 | 3 => return T::reduce(pool, rng, data, what),
        _ => {}
    }
    let mode = [Mode::Exact, Mode::Compensated, Mode::Fast][rng.below(3) as usize];
    let expected = T::expect(&data, mode);
    let way = [
        Way::Blocking,
        Way::Wait,
        Way::Await,
        Way::DropAtOnce,
        Way::DropAfterPoll,
    ][rng.below(5) as usize];
    let what = format!(
        "{what}: {len} × {} {mode:?} {way:?}",
        std::any::type_name::<T>()
    );
    let mut task = match way {
        Way::Blocking => {
            let got = if mode == Mode::Exact && rng.below(2) == 0 {
                pool.sum(&data)
            } else {
                pool.sum_with(&data, mode)
            };
            return T::check(&expected, got, &what);
        }
        _ if mode == Mode::Exact && rng.below(2) == 0 => pool.sum_async(Counted::new(data)),
        _ => pool.sum_async_with(Counted::new(data), mode),
    };
    match way {
        Way::Wait => T::check(&expected, task.wait().expect(&what), &what),
        Way::Await => {
            let got = futures_executor::block_on(task).expect(&what);
            T::check(&expected, got, &what);
        }
        Way::DropAfterPoll => {
            if let std::task::Poll::Ready(got) =
                Pin::new(&mut task).poll(&mut Context::from_waker(Waker::noop()))
            {
                T::check(&expected, got.expect(&what), &what);
            }
        }
        _ => drop(task),
    }
}

/// One of `min`, `max`, `argmin`, `argmax` (issue 11) of `data`, blocking or asynchronous (waited
/// for, or dropped at once), checked against the first index of the extreme found here.
fn extreme<T: Soak>(pool: &Pool, rng: &mut Rng, data: Vec<T>, what: &str) {
    let max = rng.below(2) == 0;
    let better = |a: T, b: T| if max { a > b } else { a < b };
    let index =
        (0..data.len()).reduce(|best, i| if better(data[i], data[best]) { i } else { best });
    let value = index.map(|i| data[i]);
    let what = format!(
        "{what}: {} × {}, {}",
        data.len(),
        std::any::type_name::<T>(),
        if max { "max" } else { "min" }
    );
    match rng.below(4) {
        0 => {
            let got = if max {
                pool.argmax(&data)
            } else {
                pool.argmin(&data)
            };
            assert_eq!(got, index, "{what}");
        }
        1 => {
            let got = if max {
                pool.max(&data)
            } else {
                pool.min(&data)
            };
            assert!(got == value, "{what}");
        }
        2 => {
            let task = if max {
                pool.argmax_async(Counted::new(data))
            } else {
                pool.argmin_async(Counted::new(data))
            };
            assert_eq!(task.wait().expect(&what), index, "{what}");
        }
        _ => drop(pool.max_async(Counted::new(data))),
    }
}

/// The process's thread count, from `/proc/self/status`.
fn threads() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("Threads:")).unwrap();
    line["Threads:".len()..].trim().parse().unwrap()
}

#[test]
fn mixed_sums_from_eight_threads() {
    let default = if cfg!(debug_assertions) {
        5_000
    } else {
        100_000
    };
    let sums: usize = std::env::var("CORESUM_SOAK_SUMS").map_or(default, |v| v.parse().unwrap());
    let seed: u64 = std::env::var("CORESUM_SOAK_SEED").map_or(0x5eed, |v| v.parse().unwrap());
    let pool = Arc::new(
        Pool::builder()
            .inline_bytes(1024)
            .spin(Duration::from_micros(20))
            .build()
            .unwrap(),
    );
    let limit = SUBMITTERS + pool.threads() + OTHER_THREADS;

    let stop = Arc::new(AtomicBool::new(false));
    let most = Arc::new(AtomicUsize::new(0));
    let sampler = {
        let (stop, most) = (stop.clone(), most.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                most.fetch_max(threads(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(1));
            }
        })
    };
    let submitters: Vec<_> = (0..SUBMITTERS)
        .map(|s| {
            let pool = pool.clone();
            let seed = seed ^ (s as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            std::thread::spawn(move || {
                let mut rng = Rng(seed);
                let chunk_bytes = pool.chunk_bytes();
                let share = sums / SUBMITTERS + usize::from(s < sums % SUBMITTERS);
                for i in 0..share {
                    let what = format!("seed {seed:#x}, sum {i}");
                    let p = &*pool;
                    match rng.below(14) {
                        0 => one::<i8>(p, &mut rng, chunk_bytes, &what),
                        1 => one::<i16>(p, &mut rng, chunk_bytes, &what),
                        2 => one::<i32>(p, &mut rng, chunk_bytes, &what),
                        3 => one::<i64>(p, &mut rng, chunk_bytes, &what),
                        4 => one::<isize>(p, &mut rng, chunk_bytes, &what),
                        5 => one::<u8>(p, &mut rng, chunk_bytes, &what),
                        6 => one::<u16>(p, &mut rng, chunk_bytes, &what),
                        7 => one::<u32>(p, &mut rng, chunk_bytes, &what),
                        8 => one::<u64>(p, &mut rng, chunk_bytes, &what),
                        9 => one::<usize>(p, &mut rng, chunk_bytes, &what),
                        10 => one::<f32>(p, &mut rng, chunk_bytes, &what),
                        #[cfg(feature = "half")]
                        11 => one::<half::f16>(p, &mut rng, chunk_bytes, &what),
                        #[cfg(feature = "half")]
                        12 => one::<half::bf16>(p, &mut rng, chunk_bytes, &what),
                        _ => one::<f64>(p, &mut rng, chunk_bytes, &what),
                    }
                }
            })
        })
        .collect();
    for submitter in submitters {
        submitter.join().unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    sampler.join().unwrap();

    // Cancelled jobs may still be finishing a claimed run; the pool's drop waits for them.
    drop(Arc::into_inner(pool).expect("every submitter dropped its pool handle"));
    assert_eq!(
        OWNERS_DROPPED.load(Ordering::Relaxed),
        OWNERS_MADE.load(Ordering::Relaxed),
        "an asynchronous sum's data was never released"
    );
    let most = most.load(Ordering::Relaxed);
    assert!(
        most <= limit,
        "{most} threads seen, at most {limit} expected"
    );
}
