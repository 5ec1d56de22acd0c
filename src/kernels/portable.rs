//! The portable path: plain Rust on two 64-bit lanes, exact on any target.
//!
//! It implements the same `Vector` trait as the SIMD paths, so it runs the very same algorithm
//! (pulp's idea: the scalar implementation is one more instance, not a separate code path), and
//! the compiler may still vectorise it under the build's own target features.

use super::generic::Vector;

/// Two 64-bit lanes in general-purpose registers.
#[derive(Clone, Copy)]
pub(crate) struct Lanes([u64; 2]);

impl Lanes {
    #[inline(always)]
    fn map(self, f: impl Fn(u64) -> u64) -> Self {
        Lanes(self.0.map(f))
    }
    #[inline(always)]
    fn zip(self, other: Self, f: impl Fn(u64, u64) -> u64) -> Self {
        Lanes([f(self.0[0], other.0[0]), f(self.0[1], other.0[1])])
    }
}

impl Vector for Lanes {
    const BYTES: usize = 16;

    #[inline(always)]
    unsafe fn load(ptr: *const u8) -> Self {
        // SAFETY: the caller guarantees 16 readable bytes; `read_unaligned` takes any alignment.
        unsafe { Lanes(ptr.cast::<[u64; 2]>().read_unaligned()) }
    }
    #[inline(always)]
    unsafe fn store(self, ptr: *mut u8) {
        // SAFETY: the caller guarantees 16 writable bytes; `write_unaligned` takes any alignment.
        unsafe { ptr.cast::<[u64; 2]>().write_unaligned(self.0) }
    }
    #[inline(always)]
    unsafe fn splat(x: u64) -> Self {
        Lanes([x; 2])
    }
    #[inline(always)]
    unsafe fn xor(self, other: Self) -> Self {
        self.zip(other, |a, b| a ^ b)
    }
    #[inline(always)]
    unsafe fn and(self, other: Self) -> Self {
        self.zip(other, |a, b| a & b)
    }
    #[inline(always)]
    unsafe fn add64(self, other: Self) -> Self {
        self.zip(other, u64::wrapping_add)
    }
    #[inline(always)]
    unsafe fn add32(self, other: Self) -> Self {
        const HIGH: u64 = 0xffff_ffff_0000_0000;
        // The low halves cannot carry into the high ones once the high bits are masked off.
        self.zip(other, |a, b| {
            ((a & !HIGH).wrapping_add(b & !HIGH) & !HIGH) | (a & HIGH).wrapping_add(b & HIGH)
        })
    }
    #[inline(always)]
    unsafe fn shr32(self) -> Self {
        self.map(|a| a >> 32)
    }
    #[inline(always)]
    unsafe fn sum_bytes(self) -> Self {
        const EVEN_BYTES: u64 = 0x00ff_00ff_00ff_00ff;
        // Four 16-bit sums of byte pairs (each <= 510), then one multiply adds them into the top
        // 16 bits (<= 2040, no carry out).
        self.map(|a| {
            ((a & EVEN_BYTES) + ((a >> 8) & EVEN_BYTES)).wrapping_mul(0x0001_0001_0001_0001) >> 48
        })
    }
    #[inline(always)]
    unsafe fn sum_i16_pairs(self) -> Self {
        let pair = |x: u64| i32::from(x as u16 as i16) + i32::from((x >> 16) as u16 as i16);
        self.map(|a| u64::from(pair(a) as u32) | (u64::from(pair(a >> 32) as u32) << 32))
    }
}

super::kernel_set!(crate::Isa::Scalar, Lanes);
