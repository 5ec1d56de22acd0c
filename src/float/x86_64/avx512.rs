//! AVX-512 F (eight `f64` lanes): the AVX2 instructions, twice as wide. This file mirrors
//! `avx2.rs` line by line; the algorithm lives in `generic.rs`, so the AVX2 tests vouch for it on
//! machines without AVX-512.

use crate::float::generic::FloatVector;
use core::arch::x86_64::*;

impl FloatVector for __m512d {
    const LANES: usize = 8;

    #[inline(always)]
    unsafe fn splat(x: f64) -> Self {
        // SAFETY: the caller guarantees AVX-512 F (the same holds for every method below).
        unsafe { _mm512_set1_pd(x) }
    }
    #[inline(always)]
    unsafe fn load(ptr: *const f64) -> Self {
        // SAFETY: the caller guarantees 8 readable `f64`; `loadu` takes any alignment.
        unsafe { _mm512_loadu_pd(ptr) }
    }
    #[inline(always)]
    unsafe fn load_f32(ptr: *const f32) -> Self {
        // SAFETY: the caller guarantees 8 readable `f32`; `loadu` takes any alignment.
        unsafe { _mm512_cvtps_pd(_mm256_loadu_ps(ptr)) }
    }
    #[inline(always)]
    unsafe fn store(self, ptr: *mut f64) {
        // SAFETY: the caller guarantees room for 8 `f64`; `storeu` takes any alignment.
        unsafe { _mm512_storeu_pd(ptr, self) }
    }
    #[inline(always)]
    unsafe fn add(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm512_add_pd(self, other) }
    }
    #[inline(always)]
    unsafe fn sub(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm512_sub_pd(self, other) }
    }
    #[inline(always)]
    unsafe fn sub_fused(self, other: Self, one: Self) -> Self {
        // SAFETY: see `splat` (FMA on 512-bit registers is part of AVX-512 F).
        unsafe { _mm512_fnmadd_pd(other, one, self) }
    }
    #[inline(always)]
    unsafe fn prefetch(ptr: *const u8) {
        // SAFETY: a prefetch hint never faults, whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(ptr.cast()) }
    }
    #[inline(always)]
    unsafe fn mul(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm512_mul_pd(self, other) }
    }
    #[inline(always)]
    unsafe fn max_key(self, keys: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe {
            let mask = _mm512_set1_epi64(0x7fff_ffff_ffff_ffff);
            let key = _mm512_and_si512(_mm512_castpd_si512(self), mask);
            _mm512_castsi512_pd(_mm512_max_epu32(key, _mm512_castpd_si512(keys)))
        }
    }
    #[inline(always)]
    unsafe fn add_bits(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe {
            let sum = _mm512_add_epi64(_mm512_castpd_si512(self), _mm512_castpd_si512(other));
            _mm512_castsi512_pd(sum)
        }
    }
}

crate::float::float_kernels!(__m512d, "avx512f");
