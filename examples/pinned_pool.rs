//! A pool of your own: which cores, how many workers, their names; blocking and asynchronous sums.
//!
//! ```text
//! cargo run --release --example pinned_pool
//! CORESUM_CORES=0 cargo run --release --example pinned_pool   # the default pool, on core 0 only
//! ```

use coresum::{Cores, Pool};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // One worker per physical core the process may use, pinned, named for `top -H` and `perf`.
    let pool = Pool::builder()
        .cores(Cores::Physical)
        .thread_name_prefix("demo-w")
        .build()?;
    for worker in pool.workers() {
        println!("{} pinned to core {:?}", worker.name, worker.core);
    }

    let data: Vec<i16> = (0..50_000_000)
        .map(|i| (i % 60_000 - 30_000) as i16)
        .collect();
    println!("blocking sum:  {}", pool.sum(&data));
    println!("async sum:     {}", pool.sum_async(data).wait()?);

    // Impossible configurations are errors, not panics.
    if let Err(e) = Pool::builder().threads(0).build() {
        println!("threads(0):    {e}");
    }

    // The process-wide pool behind `coresum::sum`, shaped by CORESUM_THREADS / CORESUM_CORES.
    if let Some(default) = coresum::default_pool() {
        println!("default pool:  {} workers", default.threads());
    }
    Ok(())
}
