//! The 8- and 16-bit integer dot products on dot-product instructions (issue 11): AVX-512 VNNI
//! `vpdpwssd` / `vpdpbusd` multiply, add the products of a lane and accumulate, in one
//! instruction, into 32-bit lanes. They plug into `algo::dot`'s block loop ([`PairFold`]);
//! `arch::kernel_table!(@dot_vnni …)` instantiates them where the CPU has the instructions.
//!
//! - `i16`: [`DotProductWords`] forms the biased pair sums of `algo::dot::Words` with one
//!   `vpdpwssd` into a splat of `−2^15` instead of `pmaddwd` and `vpaddd`; the fold and its
//!   bounds are `algo::dot`'s.
//! - `i8`, `u8` ([`BiasedBytes`]): `vpdpbusd` multiplies unsigned by signed bytes. `i8`:
//!   `a·b = (a + 128)·b − 128·b`; `u8`: `a·b = a·(b − 128) − a·(−128)`; the biased operand is one
//!   `vpxord` with `0x80`, the correction a second `vpdpbusd` (against a splat of `0x80`) into its
//!   own accumulator. A lane gains at most `4·255·128 = 130,560` per vector, so 16,384 vectors
//!   stay below `2^31`. Three instructions per vector against ten for the `pmaddwd` byte split
//!   (`algo::dot::Bytes`).

use crate::algo::dot::{BiasedPairs, PairFold, UNROLL, Words, dot_folded};
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

/// `vpdpwssd` into the bias: one instruction.
pub(crate) struct DotProductWords;

impl<V: DotProduct> BiasedPairs<V> for DotProductWords {
    #[inline(always)]
    unsafe fn biased_pairs(bias: V, a: V, b: V) -> V {
        // SAFETY: the caller vouches for the ISA.
        unsafe { bias.dot_i16_pairs(a, b) }
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
    unsafe { dot_folded::<V, Words<V, DotProductWords>, i16>(a, b) }
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
