//! NEON (128 bits, the aarch64 baseline): pairwise widening adds (`uaddlp`, `saddlp`) stand in for
//! `psadbw` and `pmaddwd` on the integers; two `f64` lanes for the floats, with `fmls` as the
//! fused subtraction and `umax` on the 32-bit halves of the magnitudes for the block exponent.

use crate::algo::float::FloatVector;
use crate::algo::int::Vector;
use crate::algo::layout::{Layout, every_one_by_one};
use core::arch::aarch64::*;

/// Whether the running CPU has NEON: every aarch64 CPU the `neon` target feature (the default)
/// is built for, so no run-time check there.
pub(crate) fn is_available() -> bool {
    cfg!(target_feature = "neon") || std::arch::is_aarch64_feature_detected!("neon")
}

impl Vector for uint64x2_t {
    const BYTES: usize = 16;
    type I64Fold = crate::algo::int::BiasedI64<Self>;
    type I32Fold = crate::algo::int::BiasedI32<Self>;

    #[inline(always)]
    unsafe fn load(ptr: *const u8) -> Self {
        // SAFETY: the caller guarantees 16 readable bytes; byte loads take any alignment.
        unsafe { vreinterpretq_u64_u8(vld1q_u8(ptr)) }
    }
    #[inline(always)]
    unsafe fn store(self, ptr: *mut u8) {
        // SAFETY: the caller guarantees 16 writable bytes; byte stores take any alignment.
        unsafe { vst1q_u8(ptr, vreinterpretq_u8_u64(self)) }
    }
    #[inline(always)]
    unsafe fn splat(x: u64) -> Self {
        // SAFETY: the caller guarantees NEON (the same holds for every method below).
        unsafe { vdupq_n_u64(x) }
    }
    #[inline(always)]
    unsafe fn xor(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { veorq_u64(self, other) }
    }
    #[inline(always)]
    unsafe fn and(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { vandq_u64(self, other) }
    }
    #[inline(always)]
    unsafe fn add64(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { vaddq_u64(self, other) }
    }
    #[inline(always)]
    unsafe fn add32(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe {
            vreinterpretq_u64_u32(vaddq_u32(
                vreinterpretq_u32_u64(self),
                vreinterpretq_u32_u64(other),
            ))
        }
    }
    #[inline(always)]
    unsafe fn shr32(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { vshrq_n_u64::<32>(self) }
    }
    #[inline(always)]
    unsafe fn sum_bytes(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { vpaddlq_u32(vpaddlq_u16(vpaddlq_u8(vreinterpretq_u8_u64(self)))) }
    }
    #[inline(always)]
    unsafe fn sum_i16_pairs(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { vreinterpretq_u64_s32(vpaddlq_s16(vreinterpretq_s16_u64(self))) }
    }

    // dot (issue 11): the widening multiply-adds of the integer dot products.
    #[inline(always)]
    unsafe fn madd_i16(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe {
            let (a, b) = (vreinterpretq_s16_u64(self), vreinterpretq_s16_u64(other));
            let (low, high) = (
                vmull_s16(vget_low_s16(a), vget_low_s16(b)),
                vmull_high_s16(a, b),
            );
            vreinterpretq_u64_s32(vpaddq_s32(low, high))
        }
    }
    #[inline(always)]
    unsafe fn shr16_8(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { vreinterpretq_u64_u16(vshrq_n_u16::<8>(vreinterpretq_u16_u64(self))) }
    }
    #[inline(always)]
    unsafe fn sar16_8(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { vreinterpretq_u64_s16(vshrq_n_s16::<8>(vreinterpretq_s16_u64(self))) }
    }
    #[inline(always)]
    unsafe fn shl16_8(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { vreinterpretq_u64_u16(vshlq_n_u16::<8>(vreinterpretq_u16_u64(self))) }
    }
    #[inline(always)]
    unsafe fn sar32_16(self) -> Self {
        // SAFETY: see `splat`.
        unsafe { vreinterpretq_u64_s32(vshrq_n_s32::<16>(vreinterpretq_s32_u64(self))) }
    }

    // fused (issue 12): a load and an and with the lane bits spread into lanes.
    #[inline(always)]
    unsafe fn load_masked<const WIDTH: usize>(ptr: *const u8, bits: u64) -> Self {
        // SAFETY: the caller guarantees 16 readable bytes and NEON.
        unsafe { vandq_u64(Self::load(ptr), lane_mask::<WIDTH>(bits)) }
    }
}

