//! Sums of [`ndarray`] views in any memory layout (feature `ndarray`): [`sum`] of a whole view and
//! [`sum_axis`] along one axis (numpy's `a.sum(axis=k)`).
//!
//! Views whose elements fill one contiguous stretch of memory (C or Fortran order, any permutation)
//! are summed as a slice. Others are summed lane by lane along their most contiguous axis, a
//! block at a time (see `gather.rs`). Along an axis whose lanes lie side by side in memory (the
//! column sums of a C-order matrix), memory is still read along its contiguous axis: the column
//! kernels add tiles of whole row segments into one accumulator per column (`columns.rs`); lanes
//! side by side but not adjacent (a stepped view) are transposed a band at a time into a buffer.
//!
//! ```
//! use ndarray::{Axis, array};
//! let m = array![[1i32, 2, 3], [4, 5, 6]];                  // sums come back as i128
//! assert_eq!(coresum::ndarray::sum(&m), 21);
//! assert_eq!(coresum::ndarray::sum_axis(&m, Axis(0)), array![5i128, 7, 9]);
//! assert_eq!(coresum::ndarray::sum_axis(&m, Axis(1)), array![6i128, 15]);
//! assert_eq!(coresum::ndarray::sum(&m.t().slice(ndarray::s![.., ..;-1])), 21);
//! ```

use crate::arch::Kernels;
use crate::columns::Matrix;
use crate::element::{Mode, Summable};
use crate::gather::{self, BLOCK, Source, parallel_map, sum_source};
use crate::reduce::{Reduction, Sum};
use crate::strided::{Strided, sum_strided_with};
use ndarray::{Array, ArrayView, AsArray, Axis, Dimension, RemoveAxis};
use std::ops::Range;

/// Rows per band of the transposing path.
const BAND_ROWS: usize = 256;
/// Elements from one lane's stretch of the buffer to the next: not a power of two, so that the
/// transposing stores of one row spread over the L1 sets instead of thrashing two of them.
const BAND_PITCH: usize = BAND_ROWS + 8;
/// Outputs per unit of work of the transposing path (a buffer of `BAND_ROWS` × this).
const BAND_OUTPUTS: usize = 256;

/// The exact sum of every element of `view` (floats: correctly rounded, the same bits as
/// `coresum::sum` of a copy).
pub fn sum<'a, T: Summable, D: Dimension>(view: impl AsArray<'a, T, D>) -> T::Output {
    sum_with(view, Mode::Exact)
}

/// [`sum`] in `mode` (Compensated and Fast: reproducible for a given view and ISA path).
pub fn sum_with<'a, T: Summable, D: Dimension>(
    view: impl AsArray<'a, T, D>,
    mode: Mode,
) -> T::Output {
    let view: ArrayView<'a, T, D> = view.into();
    if let Some(slice) = view.as_slice_memory_order() {
        return crate::sum_with(slice, mode);
    }
    // Not contiguous, so some axis is longer than 1: the lanes of the most contiguous one.
    let inner = most_contiguous_axis(&view);
    sum_source(&Lanes::new(&view, inner), mode)
}

/// The sums along `axis` (numpy's `a.sum(axis=k)`): one exact sum per lane, in an array of the
/// other axes' shape. An empty axis gives zeros.
///
/// # Panics
/// When `axis` is not an axis of `view` (as [`ArrayBase::sum_axis`](ndarray::ArrayBase::sum_axis)).
pub fn sum_axis<'a, T: Summable, D: RemoveAxis>(
    view: impl AsArray<'a, T, D>,
    axis: Axis,
) -> Array<T::Output, D::Smaller> {
    sum_axis_with(view, axis, Mode::Exact)
}

