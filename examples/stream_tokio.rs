//! Several producers feed one stream of buffers through a bounded channel; coresum sums each
//! buffer on its pool as it arrives, holding at most a few at once, and the total is checked
//! against an exact reference.
//!
//! ```text
//! cargo run --release --example stream_tokio
//! ```

use std::time::Instant;

const PRODUCERS: u64 = 4;
const BUFFERS_EACH: u64 = 64;
const BUFFER_LEN: usize = 1 << 17; // 1 MiB of f64

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let pool = coresum::Pool::builder().build()?;
    let (send, mut receive) = tokio::sync::mpsc::channel::<Vec<f64>>(4);
    let start = Instant::now();
    for producer in 0..PRODUCERS {
        let send = send.clone();
        tokio::spawn(async move {
            for buffer in 0..BUFFERS_EACH {
                // Readings whose plain f64 sum would lose the small terms next to 1e17.
                let seed = producer * BUFFERS_EACH + buffer;
                let data: Vec<f64> = (0..BUFFER_LEN as u64).map(|i| reading(seed, i)).collect();
                if send.send(data).await.is_err() {
                    return;
                }
            }
        });
    }
    drop(send);
    // A two-line adapter: the receiver as a `futures_core::Stream`.
    let stream = futures_util::stream::poll_fn(move |cx| receive.poll_recv(cx));
    let total = pool.sum_stream(stream).await?;
    let elapsed = start.elapsed();

    let exact = reference();
    assert_eq!(total, exact, "the stream's sum is the exact sum");
    println!(
        "{} buffers of 1 MiB from {PRODUCERS} producers: {total} (exact) in {:.1} ms",
        PRODUCERS * BUFFERS_EACH,
        elapsed.as_secs_f64() * 1e3
    );
    Ok(())
}

/// Reading `i` of buffer `seed`: ±1e17 pairs that cancel, and small integers.
fn reading(seed: u64, i: u64) -> f64 {
    match i % 4 {
        0 => 1e17,
        2 => -1e17,
        _ => ((seed * 31 + i) % 1000) as f64,
    }
}

/// The exact total: the big terms cancel within each buffer, the small ones are integers.
fn reference() -> f64 {
    let mut total: u128 = 0;
    for seed in 0..PRODUCERS * BUFFERS_EACH {
        for i in (0..BUFFER_LEN as u64).filter(|i| i % 2 == 1) {
            total += u128::from((seed * 31 + i) % 1000);
        }
    }
    total as f64
}
