//! Sums of data that is not one contiguous slice of the values to add: strided views, masked and
//! NaN-skipping sums, ndarray lanes. A [`Source`] hands out its elements a block at a time, either
//! borrowed (a contiguous, fully valid stretch) or copied into a buffer (gathered, or with the
//! skipped elements replaced by the additive identity); each block is summed by the contiguous
//! kernels and the block partials are merged in order, as `reduce.rs` merges chunk partials:
//!
//! ```text
//! blocks of BLOCK elements (a grid fixed by the source's length)  →  partial per block
//!   → merged in block order per task (TASK_BLOCKS blocks, on the pool when large)
//!   → tasks merged in order → finish, or the error-free retry over the same blocks
//! ```
//!
//! Where a source's elements are lanes of one span of memory (a validity bitmap's elements,
//! strides 2 to 4) and the pass has a fused form ([`Fuse`]: integers, the certified float pass),
//! a task's elements are summed where they lie instead, the sum kernels loading through a lane
//! mask (`algo::mask`, `arch::Fused`): no copy, the same work per vector as a plain sum.
//!
//! Exact results are the correctly rounded sum of the elements, so they equal `coresum::sum` of
//! a gathered copy bit for bit. Compensated and Fast results depend only on the source and the
//! ISA path (the grid does not depend on the thread count), not necessarily equal to a gathered
//! copy's, whose grid depends on its address.

use crate::algo::mask::Bitmap;
use crate::arch::Kernels;
use crate::element::{Mode, Summable};
use crate::exact_sum::ExactSum;
use crate::float::FloatPartial;
use crate::pool::{DEFAULT_INLINE_BYTES, default_pool};
use crate::reduce::{ElementSum, Pass, Reduction, Sum};
use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Elements per block: 16 KiB of `f64`, so the buffer stays in L1 between the copy and the kernel.
pub(crate) const BLOCK: usize = 2048;
/// Blocks per unit of parallel work.
const TASK_BLOCKS: usize = 64;

/// What a gathered or masked sum needs of an element type beyond [`Summable`].
///
/// Public only because [`Summable`] names it; it cannot be named outside the crate.
pub trait Element: Fuse + Copy + Send + Sync + 'static {
    /// The additive identity that stands in for a skipped element: 0, and −0.0 for floats
    /// (`x + −0.0` is `x` for every `x`, +0.0 included, so a sum padded with it is bit for bit the
    /// sum of the rest).
    const IDENTITY: Self;
    /// Whether the element is a NaN (never, for integers).
    fn is_nan(self) -> bool;
    /// Copies the `out.len()` elements `stride` apart from `first` into `out`, with the layout
    /// kernel of `kernels`' ISA for this type's width.
    ///
    /// # Safety
    /// `first.offset(i · stride)` must be valid for reads for every `i < out.len()`.
    unsafe fn gather(kernels: &Kernels, first: *const Self, stride: isize, out: &mut [Self]);
    /// `out[i] = data[i]` where bit `bit_offset + i` of `validity` is set, else
    /// [`IDENTITY`](Element::IDENTITY); panics if `validity` or `out` is too short.
    fn select(
        kernels: &Kernels,
        data: &[Self],
        validity: &[u8],
        bit_offset: usize,
        out: &mut [Self],
    );
}

macro_rules! element {
    ($identity:expr; $($t:ty => $bits:ident),*) => {$(
        impl Element for $t {
            const IDENTITY: Self = $identity;
            #[inline(always)]
            #[allow(clippy::float_cmp, clippy::eq_op, reason = "x != x is the NaN test of every type")]
            fn is_nan(self) -> bool {
                self != self
            }
            #[inline]
            unsafe fn gather(kernels: &Kernels, first: *const Self, stride: isize, out: &mut [Self]) {
                // SAFETY: `$t` and `$bits` have the same size and alignment, and every bit
                // pattern is valid for both; `kernels` was handed out by `Kernels::get` for a
                // CPU that supports its ISA; the caller vouches for the reads.
                unsafe {
                    let out = core::slice::from_raw_parts_mut(out.as_mut_ptr().cast(), out.len());
                    (kernels.layouts.$bits.gather)(first.cast(), stride, out);
                }
            }
            #[inline]
            fn select(kernels: &Kernels, data: &[Self], validity: &[u8], bit_offset: usize, out: &mut [Self]) {
                // SAFETY: as in `gather` (same size, alignment and valid bit patterns; an
                // available ISA); the kernel bounds-checks `validity` and `out` itself.
                unsafe {
                    let fill = core::mem::transmute_copy::<$t, $bits>(&Self::IDENTITY);
                    let data = core::slice::from_raw_parts(data.as_ptr().cast(), data.len());
                    let out = core::slice::from_raw_parts_mut(out.as_mut_ptr().cast(), out.len());
                    (kernels.layouts.$bits.select)(data, validity, bit_offset, fill, out);
                }
            }
        }
    )*};
}

