//! Lane masks for the fused sums (issue 12, "fused"): which elements of a contiguous span the sum
//! kernels add. The kernels load every vector through [`Mask::bits`] and a masked load of their
//! ISA (`int::Vector::load_masked`, `float::FloatVector::load_masked`), which reads as the
//! identity (0, or −0.0 for floats) every lane whose bit is clear, so a masked or strided sum does
//! the same work per vector as a plain one, with no copy into a buffer:
//!
//! ```text
//! All          every element (the plain sums: `M::ALL` compiles the mask away)
//! Bitmap       Arrow validity bits from any bit offset: one unaligned u64 read per vector
//! Every<S>     every S-th element from the span's first (a strided view, stride S, seen
//!              as the span of memory it covers): a periodic pattern, S = 2, 3, 4
//! ```

use crate::algo::layout::bits;

/// Which elements of a span are added. `Copy` and small: the kernels take it by value.
pub(crate) trait Mask: Copy {
    /// Whether every element is added ([`All`]): the kernels then load without a mask.
    const ALL: bool = false;

    /// The mask of the same span from element `n` on.
    fn skip(self, n: usize) -> Self;

    /// Bit `j` says whether element `i + j` is added, for the `lanes ≤ 64` elements from `i`
    /// (bits for elements past the span may be anything, `i` included).
    fn bits(self, i: usize, lanes: usize) -> u64;

    /// Whether element `i` is added.
    #[inline(always)]
    fn get(self, i: usize) -> bool {
        Self::ALL || self.bits(i, 1) & 1 != 0
    }

    /// The [`bits`](Self::bits) of `N` consecutive vectors of `lanes` lanes from element `i`:
    /// one read, shifted, where they fit 64 bits (a group of the kernels' unrolled loops), else
    /// one per vector.
    #[inline(always)]
    fn group<const N: usize>(self, i: usize, lanes: usize) -> [u64; N] {
        if Self::ALL {
            return [u64::MAX; N];
        }
        let mut bits = [0; N];
        if N * lanes <= 64 {
            let word = self.bits(i, N * lanes);
            for (k, b) in bits.iter_mut().enumerate() {
                // `k · lanes < 64`.
                *b = word >> (k * lanes);
            }
        } else {
            for (k, b) in bits.iter_mut().enumerate() {
                *b = self.bits(i + k * lanes, lanes);
            }
        }
        bits
    }
}

/// Every element: the plain sums.
#[derive(Clone, Copy, Debug)]
pub(crate) struct All;

impl Mask for All {
    const ALL: bool = true;

    #[inline(always)]
    fn skip(self, _n: usize) -> Self {
        All
    }

    #[inline(always)]
    fn bits(self, _i: usize, _lanes: usize) -> u64 {
        u64::MAX
    }
}

/// The elements whose bit is set in an Arrow (LSB-first) validity bitmap, element `i` at bit
/// `bit_offset + i`. The bitmap must hold a bit for every element of the span.
///
/// Public only because `gather::Lanes` names it; it cannot be named outside the crate.
#[derive(Clone, Copy, Debug)]
pub struct Bitmap<'a> {
    pub(crate) validity: &'a [u8],
    pub(crate) bit_offset: usize,
}

impl Mask for Bitmap<'_> {
    #[inline(always)]
    fn skip(self, n: usize) -> Self {
        Bitmap {
            bit_offset: self.bit_offset + n,
            ..self
        }
    }

    #[inline(always)]
    fn bits(self, i: usize, lanes: usize) -> u64 {
        let bit = self.bit_offset + i;
        let (byte, shift) = (bit / 8, bit % 8);
        // Eight bytes from the one holding bit `bit` hold its 57 or more successors; a ninth the
        // rest of 64. Near the bitmap's end, only the bits it holds.
        let need = if lanes <= 57 { 8 } else { 9 };
        match self.validity.get(byte..byte + need) {
            Some(bytes) => {
                let mut eight = [0u8; 8];
                eight.copy_from_slice(&bytes[..8]);
                let low = u64::from_le_bytes(eight) >> shift;
                match bytes.get(8) {
                    // `<< 1 << (63 − shift)`: no shift by 64 when `shift` is 0.
                    Some(&ninth) => low | u64::from(ninth) << 1 << (63 - shift),
                    None => low,
                }
            }
            None => bits_near_end(self.validity, bit),
        }
    }
}

