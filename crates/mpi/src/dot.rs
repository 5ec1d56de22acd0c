//! [`dot`] across ranks: each rank's exact partial, reduced as sums are.
//!
//! Integers: the rank's exact `i128`/`u128` dot product. `f32`, `f16`, `bf16`: every product is
//! exact in `f64` (at most 48 significant bits, exponents far inside its range), so the rank's
//! products go into an [`ExactSum`]. `f64`: each product is split exactly into `p + e`
//! (TwoProduct, by FMA) and both go into the state — exact unless a product overflows or has bits
//! below `2^-1074`; if any rank meets such a product, every rank gathers all the data and takes
//! `coresum::dot` of it (exact, but costly: the rare case of products beyond `2^1023` or below
//! about `2^-968`).

use crate::local::per_worker;
use crate::{all_reduce_exact, all_reduce_i128, node_pool};
use coresum::{Dottable, ExactSum, LengthMismatch, Pool};
use mpi::datatype::PartitionMut;
use mpi::traits::{Communicator, CommunicatorCollectives};

/// An element type [`dot`] takes: coresum's [`Dottable`] types. Sealed.
pub trait DotElement: Dottable + Partial {}

impl<T: Dottable + Partial> DotElement for T {}

/// How a type's rank partials of a dot product are made and reduced. Public only to seal
/// [`DotElement`].
pub trait Partial: Dottable {
    /// The dot product over every rank of `comm` of its `a` and `b` (of equal lengths on every
    /// rank), summed on `pool`.
    #[doc(hidden)]
    fn reduce_dot<C: Communicator>(
        comm: &C,
        pool: Option<&Pool>,
        a: &[Self],
        b: &[Self],
    ) -> Self::DotOutput;
}

/// The exact dot product of every rank's `a` and `b` (the ranks' slices concatenated in rank
/// order), on every rank: bit-identical to `coresum::dot` of all the data, for any number of ranks
/// and any split. An error on every rank if `a` and `b` differ in length on any rank (the lengths
/// reported are the global ones). Collective over `comm`.
///
/// # Panics
///
/// As [`crate::sum_with`], if a state arrives corrupted; and on the rare `f64` path that gathers
/// the data (see the module notes), if a rank's slices exceed MPI's `int` counts.
pub fn dot<T: DotElement, C: Communicator>(
    comm: &C,
    a: &[T],
    b: &[T],
) -> Result<T::DotOutput, LengthMismatch> {
    let mine = [
        u64::from(a.len() != b.len()),
        a.len() as u64,
        b.len() as u64,
    ];
    let mut all = [0u64; 3];
    comm.all_reduce_into(
        &mine[..],
        &mut all[..],
        mpi::collective::SystemOperation::sum(),
    );
    if all[0] > 0 {
        return Err(LengthMismatch {
            left: all[1] as usize,
            right: all[2] as usize,
        });
    }
    let pool = node_pool(comm);
    Ok(T::reduce_dot(comm, pool.as_deref(), a, b))
}

macro_rules! integer_partial {
    ($($t:ty => $out:ty),*) => {$(
        impl Partial for $t {
            fn reduce_dot<C: Communicator>(comm: &C, pool: Option<&Pool>, a: &[$t], b: &[$t]) -> $out {
                let parts = per_worker(pool, a.len(), size_of::<$t>(), |range| {
                    coresum::dot(&a[range.clone()], &b[range]).expect("equal lengths")
                });
                // Cannot wrap: see `Int128` (`u128` partials stay below 2^127).
                let mine: $out = parts.into_iter().sum();
                all_reduce_i128(comm, mine as i128) as $out
            }
        }
    )*};
}

integer_partial!(i8 => i128, i16 => i128, i32 => i128, u8 => u128, u16 => u128, u32 => u128);

/// Products per block, on the stack.
const BLOCK: usize = 512;

/// The exact state of `Σ a·b` for narrow floats, whose products `f64` holds exactly.
fn narrow_state<T: Copy + Sync>(
    pool: Option<&Pool>,
    a: &[T],
    b: &[T],
    widen: fn(T) -> f64,
) -> ExactSum {
    let states = per_worker(pool, a.len(), size_of::<T>(), |range| {
        let (mut state, mut products) = (ExactSum::new(), [0f64; BLOCK]);
        for (a, b) in a[range.clone()].chunks(BLOCK).zip(b[range].chunks(BLOCK)) {
            for ((p, &x), &y) in products.iter_mut().zip(a).zip(b) {
                *p = widen(x) * widen(y);
            }
            state.add_slice(&products[..a.len()]);
        }
        state
    });
    merged(&states)
}

