//! [`ExactSum`]: a small superaccumulator that holds the exact sum of any number of `f64` values
//! and rounds it once, to nearest-even, at the end.
//!
//! # Representation
//!
//! Every finite `f64` is an integer multiple of 2^-1074 (the least subnormal), and its magnitude
//! is below 2^1024, i.e. below 2^2098 such units. The accumulator keeps the exact sum in those units
//! as a signed fixed-point number of 67 *chunks* of 32 bits, each stored in an `i64`:
//!
//! ```text
//! value = Σ chunks[i] · 2^(32·i) · 2^-1074          i = 0 ..= 66
//! ```
//!
//! A term `±m · 2^s` (53-bit integer mantissa `m`, `s` = biased exponent − 1, or 0 for subnormals)
//! is added by splitting `m · 2^(s mod 32)` across chunks `s / 32` (its low 32 bits) and
//! `s / 32 + 1` (the rest, below 2^52) — two integer adds, no branch on the sign. The spare 31 bits
//! of every `i64` absorb 2047 such adds before a *carry propagation* has to bring each chunk back
//! into `[0, 2^32)` (the top chunk keeps the sign and everything above). Chunks 65 and 66 only
//! receive carries: they leave room for 2^64 terms of the largest magnitude.
//!
//! This is Radford Neal's *small superaccumulator* ("Fast exact summation using small and large
//! superaccumulators", arXiv:1505.05571, 2015), in our own layout: Neal uses the same 67 chunks of
//! 32 bits in 64-bit integers and the same "propagate carries every ~2^11 adds" rule.
//!
//! Special values never touch the chunks: NaN and infinities set flags, and so does "a term other
//! than -0.0 was seen", which is all that decides the sign of a zero result.

use crate::encoding::{self, DecodeError};

/// Number of 32-bit chunks; the last one is the signed top.
const CHUNKS: usize = 67;
const TOP: usize = CHUNKS - 1;
const LOW32: i64 = 0xffff_ffff;
/// Adds that fit between two carry propagations: after a propagation every chunk is below 2^32 in
/// magnitude and every add changes a chunk by less than 2^52 + 2^32, so 2047 adds stay below
/// 2^63 − 2^52 + 2^43.
const ADDS_PER_PROPAGATION: u32 = 2047;

const NONEMPTY: u8 = 1;
const NOT_NEG_ZERO: u8 = 2;
const NAN: u8 = 4;
const POS_INF: u8 = 8;
const NEG_INF: u8 = 16;
const ALL_FLAGS: u8 = NONEMPTY | NOT_NEG_ZERO | NAN | POS_INF | NEG_INF;

const NEG_ZERO_BITS: u64 = 1 << 63;
const EXP_MASK: u64 = 0x7ff;
const FRAC_MASK: u64 = (1 << 52) - 1;

/// The exact sum of `f64` (and `f32`) values, correctly rounded only when [`finish`](Self::finish)ed.
///
/// Adding is associative and commutative here, unlike `+` on floats: any grouping of the same terms,
/// [`merge`](Self::merge)d in any order, finishes to the same bits. That is what makes a sum split
/// across threads or machines reproducible.
///
/// ```
/// use coresum::ExactSum;
///
/// let mut acc = ExactSum::new();
/// acc.add_slice(&[1e308, 1e308, -1e308]); // no intermediate overflow
/// acc.add(0.1);
/// let mut other = ExactSum::new();
/// other.add_slice_f32(&[0.5f32]);
/// acc.merge(&other);
/// assert_eq!(acc.finish(), 1e308);
///
/// let bytes = acc.to_bytes();
/// assert_eq!(ExactSum::from_bytes(&bytes).unwrap().finish(), 1e308);
/// ```
///
/// IEEE rules: any NaN gives NaN; +∞ together with −∞ gives NaN; otherwise an infinity gives that
/// infinity; a finite exact sum beyond the `f64` range rounds to ±∞; an empty sum is +0.0 and a sum
/// whose terms are all −0.0 is −0.0; an exact zero otherwise is +0.0.
#[derive(Clone, Debug)]
pub struct ExactSum {
    chunks: [i64; CHUNKS],
    adds_left: u32,
    flags: u8,
}

