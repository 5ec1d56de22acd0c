//! [`Vector`]: one SIMD register of an ISA as the integer algorithms see it (the sums in the
//! parent module, the dot products in `algo::dot` and `algo::vnni`). Each ISA implements it in
//! `arch`.

use super::Fold;
use core::mem::size_of;

/// One SIMD register of an instruction set, seen as 64-bit lanes unless an operation says otherwise.
///
/// Every method is `unsafe` because it may execute instructions of a particular ISA: the caller
/// must have checked that the running CPU supports them (the tables in `arch` do).
/// Methods are `#[inline(always)]` so that they compile into the `#[target_feature]` kernel.
pub(crate) trait Vector: Copy {
    /// Bytes in one register.
    const BYTES: usize;
    /// The fold of `i64` elements: [`BiasedI64`](super::BiasedI64), or [`SignedHalves`](super::SignedHalves) where the ISA has a 64-bit
    /// arithmetic shift ([`SignedShift`](super::SignedShift)).
    type I64Fold: Fold<Self>;
    /// The fold of `i32` elements: [`Halves`](super::Halves), or [`SplitI32`](super::SplitI32)
    /// where 32-bit lane shifts and adds are as cheap as 64-bit ones (x86).
    type I32Fold: Fold<Self>;

    /// Loads `BYTES` bytes from `ptr`, any alignment.
    ///
    /// # Safety
    /// `ptr` must be valid for reads of `BYTES` bytes; the CPU must support this ISA.
    unsafe fn load(ptr: *const u8) -> Self;
    /// Stores all lanes to `ptr`, any alignment.
    ///
    /// # Safety
    /// `ptr` must be valid for writes of `BYTES` bytes; the CPU must support this ISA.
    unsafe fn store(self, ptr: *mut u8);
    /// Every 64-bit lane set to `x`.
    ///
    /// # Safety
    /// The CPU must support this ISA (as for every method below).
    unsafe fn splat(x: u64) -> Self;
    /// Bitwise xor.
    ///
    /// # Safety
    /// The CPU must support this ISA.
    unsafe fn xor(self, other: Self) -> Self;
    /// Bitwise and.
    ///
    /// # Safety
    /// The CPU must support this ISA.
    unsafe fn and(self, other: Self) -> Self;
    /// Wrapping add of 64-bit lanes.
    ///
    /// # Safety
    /// The CPU must support this ISA.
    unsafe fn add64(self, other: Self) -> Self;
    /// Wrapping add of 32-bit lanes.
    ///
    /// # Safety
    /// The CPU must support this ISA.
    unsafe fn add32(self, other: Self) -> Self;
    /// Logical shift right of each 64-bit lane by 32.
    ///
    /// # Safety
    /// The CPU must support this ISA.
    unsafe fn shr32(self) -> Self;
    /// Each 64-bit lane becomes the sum of its eight bytes, taken as unsigned.
    ///
    /// # Safety
    /// The CPU must support this ISA.
    unsafe fn sum_bytes(self) -> Self;
    /// Each 32-bit lane becomes the sum of its two 16-bit halves, taken as signed.
    ///
    /// # Safety
    /// The CPU must support this ISA.
    unsafe fn sum_i16_pairs(self) -> Self;

    // dot (issue 11): the widening multiply-adds of the integer dot products (`algo::dot`).
    /// Each 32-bit lane becomes `a0·b0 + a1·b1` of its two signed 16-bit halves, wrapping
    /// (`pmaddwd`; only `2·(−2^15)^2 = 2^31` wraps, to `−2^31`).
    ///
    /// # Safety
    /// The CPU must support this ISA.
    unsafe fn madd_i16(self, other: Self) -> Self;
    /// Logical shift right by 8 of each 16-bit lane.
    ///
    /// # Safety
    /// The CPU must support this ISA.
    unsafe fn shr16_8(self) -> Self;
    /// Arithmetic shift right by 8 of each 16-bit lane.
    ///
    /// # Safety
    /// The CPU must support this ISA.
    unsafe fn sar16_8(self) -> Self;
    /// Shift left by 8 of each 16-bit lane.
    ///
    /// # Safety
    /// The CPU must support this ISA.
    unsafe fn shl16_8(self) -> Self;
    /// Arithmetic shift right by 16 of each 32-bit lane.
    ///
    /// # Safety
    /// The CPU must support this ISA.
    unsafe fn sar32_16(self) -> Self;

