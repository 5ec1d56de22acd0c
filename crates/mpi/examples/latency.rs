//! The reduction latency of `coresum_mpi::sum` on one element per rank, beside its parts: the
//! node split (`node_cores`, first and cached), one combine of two exact states as the reduction
//! does it, and a plain `MPI_Allreduce` of one `u64` (docs/SCALE-OUT.md).
//!
//! `mpirun -n N target/release/examples/latency [ROUNDS]`; rank 0 prints microseconds per call,
//! the minimum and the median of ROUNDS (default 2,000) calls, each call after a barrier.

use mpi::collective::SystemOperation;
use mpi::traits::*;
use std::time::Instant;

fn main() {
    let universe = mpi::initialize().expect("MPI initialised once");
    let world = universe.world();
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|r| r.parse().ok())
        .unwrap_or(2_000);
    let x = [f64::from(world.rank()) + 0.5];
    let n = [u64::MAX];
    let time = |name: &str, call: &dyn Fn()| {
        for _ in 0..rounds / 10 {
            call();
        }
        let mut micros: Vec<f64> = (0..rounds)
            .map(|_| {
                world.barrier();
                let start = Instant::now();
                call();
                start.elapsed().as_secs_f64() * 1e6
            })
            .collect();
        micros.sort_by(f64::total_cmp);
        if world.rank() == 0 {
            println!(
                "{} ranks  {name:<34} min {:>7.1} µs  median {:>7.1} µs",
                world.size(),
                micros[0],
                micros[rounds / 2]
            );
        }
    };
    time("MPI_Allreduce(u64, sum)", &|| {
        let mut total = 0u64;
        world.all_reduce_into(&n[0], &mut total, SystemOperation::sum());
    });
    time("node_cores, first call (2 splits)", &|| {
        coresum_mpi::node_cores(&world.duplicate());
    });
    time("node_cores, cached", &|| {
        coresum_mpi::node_cores(&world);
    });
    let mut state = coresum::ExactSum::new();
    state.add(1.5);
    let bytes = state.to_bytes();
    time("one exact combine (decode 2, encode)", &|| {
        let mut into = coresum::ExactSum::from_bytes(&bytes).unwrap();
        into.merge(&coresum::ExactSum::from_bytes(&bytes).unwrap());
        std::hint::black_box(into.to_bytes());
    });
    time("coresum_mpi::sum(&[u64; 1])", &|| {
        coresum_mpi::sum(&world, &n);
    });
    time("coresum_mpi::sum(&[f64; 1]) (Exact)", &|| {
        coresum_mpi::sum(&world, &x);
    });
}
