//! Each rank's partial: what it sums locally and how that partial is reduced across ranks.

use coresum::{ExactSum, Mode, Pool, Summable};
use mpi::traits::Communicator;
use std::ops::Range;
use std::sync::OnceLock;

/// How a type's rank partials are made and reduced. Public only to seal [`crate::Element`].
pub trait Partial: Summable {
    /// The sum over every rank of `comm` of its `local` slice, summed on `pool`.
    #[doc(hidden)]
    fn reduce<C: Communicator>(
        comm: &C,
        pool: Option<&Pool>,
        local: &[Self],
        mode: Mode,
    ) -> Self::Output;

    /// The exact sum of `local`, summed on `pool`, as a state ([`crate::mean`] reduces it).
    #[doc(hidden)]
    fn exact_state(pool: Option<&Pool>, local: &[Self]) -> ExactSum;
}

/// The sum of `data` on `pool`, or on this thread where there is none.
fn local_sum<T: Summable>(pool: Option<&Pool>, data: &[T], mode: Mode) -> T::Output {
    match pool {
        Some(pool) => pool.sum_with(data, mode),
        None => coresum::sum_with(data, mode),
    }
}

macro_rules! integer_partial {
    ($($t:ty => $out:ty),* $(,)?) => {$(
        impl Partial for $t {
            fn reduce<C: Communicator>(
                comm: &C,
                pool: Option<&Pool>,
                local: &[Self],
                mode: Mode,
            ) -> $out {
                crate::all_reduce_i128(comm, local_sum(pool, local, mode) as i128) as $out
            }

            fn exact_state(pool: Option<&Pool>, local: &[Self]) -> ExactSum {
                // `u128` totals stay below 2^125 (see `Int128`): they fit `i128`.
                let total = local_sum(pool, local, Mode::Exact) as i128;
                integer_state(total < 0, total.unsigned_abs())
            }
        }
    )*};
}

integer_partial! {
    i8 => i128, i16 => i128, i32 => i128, i64 => i128, isize => i128,
    u8 => u128, u16 => u128, u32 => u128, u64 => u128, usize => u128,
}

/// A float type whose terms an [`ExactSum`] can take a slice at a time.
trait AddExact: Summable<Output = f64> {
    fn add_to(acc: &mut ExactSum, data: &[Self]);
}

impl AddExact for f64 {
    fn add_to(acc: &mut ExactSum, data: &[f64]) {
        acc.add_slice(data);
    }
}

impl AddExact for f32 {
    fn add_to(acc: &mut ExactSum, data: &[f32]) {
        acc.add_slice_f32(data);
    }
}

/// Half-precision terms are widened exactly to `f32`, a block at a time (4 KiB on the stack).
macro_rules! add_exact_half {
    ($($t:ty),*) => {$(
        impl AddExact for $t {
            fn add_to(acc: &mut ExactSum, data: &[$t]) {
                use half::slice::HalfFloatSliceExt;
                let mut buf = [0f32; 1024];
                for block in data.chunks(buf.len()) {
                    let buf = &mut buf[..block.len()];
                    block.convert_to_f32_slice(buf);
                    acc.add_slice_f32(buf);
                }
            }
        }
    )*};
}

add_exact_half!(half::f16, half::bf16);

/// Below this many bytes a rank builds its exact state on its own thread: waking the workers
/// would cost more than the sum.
const INLINE_BYTES: usize = 256 << 10;

/// `work` over contiguous shares of `len` elements of `element_bytes` each (split on 128-byte
/// boundaries), one per worker of `pool`, in share order; the whole range on this thread when there
/// is no pool or too little data to wake one.
pub(crate) fn per_worker<R: Send + Sync>(
    pool: Option<&Pool>,
    len: usize,
    element_bytes: usize,
    work: impl Fn(Range<usize>) -> R + Sync,
) -> Vec<R> {
    let pool = match pool {
        Some(pool) if len.saturating_mul(element_bytes) >= INLINE_BYTES => pool,
        _ => return vec![work(0..len)],
    };
    let workers = pool.threads();
    let results: Vec<OnceLock<R>> = (0..workers).map(|_| OnceLock::new()).collect();
    pool.broadcast(|worker| {
        // Each index runs once, so the slot is empty.
        let _ = results[worker].set(work(crate::share(len, element_bytes, worker, workers)));
    })
    .expect("coresum-mpi's local work does not panic");
    results
        .into_iter()
        .filter_map(OnceLock::into_inner)
        .collect()
}

/// The exact state of `data`: each worker of `pool` adds its share to a state of its own, and the
/// states are merged.
fn exact_state<T: AddExact>(pool: Option<&Pool>, data: &[T]) -> ExactSum {
    let states = per_worker(pool, data.len(), size_of::<T>(), |range| {
        let mut state = ExactSum::new();
        T::add_to(&mut state, &data[range]);
        state
    });
    let mut acc = ExactSum::new();
    states.iter().for_each(|state| acc.merge(state));
    acc
}

/// An integer total as an exact state: four 32-bit pieces, each an exact `f64`.
fn integer_state(negative: bool, magnitude: u128) -> ExactSum {
    let mut state = ExactSum::new();
    for piece in 0..4 {
        let value = f64::from((magnitude >> (32 * piece)) as u32) * 2f64.powi(32 * piece);
        state.add(if negative { -value } else { value });
    }
    state
}

macro_rules! float_partial {
    ($($t:ty),*) => {$(
        impl Partial for $t {
            fn reduce<C: Communicator>(
                comm: &C,
                pool: Option<&Pool>,
                local: &[Self],
                mode: Mode,
            ) -> f64 {
                let state = match mode {
                    Mode::Exact => exact_state(pool, local),
                    // Compensated, Fast: this rank's result, added exactly to the others'. An
                    // empty slice adds nothing (its +0.0 would turn a sum of −0.0 into +0.0).
                    _ => {
                        let mut acc = ExactSum::new();
                        if !local.is_empty() {
                            acc.add(local_sum(pool, local, mode));
                        }
                        acc
                    }
                };
                crate::all_reduce_exact(comm, &state).finish()
            }

            fn exact_state(pool: Option<&Pool>, local: &[Self]) -> ExactSum {
                exact_state(pool, local)
            }
        }
    )*};
}

float_partial!(f64, f32, half::f16, half::bf16);
