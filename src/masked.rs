//! Sums that skip elements: [`sum_masked`] (an Arrow validity bitmap) and [`nansum`] (NaNs). The
//! skipped elements are read as the additive identity (−0.0 for floats, see `gather::Element`),
//! so the result is bit for bit the sum of the others: by the sum kernels themselves, through
//! loads masked by the validity bits (integers, and floats in [`Mode::Exact`]; `algo::mask`),
//! else by copying a block at a time with the identity in their place.

use crate::algo::layout::bits;
use crate::algo::mask::Bitmap;
use crate::arch::Kernels;
use crate::element::{Mode, Summable};
use crate::gather::{BLOCK, Lanes, Source, sum_source};
use core::fmt;
use std::ops::Range;

/// A validity bitmap too short for the slice it describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaskError {
    /// Bits needed: `bit_offset + len`.
    pub bits_needed: u128,
    /// Bits present: 8 per byte of the bitmap.
    pub bits_present: u128,
}

impl fmt::Display for MaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the validity bitmap holds {} bits, {} are needed",
            self.bits_present, self.bits_needed
        )
    }
}

impl std::error::Error for MaskError {}

/// The exact sum of the elements of `data` marked valid in `validity`: Arrow's LSB-first bitmap,
/// bit `bit_offset + i` set when `data[i]` is valid. An error when the bitmap holds fewer than
/// `bit_offset + data.len()` bits.
///
/// Floats: the same bits as `coresum::sum` of the valid elements, in [`Mode::Exact`].
///
/// ```
/// // valid: 1, 3, 4 (bits 0, 2, 3 of 0b1101)
/// assert_eq!(coresum::sum_masked(&[1i32, 2, 3, 4], &[0b1101], 0), Ok(8i128));
/// assert_eq!(coresum::sum_masked(&[1i32, 2, 3, 4], &[0b1101 << 1, 0], 1), Ok(8i128));
/// assert!(coresum::sum_masked(&[1u8; 9], &[0xff], 0).is_err());
/// ```
pub fn sum_masked<T: Summable>(
    data: &[T],
    validity: &[u8],
    bit_offset: usize,
) -> Result<T::Output, MaskError> {
    sum_masked_with(data, validity, bit_offset, Mode::Exact)
}

/// [`sum_masked`] in `mode`. Compensated and Fast results are reproducible for given inputs and
/// ISA path, and may differ from those of a compacted copy in the last bits.
pub fn sum_masked_with<T: Summable>(
    data: &[T],
    validity: &[u8],
    bit_offset: usize,
    mode: Mode,
) -> Result<T::Output, MaskError> {
    let bits_needed = bit_offset as u128 + data.len() as u128;
    let bits_present = validity.len() as u128 * 8;
    if bits_needed > bits_present {
        return Err(MaskError {
            bits_needed,
            bits_present,
        });
    }
    let masked = Masked {
        data,
        validity,
        bit_offset,
    };
    if masked.none_valid() {
        // Not a sum of identities: the empty sum (+0.0, where the identity is −0.0).
        return Ok(crate::sum_with::<T>(&[], mode));
    }
    Ok(sum_source(&masked, mode))
}

/// A float element type ([`nansum`]).
pub trait Float: Summable<Output = f64> {}

impl Float for f64 {}
impl Float for f32 {}
#[cfg(feature = "half")]
impl Float for half::f16 {}
#[cfg(feature = "half")]
impl Float for half::bf16 {}

/// The correctly rounded sum of the elements of `data` that are not NaN (numpy's `nansum`): 0.0
/// when all are NaN or there are none. Infinities still add as IEEE says (`∞ + −∞` is NaN).
///
/// ```
/// assert_eq!(coresum::nansum(&[1.5, f64::NAN, 2.0]), 3.5);
/// assert_eq!(coresum::nansum(&[f64::NAN; 3]).to_bits(), 0.0f64.to_bits());
/// ```
pub fn nansum<T: Float>(data: &[T]) -> f64 {
    nansum_with(data, Mode::Exact)
}

