//! A pool of your own: which cores, how many workers, their names; blocking and asynchronous sums.
//!
//! ```text
//! cargo run --release --example pinned_pool
//! CORESUM_CORES=0 cargo run --release --example pinned_pool   # the default pool, on core 0 only
//! ```

use coresum::{Cores, Pool};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // One worker per physical core the process may use, pinned (where the OS allows: macOS does
    // not, `.pin(true)` would make it an error), named for `top -H` and `perf`.
    let pool = Pool::builder()
        .cores(Cores::Physical)
        .thread_name_prefix("demo-w")
        .build()?;
    for worker in pool.workers() {
        match (worker.core, worker.pinned) {
            (Some(core), true) => println!("{} pinned to core {core}", worker.name),
            (Some(core), false) => {
                println!("{} unpinned (the OS refused core {core})", worker.name)
            }
            (None, _) => println!("{} unpinned", worker.name),
        }
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

    // The process-wide pool behind `coresum::sum`, configured in code once, before its first use
    // (here still shaped by CORESUM_THREADS / CORESUM_CORES, through `with_env`).
    let default = Pool::builder()
        .with_env()
        .thread_name_prefix("main-w")
        .build_global()?;
    println!("default pool:  {} workers", default.threads());
    println!("coresum::sum:  {}", coresum::sum(&[1u64 << 63, 1 << 63]));
    Ok(())
}
