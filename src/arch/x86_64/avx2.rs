//! AVX2 with FMA: 256-bit integer lanes (`vpsadbw` for bytes, `vpmaddwd` for 16-bit pairs, 64-bit
//! adds and shifts) and four `f64` lanes (`vaddpd`/`vsubpd`, `vfnmadd` as a subtraction on the FMA
//! pipes, `vcvtps2pd` to widen `f32`, `vpmaxud` on the 32-bit halves of the magnitudes for the
//! block exponent).

use crate::algo::float::FloatVector;
use crate::algo::int::Vector;
use crate::algo::layout::{Layout, every_one_by_one};
use core::arch::x86_64::*;

/// Whether the running CPU has AVX2 and FMA (every AVX2 CPU made has FMA too; the float kernels
/// use both). No run-time check where the build already enables both.
pub(crate) fn is_available() -> bool {
    cfg!(all(target_feature = "avx2", target_feature = "fma"))
        || (std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma"))
}

impl Vector for __m256i {
    const BYTES: usize = 32;
    type I64Fold = crate::algo::int::BiasedI64<Self>;
    type I32Fold = crate::algo::int::SplitI32<Self>;

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

    // dot (issue 11): the widening multiply-adds of the integer dot products.
    #[inline(always)]
    unsafe fn madd_i16(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm256_madd_epi16(self, other) }
    }
    #[inline(always)]
    unsafe fn shr16_8(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm256_srli_epi16::<8>(self) }
    }
    #[inline(always)]
    unsafe fn sar16_8(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm256_srai_epi16::<8>(self) }
    }
    #[inline(always)]
    unsafe fn shl16_8(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm256_slli_epi16::<8>(self) }
    }
    #[inline(always)]
    unsafe fn sar32_16(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm256_srai_epi32::<16>(self) }
    }

    // small (issue 13): the flush of `SplitI32`.
    #[inline(always)]
    unsafe fn sub32(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm256_sub_epi32(self, other) }
    }
    #[inline(always)]
    unsafe fn shl32_16(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm256_slli_epi32::<16>(self) }
    }
    // small (issue 13): the horizontal sum in registers.
    #[inline(always)]
    unsafe fn sum64(self) -> u64 {
        // SAFETY: see `splat`.
        unsafe {
            let x = _mm_add_epi64(
                _mm256_castsi256_si128(self),
                _mm256_extracti128_si256::<1>(self),
            );
            _mm_cvtsi128_si64(_mm_add_epi64(x, _mm_unpackhi_epi64(x, x))) as u64
        }
    }

    // ceiling (issue 13): software prefetch in the integer sums.
    #[inline(always)]
    unsafe fn prefetch(ptr: *const u8) {
        // SAFETY: a prefetch hint never faults, whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(ptr.cast()) }
    }

    // fused (issue 12): a load and an and with the lane bits spread into lanes.
    #[inline(always)]
    unsafe fn load_masked<const WIDTH: usize>(ptr: *const u8, bits: u64) -> Self {
        // SAFETY: the caller guarantees 32 readable bytes and AVX2.
        unsafe { _mm256_and_si256(_mm256_loadu_si256(ptr.cast()), lane_mask::<WIDTH>(bits)) }
    }
}

