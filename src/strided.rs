//! Strided views ([`Strided`]) and their sums ([`sum_strided`]): numpy / ndarray strides, in
//! element units.

use crate::arch::Kernels;
use crate::element::{Mode, Summable};
use crate::gather::{BLOCK, Lanes, Source, sum_source};
use core::fmt;
use core::marker::PhantomData;
use std::ops::Range;

/// `len` elements of a slice, `stride` elements apart, starting at `offset`: element `i` is
/// `data[offset + i·stride]`. A negative stride walks backwards, a zero stride repeats one element
/// (a numpy broadcast view).
///
/// ```
/// let matrix = [1i64, 2, 3,
///               4, 5, 6];
/// let column = coresum::Strided::new(&matrix, 1, 3, 2)?;     // 2 and 5
/// assert_eq!(coresum::sum_strided(column), 7);
/// let backwards = coresum::Strided::new(&matrix, 5, -2, 3)?; // 6, 4, 2
/// assert_eq!(coresum::sum_strided(backwards), 12);
/// assert!(coresum::Strided::new(&matrix, 1, 3, 3).is_err()); // would read index 7
/// # Ok::<(), coresum::StrideError>(())
/// ```
#[derive(Clone, Copy)]
pub struct Strided<'a, T> {
    /// The first element, in view order.
    first: *const T,
    stride: isize,
    len: usize,
    /// Whether the memory between the first and the last element is borrowed too (a view made
    /// by `new`, from one slice), so that the fused kernels may read it.
    spans_slice: bool,
    data: PhantomData<&'a [T]>,
}

// SAFETY: a `Strided` is a shared borrow of `T`s, which are `Sync` (for `Send`) and `Sync`.
unsafe impl<T: Sync> Send for Strided<'_, T> {}
// SAFETY: as above: it only reads through a shared borrow.
unsafe impl<T: Sync> Sync for Strided<'_, T> {}

/// A strided view that would reach outside its slice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StrideError {
    /// The slice's length.
    pub data_len: usize,
    /// The view as asked for.
    pub offset: usize,
    /// The view as asked for.
    pub stride: isize,
    /// The view as asked for.
    pub len: usize,
}

impl fmt::Display for StrideError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a strided view of {} elements from offset {} with stride {} reaches outside a slice of {}",
            self.len, self.offset, self.stride, self.data_len
        )
    }
}

impl std::error::Error for StrideError {}

impl<'a, T> Strided<'a, T> {
    /// The view of `data` at `offset + i·stride` for `i` in `0..len`; an error when any of those
    /// indices is outside `data` (an empty view is always valid).
    pub fn new(
        data: &'a [T],
        offset: usize,
        stride: isize,
        len: usize,
    ) -> Result<Self, StrideError> {
        let error = StrideError {
            data_len: data.len(),
            offset,
            stride,
            len,
        };
        if len == 0 {
            return Ok(Strided {
                first: data.as_ptr(),
                stride,
                len,
                spans_slice: true,
                data: PhantomData,
            });
        }
        // In i128, nothing overflows: |(len − 1)·stride| < 2^64 · 2^63.
        let last = offset as i128 + (len as i128 - 1) * stride as i128;
        let in_bounds = |index: i128| (0..data.len() as i128).contains(&index);
        if !in_bounds(offset as i128) || !in_bounds(last) {
            return Err(error);
        }
        Ok(Strided {
            // From the whole slice, not `data[offset..]`: a negative stride reads before `offset`,
            // and a pointer derived from the subslice may not (Stacked Borrows).
            first: data.as_ptr().wrapping_add(offset),
            stride,
            len,
            spans_slice: true,
            data: PhantomData,
        })
    }

