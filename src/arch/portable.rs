//! The portable path: plain Rust, exact on any target, and what Miri runs.
//!
//! It implements the same `Vector` and `FloatVector` traits as the SIMD paths, so it runs the very
//! same algorithms (pulp's idea: the scalar implementation is one more instance, not a separate code
//! path), and the compiler may still vectorise it under the build's own target features.

use crate::algo::float::FloatVector;
use crate::algo::int::Vector;

/// Two 64-bit lanes in general-purpose registers.
#[derive(Clone, Copy)]
pub(crate) struct U64x2([u64; 2]);

impl U64x2 {
    #[inline(always)]
    fn map(self, f: impl Fn(u64) -> u64) -> Self {
        U64x2(self.0.map(f))
    }
    #[inline(always)]
    fn zip(self, other: Self, f: impl Fn(u64, u64) -> u64) -> Self {
        U64x2([f(self.0[0], other.0[0]), f(self.0[1], other.0[1])])
    }
}

impl Vector for U64x2 {
    const BYTES: usize = 16;
    type I64Fold = crate::algo::int::BiasedI64<Self>;
    type I32Fold = crate::algo::int::BiasedI32<Self>;

    #[inline(always)]
    unsafe fn load(ptr: *const u8) -> Self {
        // SAFETY: the caller guarantees 16 readable bytes; `read_unaligned` takes any alignment.
        unsafe { U64x2(ptr.cast::<[u64; 2]>().read_unaligned()) }
    }
    #[inline(always)]
    unsafe fn store(self, ptr: *mut u8) {
        // SAFETY: the caller guarantees 16 writable bytes; `write_unaligned` takes any alignment.
        unsafe { ptr.cast::<[u64; 2]>().write_unaligned(self.0) }
    }
    #[inline(always)]
    unsafe fn splat(x: u64) -> Self {
        U64x2([x; 2])
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

    // dot (issue 11): the widening multiply-adds of the integer dot products.
    #[inline(always)]
    unsafe fn madd_i16(self, other: Self) -> Self {
        let word = |x: u64, i: u32| i32::from((x >> (16 * i)) as u16 as i16);
        let pair = |a: u64, b: u64, i: u32| {
            (word(a, i) * word(b, i)).wrapping_add(word(a, i + 1) * word(b, i + 1)) as u32
        };
        self.zip(other, |a, b| {
            u64::from(pair(a, b, 0)) | u64::from(pair(a, b, 2)) << 32
        })
    }
    #[inline(always)]
    unsafe fn shr16_8(self) -> Self {
        self.map(|a| (a >> 8) & 0x00ff_00ff_00ff_00ff)
    }
    #[inline(always)]
    unsafe fn sar16_8(self) -> Self {
        self.map(|a| {
            (0..4).fold(0, |out, i| {
                let word = ((a >> (16 * i)) as u16 as i16) >> 8;
                out | u64::from(word as u16) << (16 * i)
            })
        })
    }
    #[inline(always)]
    unsafe fn shl16_8(self) -> Self {
        self.map(|a| (a << 8) & 0xff00_ff00_ff00_ff00)
    }
    #[inline(always)]
    unsafe fn sar32_16(self) -> Self {
        let sar = |x: u64| u64::from(((x as u32 as i32) >> 16) as u32);
        self.map(|a| sar(a) | sar(a >> 32) << 32)
    }
}

/// Four `f64` lanes.
#[derive(Clone, Copy)]
pub(crate) struct F64x4([f64; 4]);

impl F64x4 {
    #[inline(always)]
    fn zip(self, other: Self, f: impl Fn(f64, f64) -> f64) -> Self {
        F64x4(core::array::from_fn(|i| f(self.0[i], other.0[i])))
    }
}

impl FloatVector for F64x4 {
    const LANES: usize = 4;

    #[inline(always)]
    unsafe fn splat(x: f64) -> Self {
        F64x4([x; 4])
    }
    #[inline(always)]
    unsafe fn load(ptr: *const f64) -> Self {
        // SAFETY: the caller guarantees 4 readable `f64`; `read_unaligned` takes any alignment.
        F64x4(unsafe { ptr.cast::<[f64; 4]>().read_unaligned() })
    }
    #[inline(always)]
    unsafe fn load_f32(ptr: *const f32) -> Self {
        // SAFETY: the caller guarantees 4 readable `f32`; `read_unaligned` takes any alignment.
        let narrow = unsafe { ptr.cast::<[f32; 4]>().read_unaligned() };
        F64x4(narrow.map(f64::from))
    }
    #[inline(always)]
    unsafe fn store(self, ptr: *mut f64) {
        // SAFETY: the caller guarantees room for 4 `f64`; `write_unaligned` takes any alignment.
        unsafe { ptr.cast::<[f64; 4]>().write_unaligned(self.0) }
    }
    #[inline(always)]
    unsafe fn add(self, other: Self) -> Self {
        self.zip(other, |a, b| a + b)
    }
    #[inline(always)]
    unsafe fn sub(self, other: Self) -> Self {
        self.zip(other, |a, b| a - b)
    }
    #[inline(always)]
    unsafe fn sub_fused(self, other: Self, _one: Self) -> Self {
        // The portable path has no guaranteed FMA unit: a plain subtraction, same bits.
        self.zip(other, |a, b| a - b)
    }
    #[inline(always)]
    unsafe fn mul(self, other: Self) -> Self {
        self.zip(other, |a, b| a * b)
    }

    // dot (issue 11): the products of the float dot products.
    /// `f64::mul_add` is exact on every target, but in software where the build has no FMA.
    const HAS_FMA: bool = false;
    #[inline(always)]
    unsafe fn mul_add(self, b: Self, c: Self) -> Self {
        let (x, y, z) = (self.0, b.0, c.0);
        F64x4(core::array::from_fn(|i| x[i].mul_add(y[i], z[i])))
    }
    #[inline(always)]
    unsafe fn max_key(self, keys: Self) -> Self {
        self.zip(keys, |x, k| {
            let (x, k) = (x.to_bits() & !(1 << 63), k.to_bits());
            let high = (x >> 32).max(k >> 32);
            let low = (x as u32).max(k as u32);
            f64::from_bits(high << 32 | u64::from(low))
        })
    }
    // exactf (issue 13): the certified pass's key sweep over `f32` blocks.
    #[inline(always)]
    unsafe fn max_key_f32(self, keys: Self) -> Self {
        self.zip(keys, |x, k| {
            let (x, k) = (x.to_bits() & 0x7fff_ffff_7fff_ffff, k.to_bits());
            let high = (x >> 32).max(k >> 32);
            let low = (x as u32).max(k as u32);
            f64::from_bits(high << 32 | u64::from(low))
        })
    }
    #[inline(always)]
    unsafe fn add_bits(self, other: Self) -> Self {
        self.zip(other, |a, b| {
            f64::from_bits(a.to_bits().wrapping_add(b.to_bits()))
        })
    }
    // errfree (issue 12).
    #[inline(always)]
    unsafe fn min_key(self, keys: Self) -> Self {
        self.zip(keys, |x, k| {
            let (x, k) = ((x.to_bits() & !(1 << 63)).wrapping_sub(1), k.to_bits());
            let high = (x >> 32).min(k >> 32);
            let low = (x as u32).min(k as u32);
            f64::from_bits(high << 32 | u64::from(low))
        })
    }
}

// layouts (issue 12): the portable loops, `Layout`'s defaults.
impl<T: Copy> crate::algo::layout::Layout<T> for U64x2 {}

super::kernel_table!(crate::Isa::Scalar, U64x2, F64x4);
