//! The one reduction protocol: how an input is cut into chunk partials, merged in chunk order and
//! finished — or, where the first pass leaves the result undecided (a float Exact sum's rounding),
//! reduced again with the pass that always decides.
//!
//! ```text
//! partial per chunk (first pass)  →  merge in chunk order  →  finish
//!                                                              └ undecided: the same chunks,
//!                                                                the retry's pass, merged, finished
//! ```
//!
//! A [`Reduction`] (sum, and the other reductions of the issue-11 family) says what one chunk of
//! its [`Input`] yields, how consecutive partials merge and how the total finishes. Every path
//! runs any reduction through the functions here: the inline path ([`reduce_on_grid`]), the pool's
//! jobs ([`partial`] per chunk, [`finish`] once), `coresum::rayon`, `sum_on`, and the tests' hidden
//! [`crate::__sum_at_cuts`]. Reproducibility rests on the merge order fixed here.

use crate::arch::Kernels;
use crate::element::{Mode, Summable};
use crate::plan::{ChunkPlan, MIN_CHUNK_BYTES, chunk_bytes};
use core::convert::Infallible;
use core::marker::PhantomData;
use core::ops::Range;

/// What a reduction reads: one slice, or several of one length cut on the same element ranges
/// (the chunk grid is planned on the first). Cheap to copy: slices, not data.
pub(crate) trait Input: Copy + Send + Sync {
    /// The input of no elements (what an empty grid reduces).
    fn empty() -> Self;
    /// The number of elements (of each slice).
    fn len(self) -> usize;
    /// The bytes read in all, which the inline thresholds compare against.
    fn bytes(self) -> usize;
    /// The bytes of one element of each slice together: which per-width inline threshold
    /// applies. A constant, where `bytes() / len()` was a division on every small sum (issue 13).
    fn width(self) -> usize;
    /// The chunk grid, planned on the first slice's address, length and element size.
    fn plan(self, chunk_bytes: usize) -> ChunkPlan;
    /// Elements `range` (of each slice); `range` lies within `0..len()`.
    fn range(self, range: Range<usize>) -> Self;
    /// The first slice's address and length: what a pool job checks an owner still hands out.
    fn identity(self) -> (usize, usize);
}

impl<T: Sync> Input for &[T] {
    fn empty() -> Self {
        &[]
    }

    fn len(self) -> usize {
        <[T]>::len(self)
    }

    fn bytes(self) -> usize {
        size_of_val(self)
    }

    #[inline]
    fn width(self) -> usize {
        size_of::<T>()
    }

    fn plan(self, chunk_bytes: usize) -> ChunkPlan {
        ChunkPlan::new(self, chunk_bytes)
    }

    #[inline]
    fn range(self, range: Range<usize>) -> Self {
        &self[range]
    }

    fn identity(self) -> (usize, usize) {
        (self.as_ptr() as usize, <[T]>::len(self))
    }
}

/// One operation over an [`Input`]: what a chunk yields, how partials merge, how the total
/// finishes. A value (`Copy`) carrying its parameters, such as a sum's [`Pass`].
pub(crate) trait Reduction: Copy + Send + Sync + 'static {
    /// The slices read.
    type Input<'a>: Input;
    /// The reduction of one or more consecutive chunks, before the result is finished.
    type Partial: Send + 'static;
    /// The result.
    type Output: Send + 'static;

    /// Reduces one chunk, which starts at element `start` of the whole input, with `kernels`
    /// (an empty chunk gives the empty partial).
    fn partial(self, kernels: &Kernels, start: usize, chunk: Self::Input<'_>) -> Self::Partial;

    /// Appends `next`, the partial of the chunks that follow `into`'s.
    fn merge(self, into: &mut Self::Partial, next: Self::Partial);

    /// The result, or `Err(retry)` where `total` leaves it undecided: the same chunks are then
    /// reduced again with `retry`, whose totals always finish.
    fn finish(self, total: Self::Partial) -> Result<Self::Output, Self>;
}

