//! The MPI test program: `mpirun -n N target/…/deps/mpi-… ` for N = 1..=4 (`.ci/lanes/mpi.sh`).
//!
//! Every rank draws the same data and the same split points from the same seeds, sums its own
//! part with `coresum_mpi`, and checks the result against the one-process `coresum::sum` of all
//! the data: equal integers, the same float bits. Rank 0 closes with `P passed, F failed` over
//! every rank's checks; any failure makes every rank exit with status 1.

use coresum::Mode;
use coresum_mpi::{DotElement, Element};
use fastrand::Rng;
use half::{bf16, f16};
use mpi::collective::SystemOperation;
use mpi::traits::*;

/// Lengths every type is tried at: empty, fewer elements than ranks, ragged, past one 128-byte
/// block, several pool chunks.
const LENGTHS: [usize; 8] = [0, 1, 2, 3, 5, 64, 1_000, 33_333];
/// Split plans per length: even shares, everything on the last rank, then random cuts.
const SPLITS: u64 = 5;

struct Tally {
    rank: i32,
    passed: u64,
    failed: u64,
}

impl Tally {
    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if ok {
            self.passed += 1;
        } else {
            self.failed += 1;
            eprintln!("rank {}: FAILED {}", self.rank, what());
        }
    }
}

/// Results compared bit for bit (floats: the same bits, or both NaN).
trait Same: Copy + std::fmt::Debug {
    fn same(self, other: Self) -> bool;
}

impl Same for i128 {
    fn same(self, other: i128) -> bool {
        self == other
    }
}

impl Same for u128 {
    fn same(self, other: u128) -> bool {
        self == other
    }
}

impl Same for f64 {
    fn same(self, other: f64) -> bool {
        self.to_bits() == other.to_bits() || (self.is_nan() && other.is_nan())
    }
}

/// A type the program can draw random values of.
trait Draw: Element<Output: Same> {
    fn draw(rng: &mut Rng) -> Self;
}

macro_rules! draw_int {
    ($($t:ty),*) => {$(
        impl Draw for $t {
            fn draw(rng: &mut Rng) -> $t {
                rng.u64(..) as $t
            }
        }
    )*};
}

draw_int!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

/// A float type: finite random values with random signs and exponents wide enough for massive
/// cancellation, and the specials of the propagation checks.
trait Float: Draw<Output = f64> {
    fn from_f64(x: f64) -> Self;
}

macro_rules! float {
    ($($t:ty => $from:expr),*) => {$(
        impl Draw for $t {
            fn draw(rng: &mut Rng) -> $t {
                let magnitude = (rng.f64() + 0.5) * 2f64.powi(rng.i32(-60..60));
                let x: $t = $from(if rng.bool() { magnitude } else { -magnitude });
                x
            }
        }

        impl Float for $t {
            fn from_f64(x: f64) -> $t {
                $from(x)
            }
        }
    )*};
}

float!(f64 => |x| x, f32 => |x| x as f32, f16 => f16::from_f64, bf16 => bf16::from_f64);

/// The `size + 1` boundaries of plan `plan` for `len` elements.
fn cuts(rng: &mut Rng, len: usize, size: usize, plan: u64) -> Vec<usize> {
    match plan {
        0 => (0..=size)
            .map(|i| coresum_mpi::share(len, 8, i, size).start.min(len))
            .collect(),
        1 => std::iter::once(0)
            .chain(std::iter::repeat_n(0, size - 1))
            .chain(std::iter::once(len))
            .collect(),
        _ => {
            let mut cuts: Vec<usize> = (0..size - 1).map(|_| rng.usize(..=len)).collect();
            cuts.push(0);
            cuts.push(len);
            cuts.sort_unstable();
            cuts
        }
    }
}

struct Ctx<'a, C: Communicator> {
    comm: &'a C,
    rank: usize,
    size: usize,
    tally: Tally,
}