element!(0; u8 => u8, i8 => u8, u16 => u16, i16 => u16, u32 => u32, i32 => u32, u64 => u64,
         i64 => u64);
#[cfg(target_pointer_width = "64")]
element!(0; usize => u64, isize => u64);
#[cfg(target_pointer_width = "32")]
element!(0; usize => u32, isize => u32);
#[cfg(target_pointer_width = "16")]
element!(0; usize => u16, isize => u16);
element!(-0.0; f64 => u64, f32 => u32);
#[cfg(feature = "half")]
element!(half::f16::NEG_ZERO; half::f16 => u16);
#[cfg(feature = "half")]
element!(half::bf16::NEG_ZERO; half::bf16 => u16);

// fused masked and strided sums (issue 12, "fused"): where a source's elements are the lanes
// of a span of memory that a mask picks, the sum kernels read them there through masked loads
// (`algo::mask`), with no copy: the same work per vector as a plain sum.

/// Which lanes of a span the fused kernels add.
///
/// Public only because [`Fuse`] names it; it cannot be named outside the crate.
#[derive(Clone, Copy, Debug)]
pub enum Lanes<'a> {
    /// All of them.
    All,
    /// Those whose validity bit is set.
    Valid(Bitmap<'a>),
    /// Every 2nd, 3rd or 4th from the span's first.
    Every(usize),
}

/// The fused sums of an element type: the partial of the lanes of a span, where the kernels of
/// a pass have a fused form (integers: every pass, exact; `f64` and `f32`: the certified pass,
/// the first of [`Mode::Exact`], whose result is the correctly rounded sum however it is cut).
///
/// Public only because [`Element`] names it; it cannot be named outside the crate.
pub trait Fuse: ElementSum {
    /// The partial of `lanes` of `span` with `pass`'s kernels, `None` where the pass has no fused
    /// form (the source's blocks are then copied and summed as usual).
    fn fused(
        kernels: &Kernels,
        pass: Pass,
        span: &[Self],
        lanes: Lanes<'_>,
    ) -> Option<Self::Partial>;
}

macro_rules! fuse {
    ($($t:ty => $field:ident as $via:ty, $wrap:expr;)*) => {$(
        impl Fuse for $t {
            #[inline]
            fn fused(
                kernels: &Kernels,
                pass: Pass,
                span: &[Self],
                lanes: Lanes<'_>,
            ) -> Option<Self::Partial> {
                let kernels = &kernels.fused.$field;
                let (ptr, len) = (span.as_ptr().cast::<$via>(), span.len());
                // SAFETY: `$t` and `$via` have the same size, alignment and valid bit patterns.
                let span: &[$via] = unsafe { core::slice::from_raw_parts(ptr, len) };
                // SAFETY: a `&Kernels` is only handed out by `Kernels::get`, after checking
                // that the running CPU supports its ISA; `Lanes::Every` holds 2, 3 or 4.
                let partial = || unsafe {
                    match lanes {
                        Lanes::All => (kernels.all)(span),
                        Lanes::Valid(mask) => (kernels.masked)(span, mask),
                        Lanes::Every(stride) => (kernels.every[stride - 2])(span),
                    }
                };
                $wrap(pass, partial)
            }
        }
    )*};
}

/// Integers: every pass is the one exact sum.
fn exact<P>(_pass: Pass, partial: impl FnOnce() -> P) -> Option<P> {
    Some(partial())
}

/// Floats: the certified pass only (the others keep their block grid).
fn certified(pass: Pass, partial: impl FnOnce() -> (ExactSum, f64)) -> Option<FloatPartial> {
    (pass == Pass::Certified).then(|| {
        let (sum, slack) = partial();
        FloatPartial::Exact { sum, slack }
    })
}

fuse! {
    u8 => u8 as u8, exact; i8 => i8 as i8, exact; u16 => u16 as u16, exact;
    i16 => i16 as i16, exact; u32 => u32 as u32, exact; i32 => i32 as i32, exact;
    u64 => u64 as u64, exact; i64 => i64 as i64, exact; f32 => f32 as f32, certified;
    f64 => f64 as f64, certified;
}
#[cfg(target_pointer_width = "64")]
fuse!(usize => u64 as u64, exact; isize => i64 as i64, exact;);
#[cfg(target_pointer_width = "32")]
fuse!(usize => u32 as u32, exact; isize => i32 as i32, exact;);
#[cfg(target_pointer_width = "16")]
fuse!(usize => u16 as u16, exact; isize => i16 as i16, exact;);