impl Default for ExactSum {
    fn default() -> Self {
        Self::new()
    }
}

impl ExactSum {
    /// The length of every version-1 encoding ([`to_bytes`](Self::to_bytes)).
    pub(crate) const ENCODED_LEN: usize = encoding::FRAME + 1 + TOP * 4 + 8;

    /// An empty sum (which finishes to +0.0).
    pub const fn new() -> Self {
        ExactSum {
            chunks: [0; CHUNKS],
            adds_left: ADDS_PER_PROPAGATION,
            flags: 0,
        }
    }

    /// Adds one term.
    #[inline]
    pub fn add(&mut self, x: f64) {
        let bits = x.to_bits();
        self.flags |= NONEMPTY
            | if bits == NEG_ZERO_BITS {
                0
            } else {
                NOT_NEG_ZERO
            };
        if (bits >> 52) & EXP_MASK == EXP_MASK {
            self.flags |= if bits & FRAC_MASK != 0 {
                NAN
            } else if x > 0.0 {
                POS_INF
            } else {
                NEG_INF
            };
        } else {
            self.add_finite(x);
        }
    }

    /// Adds every term of `data`, on the process-wide ISA path (the same kernels as
    /// [`sum`](crate::sum)).
    pub fn add_slice(&mut self, data: &[f64]) {
        crate::float::add_slice_error_free(self, data);
    }

    /// Adds every term of `data`, each widened exactly to `f64`.
    pub fn add_slice_f32(&mut self, data: &[f32]) {
        crate::float::add_slice_error_free(self, data);
    }

    /// Adds a finite term without touching the flags (the SIMD kernels set those per block).
    #[inline(always)]
    pub(crate) fn add_finite(&mut self, x: f64) {
        let (index, lo, hi) = chunk_parts(x);
        self.chunks[index] += lo;
        self.chunks[index + 1] += hi;
        self.adds_left -= 1;
        if self.adds_left == 0 {
            propagate(&mut self.chunks);
            self.adds_left = ADDS_PER_PROPAGATION;
        }
    }

    /// Adds `units · 2^shift` (in units of 2^-1074), `shift` <= 2079: a block's total of
    /// extracted high parts. Does not touch the flags.
    #[inline]
    pub(crate) fn add_scaled(&mut self, units: i64, shift: u32) {
        let low = shift & 31;
        // `index + 2` <= 66 = TOP for `shift` <= 2079; `min` only spares the bounds checks.
        let index = ((shift >> 5) as usize).min(TOP - 2);
        let wide = u128::from(units.unsigned_abs()) << low;
        let sign = units >> 63;
        for (k, part) in [wide, wide >> 32, wide >> 64].into_iter().enumerate() {
            // Each part is below 2^32: within the budget of one add (see ADDS_PER_PROPAGATION).
            let part = (part as i64) & LOW32;
            self.chunks[index + k] += (part ^ sign) - sign;
        }
        self.adds_left -= 1;
        if self.adds_left == 0 {
            propagate(&mut self.chunks);
            self.adds_left = ADDS_PER_PROPAGATION;
        }
    }

    /// Records that terms were added (by a SIMD kernel) and that one of them was not -0.0.
    #[inline]
    pub(crate) fn note_nonzero_terms(&mut self) {
        self.flags |= NONEMPTY | NOT_NEG_ZERO;
    }

