//! NEON (128-bit): pairwise widening adds (`uaddlp`, `saddlp`) stand in for `psadbw` and
//! `pmaddwd`.

use crate::kernels::generic::Vector;
use core::arch::aarch64::*;

impl Vector for uint64x2_t {
    const BYTES: usize = 16;

    #[inline(always)]
    unsafe fn load(ptr: *const u8) -> Self {
        // SAFETY: the caller guarantees 16 readable bytes; byte loads take any alignment.
        unsafe { vreinterpretq_u64_u8(vld1q_u8(ptr)) }
    }
    #[inline(always)]
    unsafe fn store(self, ptr: *mut u8) {
        // SAFETY: the caller guarantees 16 writable bytes; byte stores take any alignment.
        unsafe { vst1q_u8(ptr, vreinterpretq_u8_u64(self)) }
    }
    #[inline(always)]
    unsafe fn splat(x: u64) -> Self {
        // SAFETY: the caller guarantees NEON (the same holds for every method below).
        unsafe { vdupq_n_u64(x) }
    }
    #[inline(always)]
    unsafe fn xor(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { veorq_u64(self, other) }
    }
    #[inline(always)]
    unsafe fn and(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { vandq_u64(self, other) }
    }
    #[inline(always)]
    unsafe fn add64(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { vaddq_u64(self, other) }
    }
    #[inline(always)]
    unsafe fn add32(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe {
            vreinterpretq_u64_u32(vaddq_u32(
                vreinterpretq_u32_u64(self),
                vreinterpretq_u32_u64(other),
            ))
        }
    }
    #[inline(always)]
    unsafe fn shr32(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { vshrq_n_u64::<32>(self) }
    }
    #[inline(always)]
    unsafe fn sum_bytes(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { vpaddlq_u32(vpaddlq_u16(vpaddlq_u8(vreinterpretq_u8_u64(self)))) }
    }
    #[inline(always)]
    unsafe fn sum_i16_pairs(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { vreinterpretq_u64_s32(vpaddlq_s16(vreinterpretq_s16_u64(self))) }
    }
}

crate::kernels::kernel_set!(crate::Isa::Neon, uint64x2_t, "neon");