/// All ones in each lane of `WIDTH` bytes whose bit of `bits` is set (bit `j` for lane `j`):
/// the bits duplicated, each lane's own tested (`cmtst`) against one bit per lane.
///
/// # Safety
/// The CPU must support NEON.
#[inline(always)]
unsafe fn lane_mask<const WIDTH: usize>(bits: u64) -> uint64x2_t {
    // SAFETY: the caller guarantees NEON.
    unsafe {
        match WIDTH {
            1 => {
                let bytes = vcombine_u8(vdup_n_u8(bits as u8), vdup_n_u8((bits >> 8) as u8));
                let bit = vreinterpretq_u8_u64(vdupq_n_u64(0x8040_2010_0804_0201));
                vreinterpretq_u64_u8(vtstq_u8(bytes, bit))
            }
            2 => {
                let bit = vcombine_u64(
                    vcreate_u64(0x0008_0004_0002_0001),
                    vcreate_u64(0x0080_0040_0020_0010),
                );
                let set = vtstq_u16(vdupq_n_u16(bits as u16), vreinterpretq_u16_u64(bit));
                vreinterpretq_u64_u16(set)
            }
            4 => {
                let bit = vcombine_u64(
                    vcreate_u64(0x0000_0002_0000_0001),
                    vcreate_u64(0x0000_0008_0000_0004),
                );
                let set = vtstq_u32(vdupq_n_u32(bits as u32), vreinterpretq_u32_u64(bit));
                vreinterpretq_u64_u32(set)
            }
            _ => vtstq_u64(
                vdupq_n_u64(bits),
                vcombine_u64(vcreate_u64(1), vcreate_u64(2)),
            ),
        }
    }
}

impl FloatVector for float64x2_t {
    const LANES: usize = 2;

    #[inline(always)]
    unsafe fn splat(x: f64) -> Self {
        // SAFETY: the caller guarantees NEON (the same holds for every method below).
        unsafe { vdupq_n_f64(x) }
    }
    #[inline(always)]
    unsafe fn load(ptr: *const f64) -> Self {
        // SAFETY: the caller guarantees 2 readable `f64`; `ld1` takes any element-aligned address.
        unsafe { vld1q_f64(ptr) }
    }
    #[inline(always)]
    unsafe fn load_f32(ptr: *const f32) -> Self {
        // SAFETY: the caller guarantees 2 readable `f32`; `ld1` takes any element-aligned address.
        unsafe { vcvt_f64_f32(vld1_f32(ptr)) }
    }
    #[inline(always)]
    unsafe fn store(self, ptr: *mut f64) {
        // SAFETY: the caller guarantees room for 2 `f64`; `st1` takes any element-aligned address.
        unsafe { vst1q_f64(ptr, self) }
    }
    #[inline(always)]
    unsafe fn add(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { vaddq_f64(self, other) }
    }
    #[inline(always)]
    unsafe fn sub(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { vsubq_f64(self, other) }
    }
    #[inline(always)]
    unsafe fn sub_fused(self, other: Self, one: Self) -> Self {
        // `self − other · one`, fused (FMA is part of NEON on aarch64).
        // SAFETY: see `splat`.
        unsafe { vfmsq_f64(self, other, one) }
    }
    #[inline(always)]
    unsafe fn mul(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { vmulq_f64(self, other) }
    }

    // dot (issue 11): the products of the float dot products.
    const HAS_FMA: bool = true;
    #[inline(always)]
    unsafe fn mul_add(self, b: Self, c: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe { vfmaq_f64(c, self, b) }
    }
    #[inline(always)]
    unsafe fn max_key(self, keys: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe {
            let key = vandq_u64(
                vreinterpretq_u64_f64(self),
                vdupq_n_u64(0x7fff_ffff_ffff_ffff),
            );
            let max = vmaxq_u32(vreinterpretq_u32_u64(key), vreinterpretq_u32_f64(keys));
            vreinterpretq_f64_u32(max)
        }
    }
    // exactf (issue 13): the certified pass's key sweep over `f32` blocks.
    #[inline(always)]
    unsafe fn max_key_f32(self, keys: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe {
            let key = vandq_u32(vreinterpretq_u32_f64(self), vdupq_n_u32(0x7fff_ffff));
            vreinterpretq_f64_u32(vmaxq_u32(key, vreinterpretq_u32_f64(keys)))
        }
    }
    #[inline(always)]
    unsafe fn add_bits(self, other: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe {
            let sum = vaddq_u64(vreinterpretq_u64_f64(self), vreinterpretq_u64_f64(other));
            vreinterpretq_f64_u64(sum)
        }
    }
    // errfree (issue 12).
    #[inline(always)]
    unsafe fn min_key(self, keys: Self) -> Self {
        // SAFETY: see `splat`.
        unsafe {
            let key = vandq_u64(vreinterpretq_u64_f64(self), vdupq_n_u64(i64::MAX as u64));
            let key = vsubq_u64(key, vdupq_n_u64(1));
            let min = vminq_u32(vreinterpretq_u32_u64(key), vreinterpretq_u32_f64(keys));
            vreinterpretq_f64_u32(min)
        }
    }
    // fused (issue 12): a bit select (`bsl`) of −0.0 by the lane bits spread into lanes.
    #[inline(always)]
    unsafe fn load_masked(ptr: *const f64, bits: u64) -> Self {
        // SAFETY: see `load`.
        unsafe { vbslq_f64(lane_mask::<8>(bits), Self::load(ptr), vdupq_n_f64(-0.0)) }
    }
    #[inline(always)]
    unsafe fn load_f32_masked(ptr: *const f32, bits: u64) -> Self {
        // SAFETY: see `load_f32`.
        unsafe { vbslq_f64(lane_mask::<8>(bits), Self::load_f32(ptr), vdupq_n_f64(-0.0)) }
    }
}

