//! AVX-512 F + BW: 512-bit integer lanes (`vpsadbw` and `vpmaddwd` on zmm, BW; 64-bit adds and
//! shifts, F) and eight `f64` lanes (the AVX2 float instructions, twice as wide; FMA on 512-bit
//! registers is part of F). The float half mirrors `avx2.rs` line by line; the algorithms live in
//! `algo/`, so the AVX2 tests vouch for them on machines without AVX-512.

use crate::algo::float::FloatVector;
use crate::algo::int::{SignedHalves, SignedShift, Vector};
use crate::algo::vnni::DotProduct;
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
    type I32Fold = crate::algo::int::SplitI32<Self>;

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
    #[inline(always)]
    unsafe fn sar32_16(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm512_srai_epi32::<16>(self) }
    }

    // ceiling (issue 13): software prefetch in the integer sums.
    #[inline(always)]
    unsafe fn prefetch(ptr: *const u8) {
        // SAFETY: a prefetch hint never faults, whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(ptr.cast()) }
    }

    // small (issue 13): the flush of `SplitI32`.
    #[inline(always)]
    unsafe fn sub32(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm512_sub_epi32(self, other) }
    }
    #[inline(always)]
    unsafe fn shl32_16(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { _mm512_slli_epi32::<16>(self) }
    }
    // small (issue 13): the horizontal sum in three shuffle-and-add steps.
    #[inline(always)]
    unsafe fn sum64(self) -> u64 {
        // SAFETY: see `splat`.
        unsafe { _mm512_reduce_add_epi64(self) as u64 }
    }

    // fused (issue 12): `vmovdqu8/16/32/64 {k}{z}`, the lane bits as the mask.
    #[inline(always)]
    unsafe fn load_masked<const WIDTH: usize>(ptr: *const u8, bits: u64) -> Self {
        // SAFETY: the caller guarantees 64 readable bytes (a masked load reads only the lanes
        // whose bit is set) and AVX-512 F and BW.
        unsafe {
            match WIDTH {
                1 => _mm512_maskz_loadu_epi8(bits, ptr.cast()),
                2 => _mm512_maskz_loadu_epi16(bits as __mmask32, ptr.cast()),
                4 => _mm512_maskz_loadu_epi32(bits as __mmask16, ptr.cast()),
                _ => _mm512_maskz_loadu_epi64(bits as __mmask8, ptr.cast()),
            }
        }
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
    unsafe fn prefetch_l2(ptr: *const u8) {
        // SAFETY: a prefetch hint never faults, whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_T1>(ptr.cast()) }
    }
    #[inline(always)]
    unsafe fn max_key_f32(self, keys: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe {
            let mask = _mm512_set1_epi32(0x7fff_ffff);
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
    // errfree (issue 12).
    #[inline(always)]
    unsafe fn min_key(self, keys: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe {
            let key = _mm512_and_si512(_mm512_castpd_si512(self), _mm512_set1_epi64(i64::MAX));
            let key = _mm512_add_epi64(key, _mm512_set1_epi64(-1));
            _mm512_castsi512_pd(_mm512_min_epu32(key, _mm512_castpd_si512(keys)))
        }
    }
    // fused (issue 12): merge-masked loads from −0.0 (`vmovupd {k}`, `vmovups {k}` + widen).
    #[inline(always)]
    unsafe fn load_masked(ptr: *const f64, bits: u64) -> Self {
        // SAFETY: see `load`; only the lanes whose bit is set are read.
        unsafe { _mm512_mask_loadu_pd(_mm512_set1_pd(-0.0), bits as __mmask8, ptr) }
    }
    #[inline(always)]
    unsafe fn load_f32_masked(ptr: *const f32, bits: u64) -> Self {
        // SAFETY: see `load_f32`; only the lanes whose bit is set are read, among the first 8
        // (a 512-bit load with the upper 8 lanes masked off: 256-bit masks need AVX-512 VL).
        unsafe {
            let mask = (bits & 0xff) as __mmask16;
            let x = _mm512_mask_loadu_ps(_mm512_set1_ps(-0.0), mask, ptr);
            _mm512_cvtps_pd(_mm512_castps512_ps256(x))
        }
    }
}

// dot on AVX-512 VNNI (issue 11): the dot-product instructions and the table that uses them.
impl DotProduct for __m512i {
    #[inline(always)]
    unsafe fn dot_i16_pairs(self, a: Self, b: Self) -> Self {
        // SAFETY: the caller guarantees AVX-512 F and VNNI (`KERNELS_VNNI`).
        unsafe { _mm512_dpwssd_epi32(self, a, b) }
    }
    #[inline(always)]
    unsafe fn dot_u8_i8_quads(self, u: Self, s: Self) -> Self {
        // SAFETY: see `dot_i16_pairs`.
        unsafe { _mm512_dpbusd_epi32(self, u, s) }
    }
}

/// This path's table: with the VNNI dot kernels where the CPU has AVX-512 VNNI.
pub(crate) fn kernels() -> &'static crate::arch::Kernels {
    if cfg!(target_feature = "avx512vnni") || std::is_x86_feature_detected!("avx512vnni") {
        &KERNELS_VNNI
    } else {
        &KERNELS
    }
}

crate::arch::kernel_table!(@dot_vnni "avx512f,avx512bw,avx512vnni", __m512i);

impl SignedShift for __m512i {
    #[inline(always)]
    unsafe fn sra32(self) -> Self {
        // SAFETY: the caller guarantees AVX-512 F.
        unsafe { _mm512_srai_epi64::<32>(self) }
    }
}

crate::arch::kernel_table!(crate::Isa::Avx512, __m512i, __m512d, "avx512f,avx512bw");

// layouts (issue 12): deinterleaving permutes (`vpermt2w/d/q`) for strided gathers, masked loads
// (`vmovdqu8/16/32/64 {k}`, the validity bits as the mask) for selects.

/// The index vectors (lanes of `width` bytes, little-endian, as bytes) that deinterleave every
/// `STRIDE`-th element of `STRIDE` consecutive registers with `_mm512_permutex2var_*`: entry `k ≥ 1`
/// combines the running result (first operand; register 0 itself for `k = 1`) with register `k`,
/// keeping the lanes already found and taking those register `k` completes.
const fn deinterleave_indices<const STRIDE: usize>(width: usize) -> [[u8; 64]; STRIDE] {
    let lanes = 64 / width;
    let mut table = [[0u8; 64]; STRIDE];
    let mut k = 1;
    while k < STRIDE {
        let mut i = 0;
        while i < lanes {
            // Lane `i` of the result is element `STRIDE · i` of the registers' concatenation.
            let want = STRIDE * i;
            let index = if k == 1 && want < 2 * lanes {
                want
            } else if k > 1 && want < k * lanes {
                i
            } else if k > 1 && want < (k + 1) * lanes {
                lanes + want - k * lanes
            } else {
                0
            };
            let mut b = 0;
            while b < width {
                table[k][i * width + b] = (index >> (8 * b)) as u8;
                b += 1;
            }
            i += 1;
        }
        k += 1;
    }
    table
}

macro_rules! avx512_layout {
    ($t:ty, $width:literal, $load_masked:ident($mask:ty, $signed:ty), $set1:ident
     $(, $permute:ident)?) => {
        impl crate::algo::layout::Layout<$t> for __m512i {
            const LANES: usize = 64 / $width;

            $(
            #[inline(always)]
            unsafe fn every<const STRIDE: usize>(ptr: *const $t, out: *mut $t) {
                let table: &[[u8; 64]; STRIDE] = const { &deinterleave_indices::<STRIDE>($width) };
                // SAFETY: the caller guarantees `STRIDE` registers of reads from `ptr`, one of
                // writes to `out`, and AVX-512 F and BW; the index table is 64 bytes an entry.
                unsafe {
                    let mut result = _mm512_loadu_si512(ptr.cast());
                    for (k, indices) in table.iter().enumerate().skip(1) {
                        let next = _mm512_loadu_si512(ptr.add(k * (64 / $width)).cast());
                        let indices = _mm512_loadu_si512(indices.as_ptr().cast());
                        result = $permute(result, indices, next);
                    }
                    _mm512_storeu_si512(out.cast(), result);
                }
            }
            )?

            #[inline(always)]
            unsafe fn select(data: *const $t, bits: u64, fill: $t, out: *mut $t) {
                // SAFETY: the caller guarantees a register of reads from `data` (only the lanes
                // whose bit is set are read) and of writes to `out`, and AVX-512 F and BW.
                unsafe {
                    let fill = $set1(fill as $signed);
                    let valid = $load_masked(fill, bits as $mask, data.cast());
                    _mm512_storeu_si512(out.cast(), valid);
                }
            }
        }
    };
}

avx512_layout!(
    u8,
    1,
    _mm512_mask_loadu_epi8(__mmask64, i8),
    _mm512_set1_epi8
);
avx512_layout!(
    u16,
    2,
    _mm512_mask_loadu_epi16(__mmask32, i16),
    _mm512_set1_epi16,
    _mm512_permutex2var_epi16
);
avx512_layout!(
    u32,
    4,
    _mm512_mask_loadu_epi32(__mmask16, i32),
    _mm512_set1_epi32,
    _mm512_permutex2var_epi32
);
avx512_layout!(
    u64,
    8,
    _mm512_mask_loadu_epi64(__mmask8, i64),
    _mm512_set1_epi64,
    _mm512_permutex2var_epi64
);
#[cfg(test)]
mod tests {
    //! Both AVX-512 dot tables, the VNNI one where the CPU has it: the public paths only ever run
    //! one of them on a given CPU. Runs of extremes long enough to overflow a 32-bit lane of
    //! either fold without its flushes (`algo::vnni`, `algo::dot`).
    use super::{KERNELS, KERNELS_VNNI, is_available};

    /// Pairs of the most negative and most positive products, in runs of `run`, then mixed.
    fn extremes<T: Copy>(lo: T, hi: T, mixed: T, run: usize) -> (Vec<T>, Vec<T>) {
        let pattern = [
            (lo, lo),
            (lo, mixed),
            (hi, lo),
            (hi, hi),
            (lo, hi),
            (mixed, lo),
        ];
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for &(x, y) in &pattern {
            a.extend(std::iter::repeat_n(x, run));
            b.extend(std::iter::repeat_n(y, run));
        }
        (a, b)
    }

    #[test]
    fn both_tables_long_extreme_runs() {
        if !is_available() {
            return;
        }
        let vnni = std::is_x86_feature_detected!("avx512vnni");
        let tables = if vnni {
            vec![&KERNELS, &KERNELS_VNNI]
        } else {
            vec![&KERNELS]
        };
        assert!(!KERNELS.dot.vnni);
        // `Words` merges its four accumulators every 2^14 groups, 2^16 vectors of 64 bytes
        // (4 MiB of `a`) per lane. The first run, `i16::MIN` squared (the largest high half
        // per pair sum), holds two such rounds: twice the flush interval wraps `Σhigh`.
        let (a, b) = extremes(i16::MIN, i16::MAX, 0x80ffu16 as i16, (1 << 22) + (1 << 20));
        // More than two flush rounds of 16,384 vectors of 64 bytes for each of 4 accumulators
        // (`BiasedBytes`), so that one whole round lies inside every run.
        let (c, d) = extremes(i8::MIN, i8::MAX, -1, (1 << 23) + (1 << 20));
        let (e, f) = extremes(0u8, u8::MAX, 128, (1 << 23) + (1 << 20));
        for table in tables {
            for start in [0, 1, 7] {
                macro_rules! check {
                    ($kernel:ident, $a:expr, $b:expr, $wide:ty) => {{
                        let (x, y) = (&$a[start..], &$b[start..]);
                        let want: $wide = x
                            .iter()
                            .zip(y)
                            .map(|(&p, &q)| <$wide>::from(p) * <$wide>::from(q))
                            .sum();
                        // SAFETY: `is_available` (and, for the VNNI table, `avx512vnni`) checked
                        // above.
                        let got = unsafe { (table.dot.$kernel)(x, y) };
                        assert_eq!(got, want, "{} vnni={}", stringify!($kernel), table.dot.vnni);
                    }};
                }
                check!(i16, a, b, i128);
                check!(i8, c, d, i128);
                check!(u8, e, f, u128);
            }
        }
    }
}