impl<C: Communicator> Ctx<'_, C> {
    /// Checks the sum of `data`, split by `cut`, against the one-process sum.
    fn sum_split<T: Element<Output: Same>>(&mut self, name: &str, data: &[T], cut: &[usize]) {
        let mine = &data[cut[self.rank]..cut[self.rank + 1]];
        let got = coresum_mpi::sum(self.comm, mine);
        let want = coresum::sum(data);
        self.tally.check(got.same(want), || {
            format!(
                "{name}: {} elements split {cut:?}: {got:?}, expected {want:?}",
                data.len()
            )
        });
    }

    fn random_sums<T: Draw>(&mut self, name: &str, lengths: &[usize]) {
        for (l, &len) in lengths.iter().enumerate() {
            for plan in 0..SPLITS {
                let mut rng = Rng::with_seed(1 + (l as u64) * 64 + plan);
                let data: Vec<T> = (0..len).map(|_| T::draw(&mut rng)).collect();
                let cut = cuts(&mut rng, len, self.size, plan);
                self.sum_split(name, &data, &cut);
            }
        }
    }

    /// NaN and infinities on different ranks, −0.0 with empty ranks, overflow on one rank that
    /// another rank's terms bring back.
    fn specials<T: Float>(&mut self, name: &str) {
        let (inf, nan, max) = (f64::INFINITY, f64::NAN, f64::MAX);
        let cases: [&[f64]; 7] = [
            &[1.0, inf, 2.0, 3.0],
            &[inf, 1.0, 2.0, -inf],
            &[1.0, 2.0, nan, 3.0],
            &[-inf, -inf, 5.0],
            &[-0.0, -0.0],
            &[max, max, -max, -max, 1.5],
            &[0.5, -0.0],
        ];
        for (i, case) in cases.iter().enumerate() {
            let data: Vec<T> = case.iter().map(|&x| T::from_f64(x)).collect();
            let mut rng = Rng::with_seed(1000 + i as u64);
            for plan in 0..SPLITS {
                let cut = cuts(&mut rng, data.len(), self.size, plan);
                self.sum_split(name, &data, &cut);
            }
        }
    }

    /// Compensated and Fast: the same bits on every rank; with one rank, the one-process result;
    /// Compensated within its documented bound.
    fn other_modes(&mut self) {
        let mut rng = Rng::with_seed(77);
        let data: Vec<f64> = (0..50_000).map(|_| f64::draw(&mut rng)).collect();
        for plan in 0..SPLITS {
            let cut = cuts(&mut rng, data.len(), self.size, plan);
            let mine = &data[cut[self.rank]..cut[self.rank + 1]];
            for mode in [Mode::Compensated, Mode::Fast] {
                let got = coresum_mpi::sum_with(self.comm, mine, mode);
                let (mut low, mut high) = (0u64, 0u64);
                let bits = got.to_bits();
                self.comm
                    .all_reduce_into(&bits, &mut low, SystemOperation::min());
                self.comm
                    .all_reduce_into(&bits, &mut high, SystemOperation::max());
                self.tally
                    .check(low == high, || format!("{mode:?} differs between ranks"));
                if self.size == 1 {
                    let want = coresum::sum_with(&data, mode);
                    self.tally
                        .check(got.same(want), || format!("{mode:?}: {got} != {want}"));
                }
                if mode == Mode::Compensated {
                    let exact = coresum::sum(&data);
                    let parts: f64 = cut
                        .windows(2)
                        .map(|w| coresum::sum(&data[w[0]..w[1]]).abs())
                        .sum();
                    let magnitudes: f64 = data.iter().map(|x| x.abs()).sum();
                    let bound = 2f64.powi(-53) * (exact.abs() + parts) * 1.01
                        + 2f64.powi(-72) * magnitudes * 1.01;
                    self.tally.check((got - exact).abs() <= bound, || {
                        format!("Compensated {got} is not within {bound} of {exact}")
                    });
                }
            }
        }
    }

    /// Checks `mean`, `min`, `max`, `argmin`, `argmax` of `data`, split by `cut`, against the
    /// one-process functions (values compared by their `Debug` form: NaN and −0.0 included).
    fn stats_split<T: Element + coresum::Moments + std::fmt::Debug>(
        &mut self,
        name: &str,
        data: &[T],
        cut: &[usize],
    ) {
        let mine = &data[cut[self.rank]..cut[self.rank + 1]];
        let what = || format!("{name}: {} elements split {cut:?}", data.len());
        let (got, want) = (coresum_mpi::mean(self.comm, mine), coresum::mean(data));
        let same = match (got, want) {
            (Some(g), Some(w)) => g.same(w),
            (g, w) => g.is_none() && w.is_none(),
        };
        self.tally.check(same, || {
            format!("mean of {}: {got:?}, expected {want:?}", what())
        });
        let pairs = [
            (
                format!("{:?}", coresum_mpi::min(self.comm, mine)),
                format!("{:?}", coresum::min(data)),
            ),
            (
                format!("{:?}", coresum_mpi::max(self.comm, mine)),
                format!("{:?}", coresum::max(data)),
            ),
            (
                format!("{:?}", coresum_mpi::argmin(self.comm, mine)),
                format!("{:?}", coresum::argmin(data).map(|i| i as u64)),
            ),
            (
                format!("{:?}", coresum_mpi::argmax(self.comm, mine)),
                format!("{:?}", coresum::argmax(data).map(|i| i as u64)),
            ),
        ];
        for (f, (got, want)) in ["min", "max", "argmin", "argmax"].iter().zip(pairs) {
            self.tally.check(got == want, || {
                format!("{f} of {}: {got}, expected {want}", what())
            });
        }
    }

    /// Checks `dot` of `a` and `b`, split by `cut`, against the one-process `coresum::dot`.
    fn dot_split<T: DotElement<DotOutput: Same>>(
        &mut self,
        name: &str,
        a: &[T],
        b: &[T],
        cut: &[usize],
    ) {
        let range = cut[self.rank]..cut[self.rank + 1];
        let got = coresum_mpi::dot(self.comm, &a[range.clone()], &b[range]).expect("equal lengths");
        let want = coresum::dot(a, b).expect("equal lengths");
        self.tally.check(got.same(want), || {
            format!(
                "dot of {name}: {} elements split {cut:?}: {got:?}, expected {want:?}",
                a.len()
            )
        });
    }

    /// Random data of every type through `stats_split` and (the `Dottable` types) `dot_split`;
    /// float specials; `f64` dot products that overflow or underflow (the gathering path); a
    /// length mismatch on one rank, an error on every rank.
    fn reductions(&mut self) {
        macro_rules! random {
            ($($t:ty),*; dot: $($d:ty),*) => {
                for (l, &len) in LENGTHS.iter().enumerate() {
                    for plan in 0..SPLITS {
                        let mut rng = Rng::with_seed(5000 + (l as u64) * 64 + plan);
                        let cut = cuts(&mut rng, len, self.size, plan);
                        $(
                            let data: Vec<$t> = (0..len).map(|_| <$t>::draw(&mut rng)).collect();
                            self.stats_split(stringify!($t), &data, &cut);
                        )*
                        $(
                            let a: Vec<$d> = (0..len).map(|_| <$d>::draw(&mut rng)).collect();
                            let b: Vec<$d> = (0..len).map(|_| <$d>::draw(&mut rng)).collect();
                            self.dot_split(stringify!($d), &a, &b, &cut);
                        )*
                    }
                }
            };
        }
        random!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize, f64, f32, f16, bf16;
            dot: i8, i16, i32, u8, u16, u32, f64, f32, f16, bf16);
        let (inf, nan, max) = (f64::INFINITY, f64::NAN, f64::MAX);
        let cases: [(&[f64], &[f64]); 7] = [
            (&[1.0, inf, 2.0, 3.0], &[1.0, 1.0, 0.0, 2.0]),
            (&[inf, 1.0, 2.0, 5.0], &[0.0, 1.0, 2.0, 1.0]),
            (&[1.0, 2.0, nan, 3.0, -0.0, 0.0], &[1.0; 6]),
            (&[-0.0, 0.0, -0.0], &[1.0, -1.0, 1.0]),
            (&[max, max, 1e308, 0.5], &[2.0, -2.0, 10.0, 3.0]),
            (&[1e-200, 3.0, 1e-170, 2.0], &[1e-200, 1.0, -1e-160, 0.5]),
            (&[1e300, 1e-300, -1e300], &[1e10, 1e-30, 1e10]),
        ];
        for (i, (a, b)) in cases.iter().enumerate() {
            let mut rng = Rng::with_seed(9000 + i as u64);
            for plan in 0..SPLITS {
                let cut = cuts(&mut rng, a.len(), self.size, plan);
                self.stats_split("f64 specials", a, &cut);
                self.dot_split("f64 specials", a, b, &cut);
                let (a32, b32): (Vec<f32>, Vec<f32>) = a
                    .iter()
                    .zip(*b)
                    .map(|(&x, &y)| (x as f32, y as f32))
                    .unzip();
                self.stats_split("f32 specials", &a32, &cut);
                self.dot_split("f32 specials", &a32, &b32, &cut);
            }
        }
        let short = if self.rank + 1 == self.size { 1 } else { 2 };
        let got = coresum_mpi::dot(self.comm, &[1u8, 2], &[3u8, 4][..short]);
        let want = (2 * self.size, 2 * self.size - 1);
        self.tally
            .check(got.is_err_and(|e| (e.left, e.right) == want), || {
                format!("a length mismatch on the last rank: {got:?}")
            });
    }

    fn node_cores(&mut self) {
        let cores = coresum_mpi::node_cores(self.comm);
        let allowed = coresum::pool::allowed_cores();
        self.tally.check(
            !cores.is_empty() && cores.iter().all(|c| allowed.contains(c)),
            || format!("node cores {cores:?} outside the allowed {allowed:?}"),
        );
    }
}