    /// Adds all the terms of `other`.
    pub fn merge(&mut self, other: &ExactSum) {
        let mut carry = 0i128;
        for (mine, theirs) in self.chunks[..TOP].iter_mut().zip(&other.chunks) {
            let v = i128::from(*mine) + i128::from(*theirs) + carry;
            *mine = (v as i64) & LOW32;
            carry = v >> 32;
        }
        let top = i128::from(self.chunks[TOP]) + i128::from(other.chunks[TOP]) + carry;
        // Saturation is unreachable by real sums (see `MAX_TOP`) and keeps the sign.
        self.chunks[TOP] = top.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
        self.adds_left = ADDS_PER_PROPAGATION;
        self.flags |= other.flags;
    }

    /// The exact sum, rounded to the nearest `f64` (ties to even), with the IEEE rules above.
    pub fn finish(&self) -> f64 {
        if let Some(special) = self.special() {
            return special;
        }
        let (chunks, negative) = self.magnitude();
        let Some(top) = chunks.iter().rposition(|&c| c != 0) else {
            let only_neg_zeros = self.flags & (NONEMPTY | NOT_NEG_ZERO) == NONEMPTY;
            return if only_neg_zeros { -0.0 } else { 0.0 };
        };
        let magnitude = round_magnitude(&chunks, top);
        if negative { -magnitude } else { magnitude }
    }

    /// The rounded sum if every value within `error` of the exact sum rounds to the same `f64`
    /// (then so does the true value, whatever it is in that interval: rounding is monotonic);
    /// `None` otherwise. `error` must be finite and non-negative.
    ///
    /// Rounds `|sum| + error` and `|sum| − error` from one propagated copy of the chunks: the
    /// error only ripples a carry up from its own two chunks, so deciding costs about one
    /// [`finish`](Self::finish).
    pub(crate) fn finish_within(&self, error: f64) -> Option<f64> {
        if error == 0.0 {
            return Some(self.finish());
        }
        if let Some(special) = self.special() {
            return Some(special);
        }
        let (mut chunks, negative) = self.magnitude();
        let (index, lo, hi) = chunk_parts(error);
        add_propagated(&mut chunks, index, lo, hi);
        // `|sum| + error` >= `error` > 0, so some chunk is nonzero.
        let top = chunks.iter().rposition(|&c| c != 0)?;
        let high = round_magnitude(&chunks, top);
        add_propagated(&mut chunks, index, -2 * lo, -2 * hi);
        // `|sum| − error` <= 0 rounds to a zero or the other sign: never `high`.
        if chunks[TOP] < 0 {
            return None;
        }
        let top = chunks.iter().rposition(|&c| c != 0)?;
        let low = round_magnitude(&chunks, top);
        (low.to_bits() == high.to_bits()).then_some(if negative { -low } else { low })
    }

    // dot, stats (issue 11): the exact value, for rational arithmetic off the hot path.
    /// The result the IEEE rules give from the flags alone (NaN, ±∞), if any.
    pub(crate) fn special(&self) -> Option<f64> {
        if self.flags & NAN != 0 || self.flags & (POS_INF | NEG_INF) == POS_INF | NEG_INF {
            Some(f64::NAN)
        } else if self.flags & POS_INF != 0 {
            Some(f64::INFINITY)
        } else if self.flags & NEG_INF != 0 {
            Some(f64::NEG_INFINITY)
        } else {
            None
        }
    }

    /// The finite sum's magnitude, propagated (every chunk in `[0, 2^32)` but a non-negative
    /// top), and whether the sum is negative.
    fn magnitude(&self) -> ([i64; CHUNKS], bool) {
        let mut chunks = self.chunks;
        propagate(&mut chunks);
        let negative = chunks[TOP] < 0;
        if negative {
            chunks.iter_mut().for_each(|c| *c = c.saturating_neg());
            propagate(&mut chunks);
        }
        (chunks, negative)
    }

    /// The exact sum of the finite terms, in units of 2^-1074.
    pub(crate) fn units(&self) -> num_bigint::BigInt {
        let mut chunks = self.chunks;
        propagate(&mut chunks);
        chunks
            .iter()
            .rev()
            .fold(num_bigint::BigInt::ZERO, |acc, &chunk| (acc << 32) + chunk)
    }