fn merged(states: &[ExactSum]) -> ExactSum {
    let mut total = ExactSum::new();
    states.iter().for_each(|state| total.merge(state));
    total
}

macro_rules! narrow_partial {
    ($($t:ty => $widen:expr),*) => {$(
        impl Partial for $t {
            fn reduce_dot<C: Communicator>(comm: &C, pool: Option<&Pool>, a: &[$t], b: &[$t]) -> f64 {
                all_reduce_exact(comm, &narrow_state(pool, a, b, $widen)).finish()
            }
        }
    )*};
}

narrow_partial!(f32 => f64::from, half::f16 => half::f16::to_f64, half::bf16 => half::bf16::to_f64);

/// The exponent of the last bit of finite, non-zero `x`'s significand: `x` is an odd multiple of
/// `2^q`.
fn last_bit(x: f64) -> i64 {
    let bits = x.to_bits();
    let (biased, fraction) = ((bits >> 52) & 0x7ff, bits & ((1 << 52) - 1));
    let (significand, exponent) = match biased {
        0 => (fraction, -1074),
        _ => (fraction | 1 << 52, biased as i64 - 1075),
    };
    exponent + i64::from(significand.trailing_zeros())
}

/// `x·y` as `p + e` exactly (`p` rounded, `e` its error, by FMA); `None` when no such pair of
/// doubles exists (a finite product that overflows, or one with bits below `2^-1074`). A NaN or
/// infinite factor gives `p` the IEEE product. A zero `e` is `-0.0`, which adds nothing even to
/// a sum of `-0.0` products (where `+0.0` would make it `+0.0`).
fn two_product(x: f64, y: f64) -> Option<(f64, f64)> {
    let p = x * y;
    if !(x.is_finite() && y.is_finite()) || x == 0.0 || y == 0.0 {
        return Some((p, -0.0));
    }
    // The exact product is a multiple of 2^-1074 and below the overflow threshold: then `p` and
    // the rounding error `e` are both doubles, and FMA computes `e` exactly.
    if !p.is_finite() || last_bit(x) + last_bit(y) < -1074 {
        return None;
    }
    let e = x.mul_add(y, -p);
    Some((p, if e == 0.0 { -0.0 } else { e }))
}

impl Partial for f64 {
    fn reduce_dot<C: Communicator>(comm: &C, pool: Option<&Pool>, a: &[f64], b: &[f64]) -> f64 {
        let states = per_worker(pool, a.len(), size_of::<f64>(), |range| {
            let (mut state, mut high, mut low) = (ExactSum::new(), [0f64; BLOCK], [0f64; BLOCK]);
            for (a, b) in a[range.clone()].chunks(BLOCK).zip(b[range].chunks(BLOCK)) {
                for (i, (&x, &y)) in a.iter().zip(b).enumerate() {
                    (high[i], low[i]) = two_product(x, y)?;
                }
                state.add_slice(&high[..a.len()]);
                state.add_slice(&low[..a.len()]);
            }
            Some(state)
        });
        let states: Option<Vec<ExactSum>> = states.into_iter().collect();
        if all_reduce_i128(comm, i128::from(states.is_none())) == 0 {
            let mine = merged(states.as_deref().unwrap_or_default());
            return all_reduce_exact(comm, &mine).finish();
        }
        let (a, b) = (gather(comm, a), gather(comm, b));
        coresum::dot(&a, &b).expect("equal lengths on every rank")
    }
}

/// Every rank's `local`, concatenated in rank order, on every rank.
fn gather<C: Communicator>(comm: &C, local: &[f64]) -> Vec<f64> {
    let size = usize::try_from(comm.size()).expect("MPI sizes are positive");
    let count = mpi::Count::try_from(local.len()).expect("a slice within MPI's int counts");
    let mut counts = vec![0 as mpi::Count; size];
    comm.all_gather_into(&count, &mut counts[..]);
    let displs: Vec<mpi::Count> = counts
        .iter()
        .scan(0 as mpi::Count, |at, &n| {
            let here = *at;
            *at = at.checked_add(n).expect("data within MPI's int counts");
            Some(here)
        })
        .collect();
    let total = counts.iter().map(|&n| n as usize).sum();
    let mut all = vec![0f64; total];
    let mut partition = PartitionMut::new(&mut all[..], counts, displs);
    comm.all_gather_varcount_into(local, &mut partition);
    all
}
