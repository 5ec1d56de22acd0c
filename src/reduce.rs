//! The one reduction protocol: how a sum is cut into chunk partials, merged in chunk order, and
//! finished — or, where a float Exact sum's first pass leaves the rounding open, summed again with
//! the error-free pass.
//!
//! ```text
//! partial per chunk (first pass of the Mode)  →  merge in chunk order  →  finish
//!                                                                          └ undecided: the same chunks,
//!                                                                            error-free pass, merged, rounded
//! ```
//!
//! Every path goes through here: the inline path ([`sum_on_grid`]), the pool's jobs ([`partial`]
//! per chunk, [`finish`] once), `coresum::rayon`, `sum_on`, and the tests' hidden
//! [`crate::__sum_at_cuts`]. Reproducibility rests on the merge order fixed here; each element
//! type says in [`Reduce`] what its partial is and how it merges and finishes.

use crate::arch::Kernels;
use crate::element::{Mode, Summable};
use crate::plan::{ChunkPlan, chunk_bytes};
use core::convert::Infallible;

/// The kernels a chunk is summed with; integer types ignore it (their one pass is exact).
///
/// Public only because the sealed [`Reduce`] names it; it cannot be named outside the crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    /// Plain IEEE additions: [`Mode::Fast`].
    Fast,
    /// The certified pass, rounded as it is: [`Mode::Compensated`].
    Compensated,
    /// The certified pass with its error bound, which decides the rounding or leaves it open: the
    /// first pass of [`Mode::Exact`].
    Certified,
    /// The error-free pass: the retry of [`Mode::Exact`], always decided.
    ErrorFree,
}

impl Pass {
    /// The first pass of a sum in `mode`: the one place where a [`Mode`] picks its kernels. The
    /// retry, where there is one, is always [`Pass::ErrorFree`].
    pub(crate) fn first(mode: Mode) -> Pass {
        match mode {
            Mode::Exact => Pass::Certified,
            Mode::Compensated => Pass::Compensated,
            Mode::Fast => Pass::Fast,
        }
    }

    /// The pass of a partial that must outlive its data (a stream's buffers, an `Accumulator`):
    /// no retry can re-read the chunks, so [`Mode::Exact`] takes the error-free pass, whose
    /// partials are exact; the other modes their first pass.
    pub(crate) fn kept(mode: Mode) -> Pass {
        match mode {
            Mode::Exact => Pass::ErrorFree,
            other => Pass::first(other),
        }
    }
}

/// How one element type's chunks are summed, merged and finished: the sealed half of
/// [`Summable`], crate-private (it can be neither named nor implemented outside the crate).
pub trait Reduce: Sized {
    /// The sum of one or more consecutive chunks, before the result is rounded or decided.
    type Partial: Clone + Send + 'static;

    /// Sums one chunk with `pass`'s kernels of one ISA (an empty chunk gives the empty partial).
    fn partial(kernels: &Kernels, pass: Pass, chunk: &[Self]) -> Self::Partial;

    /// Appends `next`, the partial of the chunks that follow `into`'s.
    fn merge(into: &mut Self::Partial, next: Self::Partial);

    /// The result, or `None` where a [`Pass::Certified`] total cannot decide its rounding.
    fn finish(total: Self::Partial) -> Option<<Self as Summable>::Output>
    where
        Self: Summable;

    /// The result, ignoring any error bound: exact for [`Pass::ErrorFree`] totals, which carry none.
    fn round(total: Self::Partial) -> <Self as Summable>::Output
    where
        Self: Summable;
}

/// The first-pass partial of one chunk of a sum in `mode`.
#[inline]
pub(crate) fn partial<T: Summable>(kernels: &Kernels, mode: Mode, chunk: &[T]) -> T::Partial {
    T::partial(kernels, Pass::first(mode), chunk)
}

/// Merges the first-pass `partials` of consecutive chunks in chunk order and finishes the result;
/// where that leaves it undecided, sums `chunks` (the same chunks) again with the error-free pass.
/// The first error among `partials` (a missing partial) is returned as is.
pub(crate) fn finish<'a, T: Summable, E>(
    kernels: &Kernels,
    mode: Mode,
    partials: impl IntoIterator<Item = Result<T::Partial, E>>,
    chunks: impl IntoIterator<Item = &'a [T]>,
) -> Result<T::Output, E> {
    let total = merged::<T, E>(kernels, Pass::first(mode), partials)?;
    Ok(T::finish(total).unwrap_or_else(|| error_free::<T>(kernels, chunks)))
}