    /// A view from raw parts: what `coresum::ndarray` builds from an array view's pointer and
    /// strides.
    ///
    /// # Safety
    /// For `len > 0`, `first.offset(i·stride)` must point to a `T` valid for reads for `'a`, for
    /// every `i` in `0..len`.
    #[cfg_attr(not(feature = "ndarray"), allow(dead_code))]
    pub(crate) unsafe fn from_raw(first: *const T, stride: isize, len: usize) -> Self {
        Strided {
            first,
            stride,
            len,
            // The caller vouches for the elements only: other memory between them may be
            // another thread's to write (an ndarray view beside a mutable one).
            spans_slice: false,
            data: PhantomData,
        }
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the view has no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The distance between consecutive elements, in elements.
    pub fn stride(&self) -> isize {
        self.stride
    }

    /// Element `i`.
    ///
    /// # Safety
    /// `i < len()`.
    #[cfg_attr(not(feature = "ndarray"), allow(dead_code))]
    #[inline(always)]
    pub(crate) unsafe fn get_unchecked(&self, i: usize) -> T
    where
        T: Copy,
    {
        debug_assert!(i < self.len);
        // SAFETY: element `i < len` of the view is valid for reads (checked by `new`, vouched
        // for by `from_raw`'s caller); its offset fits an `isize`, as it lies in one allocation.
        unsafe { *self.first.offset(i as isize * self.stride) }
    }

    /// The same elements in increasing address order (stride ≥ 0).
    fn forwards(self) -> Self {
        if self.stride >= 0 || self.len == 0 {
            return self;
        }
        Strided {
            first: self
                .first
                .wrapping_offset((self.len - 1) as isize * self.stride),
            stride: -self.stride,
            ..self
        }
    }

    /// The elements as one slice, when they are contiguous.
    fn as_slice(&self) -> Option<&'a [T]> {
        // SAFETY: with stride 1, the view's elements are `len` consecutive `T`s from `first`.
        (self.stride == 1 || self.len <= 1)
            .then(|| unsafe { core::slice::from_raw_parts(self.first, self.len) })
    }
}

impl<T> fmt::Debug for Strided<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Strided")
            .field("stride", &self.stride)
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

/// The exact sum of a strided view's elements (floats: the correctly rounded sum, the same bits
/// as `coresum::sum` of a gathered copy).
pub fn sum_strided<T: Summable>(view: Strided<'_, T>) -> T::Output {
    sum_strided_with(view, Mode::Exact)
}

/// [`sum_strided`] in `mode`.
///
/// Stride 1 and −1 views are summed by [`sum_with`](crate::sum_with) over the contiguous
/// elements (in address order). Strides ±2, ±3 and ±4 (integers, and floats in
/// [`Mode::Exact`]) are summed where they lie: the sum kernels read the memory the view spans
/// with every other lane masked off, the same work per vector as a plain sum. Others a block of
/// 2048 at a time, gathered into a buffer. Either way on the default pool when they span 4 MiB
/// or more. In [`Mode::Exact`] the result is the
/// correctly rounded sum either way; in [`Mode::Compensated`] it is within that mode's bound; in
/// [`Mode::Fast`] it is reproducible for a given view and ISA path but may differ in the last
/// bits from the fast sum of a gathered copy (the additions are grouped differently).
pub fn sum_strided_with<T: Summable>(view: Strided<'_, T>, mode: Mode) -> T::Output {
    let view = view.forwards();
    match view.as_slice() {
        Some(slice) => crate::sum_with(slice, mode),
        None => sum_source(&view, mode),
    }
}

impl<T: Summable> Source<T> for Strided<'_, T> {
    fn len(&self) -> usize {
        self.len
    }

    fn span_bytes(&self) -> usize {
        self.len
            .saturating_mul(self.stride.unsigned_abs().max(1))
            .saturating_mul(size_of::<T>())
    }

    fn block<'a>(&'a self, range: Range<usize>, buf: &'a mut [T]) -> &'a [T] {
        debug_assert!(range.end <= self.len && range.len() <= BLOCK.min(buf.len()));
        let out = &mut buf[..range.len()];
        // The offset of an element of the view fits an `isize`: it lies in one allocation.
        let first = self
            .first
            .wrapping_offset((range.start as isize).wrapping_mul(self.stride));
        // SAFETY: `range` lies within the view, whose elements are valid for reads (`new` checked
        // them against the slice, `from_raw`'s caller vouched for them).
        unsafe { T::gather(Kernels::active(), first, self.stride, out) };
        out
    }

    fn span(&self, range: Range<usize>) -> Option<(&[T], Lanes<'_>)> {
        // Views in address order (`forwards`) of strides 2 to 4 only.
        let stride = usize::try_from(self.stride).ok()?;
        if !self.spans_slice || !(2..=4).contains(&stride) || range.is_empty() {
            return None;
        }
        // SAFETY: the elements `range` of the view and the memory between them lie within the
        // slice `new` borrowed (`spans_slice`): `(len − 1) · stride + 1` elements from the first.
        let span = unsafe {
            core::slice::from_raw_parts(
                self.first.add(range.start * stride),
                (range.len() - 1) * stride + 1,
            )
        };
        Some((span, Lanes::Every(stride)))
    }
}
