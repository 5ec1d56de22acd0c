//! Running coresum's chunk plan and kernels on a rayon pool the caller already has.
//!
//! ```
//! let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
//! let data: Vec<i16> = (0..100_000).map(|i| (i % 700) as i16 - 350).collect();
//! let total = pool.install(|| coresum::rayon::sum(&data));
//! assert_eq!(total, data.iter().map(|&x| i128::from(x)).sum());
//! ```
//!
//! The chunks are those of [`crate::Pool`]; rayon schedules them, and the partials are collected
//! in chunk order and merged sequentially, so results equal the pool's bit for bit (rayon's own
//! `reduce` would merge in a tree shaped by work stealing).

use crate::element::{Mode, Summable, finish_or_retry, merge_in_order};
use crate::kernels::Kernels;
use crate::plan::{ChunkPlan, chunk_bytes};
use ::rayon::prelude::*;

/// The exact sum of `data` on the current rayon pool (the global one, or the one whose
/// `install` this runs in).
pub fn sum<T: Summable>(data: &[T]) -> T::Output {
    sum_with(data, Mode::Exact)
}

/// The sum of `data` in `mode` on the current rayon pool.
pub fn sum_with<T: Summable>(data: &[T], mode: Mode) -> T::Output {
    let kernels = Kernels::active();
    let plan = ChunkPlan::new(data, chunk_bytes());
    let partials = |strict: bool| -> Vec<T::Partial> {
        (0..plan.count())
            .into_par_iter()
            .map(|i| match strict {
                false => T::partial(kernels, mode, &data[plan.range(i)]),
                true => T::strict_partial(kernels, &data[plan.range(i)]),
            })
            .collect()
    };
    let total = merge_in_order::<T>(kernels, mode, partials(false));
    finish_or_retry::<T>(total, || merge_in_order::<T>(kernels, mode, partials(true)))
}