// layouts (issue 12): structure loads deinterleave strides 2, 3 and 4 (`ld2` / `ld3` / `ld4`,
// register 0 of the result), bit selects (`bsl`) the masked elements, the validity bits spread
// into lanes by `cmtst` against one bit per lane.
macro_rules! neon_layout {
    ($t:ty, $lanes:literal, $ld2:ident, $ld3:ident, $ld4:ident, $st:ident, $ld:ident, $dup:ident,
     $bsl:ident, |$bits:ident| $spread:expr) => {
        impl Layout<$t> for uint64x2_t {
            const LANES: usize = $lanes;

            #[inline(always)]
            unsafe fn every<const STRIDE: usize>(ptr: *const $t, out: *mut $t) {
                // SAFETY: the caller guarantees `STRIDE · LANES` elements of reads and `LANES`
                // of writes, and NEON.
                unsafe {
                    match STRIDE {
                        2 => $st(out, $ld2(ptr).0),
                        3 => $st(out, $ld3(ptr).0),
                        4 => $st(out, $ld4(ptr).0),
                        _ => every_one_by_one::<$t, STRIDE>(ptr, out, $lanes),
                    }
                }
            }

            #[inline(always)]
            unsafe fn select(data: *const $t, bits: u64, fill: $t, out: *mut $t) {
                // SAFETY: the caller guarantees `LANES` elements of reads and of writes, and NEON.
                unsafe {
                    let $bits = bits;
                    $st(out, $bsl($spread, $ld(data), $dup(fill)));
                }
            }
        }
    };
}

neon_layout!(
    u8,
    16,
    vld2q_u8,
    vld3q_u8,
    vld4q_u8,
    vst1q_u8,
    vld1q_u8,
    vdupq_n_u8,
    vbslq_u8,
    |bits| {
        let bytes = vcombine_u8(vdup_n_u8(bits as u8), vdup_n_u8((bits >> 8) as u8));
        vtstq_u8(
            bytes,
            vreinterpretq_u8_u64(vdupq_n_u64(0x8040_2010_0804_0201)),
        )
    }
);
neon_layout!(
    u16,
    8,
    vld2q_u16,
    vld3q_u16,
    vld4q_u16,
    vst1q_u16,
    vld1q_u16,
    vdupq_n_u16,
    vbslq_u16,
    |bits| {
        let bit = vcombine_u64(
            vcreate_u64(0x0008_0004_0002_0001),
            vcreate_u64(0x0080_0040_0020_0010),
        );
        vtstq_u16(vdupq_n_u16(bits as u16), vreinterpretq_u16_u64(bit))
    }
);
neon_layout!(
    u32,
    4,
    vld2q_u32,
    vld3q_u32,
    vld4q_u32,
    vst1q_u32,
    vld1q_u32,
    vdupq_n_u32,
    vbslq_u32,
    |bits| {
        let bit = vcombine_u64(
            vcreate_u64(0x0000_0002_0000_0001),
            vcreate_u64(0x0000_0008_0000_0004),
        );
        vtstq_u32(vdupq_n_u32(bits as u32), vreinterpretq_u32_u64(bit))
    }
);
neon_layout!(
    u64,
    2,
    vld2q_u64,
    vld3q_u64,
    vld4q_u64,
    vst1q_u64,
    vld1q_u64,
    vdupq_n_u64,
    vbslq_u64,
    |bits| vtstq_u64(
        vdupq_n_u64(bits),
        vcombine_u64(vcreate_u64(1), vcreate_u64(2))
    )
);

crate::arch::kernel_table!(crate::Isa::Neon, uint64x2_t, float64x2_t, "neon");
