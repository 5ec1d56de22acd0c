//! AVX-512 F + BW (512-bit): `vpsadbw` and `vpmaddwd` on zmm (BW), 64-bit adds and shifts (F).

use crate::kernels::generic::Vector;
use core::arch::x86_64::*;

impl Vector for __m512i {
    const BYTES: usize = 64;

    #[inline(always)]
    unsafe fn load(ptr: *const u8) -> Self {
        // SAFETY: the caller guarantees 64 readable bytes; `loadu` takes any alignment.
        unsafe { _mm512_loadu_si512(ptr.cast()) }
    }
    #[inline(always)]
    unsafe fn store(self, ptr: *mut u8) {
        // SAFETY: the caller guarantees 64 writable bytes; `storeu` takes any alignment.
        unsafe { _mm512_storeu_si512(ptr.cast(), self) }
    }
    #[inline(always)]
    unsafe fn splat(x: u64) -> Self {
        // SAFETY: the caller guarantees AVX-512 F and BW (the same holds for every method below).
        unsafe { _mm512_set1_epi64(x as i64) }
    }
    #[inline(always)]
    unsafe fn xor(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm512_xor_si512(self, other) }
    }
    #[inline(always)]
    unsafe fn and(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm512_and_si512(self, other) }
    }
    #[inline(always)]
    unsafe fn add64(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm512_add_epi64(self, other) }
    }
    #[inline(always)]
    unsafe fn add32(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm512_add_epi32(self, other) }
    }
    #[inline(always)]
    unsafe fn shr32(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm512_srli_epi64::<32>(self) }
    }
    #[inline(always)]
    unsafe fn sum_bytes(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm512_sad_epu8(self, _mm512_setzero_si512()) }
    }
    #[inline(always)]
    unsafe fn sum_i16_pairs(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm512_madd_epi16(self, _mm512_set1_epi16(1)) }
    }
}

crate::kernels::kernel_set!(crate::Isa::Avx512, __m512i, "avx512f,avx512bw");
