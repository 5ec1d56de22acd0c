//! Each rank's partial: what it sums locally and how that partial is reduced across ranks.

use crate::wire::{self, Exact, Int128};
use coresum::{ExactSum, Mode, Pool, Summable};
use mpi::traits::Communicator;
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
                let mine = local_sum(pool, local, mode);
                let total = wire::all_reduce::<Int128, C>(comm, &mine.to_le_bytes());
                <$out>::from_le_bytes(total.try_into().expect("16 bytes"))
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

/// The exact state of `data`: each worker of `pool` adds its contiguous share (split on 128-byte
/// boundaries) to a state of its own, and the states are merged.
fn exact_state<T: AddExact>(pool: Option<&Pool>, data: &[T]) -> ExactSum {
    let mut acc = ExactSum::new();
    let pool = match pool {
        Some(pool) if size_of_val(data) >= INLINE_BYTES => pool,
        _ => {
            T::add_to(&mut acc, data);
            return acc;
        }
    };
    let workers = pool.threads();
    let states: Vec<OnceLock<ExactSum>> = (0..workers).map(|_| OnceLock::new()).collect();
    pool.broadcast(|worker| {
        let mut mine = ExactSum::new();
        T::add_to(
            &mut mine,
            &data[crate::share(data.len(), size_of::<T>(), worker, workers)],
        );
        // Each index runs once, so the slot is empty.
        let _ = states[worker].set(mine);
    })
    .expect("adding floats to an ExactSum does not panic");
    for state in states.iter().filter_map(OnceLock::get) {
        acc.merge(state);
    }
    acc
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
                let total = wire::all_reduce::<Exact, C>(comm, &state.to_bytes());
                match ExactSum::from_bytes(&total) {
                    Ok(total) => total.finish(),
                    Err(error) => panic!("coresum-mpi: the reduced exact state is corrupt ({error})"),
                }
            }
        }
    )*};
}

float_partial!(f64, f32, half::f16, half::bf16);