/// A reduction of one slice, whose input any [`Owner`](crate::Owner) of one hands out.
pub(crate) trait OfSlice: Reduction {
    /// The element type.
    type Element;
    /// The input of `slice`.
    fn input(slice: &[Self::Element]) -> Self::Input<'_>;
}

/// The partial of chunk `range` of `input`.
#[inline]
pub(crate) fn partial<R: Reduction>(
    reduction: R,
    kernels: &Kernels,
    input: R::Input<'_>,
    range: Range<usize>,
) -> R::Partial {
    reduction.partial(kernels, range.start, input.range(range))
}

/// Merges `partials`, those of the consecutive chunks `ranges` of `input`, in chunk order and
/// finishes the result; where that leaves it undecided, reduces the chunks again with the retry.
/// The first error among `partials` (a missing partial) is returned as is.
pub(crate) fn finish<R: Reduction, E>(
    reduction: R,
    kernels: &Kernels,
    input: R::Input<'_>,
    ranges: impl Iterator<Item = Range<usize>> + Clone,
    partials: impl IntoIterator<Item = Result<R::Partial, E>>,
) -> Result<R::Output, E> {
    let mut total = merge_in_order(reduction, kernels, partials)?;
    let mut reduction = reduction;
    loop {
        match reduction.finish(total) {
            Ok(output) => return Ok(output),
            Err(retry) => {
                let partials = ranges
                    .clone()
                    .map(|range| Ok::<_, Infallible>(partial(retry, kernels, input, range)));
                let Ok(retried) = merge_in_order(retry, kernels, partials);
                (reduction, total) = (retry, retried);
            }
        }
    }
}

/// The reduction of `input` cut into the consecutive chunks `ranges`, on the calling thread.
pub(crate) fn reduce_ranges<R: Reduction>(
    reduction: R,
    kernels: &Kernels,
    input: R::Input<'_>,
    ranges: impl Iterator<Item = Range<usize>> + Clone,
) -> R::Output {
    let partials = ranges
        .clone()
        .map(|range| Ok::<_, Infallible>(partial(reduction, kernels, input, range)));
    let Ok(output) = finish(reduction, kernels, input, ranges, partials);
    output
}

/// The reduction of `input` as one chunk, on the calling thread.
pub(crate) fn reduce_whole<R: Reduction>(
    reduction: R,
    kernels: &Kernels,
    input: R::Input<'_>,
) -> R::Output {
    reduce_ranges(reduction, kernels, input, core::iter::once(0..input.len()))
}

/// The reduction of `input` on the calling thread, on the pool's chunk grid (so every result is
/// the same bits either way).
pub(crate) fn reduce_on_grid<R: Reduction>(
    reduction: R,
    kernels: &Kernels,
    input: R::Input<'_>,
) -> R::Output {
    // The grid's first chunk runs from the start to one chunk past the first 128-byte boundary:
    // an input of at most one chunk is that chunk. Small ones do not even look the size up.
    if input.bytes() <= MIN_CHUNK_BYTES {
        return reduce_whole(reduction, kernels, input);
    }
    let chunk_bytes = chunk_bytes();
    if input.bytes() <= chunk_bytes {
        return reduce_whole(reduction, kernels, input);
    }
    let plan = input.plan(chunk_bytes);
    reduce_ranges(
        reduction,
        kernels,
        input,
        (0..plan.count()).map(|i| plan.range(i)),
    )
}

/// The reduction of `input` cut at `cuts` (element indices, in any order; those past the end count
/// as the end): what `__sum_at_cuts` runs for the tests.
pub(crate) fn reduce_at_cuts<R: Reduction>(
    reduction: R,
    kernels: &Kernels,
    input: R::Input<'_>,
    cuts: &[usize],
) -> R::Output {
    let mut ends: Vec<usize> = cuts.iter().map(|&cut| cut.min(input.len())).collect();
    ends.sort_unstable();
    ends.push(input.len());
    let starts = core::iter::once(0).chain(ends.clone());
    reduce_ranges(
        reduction,
        kernels,
        input,
        starts.zip(ends).map(|(s, e)| s..e),
    )
}

