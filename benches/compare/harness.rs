//! The interleaved measurement (see the bench's documentation) and what it is configured by.

use crate::report::Spread;
use crate::{GIB, KIB, MIB};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// How much to measure: the full report, or a smoke run (`--quick`).
pub struct Settings {
    pub quick: bool,
    pub rounds: usize,
    pub sample: Duration,
    pub settle: Duration,
    pub int_sizes: Vec<usize>,
    pub float_sizes: Vec<usize>,
    pub latency_sizes: Vec<usize>,
    pub scaling_sizes: Vec<usize>,
    /// Thread counts of the scaling table; the last is the one of the all-cores rows.
    pub threads: Vec<usize>,
}

impl Settings {
    pub fn new(quick: bool, cores: usize) -> Settings {
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
        let mut scaling_sizes = vec![4 * MIB];
        scaling_sizes.extend(int_sizes.last());
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
    pub fn rounds(&self, bytes: usize) -> usize {
        if bytes >= 256 * MIB {
            self.rounds.min(5)
        } else {
            self.rounds
        }
    }
}

/// One sample of a peer: runs it the given number of times, returns the time taken and the low
/// 64 bits of its last result (float results: their bits).
pub type Sampler<'a> = Box<dyn FnMut(u64) -> (Duration, u64) + 'a>;

/// A named peer of one measurement.
pub type Peer<'a> = (&'static str, Sampler<'a>);

/// A peer with nothing to set up per sample.
pub fn plain<'a>(mut call: impl FnMut() -> u64 + 'a) -> Sampler<'a> {
    Box::new(move |iterations| {
        let start = Instant::now();
        let mut result = 0;
        for _ in 0..iterations {
            result = black_box(call());
        }
        (start.elapsed(), result)
    })
}

/// Medians, in seconds per call, of peers measured interleaved, their spreads and last results.
pub struct Measured {
    pub seconds: BTreeMap<&'static str, f64>,
    pub spread: BTreeMap<&'static str, Spread>,
    pub results: BTreeMap<&'static str, u64>,
}

impl Measured {
    /// The medians as the report keeps them.
    pub fn by_peer(&self) -> crate::report::Seconds {
        self.seconds
            .iter()
            .map(|(&peer, &s)| (peer.to_owned(), s))
            .collect()
    }

    /// The spreads as the report keeps them.
    pub fn spread(&self) -> crate::report::Spreads {
        self.spread
            .iter()
            .map(|(&peer, &s)| (peer.to_owned(), s))
            .collect()
    }
}

/// A peer whose median is this many times its best sample was hit by noise (VM scheduling
/// hiccups of 60–300 µs show as single rows 10× off): it is measured again.
const NOISY: f64 = 1.3;

/// How many times a noisy peer is re-measured (each time `rounds` more samples) at most.
const RETRIES: usize = 2;

fn spread_of(samples: &mut [f64]) -> Spread {
    samples.sort_by(f64::total_cmp);
    Spread {
        min: samples[0],
        median: samples[samples.len() / 2],
        max: samples[samples.len() - 1],
        samples: samples.len(),
    }
}

/// The interleaved measurement described in the module documentation. Peers whose median is
/// over [`NOISY`] times their best sample get `rounds` more samples (up to [`RETRIES`] times),
/// interleaved among themselves, and their figure is the median of all their samples.
pub fn interleaved(settings: &Settings, rounds: usize, peers: &mut [Peer]) -> Measured {
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
    let mut measuring: Vec<usize> = (0..peers.len()).collect();
    for retry in 0..=RETRIES {
        for round in 0..rounds {
            for k in 0..measuring.len() {
                let i = measuring[(k + round) % measuring.len()];
                std::thread::sleep(settings.settle);
                let (name, sampler) = &mut peers[i];
                let (time, result) = sampler(iterations[i]);
                times[i].push(time.as_secs_f64() / iterations[i] as f64);
                results.insert(*name, result);
            }
        }
        measuring.retain(|&i| {
            let spread = spread_of(&mut times[i]);
            spread.median > NOISY * spread.min
        });
        if measuring.is_empty() {
            break;
        }
        if retry < RETRIES {
            let names: Vec<&str> = measuring.iter().map(|&i| peers[i].0).collect();
            eprintln!("  noisy, measured again: {}", names.join(", "));
        }
    }
    let spread: BTreeMap<&'static str, Spread> = peers
        .iter()
        .zip(&mut times)
        .map(|((name, _), t)| (*name, spread_of(t)))
        .collect();
    let seconds = spread.iter().map(|(&name, s)| (name, s.median)).collect();
    Measured {
        seconds,
        spread,
        results,
    }
}

/// The low 64 bits of an integer result: every peer's sum is compared in these (numpy's too,
/// which wraps 64-bit inputs).
pub trait Low64 {
    /// The value modulo 2^64.
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
