//! AVX2 with FMA (four `f64` lanes): `vaddpd`/`vsubpd`, `vfnmadd` as a subtraction on the FMA
//! pipes, `vcvtps2pd` to widen `f32`, and `vpmaxud` on the 32-bit halves of the magnitudes for
//! the block exponent.

use crate::float::generic::FloatVector;
use core::arch::x86_64::*;

impl FloatVector for __m256d {
    const LANES: usize = 4;

    #[inline(always)]
    unsafe fn splat(x: f64) -> Self {
        // SAFETY: the caller guarantees AVX2 (the same holds for every method below).
        unsafe { _mm256_set1_pd(x) }
    }
    #[inline(always)]
    unsafe fn load(ptr: *const f64) -> Self {
        // SAFETY: the caller guarantees 4 readable `f64`; `loadu` takes any alignment.
        unsafe { _mm256_loadu_pd(ptr) }
    }
    #[inline(always)]
    unsafe fn load_f32(ptr: *const f32) -> Self {
        // SAFETY: the caller guarantees 4 readable `f32`; `loadu` takes any alignment.
        unsafe { _mm256_cvtps_pd(_mm_loadu_ps(ptr)) }
    }
    #[inline(always)]
    unsafe fn store(self, ptr: *mut f64) {
        // SAFETY: the caller guarantees room for 4 `f64`; `storeu` takes any alignment.
        unsafe { _mm256_storeu_pd(ptr, self) }
    }
    #[inline(always)]
    unsafe fn add(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm256_add_pd(self, other) }
    }
    #[inline(always)]
    unsafe fn sub(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm256_sub_pd(self, other) }
    }
    #[inline(always)]
    unsafe fn sub_fused(self, other: Self, one: Self) -> Self {
        // SAFETY: see `splat`; the AVX2 path also requires FMA (`Isa::Avx2`).
        unsafe { _mm256_fnmadd_pd(other, one, self) }
    }
    #[inline(always)]
    unsafe fn prefetch(ptr: *const u8) {
        // SAFETY: a prefetch hint never faults, whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(ptr.cast()) }
    }
    #[inline(always)]
    unsafe fn mul(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm256_mul_pd(self, other) }
    }
    #[inline(always)]
    unsafe fn max_key(self, keys: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe {
            let mask = _mm256_set1_epi64x(0x7fff_ffff_ffff_ffff);
            let key = _mm256_and_si256(_mm256_castpd_si256(self), mask);
            _mm256_castsi256_pd(_mm256_max_epu32(key, _mm256_castpd_si256(keys)))
        }
    }
    #[inline(always)]
    unsafe fn add_bits(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe {
            let sum = _mm256_add_epi64(_mm256_castpd_si256(self), _mm256_castpd_si256(other));
            _mm256_castsi256_pd(sum)
        }
    }
}

crate::float::float_kernels!(__m256d, "avx2,fma");