/// The 16-bit floats are converted to `f32` a block at a time: no fused form.
#[cfg(feature = "half")]
macro_rules! no_fuse {
    ($($t:ty),*) => {$(
        impl Fuse for $t {
            fn fused(_: &Kernels, _: Pass, _: &[Self], _: Lanes<'_>) -> Option<Self::Partial> {
                None
            }
        }
    )*};
}
#[cfg(feature = "half")]
no_fuse!(half::f16, half::bf16);

/// Elements that can be summed a block at a time.
pub(crate) trait Source<T>: Sync {
    /// The number of elements.
    fn len(&self) -> usize;
    /// Bytes of memory the elements span: what decides whether the sum is worth the pool.
    fn span_bytes(&self) -> usize;
    /// The elements `range` (at most [`BLOCK`] of them, within `0..len()`): borrowed, or copied
    /// into `buf` (at least `range.len()` long) and returned from there.
    fn block<'a>(&'a self, range: Range<usize>, buf: &'a mut [T]) -> &'a [T];
    /// Elements `range` (non-empty, within `0..len()`) as lanes of a span of memory, where the
    /// fused kernels may read that whole span; `None` where they must be copied a block at a
    /// time.
    fn span(&self, range: Range<usize>) -> Option<(&[T], Lanes<'_>)> {
        let _ = range;
        None
    }
}

/// The sum of `source`'s elements in `mode`: the [`Sum`] reduction over its blocks, finished
/// as `reduce.rs` finishes chunk partials (with the retry's pass over the same blocks where the
/// first leaves the result undecided).
pub(crate) fn sum_source<T: Summable>(source: &impl Source<T>, mode: Mode) -> T::Output {
    let kernels = Kernels::active();
    let tasks = source.len().div_ceil(BLOCK * TASK_BLOCKS);
    let mut sum = Sum::<T>::new(mode);
    loop {
        let partials = parallel_map(tasks, source.span_bytes(), |task| {
            let start = task * BLOCK * TASK_BLOCKS;
            let end = (start + BLOCK * TASK_BLOCKS).min(source.len());
            partial(sum, kernels, source, start..end)
        });
        let mut partials = partials.into_iter();
        let mut total = partials
            .next()
            .unwrap_or_else(|| sum.partial(kernels, 0, &[]));
        partials.for_each(|next| sum.merge(&mut total, next));
        match sum.finish(total) {
            Ok(output) => return output,
            Err(retry) => sum = retry,
        }
    }
}

/// The partial of `source`'s elements `range`, a block at a time, on the calling thread.
pub(crate) fn partial<T: Summable>(
    sum: Sum<T>,
    kernels: &Kernels,
    source: &impl Source<T>,
    range: Range<usize>,
) -> T::Partial {
    // Read where it lies, through lane masks, where the source and the pass allow.
    if let Some((span, lanes)) = source.span(range.clone())
        && let Some(partial) = T::fused(kernels, sum.pass(), span, lanes)
    {
        return partial;
    }
    let mut buf = vec![T::IDENTITY; BLOCK.min(range.len())];
    let mut total = sum.partial(kernels, range.start, &[]);
    for start in range.clone().step_by(BLOCK) {
        let block = source.block(start..(start + BLOCK).min(range.end), &mut buf);
        sum.merge(&mut total, sum.partial(kernels, start, block));
    }
    total
}

/// `(0..tasks).map(task)`, on the default pool when the work spans at least
/// [`DEFAULT_INLINE_BYTES`]; the results in task order whichever worker computed them.
pub(crate) fn parallel_map<R: Send>(
    tasks: usize,
    span_bytes: usize,
    task: impl Fn(usize) -> R + Sync,
) -> Vec<R> {
    let pool = if tasks > 1 && span_bytes >= DEFAULT_INLINE_BYTES {
        default_pool()
    } else {
        None
    };
    let Some(pool) = pool else {
        return (0..tasks).map(task).collect();
    };
    let slots: Vec<Mutex<Option<R>>> = (0..tasks).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let ran = pool.broadcast(|_worker| {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= tasks {
                break;
            }
            let result = task(i);
            *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
        }
    });
    if let Err(error) = ran {
        // The tasks are kernels over validated views: a panic among them is a bug.
        panic!("coresum: {error}");
    }
    slots
        .into_iter()
        .map(|slot| {
            let result = slot.into_inner().unwrap_or_else(|e| e.into_inner());
            // Every index below `tasks` was claimed and completed before `broadcast` returned.
            result.expect("coresum: every task ran")
        })
        .collect()
}