/// [`Bitmap::bits`] where fewer than nine bytes follow: out of the kernels' loops, which it
/// would otherwise crowd. Bits past the bitmap read as 0 (a group's vectors past the span).
#[cold]
#[inline(never)]
fn bits_near_end(validity: &[u8], bit: usize) -> u64 {
    match (validity.len() * 8).saturating_sub(bit).min(64) {
        0 => 0,
        n => bits(validity, bit, n),
    }
}

/// Every `STRIDE`-th element from the span's element `phase` (`phase < STRIDE`) on.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Every<const STRIDE: usize> {
    pub(crate) phase: usize,
}

impl<const STRIDE: usize> Every<STRIDE> {
    /// `PATTERN[r]`: bit `j` set where `(j + r) % STRIDE == 0`.
    const PATTERN: [u64; STRIDE] = {
        let mut patterns = [0u64; STRIDE];
        let mut r = 0;
        while r < STRIDE {
            let mut j = 0;
            while j < 64 {
                if (j + r) % STRIDE == 0 {
                    patterns[r] |= 1 << j;
                }
                j += 1;
            }
            r += 1;
        }
        patterns
    };
}

impl<const STRIDE: usize> Mask for Every<STRIDE> {
    #[inline(always)]
    fn skip(self, n: usize) -> Self {
        Every {
            // Element `i` of the rest is element `i + n` of the span.
            phase: (self.phase + STRIDE - n % STRIDE) % STRIDE,
        }
    }

    #[inline(always)]
    fn bits(self, i: usize, _lanes: usize) -> u64 {
        // Element `i + j` is added where `i + j − phase` is a multiple of `STRIDE`.
        Self::PATTERN[(i + STRIDE - self.phase) % STRIDE]
    }
}

#[cfg(test)]
mod tests {
    use super::{Bitmap, Every, Mask};

    #[test]
    fn bitmap_bits_equal_the_bitmap_at_every_offset_and_end() {
        let validity: Vec<u8> = (0..40u8).map(|i| i.wrapping_mul(151) ^ 0x5a).collect();
        let bit = |b: usize| validity[b / 8] >> (b % 8) & 1 != 0;
        // Under Miri every seventh offset (0, 7, …, 63: still every bit phase within a byte):
        // all 70 made this test a large part of a Miri lane that took 28 minutes.
        for bit_offset in (0..70).step_by(if cfg!(miri) { 7 } else { 1 }) {
            let mask = Bitmap {
                validity: &validity,
                bit_offset,
            };
            for i in 0..validity.len() * 8 - bit_offset {
                for lanes in [1, 8, 16, 57, 64] {
                    let word = mask.bits(i, lanes);
                    for j in 0..lanes.min(validity.len() * 8 - bit_offset - i) {
                        assert_eq!(
                            word >> j & 1 != 0,
                            bit(bit_offset + i + j),
                            "{bit_offset} {i} {j}"
                        );
                    }
                }
                assert_eq!(mask.skip(i).get(0), bit(bit_offset + i));
            }
        }
    }

    #[test]
    fn every_selects_multiples_of_the_stride_from_the_phase() {
        fn check<const S: usize>() {
            for phase in 0..S {
                let mask = Every::<S> { phase };
                for i in 0..3 * S {
                    let word = mask.bits(i, 64);
                    for j in 0..64 {
                        assert_eq!(word >> j & 1 != 0, (i + j) % S == phase, "{S} {phase} {i}");
                    }
                    assert_eq!(mask.skip(i).get(0), i % S == phase);
                }
            }
        }
        check::<2>();
        check::<3>();
        check::<4>();
    }
}
