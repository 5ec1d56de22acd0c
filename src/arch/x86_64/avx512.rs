//! AVX-512 F + BW: 512-bit integer lanes (`vpsadbw` and `vpmaddwd` on zmm, BW; 64-bit adds and
//! shifts, F) and eight `f64` lanes (the AVX2 float instructions, twice as wide; FMA on 512-bit
//! registers is part of F). The float half mirrors `avx2.rs` line by line; the algorithms live in
//! `algo/`, so the AVX2 tests vouch for them on machines without AVX-512.

use crate::algo::float::FloatVector;
use crate::algo::int::{SignedHalves, SignedShift, Vector};
use core::arch::x86_64::*;

/// Whether the running CPU has AVX-512 F and BW. No run-time check where the build already
/// enables both.
pub(crate) fn is_available() -> bool {
    cfg!(all(target_feature = "avx512f", target_feature = "avx512bw"))
        || (std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512bw"))
}

impl Vector for __m512i {
    const BYTES: usize = 64;
    type I64Fold = SignedHalves<Self>;

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

    // dot (issue 11): the widening multiply-adds of the integer dot products.
    #[inline(always)]
    unsafe fn madd_i16(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm512_madd_epi16(self, other) }
    }
    #[inline(always)]
    unsafe fn shr16_8(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm512_srli_epi16::<8>(self) }
    }
    #[inline(always)]
    unsafe fn sar16_8(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm512_srai_epi16::<8>(self) }
    }
    #[inline(always)]
    unsafe fn shl16_8(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm512_slli_epi16::<8>(self) }
    }
}

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

    // dot (issue 11): the products of the float dot products.
    const HAS_FMA: bool = true;
    #[inline(always)]
    unsafe fn mul_add(self, b: Self, c: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm512_fmadd_pd(self, b, c) }
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
    unsafe fn mul_flushing(self, scale: Self, tiny: Self) -> Self {
        // SAFETY: see `splat`. Masked-out lanes are not computed, so they take no assist.
        unsafe {
            let keep = _mm512_cmp_pd_mask::<_CMP_GE_OQ>(_mm512_abs_pd(self), tiny);
            _mm512_maskz_mul_pd(keep, self, scale)
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

impl SignedShift for __m512i {
    #[inline(always)]
    unsafe fn sra32(self) -> Self {
        // SAFETY: the caller guarantees AVX-512 F.
        unsafe { _mm512_srai_epi64::<32>(self) }
    }
}

crate::arch::kernel_table!(crate::Isa::Avx512, __m512i, __m512d, "avx512f,avx512bw");
