//! SSE2 (128 bits, the x86-64 baseline): `psadbw` for bytes, `pmaddwd` for 16-bit pairs, 64-bit adds
//! and shifts for the other integers; two `f64` lanes for the floats. SSE2 has no FMA, so
//! `sub_fused` is a plain subtraction (the same bits, see `FloatVector::sub_fused`), and no
//! unsigned 32-bit max, so `max_key` compares with the sign bits flipped.

use crate::algo::float::FloatVector;
use crate::algo::int::Vector;
use crate::algo::layout::{Layout, every_one_by_one};
use core::arch::x86_64::*;

/// Whether the running CPU has SSE2: every x86-64 CPU, so no run-time check on x86-64 targets.
pub(crate) fn is_available() -> bool {
    cfg!(target_feature = "sse2") || std::is_x86_feature_detected!("sse2")
}

impl Vector for __m128i {
    const BYTES: usize = 16;
    type I64Fold = crate::algo::int::BiasedI64<Self>;
    type I32Fold = crate::algo::int::SplitI32<Self>;

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

    // dot (issue 11): the widening multiply-adds of the integer dot products.
    #[inline(always)]
    unsafe fn madd_i16(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm_madd_epi16(self, other) }
    }
    #[inline(always)]
    unsafe fn shr16_8(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm_srli_epi16::<8>(self) }
    }
    #[inline(always)]
    unsafe fn sar16_8(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm_srai_epi16::<8>(self) }
    }
    #[inline(always)]
    unsafe fn shl16_8(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm_slli_epi16::<8>(self) }
    }
    #[inline(always)]
    unsafe fn sar32_16(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm_srai_epi32::<16>(self) }
    }

    // small (issue 13): the flush of `SplitI32`.
    #[inline(always)]
    unsafe fn sub32(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm_sub_epi32(self, other) }
    }
    #[inline(always)]
    unsafe fn shl32_16(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm_slli_epi32::<16>(self) }
    }
    // small (issue 13): the horizontal sum in registers.
    #[inline(always)]
    unsafe fn sum64(self) -> u64 {
        // SAFETY: see `splat`.
        unsafe { _mm_cvtsi128_si64(_mm_add_epi64(self, _mm_unpackhi_epi64(self, self))) as u64 }
    }

    // ceiling (issue 13): software prefetch in the integer sums.
    #[inline(always)]
    unsafe fn prefetch(ptr: *const u8) {
        // SAFETY: a prefetch hint never faults, whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(ptr.cast()) }
    }
}

impl FloatVector for __m128d {
    const LANES: usize = 2;

    #[inline(always)]
    unsafe fn splat(x: f64) -> Self {
        // SAFETY: the caller guarantees SSE2 (the same holds for every method below).
        unsafe { _mm_set1_pd(x) }
    }
    #[inline(always)]
    unsafe fn load(ptr: *const f64) -> Self {
        // SAFETY: the caller guarantees 2 readable `f64`; `loadu` takes any alignment.
        unsafe { _mm_loadu_pd(ptr) }
    }
    #[inline(always)]
    unsafe fn load_f32(ptr: *const f32) -> Self {
        // SAFETY: the caller guarantees 2 readable `f32` (8 bytes); `read_unaligned` takes any
        // alignment.
        unsafe {
            let pair = ptr.cast::<i64>().read_unaligned();
            _mm_cvtps_pd(_mm_castsi128_ps(_mm_cvtsi64_si128(pair)))
        }
    }
    #[inline(always)]
    unsafe fn store(self, ptr: *mut f64) {
        // SAFETY: the caller guarantees room for 2 `f64`; `storeu` takes any alignment.
        unsafe { _mm_storeu_pd(ptr, self) }
    }
    #[inline(always)]
    unsafe fn add(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm_add_pd(self, other) }
    }
    #[inline(always)]
    unsafe fn sub(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm_sub_pd(self, other) }
    }
    #[inline(always)]
    unsafe fn sub_fused(self, other: Self, _one: Self) -> Self {
        // No FMA in SSE2: the plain subtraction, whose bits the fused form reproduces.
        // SAFETY: see `splat`.
        unsafe { _mm_sub_pd(self, other) }
    }
    #[inline(always)]
    unsafe fn prefetch(ptr: *const u8) {
        // SAFETY: a prefetch hint never faults, whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(ptr.cast()) }
    }
    // exactf (issue 13): the certified pass's prefetch into L2.
    #[inline(always)]
    unsafe fn prefetch_l2(ptr: *const u8) {
        // SAFETY: a prefetch hint never faults, whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_T1>(ptr.cast()) }
    }
    #[inline(always)]
    unsafe fn max_key_f32(self, keys: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe {
            // Both sign bits cleared, `max_key` takes the unsigned maximum of each half.
            let abs = _mm_and_pd(self, _mm_castsi128_pd(_mm_set1_epi32(0x7fff_ffff)));
            abs.max_key(keys)
        }
    }
    #[inline(always)]
    unsafe fn mul(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm_mul_pd(self, other) }
    }

    // dot (issue 11): the products of the float dot products.
    const HAS_FMA: bool = false;
    #[inline(always)]
    unsafe fn mul_add(self, b: Self, c: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe {
            let (x, y, z) = (self.lanes(), b.lanes(), c.lanes());
            // SSE2 has no FMA: std's `mul_add` (one rounding, in software) per lane.
            _mm_set_pd(x[1].mul_add(y[1], z[1]), x[0].mul_add(y[0], z[0]))
        }
    }
    #[inline(always)]
    unsafe fn max_key(self, keys: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe {
            let key = _mm_and_si128(
                _mm_castpd_si128(self),
                _mm_set1_epi64x(0x7fff_ffff_ffff_ffff),
            );
            let keys = _mm_castpd_si128(keys);
            // Unsigned 32-bit max: a signed compare of the values with their sign bits flipped.
            let flip = _mm_set1_epi32(i32::MIN);
            let greater = _mm_cmpgt_epi32(_mm_xor_si128(key, flip), _mm_xor_si128(keys, flip));
            let max = _mm_or_si128(_mm_and_si128(greater, key), _mm_andnot_si128(greater, keys));
            _mm_castsi128_pd(max)
        }
    }
    #[inline(always)]
    unsafe fn add_bits(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe {
            let sum = _mm_add_epi64(_mm_castpd_si128(self), _mm_castpd_si128(other));
            _mm_castsi128_pd(sum)
        }
    }
    // errfree (issue 12).
    #[inline(always)]
    unsafe fn min_key(self, keys: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe {
            let key = _mm_and_si128(_mm_castpd_si128(self), _mm_set1_epi64x(i64::MAX));
            let key = _mm_add_epi64(key, _mm_set1_epi64x(-1));
            let keys = _mm_castpd_si128(keys);
            // Unsigned 32-bit min: as in `max_key`, a signed compare with the sign bits flipped.
            let flip = _mm_set1_epi32(i32::MIN);
            let greater = _mm_cmpgt_epi32(_mm_xor_si128(key, flip), _mm_xor_si128(keys, flip));
            let min = _mm_or_si128(_mm_and_si128(greater, keys), _mm_andnot_si128(greater, key));
            _mm_castsi128_pd(min)
        }
    }
}