    /// The accumulator as bytes, in a versioned little-endian format that [`from_bytes`](Self::from_bytes)
    /// reads back on any machine:
    ///
    /// | bytes | content |
    /// |---|---|
    /// | 4 | magic `CSXS` |
    /// | 1 | format version, 1 |
    /// | 1 | flags (NaN, ±∞, non-empty, saw a term other than −0.0) |
    /// | 66 × 4 | chunks 0..=65 after carry propagation, each in `[0, 2^32)`, `u32` |
    /// | 8 | top chunk, `i64` |
    /// | 4 | CRC-32 (IEEE) of all the bytes before it |
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut chunks = self.chunks;
        propagate(&mut chunks);
        let mut out = encoding::header(MAGIC, Self::ENCODED_LEN);
        out.push(self.flags);
        for &chunk in &chunks[..TOP] {
            out.extend_from_slice(&(chunk as u32).to_le_bytes());
        }
        out.extend_from_slice(&chunks[TOP].to_le_bytes());
        encoding::seal(out)
    }

    /// Reads back [`to_bytes`](Self::to_bytes). Truncated, padded, corrupted (checksum) or
    /// inconsistent input is an error, never a different sum.
    pub fn from_bytes(bytes: &[u8]) -> Result<ExactSum, DecodeError> {
        let body = encoding::open(bytes, MAGIC, Self::ENCODED_LEN)?;
        let flags = body[0];
        if flags & !ALL_FLAGS != 0 {
            return Err(DecodeError::Invalid("unknown flag bits"));
        }
        let mut acc = ExactSum::new();
        acc.flags = flags;
        let (digits, top) = body[1..].split_at(TOP * 4);
        for (chunk, digit) in acc.chunks.iter_mut().zip(digits.chunks_exact(4)) {
            *chunk = i64::from(u32::from_le_bytes([digit[0], digit[1], digit[2], digit[3]]));
        }
        let mut top_bytes = [0u8; 8];
        top_bytes.copy_from_slice(top);
        acc.chunks[TOP] = i64::from_le_bytes(top_bytes);
        if acc.chunks[TOP].unsigned_abs() > MAX_TOP {
            return Err(DecodeError::Invalid("top chunk beyond any reachable sum"));
        }
        let empty = flags & NONEMPTY == 0;
        if empty && (flags != 0 || acc.chunks.iter().any(|&c| c != 0)) {
            return Err(DecodeError::Invalid("an empty sum with terms"));
        }
        Ok(acc)
    }
}

const MAGIC: [u8; 4] = *b"CSXS";

/// The top chunk holds units of 2^(32·66) = 2^2112; a term is below 2^2098 units, so even 2^64
/// terms stay below 2^50 there. Anything larger cannot come from a real sum.
const MAX_TOP: u64 = 1 << 50;

/// A finite `x` in units of 2^-1074 as signed parts `(index, lo, hi)`: `x` is
/// `lo · 2^(32·index) + hi · 2^(32·(index + 1))`, `|lo| < 2^32`, `|hi| < 2^52`, `index` <= 63.
#[inline(always)]
fn chunk_parts(x: f64) -> (usize, i64, i64) {
    let bits = x.to_bits();
    let biased = (bits >> 52) & EXP_MASK;
    let frac = bits & FRAC_MASK;
    // Subnormals have the units of biased exponent 1, without the implicit bit.
    let (mantissa, shift) = if biased == 0 {
        (frac, 0)
    } else {
        (frac | 1 << 52, biased - 1)
    };
    let low = (shift & 31) as u32;
    // `shift` <= 2045, so `index` <= 63 and `index + 1` <= 64 < TOP.
    let index = (shift >> 5) as usize & 63;
    let lo = ((mantissa << low) & LOW32 as u64) as i64;
    let hi = (mantissa >> (32 - low)) as i64;
    // 0 for positive terms, -1 for negative ones: `(v ^ sign) - sign` is `v` or `-v`.
    let sign = (bits as i64) >> 63;
    (index, (lo ^ sign) - sign, (hi ^ sign) - sign)
}