/// The sum of `chunks`, consecutive pieces of one slice, on the calling thread.
pub(crate) fn sum_chunks<'a, T: Summable, I>(kernels: &Kernels, mode: Mode, chunks: I) -> T::Output
where
    I: IntoIterator<Item = &'a [T]>,
    I::IntoIter: Clone,
{
    let chunks = chunks.into_iter();
    let partials = chunks
        .clone()
        .map(|chunk| Ok::<_, Infallible>(partial(kernels, mode, chunk)));
    let Ok(total) = finish(kernels, mode, partials, chunks);
    total
}

/// The sum of `data` on the calling thread, on the pool's chunk grid (so floating-point modes give
/// the same bits either way).
pub(crate) fn sum_on_grid<T: Summable>(kernels: &Kernels, mode: Mode, data: &[T]) -> T::Output {
    let chunk_bytes = chunk_bytes();
    if size_of_val(data) <= chunk_bytes {
        // The grid's first chunk runs from the start to one chunk past the first 128-byte
        // boundary: a slice of at most one chunk is that chunk.
        return sum_chunks(kernels, mode, [data]);
    }
    let plan = ChunkPlan::new(data, chunk_bytes);
    sum_chunks(
        kernels,
        mode,
        (0..plan.count()).map(|i| &data[plan.range(i)]),
    )
}

/// The partial of `data` with `pass`, on the pool's chunk grid, merged in chunk order: what an
/// `Accumulator` adds and a stream's small buffers give. [`Reduce::round`] finishes it.
pub(crate) fn partial_on_grid<T: Summable>(
    kernels: &Kernels,
    pass: Pass,
    data: &[T],
) -> T::Partial {
    let chunk_bytes = chunk_bytes();
    let plan = ChunkPlan::new(data, chunk_bytes);
    let partials = (0..plan.count())
        .map(|i| Ok::<_, Infallible>(T::partial(kernels, pass, &data[plan.range(i)])));
    let Ok(total) = merged::<T, Infallible>(kernels, pass, partials);
    total
}

/// The sum of `data` cut at `cuts` (element indices, in any order; those past the end count as
/// the end), with the first pass of `mode` and the error-free retry, or with the error-free pass
/// only: what `__sum_at_cuts` runs for the tests.
pub(crate) fn sum_at_cuts<T: Summable>(
    kernels: &Kernels,
    mode: Mode,
    data: &[T],
    cuts: &[usize],
    error_free_only: bool,
) -> T::Output {
    let mut ends: Vec<usize> = cuts.iter().map(|&cut| cut.min(data.len())).collect();
    ends.sort_unstable();
    ends.push(data.len());
    let starts = core::iter::once(0).chain(ends.clone());
    let chunks = starts.zip(ends).map(|(start, end)| &data[start..end]);
    if error_free_only {
        error_free(kernels, chunks)
    } else {
        sum_chunks(kernels, mode, chunks)
    }
}

/// The sum of `chunks` with the error-free pass, which is always decided.
fn error_free<'a, T: Summable>(
    kernels: &Kernels,
    chunks: impl IntoIterator<Item = &'a [T]>,
) -> T::Output {
    let partials = chunks
        .into_iter()
        .map(|chunk| Ok::<_, Infallible>(T::partial(kernels, Pass::ErrorFree, chunk)));
    let Ok(total) = merged::<T, Infallible>(kernels, Pass::ErrorFree, partials);
    T::round(total)
}

/// Merges the partials of consecutive chunks, in chunk order; the empty partial where there are
/// none.
pub(crate) fn merged<T: Summable, E>(
    kernels: &Kernels,
    pass: Pass,
    partials: impl IntoIterator<Item = Result<T::Partial, E>>,
) -> Result<T::Partial, E> {
    let mut partials = partials.into_iter();
    let mut total = match partials.next() {
        Some(first) => first?,
        None => T::partial(kernels, pass, &[]),
    };
    for partial in partials {
        T::merge(&mut total, partial?);
    }
    Ok(total)
}
