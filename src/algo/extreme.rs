//! Minimum and maximum of a slice, and the first position of a value: the kernels of `min`,
//! `max`, `argmin` and `argmax` (`src/extreme.rs` is the reduction around them).
//!
//! ```text
//! acc[0..LANES] = first LANES elements (or the first element, repeated)
//! for each block of LANES elements x:  acc[i] = better(x[i], acc[i]);  unordered[i] |= x[i] is NaN
//! tail: the same, lane by lane;   result = better over acc, or NaN if any lane saw one
//! position(m): blocks of LANES tested with one OR-reduced compare, then the first match in
//! the one block that has it
//! ```
//!
//! Written over plain lane arrays rather than the `Vector` traits: a lane-wise select and compare
//! is what every ISA's compiler backend turns into `pminub`/`vpminsq`/`vminpd`/`umin` under the
//! `#[target_feature]` of the function `kernel_table!` wraps it in, and the independent lanes
//! leave no loop-carried dependency but one select per vector. Nothing can overflow: no
//! arithmetic is done on the elements. Float lanes compare with `<`/`>`, which a NaN never
//! satisfies, so NaNs are tracked apart and decide the result (numpy's rule); `-0.0 == +0.0`, so
//! which zero is the extreme is left to the caller's first-position search.

/// Elements per block: 256 bytes of `u8` (four AVX-512 vectors), up to 512 bytes of `f64`.
const LANES: usize = 256;

/// An element the kernels compare.
pub(crate) trait Lane: Copy + PartialOrd {
    /// Whether the value is a NaN (never, for integers).
    fn is_nan(self) -> bool;
}

macro_rules! lane {
    (int: $($t:ty),*) => {$(
        impl Lane for $t {
            #[inline(always)]
            fn is_nan(self) -> bool {
                false
            }
        }
    )*};
    (float: $($t:ty),*) => {$(
        impl Lane for $t {
            #[inline(always)]
            fn is_nan(self) -> bool {
                // Written as a comparison, which vectorises; `is_nan` is the same test.
                #[allow(clippy::eq_op)]
                let unordered = self != self;
                unordered
            }
        }
    )*};
}

lane!(int: u8, i8, u16, i16, u32, i32, u64, i64, usize, isize);
lane!(float: f32, f64);
#[cfg(feature = "half")]
lane!(float: half::f16, half::bf16);

/// The smallest (`MAX` false) or largest element of `data`, `None` if it is empty; a NaN if it
/// holds one. Of several elements that compare equal (`-0.0` and `+0.0`) any may be returned.
///
/// # Safety
/// None beyond the caller's: safe code, `unsafe` only to match the kernel table's signature.
#[inline(always)]
pub(crate) unsafe fn extreme<T: Lane, const MAX: bool>(data: &[T]) -> Option<T> {
    let better = |x: T, acc: T| if MAX { x > acc } else { x < acc };
    let first = *data.first()?;
    let mut acc = [first; LANES];
    let mut unordered = [false; LANES];
    let blocks = data.chunks_exact(LANES);
    let tail = blocks.remainder();
    for block in blocks {
        for i in 0..LANES {
            let x = block[i];
            acc[i] = if better(x, acc[i]) { x } else { acc[i] };
            unordered[i] |= x.is_nan();
        }
    }
    for (i, &x) in tail.iter().enumerate() {
        acc[i] = if better(x, acc[i]) { x } else { acc[i] };
        unordered[i] |= x.is_nan();
    }
    if unordered.iter().fold(false, |any, &u| any | u) {
        return data.iter().copied().find(|x| x.is_nan());
    }
    Some(
        acc.into_iter()
            .fold(first, |m, x| if better(x, m) { x } else { m }),
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
    for block in data.chunks(LANES) {
        if block.iter().fold(false, |any, &x| any | matches(x)) {
            return block.iter().position(|&x| matches(x)).map(|i| start + i);
        }
        start += block.len();
    }
    None
}