/// All ones in each lane of `WIDTH` bytes whose bit of `bits` is set (bit `j` for lane `j`):
/// the bits broadcast, each lane's own picked by `vpand`, `vpcmpeq` against it.
///
/// # Safety
/// The CPU must support AVX2.
#[inline(always)]
unsafe fn lane_mask<const WIDTH: usize>(bits: u64) -> __m256i {
    // SAFETY: the caller guarantees AVX2.
    unsafe {
        match WIDTH {
            1 => {
                // Byte `j` gets byte `j / 8` of the bits (the shuffle stays within each half,
                // and each half holds all four), then its own bit `j % 8`.
                let spread = _mm256_shuffle_epi8(
                    _mm256_set1_epi32(bits as i32),
                    _mm256_setr_epi64x(
                        0,
                        0x0101_0101_0101_0101,
                        0x0202_0202_0202_0202,
                        0x0303_0303_0303_0303,
                    ),
                );
                let bit = _mm256_set1_epi64x(0x8040_2010_0804_0201_u64 as i64);
                _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit)
            }
            2 => {
                let bit = _mm256_setr_epi16(
                    1,
                    2,
                    4,
                    8,
                    16,
                    32,
                    64,
                    128,
                    256,
                    512,
                    1024,
                    2048,
                    4096,
                    8192,
                    16384,
                    i16::MIN,
                );
                let set = _mm256_and_si256(_mm256_set1_epi16(bits as i16), bit);
                _mm256_cmpeq_epi16(set, bit)
            }
            4 => {
                let bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
                _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(bits as i32), bit), bit)
            }
            _ => {
                let bit = _mm256_setr_epi64x(1, 2, 4, 8);
                _mm256_cmpeq_epi64(_mm256_and_si256(_mm256_set1_epi64x(bits as i64), bit), bit)
            }
        }
    }
}

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

    // dot (issue 11): the products of the float dot products.
    const HAS_FMA: bool = true;
    #[inline(always)]
    unsafe fn mul_add(self, b: Self, c: Self) -> Self {
        // SAFETY: see `splat`; the AVX2 path also requires FMA (`Isa::Avx2`).
        unsafe { _mm256_fmadd_pd(self, b, c) }
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
    unsafe fn mul_flushing(self, scale: Self, tiny: Self) -> Self {
        // SAFETY: see `splat`. The tiny lanes are zeroed before the multiplication.
        unsafe {
            let abs = _mm256_andnot_pd(_mm256_set1_pd(-0.0), self);
            let keep = _mm256_cmp_pd::<_CMP_GE_OQ>(abs, tiny);
            _mm256_mul_pd(_mm256_and_pd(self, keep), scale)
        }
    }
    #[inline(always)]
    unsafe fn prefetch_l2(ptr: *const u8) {
        // SAFETY: a prefetch hint never faults, whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_T1>(ptr.cast()) }
    }
    #[inline(always)]
    unsafe fn max_key_f32(self, keys: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe {
            let mask = _mm256_set1_epi32(0x7fff_ffff);
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
    // errfree (issue 12).
    #[inline(always)]
    unsafe fn min_key(self, keys: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe {
            let key = _mm256_and_si256(_mm256_castpd_si256(self), _mm256_set1_epi64x(i64::MAX));
            let key = _mm256_add_epi64(key, _mm256_set1_epi64x(-1));
            _mm256_castsi256_pd(_mm256_min_epu32(key, _mm256_castpd_si256(keys)))
        }
    }
    // fused (issue 12): a blend with −0.0 by the lane bits spread into lanes.
    #[inline(always)]
    unsafe fn load_masked(ptr: *const f64, bits: u64) -> Self {
        // SAFETY: see `load`.
        unsafe { blend_neg_zero(_mm256_loadu_pd(ptr), bits) }
    }
    #[inline(always)]
    unsafe fn load_f32_masked(ptr: *const f32, bits: u64) -> Self {
        // SAFETY: see `load_f32`.
        unsafe { blend_neg_zero(_mm256_cvtps_pd(_mm_loadu_ps(ptr)), bits) }
    }
}

/// `x` with −0.0 in each lane whose bit of `bits` is clear (a bit operation: a NaN there is
/// dropped, never computed with).
///
/// # Safety
/// The CPU must support AVX2.
#[inline(always)]
unsafe fn blend_neg_zero(x: __m256d, bits: u64) -> __m256d {
    // SAFETY: the caller guarantees AVX2.
    unsafe {
        let valid = _mm256_castsi256_pd(lane_mask::<8>(bits));
        _mm256_blendv_pd(_mm256_set1_pd(-0.0), x, valid)
    }
}

// layouts (issue 12): stride-2 deinterleaving (`vshufps` / `vpunpcklqdq`, then `vpermq`) and
// blends for selects (`vpblendvb`, the validity bits spread into lanes by `vpand` + `vpcmpeq`);
// the portable loops for the narrow widths and the other strides.
impl Layout<u8> for __m256i {}
impl Layout<u16> for __m256i {}

impl Layout<u32> for __m256i {
    const LANES: usize = 8;

    #[inline(always)]
    unsafe fn every<const STRIDE: usize>(ptr: *const u32, out: *mut u32) {
        if STRIDE != 2 {
            // SAFETY: the caller's contract, passed on.
            return unsafe { every_one_by_one::<u32, STRIDE>(ptr, out, 8) };
        }
        // SAFETY: the caller guarantees 16 elements of reads and 8 of writes, and AVX2. The
        // shuffles move bits without interpreting them as floats.
        unsafe {
            let (a, b) = (
                _mm256_loadu_ps(ptr.cast()),
                _mm256_loadu_ps(ptr.add(8).cast()),
            );
            // a0 a2 b0 b2 | a4 a6 b4 b6, then the middle 64-bit halves swapped.
            let even = _mm256_castps_pd(_mm256_shuffle_ps::<0b10_00_10_00>(a, b));
            _mm256_storeu_pd(out.cast(), _mm256_permute4x64_pd::<0b11_01_10_00>(even));
        }
    }

    #[inline(always)]
    unsafe fn select(data: *const u32, bits: u64, fill: u32, out: *mut u32) {
        // SAFETY: the caller guarantees 8 elements of reads and of writes, and AVX2.
        unsafe {
            let bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
            let set = _mm256_and_si256(_mm256_set1_epi32(bits as i32), bit);
            let valid = _mm256_cmpeq_epi32(set, bit);
            let x = _mm256_loadu_si256(data.cast());
            let v = _mm256_blendv_epi8(_mm256_set1_epi32(fill as i32), x, valid);
            _mm256_storeu_si256(out.cast(), v);
        }
    }
}

impl Layout<u64> for __m256i {
    const LANES: usize = 4;

    #[inline(always)]
    unsafe fn every<const STRIDE: usize>(ptr: *const u64, out: *mut u64) {
        if STRIDE != 2 {
            // SAFETY: the caller's contract, passed on.
            return unsafe { every_one_by_one::<u64, STRIDE>(ptr, out, 4) };
        }
        // SAFETY: the caller guarantees 8 elements of reads and 4 of writes, and AVX2.
        unsafe {
            let (a, b) = (
                _mm256_loadu_si256(ptr.cast()),
                _mm256_loadu_si256(ptr.add(4).cast()),
            );
            // a0 b0 a2 b2, then the middle lanes swapped.
            let even = _mm256_unpacklo_epi64(a, b);
            _mm256_storeu_si256(out.cast(), _mm256_permute4x64_epi64::<0b11_01_10_00>(even));
        }
    }

    #[inline(always)]
    unsafe fn select(data: *const u64, bits: u64, fill: u64, out: *mut u64) {
        // SAFETY: the caller guarantees 4 elements of reads and of writes, and AVX2.
        unsafe {
            let bit = _mm256_setr_epi64x(1, 2, 4, 8);
            let set = _mm256_and_si256(_mm256_set1_epi64x(bits as i64), bit);
            let valid = _mm256_cmpeq_epi64(set, bit);
            let x = _mm256_loadu_si256(data.cast());
            let v = _mm256_blendv_epi8(_mm256_set1_epi64x(fill as i64), x, valid);
            _mm256_storeu_si256(out.cast(), v);
        }
    }
}

crate::arch::kernel_table!(crate::Isa::Avx2, __m256i, __m256d, "avx2,fma");
