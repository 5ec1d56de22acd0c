//! The 8- and 16-bit integer dot products on dot-product instructions (issue 11): AVX-512 VNNI
//! `vpdpwssd` / `vpdpbusd` multiply, add the products of a lane and accumulate, in one
//! instruction, into 32-bit lanes. The folds plug into `algo::dot`'s block loop ([`PairFold`]);
//! `arch::kernel_table!(@dot_vnni …)` instantiates them where the CPU has the instructions.
//!
//! - `i16` ([`SplitWords`]): `b = 256·h + l` with `l = b & 0xff` in `[0, 255]` and `h = b >> 8`
//!   (arithmetic) in `[−128, 127]`; `a·l` and `a·h` go through `vpdpwssd` into two accumulators.
//!   A lane gains at most `2·2^15·255 < 2^24` (low) and `2·2^15·2^7 = 2^23` (high) per vector, so
//!   128 vectors stay below `2^31`; then the lanes are flushed into 64-bit lanes
//!   (`algo::int::flush_i32_lanes`). Four instructions per vector (`vpandd`, `vpsraw`, two
//!   `vpdpwssd`) against six for `pmaddwd` widened at once (`algo::dot::Words`).
//! - `i8`, `u8` ([`BiasedBytes`]): `vpdpbusd` multiplies unsigned by signed bytes. `i8`:
//!   `a·b = (a + 128)·b − 128·b`; `u8`: `a·b = a·(b − 128) − a·(−128)`; the biased operand is one
//!   `vpxord` with `0x80`, the correction a second `vpdpbusd` (against a splat of `0x80`) into its
//!   own accumulator. A lane gains at most `4·255·128 = 130,560` per vector, so 16,384 vectors
//!   stay below `2^31`. Three instructions per vector against ten for the `pmaddwd` byte split
//!   (`algo::dot::Bytes`).

use crate::algo::dot::{PairFold, UNROLL, dot_folded};
use crate::algo::int::{Vector, flush_i32_lanes};

/// The dot-product instructions (AVX-512 VNNI), beyond [`Vector`].
pub(crate) trait DotProduct: Vector {
    /// `self + a0·b0 + a1·b1` per 32-bit lane of the signed 16-bit halves of `a` and `b`,
    /// wrapping (`vpdpwssd`).
    ///
    /// # Safety
    /// The CPU must support this ISA (as for every method below).
    unsafe fn dot_i16_pairs(self, a: Self, b: Self) -> Self;
    /// `self + Σ u_i·s_i` per 32-bit lane over its four unsigned bytes `u_i` of `u` and signed
    /// bytes `s_i` of `s`, wrapping (`vpdpbusd`).
    ///
    /// # Safety
    /// The CPU must support this ISA.
    unsafe fn dot_u8_i8_quads(self, u: Self, s: Self) -> Self;
}

/// The sum of `wide`'s 64-bit lanes less the offsets of `flushes` flushes of [`UNROLL`]
/// accumulators (`flush_i32_lanes` adds `2^31` per 32-bit lane).
///
/// # Safety
/// The CPU must support `V`'s ISA.
#[inline(always)]
unsafe fn unbiased<V: Vector>(wide: V, flushes: usize) -> i128 {
    // SAFETY: the caller vouches for the ISA.
    let total = unsafe { wide.lane_total() };
    let offsets = (flushes * UNROLL * V::BYTES / 4) as u128;
    // Both terms are below 2^100.
    total as i128 - (offsets << 31) as i128
}

/// 16-bit signed pairs, `b` split into a low unsigned and a high signed byte (module docs).
pub(crate) struct SplitWords<V> {
    low: [V; UNROLL],
    high: [V; UNROLL],
    wide_low: V,
    wide_high: V,
    low_byte: V,
    flushes: usize,
}

impl<V: DotProduct> PairFold<V> for SplitWords<V> {
    /// At most `2^24 − 2^17` per vector and lane (module docs).
    const FLUSH_EVERY: usize = 128;

