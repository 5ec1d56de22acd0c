//! SSE2 (128-bit): `psadbw` for bytes, `pmaddwd` for 16-bit pairs. SSE2 has no 64-bit compare,
//! so the carry test of the 64-bit fold is built from a subtraction and its overflow.

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
    #[inline(always)]
    unsafe fn count_lt_i64(self, a: Self, b: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe {
            // a < b iff the sign of a - b, flipped when the subtraction overflowed, is set.
            let diff = _mm_sub_epi64(a, b);
            let overflow = _mm_and_si128(_mm_xor_si128(a, b), _mm_xor_si128(a, diff));
            let sign = _mm_xor_si128(diff, overflow);
            // Broadcast each lane's sign bit over the lane: all ones where a < b.
            let mask = _mm_shuffle_epi32::<0b11_11_01_01>(_mm_srai_epi32::<31>(sign));
            _mm_sub_epi64(self, mask)
        }
    }
}

crate::kernels::kernel_set!(crate::Isa::Sse2, __m128i, "sse2");
