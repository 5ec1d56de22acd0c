//! A tokio runtime stays responsive while large sums run on coresum's pool.
//!
//! A ticker task reports every 10 ms while 64 sums of 16 MiB each run; the ticker keeps its pace
//! because the executor threads only await `SumTask`s, the pool's own pinned workers do the work.
//!
//! ```text
//! cargo run --release --example async_tokio
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let pool = Arc::new(coresum::Pool::builder().build()?);
    let data: Arc<[u32]> = (0..4u32 << 20).collect::<Vec<_>>().into();
    let expected: u128 = data.iter().map(|&x| u128::from(x)).sum();

    let ticker = tokio::spawn(async {
        let start = Instant::now();
        let mut worst = Duration::ZERO;
        for _ in 0..20 {
            let before = Instant::now();
            tokio::time::sleep(Duration::from_millis(10)).await;
            worst = worst.max(before.elapsed().saturating_sub(Duration::from_millis(10)));
        }
        (start.elapsed(), worst)
    });

    let start = Instant::now();
    let sums: Vec<_> = (0..64).map(|_| pool.sum_async(data.clone())).collect();
    for task in sums {
        assert_eq!(task.await?, expected);
    }
    let summed = start.elapsed();
    let (ticks, worst_delay) = ticker.await?;
    println!(
        "64 sums of 16 MiB on {} pinned workers: {:.1} ms ({:.1} GB/s)",
        pool.threads(),
        summed.as_secs_f64() * 1e3,
        64.0 * 16.0 * 1.048_576e-3 / summed.as_secs_f64()
    );
    println!(
        "ticker: 20 ticks of 10 ms in {:.1} ms, worst lateness {:.2} ms",
        ticks.as_secs_f64() * 1e3,
        worst_delay.as_secs_f64() * 1e3
    );
    Ok(())
}
