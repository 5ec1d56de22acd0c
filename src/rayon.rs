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

use crate::arch::Kernels;
use crate::element::{Mode, Summable};
use crate::plan::chunk_bytes;
use crate::reduce::{self, Input, Reduction, Sum};
use ::rayon::prelude::*;
use core::convert::Infallible;

pub use crate::extreme::on_rayon::{argmax, argmin, max, min};

/// The exact sum of `data` on the current rayon pool (the global one, or the one whose
/// `install` this runs in).
pub fn sum<T: Summable>(data: &[T]) -> T::Output {
    sum_with(data, Mode::Exact)
}

/// The sum of `data` in `mode` on the current rayon pool.
pub fn sum_with<T: Summable>(data: &[T], mode: Mode) -> T::Output {
    reduce_on_rayon(Sum::new(mode), data)
}

/// Reduces `input` on the current rayon pool, on the pool's chunk grid, merging in chunk order.
pub(crate) fn reduce_on_rayon<R: Reduction>(reduction: R, input: R::Input<'_>) -> R::Output {
    let kernels = Kernels::active();
    let plan = input.plan(chunk_bytes());
    let partials: Vec<R::Partial> = (0..plan.count())
        .into_par_iter()
        .map(|i| reduce::partial(reduction, kernels, input, plan.range(i)))
        .collect();
    // Where the first pass leaves the result undecided (a float Exact sum's rounding), the chunks
    // are reduced again with the retry, on this thread (as the pool does).
    let ranges = (0..plan.count()).map(|i| plan.range(i));
    let partials = partials.into_iter().map(Ok::<_, Infallible>);
    let Ok(total) = reduce::finish(reduction, kernels, input, ranges, partials);
    total
}