/// [`nansum`] in `mode`: NaNs are skipped the same way in every mode (replaced by −0.0, the
/// identity); the other elements are summed as [`sum_with`](crate::sum_with) would (Compensated
/// and Fast results may differ from those of a copy without the NaNs in the last bits).
pub fn nansum_with<T: Float>(data: &[T], mode: Mode) -> f64 {
    // Without a NaN the plain sum is the answer, and it is NaN only with a NaN or with infinities
    // of both signs: only then are the NaNs replaced, in a second pass.
    let plain = crate::sum_with(data, mode);
    if !plain.is_nan() {
        return plain;
    }
    let total = sum_source(&NanSkipping(data), mode);
    // A sum is −0.0 only when all its terms are: then if every one was a NaN the sum of none is
    // the answer, +0.0.
    if total.to_bits() == (-0.0f64).to_bits() && data.iter().all(|x| x.is_nan()) {
        return 0.0;
    }
    total
}

/// `data` with its NaNs read as the identity.
struct NanSkipping<'a, T>(&'a [T]);

impl<T: Summable> Source<T> for NanSkipping<'_, T> {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn span_bytes(&self) -> usize {
        size_of_val(self.0)
    }

    fn block<'a>(&'a self, range: Range<usize>, buf: &'a mut [T]) -> &'a [T] {
        let block = &self.0[range];
        // No short cut: a plain fold over `x != x` vectorises.
        if !block.iter().fold(false, |any, x| any | x.is_nan()) {
            return block;
        }
        let out = &mut buf[..block.len()];
        for (slot, &x) in out.iter_mut().zip(block) {
            *slot = if x.is_nan() { T::IDENTITY } else { x };
        }
        out
    }
}

/// `data` with its invalid elements read as the identity.
struct Masked<'a, T> {
    data: &'a [T],
    validity: &'a [u8],
    bit_offset: usize,
}

impl<T> Masked<'_, T> {
    /// Bits `bit..bit + n` (`0 < n ≤ 64`) of the bitmap, bit `bit` lowest.
    #[inline(always)]
    fn bits(&self, bit: usize, n: usize) -> u64 {
        bits(self.validity, bit, n)
    }

    /// Whether bits `bit..bit + n` are all set: the whole bytes among them compared at once.
    fn all_valid(&self, bit: usize, n: usize) -> bool {
        let end = bit + n;
        let (first_byte, last_byte) = (bit.div_ceil(8), end / 8);
        if first_byte >= last_byte {
            return (bit..end)
                .step_by(64)
                .all(|i| self.bits(i, 64.min(end - i)) == u64::MAX >> (64 - 64.min(end - i)));
        }
        let (head, tail) = (first_byte * 8 - bit, end - last_byte * 8);
        (head == 0 || self.bits(bit, head) == u64::MAX >> (64 - head))
            && (tail == 0 || self.bits(last_byte * 8, tail) == u64::MAX >> (64 - tail))
            // A fold without a short cut vectorises.
            && self.validity[first_byte..last_byte]
                .iter()
                .fold(0xff, |all, &byte| all & byte)
                == 0xff
    }

    fn none_valid(&self) -> bool {
        (0..self.data.len())
            .step_by(64)
            .all(|i| self.bits(self.bit_offset + i, 64.min(self.data.len() - i)) == 0)
    }
}

impl<T: Summable> Source<T> for Masked<'_, T> {
    fn len(&self) -> usize {
        self.data.len()
    }

    fn span_bytes(&self) -> usize {
        size_of_val(self.data)
    }

    fn block<'a>(&'a self, range: Range<usize>, buf: &'a mut [T]) -> &'a [T] {
        debug_assert!(range.len() <= BLOCK.min(buf.len()));
        let block = &self.data[range.clone()];
        // The common case, a block without nulls, is summed where it lies.
        if self.all_valid(self.bit_offset + range.start, range.len()) {
            return block;
        }
        let out = &mut buf[..block.len()];
        T::select(
            Kernels::active(),
            block,
            self.validity,
            self.bit_offset + range.start,
            out,
        );
        out
    }

    fn span(&self, range: Range<usize>) -> Option<(&[T], Lanes<'_>)> {
        let bit_offset = self.bit_offset + range.start;
        // A stretch without nulls (a bitmap byte per 8 elements to check) takes the plain kernel.
        let lanes = if self.all_valid(bit_offset, range.len()) {
            Lanes::All
        } else {
            Lanes::Valid(Bitmap {
                validity: self.validity,
                bit_offset,
            })
        };
        Some((&self.data[range], lanes))
    }
}
