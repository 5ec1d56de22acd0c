//! SSE2 (128-bit): `psadbw` for bytes, `pmaddwd` for 16-bit pairs, 64-bit adds and shifts for
//! the rest.

use crate::kernels::generic::Vector;
use core::arch::x86_64::*;

impl Vector for __m128i {
    const BYTES: usize = 16;

    #[inline(always)]
    unsafe fn load(ptr: *const u8) -> Self {
        // SAFETY: the caller guarantees 16 readable bytes; `loadu` takes any alignment.
        unsafe { _mm_loadu_si128(ptr.cast()) }
    }
    #[inline(always)]
    unsafe fn store(self, ptr: *mut u8) {
        // SAFETY: the caller guarantees 16 writable bytes; `storeu` takes any alignment.
        unsafe { _mm_storeu_si128(ptr.cast(), self) }
    }
    #[inline(always)]
    unsafe fn splat(x: u64) -> Self {
        // SAFETY: the caller guarantees SSE2 (the same holds for every method below).
        unsafe { _mm_set1_epi64x(x as i64) }
    }
    #[inline(always)]
    unsafe fn xor(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm_xor_si128(self, other) }
    }
    #[inline(always)]
    unsafe fn and(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm_and_si128(self, other) }
    }
    #[inline(always)]
    unsafe fn add64(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm_add_epi64(self, other) }
    }
    #[inline(always)]
    unsafe fn add32(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm_add_epi32(self, other) }
    }
    #[inline(always)]
    unsafe fn shr32(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm_srli_epi64::<32>(self) }
    }
    #[inline(always)]
    unsafe fn sum_bytes(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm_sad_epu8(self, _mm_setzero_si128()) }
    }
    #[inline(always)]
    unsafe fn sum_i16_pairs(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm_madd_epi16(self, _mm_set1_epi16(1)) }
    }
}

crate::kernels::kernel_set!(crate::Isa::Sse2, __m128i, "sse2");