fn run<C: Communicator>(comm: &C) -> u64 {
    let mut ctx = Ctx {
        comm,
        rank: usize::try_from(comm.rank()).unwrap(),
        size: usize::try_from(comm.size()).unwrap(),
        tally: Tally {
            rank: comm.rank(),
            passed: 0,
            failed: 0,
        },
    };
    ctx.node_cores();
    macro_rules! every_type {
        ($($t:ty),*) => {$( ctx.random_sums::<$t>(stringify!($t), &LENGTHS); )*};
    }
    every_type!(
        i8, i16, i32, i64, isize, u8, u16, u32, u64, usize, f64, f32, f16, bf16
    );
    // Large enough for every rank's pool (4 MiB per rank, at most 4 ranks).
    ctx.random_sums::<u8>("u8, large", &[17_000_000]);
    ctx.random_sums::<f64>("f64, large", &[2_200_000]);
    ctx.specials::<f64>("f64 specials");
    ctx.specials::<f32>("f32 specials");
    ctx.specials::<f16>("f16 specials");
    ctx.specials::<bf16>("bf16 specials");
    ctx.other_modes();
    ctx.reductions();

    let (mut passed, mut failed) = (0u64, 0u64);
    comm.all_reduce_into(&ctx.tally.passed, &mut passed, SystemOperation::sum());
    comm.all_reduce_into(&ctx.tally.failed, &mut failed, SystemOperation::sum());
    if ctx.rank == 0 {
        println!("{} ranks: every rank's checks", ctx.size);
        println!("{passed} passed, {failed} failed");
    }
    failed
}

fn main() {
    let failed = {
        let Some(universe) = mpi::initialize() else {
            eprintln!("MPI could not be initialised");
            std::process::exit(2);
        };
        run(&universe.world())
    };
    if failed > 0 {
        std::process::exit(1);
    }
}
