//! What coresum's benchmarks measure it against, written once for `benches/` and `coresum bench`:
//! the data ([`data`]), the std loops and the read ceiling compiled for the running CPU
//! ([`native`]), and, with the `pool-peers` feature, the fork_union and OpenMP pools.
//!
//! Not part of coresum's API: nothing here is for summing.

pub mod data;
pub mod native;
#[cfg(feature = "pool-peers")]
pub mod openmp;

/// fork_union's workers busy-wait between jobs, so each measurement starts its own pool and
/// stops it afterwards: left running, they would take the cores from every other peer.
#[cfg(feature = "pool-peers")]
pub fn fork_union_pool(threads: usize) -> fork_union::ThreadPool {
    fork_union::ThreadPool::try_spawn(threads).expect("fork_union starts")
}
