//! The layout kernels (issue 12): strided gathers and masked selects into a buffer, which the sum
//! kernels then read from L1 (`gather.rs`). They move bits and never add, so they are written per
//! element width (`u8` … `u64`); every element type goes through the integer of its width.
//!
//! ```text
//! gather(first, stride, out):        stride 2, 3, 4: whole vectors deinterleaved in registers
//!                                     (Layout::every), while another element follows them;
//!                                     the rest, and any other stride, one element at a time
//! select(data, validity, bit, fill, out):
//!     per 64 elements: their 64 validity bits, one word;
//!     per vector of LANES elements: data where its bit is set, fill where clear (Layout::select)
//!     the tail one element at a time
//! ```
//!
//! A select never passes an invalid element on: a masked load does not read it, a blend drops it,
//! so a NaN under a null cannot reach the sum.

/// The layout instructions of one ISA for elements of type `T` (an unsigned integer).
///
/// The defaults are the portable loops, compiled inside each ISA's `#[target_feature]` kernels
/// (where the compiler may still vectorise them); an ISA overrides what its instructions do better.
pub(crate) trait Layout<T: Copy> {
    /// Elements per vector: at most 64, and a divisor of 64.
    const LANES: usize = 8;

    /// Stores to `out` the `LANES` elements `STRIDE` apart from `ptr` (elements `0, STRIDE, …`).
    ///
    /// # Safety
    /// `ptr` must be valid for reads of `STRIDE · LANES` elements, `out` for writes of `LANES`;
    /// the CPU must support this ISA.
    #[inline(always)]
    unsafe fn every<const STRIDE: usize>(ptr: *const T, out: *mut T) {
        // SAFETY: the caller's contract, passed on.
        unsafe { every_one_by_one::<T, STRIDE>(ptr, out, Self::LANES) }
    }

    /// Stores to `out` the `LANES` elements at `data`, each replaced by `fill` where its bit of
    /// `bits` (bit `i` for element `i`) is clear.
    ///
    /// # Safety
    /// `data` must be valid for reads and `out` for writes of `LANES` elements; the CPU must
    /// support this ISA.
    #[inline(always)]
    unsafe fn select(data: *const T, bits: u64, fill: T, out: *mut T) {
        for i in 0..Self::LANES {
            // SAFETY: `i < LANES`, as the caller vouches.
            unsafe {
                let x = data.add(i).read();
                out.add(i).write(if bits >> i & 1 != 0 { x } else { fill });
            }
        }
    }
}

/// [`Layout::every`] one element at a time, for `lanes` elements: the default, and what an ISA
/// falls back to for the strides it does not deinterleave.
///
/// # Safety
/// `ptr` must be valid for reads of `STRIDE · lanes` elements, `out` for writes of `lanes`.
#[inline(always)]
pub(crate) unsafe fn every_one_by_one<T: Copy, const STRIDE: usize>(
    ptr: *const T,
    out: *mut T,
    lanes: usize,
) {
    for i in 0..lanes {
        // SAFETY: `i · STRIDE < STRIDE · lanes` and `i < lanes`, as the caller vouches.
        unsafe { out.add(i).write(ptr.add(i * STRIDE).read()) };
    }
}

/// Copies the `out.len()` elements `stride` apart from `first` (any stride, 0 and negative
/// included) into `out`.
///
/// # Safety
/// `first.offset(i · stride)` must be valid for reads for every `i < out.len()`; the CPU must
/// support `V`'s ISA.
#[inline(always)]
pub(crate) unsafe fn gather<V: Layout<T>, T: Copy>(first: *const T, stride: isize, out: &mut [T]) {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        match stride {
            2 => gather_by::<V, T, 2>(first, out),
            3 => gather_by::<V, T, 3>(first, out),
            4 => gather_by::<V, T, 4>(first, out),
            _ => gather_any(first, stride, out, 0),
        }
    }
}

/// [`gather`] for a constant stride: whole vectors deinterleaved, then one at a time.
///
/// # Safety
/// As for [`gather`].
#[inline(always)]
unsafe fn gather_by<V: Layout<T>, T: Copy, const STRIDE: usize>(first: *const T, out: &mut [T]) {
    // A vector reads `STRIDE · LANES` elements, up to `STRIDE − 1` past its last one, which may
    // lie past the view: whole vectors only while another element of the view follows them
    // (`(v + 1) · LANES ≤ len − 1`, so their reads end before that element).
    let vectors = out.len().saturating_sub(1) / V::LANES;
    for v in 0..vectors {
        // SAFETY: the reads end before element `(v + 1) · LANES < len` of the view, valid as
        // the caller vouches; the writes are `out`'s elements `v · LANES ..(v + 1) · LANES`.
        unsafe {
            V::every::<STRIDE>(
                first.add(v * V::LANES * STRIDE),
                out.as_mut_ptr().add(v * V::LANES),
            );
        }
    }
    // SAFETY: the caller's contract, for the elements not yet copied.
    unsafe { gather_any(first, STRIDE as isize, out, vectors * V::LANES) };
}

/// Copies elements `from..out.len()` of the view (`stride` apart from `first`) one at a time.
///
/// # Safety
/// As for [`gather`].
#[inline(always)]
unsafe fn gather_any<T: Copy>(first: *const T, stride: isize, out: &mut [T], from: usize) {
    let mut at = first.wrapping_offset((from as isize).wrapping_mul(stride));
    for slot in &mut out[from..] {
        // SAFETY: `at` is an element of the view, valid as the caller vouches; the step past the
        // last one is not dereferenced (hence `wrapping_offset`).
        *slot = unsafe { at.read() };
        at = at.wrapping_offset(stride);
    }
}

