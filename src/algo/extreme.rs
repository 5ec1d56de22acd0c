//! Minimum and maximum of a slice, and the first position of a value: the kernels of `min`,
//! `max`, `argmin` and `argmax` (`src/extreme.rs` is the reduction around them).
//!
//! ```text
//! integers: fold(first, better)                     (the loop vectoriser's own min/max lanes)
//! floats:
//! acc[0..lanes] = the first element, repeated      (lanes: 256 bytes of elements, Lane::Block)
//! for each block of lanes elements x:  acc[i] = x[i] if better(x[i], acc[i]) or x[i] is NaN
//! tail: the same on the first lanes;   result = NaN if a lane holds one, else better over acc
//! position(m): blocks of POSITION_LANES tested with one OR-reduced compare, then the first match
//! in the one block that has it
//! ```
//!
//! Written over plain slices and lane arrays rather than the `Vector` traits: an integer fold and
//! a lane-wise float compare and select are what every ISA's backend turns into `pminub`,
//! `vpminsq`, `vcmpltpd`+blend or `umin` under the `#[target_feature]` of the function
//! `kernel_table!` wraps them in (checked with `llvm-objdump -d` of
//! `coresum::arch::x86_64::avx512::min_f64` and its siblings). A float block is 256 bytes
//! whatever the type, so that its accumulators stay in registers (4 AVX-512, 8 AVX2, 16 SSE2 or
//! NEON vectors) with independent lanes: no loop-carried dependency but one select per vector.
//! Nothing can overflow: no arithmetic is done on the elements. A NaN is sticky in its lane (no
//! number compares better than it), so one test of the accumulators at the end says whether there
//! is one, and a search finds the first (numpy's rule); `-0.0 == +0.0`, so which zero is the
//! extreme is left to the caller's first-position search.

/// Elements per block of the first-position search: one OR-reduced compare per block.
const POSITION_LANES: usize = 256;

/// Bytes per block of the extreme's accumulators.
const BLOCK_BYTES: usize = 256;

/// An element the kernels compare.
pub(crate) trait Lane: Copy + PartialOrd {
    /// The accumulators: an array of `BLOCK_BYTES` bytes of elements.
    type Block: Copy + AsRef<[Self]> + AsMut<[Self]>;
    /// Every accumulator set to `value`.
    fn block(value: Self) -> Self::Block;
    /// Whether the type has NaNs (the floats).
    const FLOAT: bool;
    /// Whether the value is a NaN (never, for integers).
    fn is_nan(self) -> bool;
}

macro_rules! lane {
    (int: $($t:ty),*) => {
        lane!(@ false, $($t: |_| false),*);
    };
    // Written as a comparison, which vectorises; `is_nan` is the same test.
    (float: $($t:ty),*) => {
        lane!(@ true, $($t: |x: $t| x != x),*);
    };
    (@ $float:literal, $($t:ty: $is_nan:expr),*) => {$(
        impl Lane for $t {
            const FLOAT: bool = $float;
            type Block = [$t; BLOCK_BYTES / size_of::<$t>()];

            #[inline(always)]
            fn block(value: Self) -> Self::Block {
                [value; BLOCK_BYTES / size_of::<$t>()]
            }

            #[inline(always)]
            #[allow(clippy::eq_op)]
            fn is_nan(self) -> bool {
                ($is_nan)(self)
            }
        }
    )*};
}

lane!(int: u8, i8, u16, i16, u32, i32, u64, i64, usize, isize);
lane!(float: f32, f64);
#[cfg(feature = "half")]
lane!(float: half::f16, half::bf16);

/// The smallest (`MAX` false) or largest element of `data`, `None` if it is empty; the first NaN
/// if it holds one. Of several elements that compare equal (`-0.0` and `+0.0`) any may be returned.
///
/// # Safety
/// None beyond the caller's: safe code, `unsafe` only to match the kernel table's signature.
#[inline(always)]
pub(crate) unsafe fn extreme<T: Lane, const MAX: bool>(data: &[T]) -> Option<T> {
    let better = |x: T, acc: T| if MAX { x > acc } else { x < acc };
    // A select the backend vectorises; a NaN `x` always enters, and once in, stays.
    let step = |acc: &mut [T], block: &[T]| {
        for (a, &x) in acc.iter_mut().zip(block) {
            *a = if better(x, *a) || x.is_nan() { x } else { *a };
        }
    };
    let first = *data.first()?;
    if !T::FLOAT {
        // LLVM's loop vectoriser turns this integer reduction into `pminsq`-style lanes with
        // several accumulators (as it does `iter().min()`); its blocks of `acc` it handles worse.
        return Some(
            data.iter()
                .fold(first, |m, &x| if better(x, m) { x } else { m }),
        );
    }
    let mut acc = T::block(first);
    let blocks = data.chunks_exact(acc.as_ref().len());
    let tail = blocks.remainder();
    for block in blocks {
        step(acc.as_mut(), block);
    }
    step(acc.as_mut(), tail);
    let acc = acc.as_ref();
    if acc.iter().fold(false, |any, x| any | x.is_nan()) {
        return data.iter().copied().find(|x| x.is_nan());
    }
    Some(
        acc.iter()
            .fold(first, |m, &x| if better(x, m) { x } else { m }),
    )
}

/// The index of the first element of `data` equal to `target` (for a NaN `target`, the first
/// NaN), `None` if there is none.
///
/// # Safety
/// None beyond the caller's: safe code, `unsafe` only to match the kernel table's signature.
#[inline(always)]
pub(crate) unsafe fn position<T: Lane>(data: &[T], target: T) -> Option<usize> {
    if target.is_nan() {
        return first_match(data, |x: T| x.is_nan());
    }
    first_match(data, |x: T| x == target)
}

/// The index of the first element that `matches`, a block at a time.
#[inline(always)]
fn first_match<T: Lane>(data: &[T], matches: impl Fn(T) -> bool) -> Option<usize> {
    let mut start = 0;
    for block in data.chunks(POSITION_LANES) {
        if block.iter().fold(false, |any, &x| any | matches(x)) {
            return block.iter().position(|&x| matches(x)).map(|i| start + i);
        }
        start += block.len();
    }
    None
}