/// [`sum_axis`] in `mode`.
///
/// # Panics
/// When `axis` is not an axis of `view`.
pub fn sum_axis_with<'a, T: Summable, D: RemoveAxis>(
    view: impl AsArray<'a, T, D>,
    axis: Axis,
    mode: Mode,
) -> Array<T::Output, D::Smaller> {
    let view: ArrayView<'a, T, D> = view.into();
    assert!(
        axis.index() < view.ndim(),
        "coresum::ndarray::sum_axis: axis {} of a {}-dimensional view",
        axis.index(),
        view.ndim()
    );
    let shape = view.raw_dim().remove_axis(axis);
    let len = view.len_of(axis);
    if len == 0 {
        return Array::from_elem(shape, crate::sum_with::<T>(&[], mode));
    }
    if let Some(columns) = unit_stride_axis(&view, axis) {
        return column_sums(&view, axis, columns, mode);
    }
    let stride = view.stride_of(axis);
    let lanes: Vec<Strided<'a, T>> = view
        .index_axis(axis, 0)
        .iter()
        .map(|first| {
            // SAFETY: the lane of `first` along `axis` is `len` elements of `view`, `stride` apart.
            unsafe { Strided::from_raw(first, stride, len) }
        })
        .collect();
    let span = size_of::<T>().saturating_mul(view.len());
    let sums = if most_contiguous_axis(&view) == axis.index() || lanes.len() == 1 {
        // Each lane is the most contiguous run there is: sum them one by one.
        let per_task = lanes.len().div_ceil(64).max(1);
        parallel_map(lanes.len().div_ceil(per_task), span, |task| {
            let tasks = &lanes[task * per_task..((task + 1) * per_task).min(lanes.len())];
            tasks
                .iter()
                .map(|&lane| sum_strided_with(lane, mode))
                .collect::<Vec<_>>()
        })
    } else {
        // Lanes side by side, but not one element apart (a stepped view): transposed bands.
        parallel_map(lanes.len().div_ceil(BAND_OUTPUTS), span, |task| {
            let range = task * BAND_OUTPUTS..((task + 1) * BAND_OUTPUTS).min(lanes.len());
            sum_across(&lanes[range], mode)
        })
    };
    let sums: Vec<T::Output> = sums.into_iter().flatten().collect();
    match Array::from_shape_vec(shape, sums) {
        Ok(array) => array,
        // One sum per element of the shape, in its logical order: always the right length.
        Err(error) => unreachable!("coresum::ndarray::sum_axis: {error}"),
    }
}

/// The axis other than `axis` whose elements are adjacent in memory (stride ±1, longer than 1),
/// if `axis` is not itself the most contiguous: then the lanes along `axis` are the columns of
/// row-major matrices, one per index of the remaining axes.
fn unit_stride_axis<T, D: Dimension>(view: &ArrayView<'_, T, D>, axis: Axis) -> Option<Axis> {
    if most_contiguous_axis(view) == axis.index() {
        return None;
    }
    (0..view.ndim())
        .map(Axis)
        .find(|&k| k != axis && view.len_of(k) > 1 && view.stride_of(k).unsigned_abs() == 1)
}

/// The sums along `axis` (longer than 0) where `columns` has stride ±1: for each index of the
/// other axes, the matrix of rows along `axis` and columns along `columns`, summed by the column
/// kernels (`columns.rs`), which read memory along the rows.
fn column_sums<T: Summable, D: RemoveAxis>(
    view: &ArrayView<'_, T, D>,
    axis: Axis,
    columns: Axis,
    mode: Mode,
) -> Array<T::Output, D::Smaller> {
    let (rows, stride) = (view.len_of(axis), view.stride_of(axis));
    let (cols, step) = (view.len_of(columns), view.stride_of(columns));
    // `columns` among the remaining axes.
    let inner = Axis(columns.index() - usize::from(columns.index() > axis.index()));
    let rest = view.index_axis(axis, 0);
    let mut out = Array::from_elem(rest.raw_dim(), crate::sum_with::<T>(&[], mode));
    for (lane, mut sums) in rest.lanes(inner).into_iter().zip(out.lanes_mut(inner)) {
        // The lowest-addressed column: the first, or the last where `columns` runs backwards.
        let first = lane
            .as_ptr()
            .wrapping_offset(if step < 0 { 1 - cols as isize } else { 0 });
        // SAFETY: row `r` of this matrix is element `r` along `axis` of the lane's `cols`
        // consecutive elements along `columns`, all elements of `view`.
        let matrix = unsafe { Matrix::from_raw(first, stride, rows, cols) };
        let lane_sums = crate::columns::column_sums(&matrix, mode);
        if step < 0 {
            sums.iter_mut()
                .zip(lane_sums.into_iter().rev())
                .for_each(|(s, x)| *s = x);
        } else {
            sums.iter_mut().zip(lane_sums).for_each(|(s, x)| *s = x);
        }
    }
    out
}