/// Merges the partials of consecutive chunks, in chunk order; the empty partial where there are
/// none.
fn merge_in_order<R: Reduction, E>(
    reduction: R,
    kernels: &Kernels,
    partials: impl IntoIterator<Item = Result<R::Partial, E>>,
) -> Result<R::Partial, E> {
    let mut partials = partials.into_iter();
    let mut total = match partials.next() {
        Some(first) => first?,
        None => reduction.partial(kernels, 0, R::Input::empty()),
    };
    for partial in partials {
        reduction.merge(&mut total, partial?);
    }
    Ok(total)
}

/// The kernels a chunk of a sum is summed with; integer types ignore it (their one pass is exact).
///
/// Public only because the sealed [`ElementSum`] names it; it cannot be named outside the crate.
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
pub trait ElementSum: Sized {
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

/// The sum of a slice of `T`, with one [`Pass`]: the first reduction, and the only one with a
/// retry (a certified float total that cannot decide its rounding).
pub(crate) struct Sum<T> {
    pass: Pass,
    element: PhantomData<fn() -> T>,
}

impl<T> Clone for Sum<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Sum<T> {}

impl<T> Sum<T> {
    /// The sum in `mode`, starting with its first pass.
    pub(crate) fn new(mode: Mode) -> Self {
        Sum::with_pass(Pass::first(mode))
    }

    /// The pass this sum's partials are made with.
    pub(crate) fn pass(self) -> Pass {
        self.pass
    }

    /// The sum with `pass` throughout.
    pub(crate) fn with_pass(pass: Pass) -> Self {
        Sum {
            pass,
            element: PhantomData,
        }
    }
}

impl<T: Summable> Reduction for Sum<T> {
    type Input<'a> = &'a [T];
    type Partial = T::Partial;
    type Output = T::Output;

    #[inline]
    fn partial(self, kernels: &Kernels, _start: usize, chunk: &[T]) -> T::Partial {
        T::partial(kernels, self.pass, chunk)
    }

    #[inline]
    fn merge(self, into: &mut T::Partial, next: T::Partial) {
        T::merge(into, next);
    }

    fn finish(self, total: T::Partial) -> Result<T::Output, Self> {
        if self.pass == Pass::ErrorFree {
            return Ok(T::round(total));
        }
        T::finish(total).ok_or(Sum::with_pass(Pass::ErrorFree))
    }
}

impl<T: Summable> OfSlice for Sum<T> {
    type Element = T;

    fn input(slice: &[T]) -> &[T] {
        slice
    }
}

/// A sum of a slice of `T` left open: its output is the merged partial in [`Pass::kept`], which
/// outlives its data and merges with other slices' (a stream's buffers, an `Accumulator`);
/// [`ElementSum::round`] finishes it. No retry: exact for [`Mode::Exact`], whose kept pass is the
/// error-free one.
pub(crate) struct Kept<T>(Sum<T>);

impl<T> Clone for Kept<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Kept<T> {}

impl<T> Kept<T> {
    /// The partial of a sum in `mode`, with [`Pass::kept`].
    pub(crate) fn new(mode: Mode) -> Self {
        Kept(Sum::with_pass(Pass::kept(mode)))
    }
}

impl<T: Summable> Reduction for Kept<T> {
    type Input<'a> = &'a [T];
    type Partial = T::Partial;
    type Output = T::Partial;

    #[inline]
    fn partial(self, kernels: &Kernels, start: usize, chunk: &[T]) -> T::Partial {
        self.0.partial(kernels, start, chunk)
    }

    #[inline]
    fn merge(self, into: &mut T::Partial, next: T::Partial) {
        self.0.merge(into, next);
    }

    fn finish(self, total: T::Partial) -> Result<T::Partial, Self> {
        Ok(total)
    }
}

impl<T: Summable> OfSlice for Kept<T> {
    type Element = T;

    fn input(slice: &[T]) -> &[T] {
        slice
    }
}
