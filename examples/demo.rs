//! The README's first command: sums generated data of several types and prints each exact sum with
//! its throughput. No files needed.
//!
//! ```text
//! cargo run --release --example demo [MiB]
//! ```

use std::time::Instant;

/// Deterministic pseudo-random bytes (xorshift64*).
fn generate(bytes: usize) -> Vec<u64> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    (0..bytes / 8)
        .map(|_| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_f491_4f6c_dd1d)
        })
        .collect()
}

/// Sums `data` viewed as `T`, best of five runs, and prints one line.
fn report<T: coresum::Summable>(name: &str, words: &[u64]) {
    // SAFETY: `u64` storage is aligned for every integer type, and integers accept any bits.
    let data: &[T] = unsafe {
        std::slice::from_raw_parts(words.as_ptr().cast(), size_of_val(words) / size_of::<T>())
    };
    let mut best = f64::INFINITY;
    let mut total = None;
    for _ in 0..5 {
        let start = Instant::now();
        total = Some(coresum::sum(std::hint::black_box(data)));
        best = best.min(start.elapsed().as_secs_f64());
    }
    let total = total.expect("five runs");
    let gbps = size_of_val(data) as f64 / best / 1e9;
    println!(
        "{name:>4}  {:>12} elements  sum = {total:>44?}  {gbps:7.1} GB/s",
        data.len()
    );
}

fn main() {
    let mib: usize = match std::env::args().nth(1).map(|a| a.parse()) {
        None => 256,
        Some(Ok(mib)) if mib > 0 => mib,
        Some(_) => {
            eprintln!("usage: demo [MiB > 0]");
            std::process::exit(2);
        }
    };
    let words = generate(mib << 20);
    println!(
        "coresum: {mib} MiB of pseudo-random data, one thread, path {}",
        coresum::isa()
    );
    report::<u8>("u8", &words);
    report::<i8>("i8", &words);
    report::<u16>("u16", &words);
    report::<i16>("i16", &words);
    report::<u32>("u32", &words);
    report::<i32>("i32", &words);
    report::<u64>("u64", &words);
    report::<i64>("i64", &words);
}