/// The exact sums of `lanes`, lanes that lie side by side in memory (element `k` of each lane is
/// near element `k` of the next): a band of [`BAND_ROWS`] elements of every lane is copied into a
/// buffer lane after lane (reading memory along the rows), and each lane's partial takes its
/// stretch of the buffer.
fn sum_across<T: Summable>(lanes: &[Strided<'_, T>], mode: Mode) -> Vec<T::Output> {
    let kernels = Kernels::active();
    let sum = Sum::<T>::new(mode);
    let len = lanes.first().map_or(0, Strided::len);
    let mut buf = vec![T::IDENTITY; BAND_PITCH * lanes.len()];
    let mut partials: Vec<T::Partial> =
        lanes.iter().map(|_| sum.partial(kernels, 0, &[])).collect();
    for start in (0..len).step_by(BAND_ROWS) {
        let rows = BAND_ROWS.min(len - start);
        for row in 0..rows {
            for (j, lane) in lanes.iter().enumerate() {
                // SAFETY: `start + row < len`, the length of every lane.
                buf[j * BAND_PITCH + row] = unsafe { lane.get_unchecked(start + row) };
            }
        }
        for (j, partial) in partials.iter_mut().enumerate() {
            let column = &buf[j * BAND_PITCH..j * BAND_PITCH + rows];
            sum.merge(partial, sum.partial(kernels, start, column));
        }
    }
    partials
        .into_iter()
        .zip(lanes)
        .map(|(mut total, lane)| {
            let mut sum = sum;
            loop {
                match sum.finish(total) {
                    Ok(output) => return output,
                    // Undecided (a float Exact sum whose rounding the first pass leaves open):
                    // that lane again with the retry's pass, a block at a time.
                    Err(retry) => {
                        total = gather::partial(retry, kernels, lane, 0..lane.len());
                        sum = retry;
                    }
                }
            }
        })
        .collect()
}

/// The axis with the smallest stride in magnitude among those longer than 1; 0 when there is none.
fn most_contiguous_axis<T, D: Dimension>(view: &ArrayView<'_, T, D>) -> usize {
    (0..view.ndim())
        .filter(|&k| view.len_of(Axis(k)) > 1)
        .min_by_key(|&k| view.stride_of(Axis(k)).unsigned_abs())
        .unwrap_or(0)
}

/// Every element of a view, lane after lane along one axis.
struct Lanes<'a, T> {
    lanes: Vec<Strided<'a, T>>,
    lane_len: usize,
}

impl<'a, T> Lanes<'a, T> {
    fn new<D: Dimension>(view: &ArrayView<'a, T, D>, axis: usize) -> Self {
        let (lane_len, stride) = (view.len_of(Axis(axis)), view.stride_of(Axis(axis)));
        let lanes = view
            .lanes(Axis(axis))
            .into_iter()
            .map(|lane| {
                // SAFETY: `lane` is `lane_len` elements of `view`, `stride` apart.
                unsafe { Strided::from_raw(lane.as_ptr(), stride, lane_len) }
            })
            .collect();
        Lanes { lanes, lane_len }
    }
}

impl<T: Summable> Source<T> for Lanes<'_, T> {
    fn len(&self) -> usize {
        self.lanes.len() * self.lane_len
    }

    fn span_bytes(&self) -> usize {
        self.len().saturating_mul(size_of::<T>())
    }

    fn block<'a>(&'a self, range: Range<usize>, buf: &'a mut [T]) -> &'a [T] {
        debug_assert!(range.len() <= BLOCK.min(buf.len()));
        let mut filled = 0;
        let mut at = range.start;
        while at < range.end {
            let (lane, pos) = (at / self.lane_len, at % self.lane_len);
            let take = (self.lane_len - pos).min(range.end - at);
            let copied = self.lanes[lane].block(pos..pos + take, &mut buf[filled..]);
            let copied_len = copied.len();
            // `Strided::block` copies into the buffer it is given: `copied` is already in place.
            debug_assert_eq!(copied_len, take);
            filled += take;
            at += take;
        }
        &buf[..filled]
    }
}