/// Brings chunks 0..TOP into `[0, 2^32)`, moving their excess (signed) upwards into the top.
fn propagate(chunks: &mut [i64; CHUNKS]) {
    let mut carry = 0i64;
    for chunk in &mut chunks[..TOP] {
        // |chunk| < 2^63 − 2^52 + 2^43 (see ADDS_PER_PROPAGATION) and |carry| < 2^31.
        let v = *chunk + carry;
        *chunk = v & LOW32;
        carry = v >> 32;
    }
    chunks[TOP] = chunks[TOP].saturating_add(carry);
}

/// Adds `lo · 2^(32·index) + hi · 2^(32·(index + 1))` (`|lo|, |hi|` < 2^53, `index + 1 < TOP`)
/// to propagated chunks, keeping them propagated: the carry ripples up only while it is nonzero.
fn add_propagated(chunks: &mut [i64; CHUNKS], index: usize, lo: i64, hi: i64) {
    let mut carry = 0i64;
    let mut i = index;
    for part in [lo, hi] {
        let v = chunks[i] + part + carry;
        chunks[i] = v & LOW32;
        carry = v >> 32;
        i += 1;
    }
    while carry != 0 && i < TOP {
        let v = chunks[i] + carry;
        chunks[i] = v & LOW32;
        carry = v >> 32;
        i += 1;
    }
    chunks[TOP] = chunks[TOP].saturating_add(carry);
}

/// Rounds the positive, propagated fixed-point value whose highest nonzero chunk is `top` to the
/// nearest `f64`, ties to even.
fn round_magnitude(chunks: &[i64; CHUNKS], top: usize) -> f64 {
    let chunk = |i: usize| chunks.get(i).map_or(0, |&c| c as u64 as u128);
    // 64 bits below the highest nonzero chunk (zeros below chunk 0): at least 65 significant bits.
    let window = chunk(top) << 64
        | top.checked_sub(1).map_or(0, chunk) << 32
        | top.checked_sub(2).map_or(0, chunk);
    let sticky = top >= 3 && chunks[..top - 2].iter().any(|&c| c != 0);
    let width = 128 - window.leading_zeros() as i64;
    // Bit 0 of `window` is the unit 2^(32·(top − 2)) (a negative power only when padded with 0s).
    let bit_length = width + 32 * (top as i64 - 2);
    let shift = (width - 53) as u32;
    let mut mantissa = (window >> shift) as u64;
    let rest = window & ((1u128 << shift) - 1);
    let half = 1u128 << (shift - 1);
    if rest > half || (rest == half && (sticky || mantissa & 1 == 1)) {
        mantissa += 1;
    }
    // With a mantissa in [2^52, 2^53) the value is mantissa · 2^(bit_length − 53 − 1074).
    let mut biased = bit_length - 52;
    if mantissa == 1 << 53 {
        mantissa >>= 1;
        biased += 1;
    }
    if biased >= 2047 {
        f64::INFINITY
    } else if biased >= 1 {
        f64::from_bits((biased as u64) << 52 | (mantissa & FRAC_MASK))
    } else {
        // Below 2^53 units the value is exact and its bits are its count of units. The bits
        // shifted out here are the zeros padded below chunk 0.
        f64::from_bits(mantissa >> (1 - biased))
    }
}

#[cfg(test)]
mod within_tests;

#[cfg(test)]
mod tests {
    //! Small scalar cases, cheap enough for Miri.
    use super::*;