    // ceiling (issue 13): software prefetch in the integer sums' `fold`.
    /// Hints that the 64-byte line holding `ptr` will be read soon. `ptr` may point anywhere (it
    /// is not dereferenced). A no-op where the ISA has no prefetch hint.
    ///
    /// # Safety
    /// The CPU must support this ISA.
    #[inline(always)]
    unsafe fn prefetch(_ptr: *const u8) {}

    // fused (issue 12): the masked loads of the masked and strided sums (`algo::mask`).
    /// Loads `BYTES` bytes from `ptr` as lanes of `WIDTH` bytes (1, 2, 4 or 8), each lane whose
    /// bit of `bits` (bit `j` for lane `j`) is clear read as zero. The default copies the lanes
    /// one at a time; ISAs with masked loads or blends override it.
    ///
    /// # Safety
    /// `ptr` must be valid for reads of `BYTES` bytes; the CPU must support this ISA.
    #[inline(always)]
    unsafe fn load_masked<const WIDTH: usize>(ptr: *const u8, bits: u64) -> Self {
        let mut lanes = [0u8; 64];
        for j in 0..Self::BYTES / WIDTH {
            if bits >> j & 1 != 0 {
                // SAFETY: lane `j` lies within the `BYTES ≤ 64` bytes at `ptr` and in `lanes`.
                unsafe {
                    core::ptr::copy_nonoverlapping(
                        ptr.add(j * WIDTH),
                        lanes.as_mut_ptr().add(j * WIDTH),
                        WIDTH,
                    );
                }
            }
        }
        // SAFETY: `lanes` holds 64 ≥ `BYTES` bytes; the caller vouches for the ISA.
        unsafe { Self::load(lanes.as_ptr()) }
    }

    // small (issue 13): the flush of `SplitI32`, which only x86 paths use; the defaults go lane
    // by lane through memory.
    /// Wrapping subtract of 32-bit lanes.
    ///
    /// # Safety
    /// The CPU must support this ISA.
    #[inline(always)]
    #[cfg_attr(not(coresum_x86), allow(dead_code))]
    unsafe fn sub32(self, other: Self) -> Self {
        let (mut a, mut b) = ([0u32; 16], [0u32; 16]);
        // SAFETY: both arrays are 64 bytes, no register is wider; the caller vouches for the ISA.
        unsafe {
            self.store(a.as_mut_ptr().cast());
            other.store(b.as_mut_ptr().cast());
        }
        for (a, b) in a.iter_mut().zip(b) {
            *a = a.wrapping_sub(b);
        }
        // SAFETY: as above.
        unsafe { Self::load(a.as_ptr().cast()) }
    }
    /// Shift left by 16 of each 32-bit lane.
    ///
    /// # Safety
    /// The CPU must support this ISA.
    #[inline(always)]
    #[cfg_attr(not(coresum_x86), allow(dead_code))]
    unsafe fn shl32_16(self) -> Self {
        let mut a = [0u32; 16];
        // SAFETY: `a` is 64 bytes, no register is wider; the caller vouches for the ISA.
        unsafe { self.store(a.as_mut_ptr().cast()) };
        for a in &mut a {
            *a <<= 16;
        }
        // SAFETY: as above.
        unsafe { Self::load(a.as_ptr().cast()) }
    }

    // small (issue 13): the horizontal totals of the 32- and 64-bit folds, in registers.
    /// The sum of all 64-bit lanes modulo 2^64: exact where the caller bounds it below 2^64.
    /// The default stores the lanes and adds them one by one; ISAs override it with shuffles.
    ///
    /// # Safety
    /// The CPU must support this ISA.
    #[inline(always)]
    unsafe fn sum64(self) -> u64 {
        // SAFETY: the caller vouches for the ISA.
        unsafe { self.lanes() }
            .iter()
            .fold(0u64, |total, &lane| total.wrapping_add(lane))
    }

    /// The sum of all 64-bit lanes, exact.
    ///
    /// # Safety
    /// The CPU must support this ISA.
    #[inline(always)]
    unsafe fn lane_total(self) -> u128 {
        // SAFETY: the caller vouches for the ISA.
        unsafe { self.lanes() }.iter().map(|&x| u128::from(x)).sum()
    }

    /// The 64-bit lanes, lowest first (`BYTES / 8` of them, then zeros).
    ///
    /// # Safety
    /// The CPU must support this ISA.
    #[inline(always)]
    unsafe fn lanes(self) -> [u64; 8] {
        let mut lanes = [0u64; 8];
        debug_assert!(Self::BYTES <= size_of::<[u64; 8]>());
        // SAFETY: `lanes` is 64 bytes, no register is wider; the caller vouches for the ISA.
        unsafe { self.store(lanes.as_mut_ptr().cast()) };
        lanes
    }
}