    #[inline(always)]
    unsafe fn new() -> Self {
        // SAFETY: the caller vouches for the ISA.
        unsafe {
            SplitWords {
                low: [V::splat(0); UNROLL],
                high: [V::splat(0); UNROLL],
                wide_low: V::splat(0),
                wide_high: V::splat(0),
                low_byte: V::splat(0x00ff_00ff_00ff_00ff),
                flushes: 0,
            }
        }
    }
    #[inline(always)]
    unsafe fn step(&mut self, k: usize, a: V, b: V) {
        // SAFETY: the caller vouches for the ISA.
        unsafe {
            self.low[k] = self.low[k].dot_i16_pairs(a, b.and(self.low_byte));
            self.high[k] = self.high[k].dot_i16_pairs(a, b.sar16_8());
        }
    }
    #[inline(always)]
    unsafe fn flush(&mut self) {
        // SAFETY: the caller vouches for the ISA.
        unsafe {
            self.wide_low = flush_i32_lanes(&mut self.low, self.wide_low);
            self.wide_high = flush_i32_lanes(&mut self.high, self.wide_high);
        }
        self.flushes += 1;
    }
    #[inline(always)]
    unsafe fn total(self, _vectors: usize) -> i128 {
        // SAFETY: the caller vouches for the ISA.
        unsafe {
            unbiased(self.wide_low, self.flushes) + (unbiased(self.wide_high, self.flushes) << 8)
        }
    }
}

/// 8-bit pairs, one operand biased by 128 into `vpdpbusd`'s unsigned side or out of its signed
/// side, the bias taken off by a second accumulator (module docs).
pub(crate) struct BiasedBytes<V, const SIGNED: bool> {
    products: [V; UNROLL],
    corrections: [V; UNROLL],
    wide_products: V,
    wide_corrections: V,
    bias: V,
}

impl<V: DotProduct, const SIGNED: bool> PairFold<V> for BiasedBytes<V, SIGNED> {
    /// At most 130,560 per vector and lane (module docs).
    const FLUSH_EVERY: usize = 16_384;

    #[inline(always)]
    unsafe fn new() -> Self {
        // SAFETY: the caller vouches for the ISA.
        unsafe {
            BiasedBytes {
                products: [V::splat(0); UNROLL],
                corrections: [V::splat(0); UNROLL],
                wide_products: V::splat(0),
                wide_corrections: V::splat(0),
                bias: V::splat(0x8080_8080_8080_8080),
            }
        }
    }
    #[inline(always)]
    unsafe fn step(&mut self, k: usize, a: V, b: V) {
        // SAFETY: the caller vouches for the ISA.
        unsafe {
            let (products, corrections) = (self.products[k], self.corrections[k]);
            if SIGNED {
                // (a + 128)·b − 128·b
                self.products[k] = products.dot_u8_i8_quads(a.xor(self.bias), b);
                self.corrections[k] = corrections.dot_u8_i8_quads(self.bias, b);
            } else {
                // a·(b − 128) − a·(−128)
                self.products[k] = products.dot_u8_i8_quads(a, b.xor(self.bias));
                self.corrections[k] = corrections.dot_u8_i8_quads(a, self.bias);
            }
        }
    }
    #[inline(always)]
    unsafe fn flush(&mut self) {
        // SAFETY: the caller vouches for the ISA.
        unsafe {
            self.wide_products = flush_i32_lanes(&mut self.products, self.wide_products);
            self.wide_corrections = flush_i32_lanes(&mut self.corrections, self.wide_corrections);
        }
    }
    #[inline(always)]
    unsafe fn total(self, _vectors: usize) -> i128 {
        // SAFETY: the caller vouches for the ISA.
        let (products, corrections) = unsafe {
            (
                self.wide_products.lane_total(),
                self.wide_corrections.lane_total(),
            )
        };
        // Both were flushed equally often: their offsets cancel. Both are below 2^100.
        products as i128 - corrections as i128
    }
}

/// The exact `i16` dot product on `V`'s dot-product instructions.
///
/// # Safety
/// The CPU must support `V`'s ISA.
#[inline(always)]
pub(crate) unsafe fn dot_i16<V: DotProduct>(a: &[i16], b: &[i16]) -> i128 {
    // SAFETY: forwarded from the caller.
    unsafe { dot_folded::<V, SplitWords<V>, i16>(a, b) }
}

/// The exact `i8` dot product on `V`'s dot-product instructions.
///
/// # Safety
/// The CPU must support `V`'s ISA.
#[inline(always)]
pub(crate) unsafe fn dot_i8<V: DotProduct>(a: &[i8], b: &[i8]) -> i128 {
    // SAFETY: forwarded from the caller.
    unsafe { dot_folded::<V, BiasedBytes<V, true>, i8>(a, b) }
}

/// The exact `u8` dot product on `V`'s dot-product instructions.
///
/// # Safety
/// The CPU must support `V`'s ISA.
#[inline(always)]
pub(crate) unsafe fn dot_u8<V: DotProduct>(a: &[u8], b: &[u8]) -> u128 {
    // SAFETY: forwarded from the caller.
    unsafe { dot_folded::<V, BiasedBytes<V, false>, u8>(a, b) as u128 }
}
