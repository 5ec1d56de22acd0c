//! AVX2 (256-bit): `vpsadbw` for bytes, `vpmaddwd` for 16-bit pairs, 64-bit adds and shifts.

use crate::kernels::generic::Vector;
use core::arch::x86_64::*;

impl Vector for __m256i {
    const BYTES: usize = 32;

    #[inline(always)]
    unsafe fn load(ptr: *const u8) -> Self {
        // SAFETY: the caller guarantees 32 readable bytes; `loadu` takes any alignment.
        unsafe { _mm256_loadu_si256(ptr.cast()) }
    }
    #[inline(always)]
    unsafe fn store(self, ptr: *mut u8) {
        // SAFETY: the caller guarantees 32 writable bytes; `storeu` takes any alignment.
        unsafe { _mm256_storeu_si256(ptr.cast(), self) }
    }
    #[inline(always)]
    unsafe fn splat(x: u64) -> Self {
        // SAFETY: the caller guarantees AVX2 (the same holds for every method below).
        unsafe { _mm256_set1_epi64x(x as i64) }
    }
    #[inline(always)]
    unsafe fn xor(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm256_xor_si256(self, other) }
    }
    #[inline(always)]
    unsafe fn and(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm256_and_si256(self, other) }
    }
    #[inline(always)]
    unsafe fn add64(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm256_add_epi64(self, other) }
    }
    #[inline(always)]
    unsafe fn add32(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm256_add_epi32(self, other) }
    }
    #[inline(always)]
    unsafe fn shr32(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm256_srli_epi64::<32>(self) }
    }
    #[inline(always)]
    unsafe fn sum_bytes(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm256_sad_epu8(self, _mm256_setzero_si256()) }
    }
    #[inline(always)]
    unsafe fn sum_i16_pairs(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm256_madd_epi16(self, _mm256_set1_epi16(1)) }
    }
}

crate::kernels::kernel_set!(crate::Isa::Avx2, __m256i, "avx2");