// layouts (issue 12): stride-2 deinterleaving (`shufps` / `punpcklqdq`) and and/andnot selects
// (the validity bits spread into lanes by `pand` + `pcmpeqd`); the portable loops for the narrow
// widths and the other strides.
impl Layout<u8> for __m128i {}
impl Layout<u16> for __m128i {}

impl Layout<u32> for __m128i {
    const LANES: usize = 4;

    #[inline(always)]
    unsafe fn every<const STRIDE: usize>(ptr: *const u32, out: *mut u32) {
        if STRIDE != 2 {
            // SAFETY: the caller's contract, passed on.
            return unsafe { every_one_by_one::<u32, STRIDE>(ptr, out, 4) };
        }
        // SAFETY: the caller guarantees 8 elements of reads and 4 of writes, and SSE2. The
        // shuffle moves bits without interpreting them as floats.
        unsafe {
            let (a, b) = (_mm_loadu_ps(ptr.cast()), _mm_loadu_ps(ptr.add(4).cast()));
            _mm_storeu_ps(out.cast(), _mm_shuffle_ps::<0b10_00_10_00>(a, b));
        }
    }

    #[inline(always)]
    unsafe fn select(data: *const u32, bits: u64, fill: u32, out: *mut u32) {
        // SAFETY: the caller guarantees 4 elements of reads and of writes, and SSE2.
        unsafe {
            let (bit, fill) = (_mm_setr_epi32(1, 2, 4, 8), _mm_set1_epi32(fill as i32));
            select_lanes(data.cast(), bits as i32, bit, fill, out.cast());
        }
    }
}

impl Layout<u64> for __m128i {
    const LANES: usize = 2;

    #[inline(always)]
    unsafe fn every<const STRIDE: usize>(ptr: *const u64, out: *mut u64) {
        if STRIDE != 2 {
            // SAFETY: the caller's contract, passed on.
            return unsafe { every_one_by_one::<u64, STRIDE>(ptr, out, 2) };
        }
        // SAFETY: the caller guarantees 4 elements of reads and 2 of writes, and SSE2.
        unsafe {
            let (a, b) = (
                _mm_loadu_si128(ptr.cast()),
                _mm_loadu_si128(ptr.add(2).cast()),
            );
            _mm_storeu_si128(out.cast(), _mm_unpacklo_epi64(a, b));
        }
    }

    #[inline(always)]
    unsafe fn select(data: *const u64, bits: u64, fill: u64, out: *mut u64) {
        // SAFETY: the caller guarantees 2 elements of reads and of writes, and SSE2. Both 32-bit
        // halves of a 64-bit lane test that lane's bit, so they agree.
        unsafe {
            let (bit, fill) = (_mm_setr_epi32(1, 1, 2, 2), _mm_set1_epi64x(fill as i64));
            select_lanes(data.cast(), bits as i32, bit, fill, out.cast());
        }
    }
}

/// The 32-bit lanes of `data` where `bits & bit` is `bit` in the lane, else those of `fill`, to
/// `out`.
///
/// # Safety
/// 16 bytes of reads from `data` and of writes to `out`; SSE2.
#[inline(always)]
unsafe fn select_lanes(
    data: *const __m128i,
    bits: i32,
    bit: __m128i,
    fill: __m128i,
    out: *mut __m128i,
) {
    // SAFETY: as the caller vouches.
    unsafe {
        let valid = _mm_cmpeq_epi32(_mm_and_si128(_mm_set1_epi32(bits), bit), bit);
        let x = _mm_loadu_si128(data);
        let v = _mm_or_si128(_mm_and_si128(valid, x), _mm_andnot_si128(valid, fill));
        _mm_storeu_si128(out, v);
    }
}

crate::arch::kernel_table!(crate::Isa::Sse2, __m128i, __m128d, "sse2");