    fn exact(terms: &[f64]) -> f64 {
        let mut acc = ExactSum::new();
        terms.iter().for_each(|&x| acc.add(x));
        acc.finish()
    }

    #[test]
    fn ieee_rules() {
        assert_eq!(exact(&[]).to_bits(), 0f64.to_bits());
        assert_eq!(exact(&[-0.0, -0.0]).to_bits(), (-0f64).to_bits());
        assert_eq!(exact(&[-0.0, 0.0]).to_bits(), 0f64.to_bits());
        assert_eq!(exact(&[1.0, -1.0]).to_bits(), 0f64.to_bits());
        assert_eq!(exact(&[1e308, 1e308, -1e308]), 1e308);
        assert_eq!(exact(&[f64::MAX, f64::MAX]), f64::INFINITY);
        assert_eq!(exact(&[-f64::MAX, -f64::MAX]), f64::NEG_INFINITY);
        assert!(exact(&[f64::INFINITY, f64::NEG_INFINITY]).is_nan());
        assert!(exact(&[1.0, f64::NAN]).is_nan());
        assert_eq!(exact(&[f64::INFINITY, -1e308]), f64::INFINITY);
        assert_eq!(exact(&[1e16, 1.0, -1e16]), 1.0);
        let tiny = f64::from_bits(1);
        assert_eq!(exact(&[tiny, tiny, tiny]), f64::from_bits(3));
        assert_eq!(
            exact(&[f64::MIN_POSITIVE, -tiny]),
            f64::from_bits((1 << 52) - 1)
        );
    }

    #[test]
    fn rounds_ties_to_even() {
        let half_ulp = f64::EPSILON / 2.0;
        assert_eq!(exact(&[1.0, half_ulp]), 1.0);
        assert_eq!(exact(&[1.0, half_ulp, tiny_above()]), 1.0 + f64::EPSILON);
        assert_eq!(
            exact(&[1.0 + f64::EPSILON, half_ulp]),
            1.0 + 2.0 * f64::EPSILON
        );
        // Exact powers of two from their bits: Miri perturbs `powi`, which IEEE leaves inexact.
        let (p970, p969) = (f64::from_bits(1993 << 52), f64::from_bits(1992 << 52));
        // Half an ulp of f64::MAX (odd mantissa) is a tie that rounds up to even: infinity.
        assert_eq!(exact(&[f64::MAX, p970]), f64::INFINITY);
        assert_eq!(exact(&[f64::MAX, p969]), f64::MAX);
    }

    fn tiny_above() -> f64 {
        f64::from_bits(1)
    }

    #[test]
    fn carries_and_merge() {
        let mut a = ExactSum::new();
        let mut b = ExactSum::new();
        for i in 0..5000 {
            a.add(0.1);
            b.add(if i % 2 == 0 { -1e300 } else { 1e300 });
        }
        b.add(-3.5);
        a.merge(&b);
        assert_eq!(a.finish(), exact(&[0.1; 5000]) - 3.5);
    }

    #[test]
    fn bytes_round_trip_and_rejection() {
        let mut acc = ExactSum::new();
        acc.add(-2.5);
        acc.add(1e-310);
        let bytes = acc.to_bytes();
        let back = ExactSum::from_bytes(&bytes).unwrap();
        assert_eq!(back.finish().to_bits(), acc.finish().to_bits());
        assert_eq!(back.to_bytes(), bytes);
        assert!(ExactSum::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        // Every byte natively; a sample under Miri, where each bit-by-bit CRC is slow.
        for i in (0..bytes.len()).step_by(if cfg!(miri) { 29 } else { 1 }) {
            let mut bad = bytes.clone();
            bad[i] ^= 0x10;
            assert!(ExactSum::from_bytes(&bad).is_err(), "byte {i}");
        }
        let empty = ExactSum::new().to_bytes();
        assert_eq!(ExactSum::from_bytes(&empty).unwrap().finish().to_bits(), 0);
    }
}