/// `out[i] = data[i]` where bit `bit_offset + i` of `validity` (LSB first) is set, else `fill`.
///
/// # Safety
/// The CPU must support `V`'s ISA. (`validity` must hold `bit_offset + data.len()` bits and
/// `out` at least `data.len()` elements, or this panics.)
#[inline(always)]
pub(crate) unsafe fn select<V: Layout<T>, T: Copy>(
    data: &[T],
    validity: &[u8],
    bit_offset: usize,
    fill: T,
    out: &mut [T],
) {
    let out = &mut out[..data.len()];
    for (c, (x, out)) in data.chunks(64).zip(out.chunks_mut(64)).enumerate() {
        let word = bits(validity, bit_offset + c * 64, x.len());
        let vectors = x.len() / V::LANES;
        for v in 0..vectors {
            // SAFETY: elements `v · LANES ..(v + 1) · LANES ≤ x.len()` of `x` and `out`; the
            // shift is below 64 (`v · LANES < 64`); the caller vouches for the ISA.
            unsafe {
                V::select(
                    x.as_ptr().add(v * V::LANES),
                    word >> (v * V::LANES),
                    fill,
                    out.as_mut_ptr().add(v * V::LANES),
                );
            }
        }
        for i in vectors * V::LANES..x.len() {
            out[i] = if word >> i & 1 != 0 { x[i] } else { fill };
        }
    }
}

/// Bits `bit..bit + n` (`0 < n ≤ 64`) of an LSB-first bitmap, bit `bit` lowest (the bitmap must
/// hold them, or this panics).
#[inline(always)]
pub(crate) fn bits(bitmap: &[u8], bit: usize, n: usize) -> u64 {
    debug_assert!(n <= 64 && n > 0);
    let (byte, shift) = (bit / 8, bit % 8);
    let bytes = &bitmap[byte..(bit + n).div_ceil(8)];
    let word = match bytes.get(..8) {
        Some(eight) => {
            let low = u64::from_le_bytes(eight.try_into().unwrap_or([0; 8]));
            let high = bytes.get(8).map_or(0, |&b| u64::from(b));
            (low >> shift) | high.checked_shl(64 - shift as u32).unwrap_or(0)
        }
        None => {
            let mut word = 0u64;
            for (i, &b) in bytes.iter().enumerate() {
                word |= u64::from(b) << (8 * i);
            }
            word >> shift
        }
    };
    word & (u64::MAX >> (64 - n))
}

#[cfg(test)]
mod tests {
    //! Every width's gather and select on every available path against a plain loop: strides
    //! around the deinterleaved ones (negative and zero included), lengths across whole vectors
    //! and tails, bit offsets within a byte and beyond. Small enough for Miri (portable path).
    use crate::arch::{Kernels, LayoutKernels, Layouts};
    use crate::isa::Isa;

    /// A deterministic pattern with every bit of the width in play.
    fn values<T: TryFrom<u64>>(n: usize, seed: u64) -> Vec<T> {
        let mut state = seed | 1;
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                T::try_from(state >> (64 - 8 * size_of::<T>())).unwrap_or_else(|_| unreachable!())
            })
            .collect()
    }

    fn check<T: Copy + PartialEq + core::fmt::Debug + TryFrom<u64>>(
        isa: Isa,
        kernels: &LayoutKernels<T>,
    ) {
        // Miri interprets every instruction: fewer lengths keep it to seconds there.
        let (len, strides, step) = if cfg!(miri) {
            (40, 2..=4, 5)
        } else {
            (300, -6..=9, 1)
        };
        let data: Vec<T> = values(len * 9 + 64, 7);
        let fill = values::<T>(1, 99)[0];
        for stride in strides {
            for offset in [0, 1, 5] {
                for n in (0..len).step_by(step) {
                    let start = if stride < 0 {
                        data.len() - 1 - offset
                    } else {
                        offset
                    };
                    let want: Vec<T> = (0..n)
                        .map(|i| data[(start as isize + i as isize * stride) as usize])
                        .collect();
                    let mut got = vec![fill; n];
                    // SAFETY: every element of the view lies in `data` (its length is `len·9
                    // + 64` and the view reaches at most `(n − 1)·9 + 5`).
                    unsafe { (kernels.gather)(data.as_ptr().add(start), stride, &mut got) };
                    assert_eq!(
                        got, want,
                        "{isa} gather stride {stride} offset {offset} n {n}"
                    );
                }
            }
        }
        let validity: Vec<u8> = values(len / 8 + 4, 3);
        for bit_offset in [0, 1, 7, 8, 13] {
            for n in (0..len).step_by(step) {
                let x = &data[..n];
                let want: Vec<T> = (0..n)
                    .map(|i| {
                        let bit = bit_offset + i;
                        if validity[bit / 8] >> (bit % 8) & 1 != 0 {
                            x[i]
                        } else {
                            fill
                        }
                    })
                    .collect();
                let mut got = vec![data[0]; n + 1];
                // SAFETY: `kernels` is the table of an available path.
                unsafe { (kernels.select)(x, &validity, bit_offset, fill, &mut got) };
                assert_eq!(
                    &got[..n],
                    want,
                    "{isa} select bit offset {bit_offset} n {n}"
                );
                assert_eq!(got[n], data[0], "{isa} select wrote past its length");
            }
        }
    }

    #[test]
    fn gathers_and_selects_equal_plain_loops_on_every_path() {
        for isa in Isa::available() {
            let Layouts { u8, u16, u32, u64 } = &Kernels::get(isa).unwrap().layouts;
            check(isa, u8);
            check(isa, u16);
            check(isa, u32);
            check(isa, u64);
        }
    }
}
