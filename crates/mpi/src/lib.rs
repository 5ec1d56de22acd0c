//! coresum's exact sums across processes and machines, on MPI.
//!
//! Every rank passes its own part of the data; every rank gets back the sum of all of it:
//!
//! ```no_run
//! let universe = mpi::initialize().unwrap();
//! let world = universe.world();
//! # let my_part: Vec<f64> = Vec::new();
//! let total = coresum_mpi::sum(&world, &my_part); // the same bits on every rank
//! ```
//!
//! - **Local**: each rank sums its slice on its own pinned [`coresum::Pool`]. The ranks on one node
//!   (found with MPI's shared-memory split, `MPI_Comm_split_type`) split that node's allowed cores
//!   between them rather than each taking all of them (see [`node_cores`]).
//! - **Global**: the ranks' partial states are combined by a user-defined MPI reduction
//!   (`MPI_Allreduce` with an `MPI_Op` of ours): integers as 128-bit partials, floats as
//!   [`coresum::ExactSum`] states in their fixed-size byte encoding. Both combine exactly, so the
//!   operation is associative and commutative and MPI may use any reduction tree: **every rank gets
//!   the same, exact result, bit-identical for any number of ranks and any split of the data** —
//!   the result of `coresum::sum` over the concatenated data.
//! - [`Mode::Compensated`] and [`Mode::Fast`] sum each rank's slice in that mode and then add the
//!   per-rank results exactly, rounding once: cheaper than an exact state per rank, the same on
//!   every rank, but (as those modes are) dependent on how the data is split. See [`sum_with`].
//!
//! - [`dot`], [`mean`], [`min`], [`max`], [`argmin`], [`argmax`]: the same guarantee (the
//!   one-process function's result over the concatenated slices, on every rank), from exact
//!   partials (dot, mean) or from every rank's first best candidate (min, max: the first index
//!   wins).

#![warn(missing_docs)]

mod dot;
mod local;
mod node;
mod stats;
mod wire;

pub use dot::{DotElement, dot};
pub use node::{node_cores, node_pool};
pub use stats::{argmax, argmin, max, mean, min};

use coresum::{ExactSum, Mode, Summable};
use mpi::traits::Communicator;
use std::ops::Range;

/// An element type that [`sum`] can reduce across ranks: every [`coresum::Summable`] type.
///
/// Sealed: how a type's partials travel between ranks is fixed per type.
pub trait Element: Summable + local::Partial {}

impl<T: Summable + local::Partial> Element for T {}

/// The exact sum of every rank's `local` slice, returned on every rank.
///
/// Collective over `comm`: every rank of it must call it (with any slice, empty included).
///
/// ```no_run
/// let universe = mpi::initialize().unwrap();
/// let world = universe.world();
/// let mine = vec![u64::MAX; 1000];
/// let total: u128 = coresum_mpi::sum(&world, &mine);
/// assert_eq!(total, 1000 * u64::MAX as u128 * world.size() as u128);
/// # use mpi::traits::Communicator;
/// ```
pub fn sum<T: Element, C: Communicator>(comm: &C, local: &[T]) -> T::Output {
    sum_with(comm, local, Mode::Exact)
}

/// The sum of every rank's `local` slice in `mode`, returned on every rank.
///
/// - Integers ignore the mode: always exact.
/// - Floats in [`Mode::Exact`]: the correctly rounded exact sum of all the ranks' elements,
///   bit-identical for any number of ranks and any split (each rank's exact state is reduced).
/// - Floats in [`Mode::Compensated`] or [`Mode::Fast`]: each rank sums its slice in that mode,
///   then the per-rank results are added exactly and rounded once. The same bits on every rank
///   and for any reduction order, but a different split can change the last bits, as a different
///   chunking would; with `r` ranks Compensated's bound becomes
///   `|result − Σx| ≤ 2^-53·(|Σx| + Σ_ranks |Σx_rank|) + 2^-72·Σ|x|`.
///
/// NaN and infinities propagate as in a one-process sum (+∞ and −∞ on different ranks give NaN).
/// Collective over `comm`.
///
/// # Panics
///
/// If a float state arrives corrupted (it is checksummed): only a broken MPI transport can do
/// that, and a panic is better than a wrong sum.
pub fn sum_with<T: Element, C: Communicator>(comm: &C, local: &[T], mode: Mode) -> T::Output {
    let pool = node_pool(comm);
    T::reduce(comm, pool.as_deref(), local, mode)
}

/// Every rank's exact state `local`, merged: the same state on every rank of `comm`, for front ends
/// that build their own (the `coresum-mpi` binary sums files into states). Collective.
///
/// # Panics
///
/// As [`sum_with`]: if a state arrives corrupted.
pub fn all_reduce_exact<C: Communicator>(comm: &C, local: &ExactSum) -> ExactSum {
    let total = wire::all_reduce::<wire::Exact, C>(comm, &local.to_bytes());
    ExactSum::from_bytes(&total)
        .unwrap_or_else(|error| panic!("coresum-mpi: the reduced exact state is corrupt ({error})"))
}

/// The sum of every rank's `local`, on every rank of `comm`; wraps modulo 2^128 (so that it adds
/// `u128`s passed `as i128` too: cast back). Collective.
pub fn all_reduce_i128<C: Communicator>(comm: &C, local: i128) -> i128 {
    let total = wire::all_reduce::<wire::Int128, C>(comm, &local.to_le_bytes());
    i128::from_le_bytes(total.try_into().expect("16 bytes"))
}

/// Shares of data are cut at multiples of this many bytes from its start (a pair of cache lines,
/// coresum's chunk granularity), so that no two ranks or workers read the same line.
pub const SHARE_ALIGN: usize = 128;

/// The `index`-th of `parts` contiguous shares of `len` elements of `element_bytes` bytes each
/// (a power of two up to [`SHARE_ALIGN`]): cut at multiples of [`SHARE_ALIGN`] bytes, as evenly as
/// that allows. With fewer 128-byte blocks than parts, the first shares are empty.
///
/// ```
/// let shares: Vec<_> = (0..3).map(|i| coresum_mpi::share(100, 4, i, 3)).collect();
/// assert_eq!(shares, [0..32, 32..64, 64..100]);
/// assert_eq!(coresum_mpi::share(10, 8, 0, 2), 0..0); // 80 bytes: one block
/// assert_eq!(coresum_mpi::share(10, 8, 1, 2), 0..10);
/// ```
pub fn share(len: usize, element_bytes: usize, index: usize, parts: usize) -> Range<usize> {
    let step = (SHARE_ALIGN / element_bytes.clamp(1, SHARE_ALIGN)) as u128;
    let blocks = (len as u128).div_ceil(step);
    let parts = parts.max(1) as u128;
    let cut = |i: u128| ((i * blocks / parts) * step).min(len as u128) as usize;
    let index = (index as u128).min(parts);
    cut(index)..cut(index + 1)
}
