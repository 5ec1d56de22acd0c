//! The floating-point kernels, written once over a crate-private [`FloatVector`] trait (a
//! register of `f64` lanes) and instantiated per ISA by `arch::kernel_table!`. Three passes, named
//! by what they do:
//!
//! - [`fast`] (this file): plain IEEE additions, for [`Mode::Fast`](crate::Mode::Fast);
//! - [`certified`] (`certified.rs`): an exact accumulator up to a proven error bound, which
//!   certifies the rounding of most [`Mode::Exact`](crate::Mode::Exact) sums, and is all of
//!   [`Mode::Compensated`](crate::Mode::Compensated);
//! - [`error_free`] (`error_free.rs`): error-free extraction levels, for the Exact sums the
//!   certified pass leaves undecided, and for [`ExactSum::add_slice`](crate::ExactSum::add_slice).
//!
//! This file also holds what both exact passes share: the element loads, the block size, the
//! magnitude keys and the offsets `σ`.
//!
//! `f32` inputs are widened to `f64` as they are loaded (exact), so every mode works in `f64`.
//!
//! # Fast
//!
//! ```text
//! acc[0..8] = -0.0                       // -0.0 is the identity of IEEE addition
//! for each group of 8 vectors: acc[k] += v[k]
//! tree-add acc[0..8], then its lanes in order, then the tail elements in order
//! ```

mod certified;
mod error_free;
// exactf (issue 13): the f32 blocks' key against the widened one.
#[cfg(test)]
mod key_tests;

use crate::algo::mask::{All, Mask};
pub(crate) use certified::{certified, certified_partial};
pub(crate) use error_free::error_free;

// column sums (issue 12, "columns"): the passes with lanes = columns of a tile.
mod columns;
pub(crate) use columns::{certified_columns, column_state, fast_columns, flush_columns};

/// A SIMD register of `f64` lanes.
///
/// Every method is `unsafe` because it may execute instructions of one ISA: the caller must have
/// checked that the running CPU supports them. Methods are `#[inline(always)]` so that they compile
/// into the `#[target_feature]` kernel that calls them.
pub(crate) trait FloatVector: Copy {
    /// `f64` lanes per register (a power of two, at most 8).
    const LANES: usize;

    /// Every lane set to `x`.
    ///
    /// # Safety
    /// The CPU must support this ISA (as for every method below).
    unsafe fn splat(x: f64) -> Self;
    /// Loads `LANES` `f64`, any alignment.
    ///
    /// # Safety
    /// `ptr` must be valid for reads of `LANES` `f64`; the CPU must support this ISA.
    unsafe fn load(ptr: *const f64) -> Self;
    /// Loads `LANES` `f32`, any alignment, and widens them to `f64` (exact).
    ///
    /// # Safety
    /// `ptr` must be valid for reads of `LANES` `f32`; the CPU must support this ISA.
    unsafe fn load_f32(ptr: *const f32) -> Self;
    /// Stores all lanes, any alignment.
    ///
    /// # Safety
    /// `ptr` must be valid for writes of `LANES` `f64`; the CPU must support this ISA.
    unsafe fn store(self, ptr: *mut f64);
    /// Lane-wise IEEE addition.
    ///
    /// # Safety
    /// The CPU must support this ISA.
    unsafe fn add(self, other: Self) -> Self;
    /// Lane-wise IEEE subtraction.
    ///
    /// # Safety
    /// The CPU must support this ISA.
    unsafe fn sub(self, other: Self) -> Self;
    /// The same bits as [`sub`](Self::sub), computed where the ISA has fused multiply-add as
    /// `−(other · one) + self` on the FMA units: `one` must hold 1.0 in every lane, unknown to
    /// the compiler (see [`opaque_one`]), or it folds the FMA back into a subtraction. Zen cores
    /// run additions on two pipes and FMAs on two others; kernels bound by floating-point
    /// additions use both pairs this way. Exact: `x · 1` needs no rounding, so the single
    /// rounding of the FMA is that of the subtraction (signed zeros and specials included).
    ///
    /// # Safety
    /// The CPU must support this ISA.
    unsafe fn sub_fused(self, other: Self, one: Self) -> Self;
    /// Asks for the cache line holding `ptr` to be brought into L1; never faults, so `ptr` may
    /// point anywhere (it is not dereferenced). A no-op where the ISA has no prefetch hint.
    ///
    /// # Safety
    /// The CPU must support this ISA.
    #[inline(always)]
    unsafe fn prefetch(_ptr: *const u8) {}
    /// Lane-wise IEEE multiplication.
    ///
    /// # Safety
    /// The CPU must support this ISA.
    unsafe fn mul(self, other: Self) -> Self;

    // dot (issue 11): the products of the float dot products (`algo::dot`).
    /// Whether [`mul_add`](Self::mul_add) is one instruction (else the fast dot multiplies and
    /// adds separately).
    const HAS_FMA: bool;
    /// Lane-wise `self · b + c` with one rounding (fused multiply-add; in software where the ISA
    /// has none).
    ///
    /// # Safety
    /// The CPU must support this ISA.
    unsafe fn mul_add(self, b: Self, c: Self) -> Self;
    /// `keys` updated with the magnitude key of `self`: per 64-bit lane, the bits of `|x|`, and
    /// `keys` keeps the unsigned maximum *of each 32-bit half separately*. Taken over a block, the
    /// high half of the largest key holds the largest biased exponent (bits 52..63), the key is 0
    /// exactly when every element is ±0, and it is at least `0x7ff << 52` exactly when a NaN or an
    /// infinity is present (their bits are the largest magnitudes).
    ///
    /// # Safety
    /// The CPU must support this ISA.
    unsafe fn max_key(self, keys: Self) -> Self;
    // exactf (issue 13): the scaled blocks of the certified pass, and its prefetch into L2.
    /// Lane-wise `self · scale` for a power of two `scale < 1`, except that lanes with
    /// `|self| < tiny` (whose product would be subnormal) may give 0 instead: Intel cores take a
    /// microcode assist (~100 cycles) for every instruction with a subnormal result, and the
    /// x86 vector paths mask those lanes out. The default multiplies plainly.
    ///
    /// # Safety
    /// The CPU must support this ISA.
    #[inline(always)]
    unsafe fn mul_flushing(self, scale: Self, tiny: Self) -> Self {
        let _ = tiny;
        // SAFETY: the caller vouches for the ISA.
        unsafe { self.mul(scale) }
    }
    /// Asks for the cache line holding `ptr` to be brought into the L2 cache, not L1 (x86
    /// `prefetcht1`): the certified pass fetches its blocks two ahead this way, so that out of
    /// cache more lines are in flight than the L1 fill buffers allow. Never faults, so `ptr` may
    /// point anywhere. A no-op where the ISA has no such hint.
    ///
    /// # Safety
    /// The CPU must support this ISA.
    #[inline(always)]
    unsafe fn prefetch_l2(_ptr: *const u8) {}
    /// `keys` updated with the magnitude keys of `self` read as `2 · LANES` `f32` (the raw bits
    /// of `f32` data, loaded with [`load`](Self::load)): per 32-bit half, the bits of `|x|`,
    /// and `keys` keeps the unsigned maximum of each half. As [`max_key`](Self::max_key) for
    /// `f64`, without widening: the certified pass's key sweep over `f32` blocks.
    ///
    /// # Safety
    /// The CPU must support this ISA.
    unsafe fn max_key_f32(self, keys: Self) -> Self;
    /// Wrapping add of the bit patterns of `self` and `other`, as 64-bit integer lanes.
    ///
    /// # Safety
    /// The CPU must support this ISA.
    unsafe fn add_bits(self, other: Self) -> Self;
    // errfree (issue 12): the smallest magnitude of a block, which bounds the error-free levels.
    /// `keys` updated with the nonzero key of `self`: per 64-bit lane, the bits of `|x|` minus
    /// one (wrapping, so ±0 gives all ones), and `keys` keeps the unsigned minimum *of each 32-bit
    /// half separately*. Taken over a block that is not all zeros, bits 52..63 of the smallest key
    /// are at most the smallest biased exponent of its nonzero elements (one less where that
    /// element is a power of two), and at least that exponent minus one.
    ///
    /// # Safety
    /// The CPU must support this ISA.
    unsafe fn min_key(self, keys: Self) -> Self;

    // fused (issue 12): the masked loads of the masked and strided sums (`algo::mask`).
    /// [`load`](Self::load), each lane whose bit of `bits` (bit `j` for lane `j`) is clear read
    /// as −0.0, the identity (never its memory's value: a NaN there cannot reach the sum). The
    /// default copies the lanes one at a time; ISAs with masked loads or blends override it.
    ///
    /// # Safety
    /// `ptr` must be valid for reads of `LANES` `f64`; the CPU must support this ISA.
    #[inline(always)]
    unsafe fn load_masked(ptr: *const f64, bits: u64) -> Self {
        let mut lanes = [-0.0; 8];
        for (j, lane) in lanes.iter_mut().enumerate().take(Self::LANES) {
            if bits >> j & 1 != 0 {
                // SAFETY: `j < LANES`, within the caller's `LANES` elements.
                *lane = unsafe { ptr.add(j).read_unaligned() };
            }
        }
        // SAFETY: `lanes` holds 8 ≥ `LANES` values; the caller vouches for the ISA.
        unsafe { Self::load(lanes.as_ptr()) }
    }
    /// [`load_f32`](Self::load_f32), each lane whose bit of `bits` is clear read as −0.0.
    ///
    /// # Safety
    /// `ptr` must be valid for reads of `LANES` `f32`; the CPU must support this ISA.
    #[inline(always)]
    unsafe fn load_f32_masked(ptr: *const f32, bits: u64) -> Self {
        let mut lanes = [-0.0; 8];
        for (j, lane) in lanes.iter_mut().enumerate().take(Self::LANES) {
            if bits >> j & 1 != 0 {
                // SAFETY: `j < LANES`, within the caller's `LANES` elements.
                *lane = f64::from(unsafe { ptr.add(j).read_unaligned() });
            }
        }
        // SAFETY: `lanes` holds 8 ≥ `LANES` values; the caller vouches for the ISA.
        unsafe { Self::load(lanes.as_ptr()) }
    }

    /// The lanes, in order (only the first `LANES` are meaningful).
    ///
    /// # Safety
    /// The CPU must support this ISA.
    #[inline(always)]
    unsafe fn lanes(self) -> [f64; 8] {
        let mut lanes = [0.0; 8];
        debug_assert!(Self::LANES <= lanes.len());
        // SAFETY: `lanes` has room for 8 >= LANES values; the caller vouches for the ISA.
        unsafe { self.store(lanes.as_mut_ptr()) };
        lanes
    }
}

/// An input element type: loaded into `f64` lanes, or widened one at a time.
pub(crate) trait Element: Copy {
    /// Loads `V::LANES` elements as `f64`.
    ///
    /// # Safety
    /// `ptr` must be valid for reads of `V::LANES` elements; the CPU must support `V`'s ISA.
    unsafe fn load<V: FloatVector>(ptr: *const Self) -> V;
    /// Loads `V::LANES` elements as `f64`, −0.0 for those whose bit of `bits` is clear.
    ///
    /// # Safety
    /// As for [`load`](Self::load).
    unsafe fn load_masked<V: FloatVector>(ptr: *const Self, bits: u64) -> V;
    /// The element as `f64`, exactly.
    fn widen(self) -> f64;
    /// The magnitude key of the `n` whole vectors (of `V::LANES` elements) at `src`, as
    /// [`max_key`] gives it for `f64`: its bits 52..63 are the largest biased exponent of the
    /// widened elements, it is 0 exactly when every element is ±0, and at least `0x7ff << 52`
    /// exactly when a NaN or an infinity is present.
    ///
    /// # Safety
    /// `src` must be valid for reads of `n * V::LANES` elements; the CPU must support `V`'s ISA.
    unsafe fn block_key<V: FloatVector>(src: *const Self, n: usize) -> u64;
    /// Fraction bits of the type's significand: a nonzero element whose widened `f64` has biased
    /// exponent `e` is an integer multiple of `2^(max(e, 1) − 1023 − FRACTION_BITS)`.
    const FRACTION_BITS: i64;
}

impl Element for f64 {
    #[inline(always)]
    unsafe fn load<V: FloatVector>(ptr: *const f64) -> V {
        // SAFETY: forwarded from the caller.
        unsafe { V::load(ptr) }
    }
    #[inline(always)]
    unsafe fn load_masked<V: FloatVector>(ptr: *const f64, bits: u64) -> V {
        // SAFETY: forwarded from the caller.
        unsafe { V::load_masked(ptr, bits) }
    }
    #[inline(always)]
    fn widen(self) -> f64 {
        self
    }
    #[inline(always)]
    unsafe fn block_key<V: FloatVector>(src: *const f64, n: usize) -> u64 {
        // SAFETY: forwarded from the caller.
        unsafe { max_key::<V, f64>(src, n) }
    }
    const FRACTION_BITS: i64 = 52;
}

impl Element for f32 {
    #[inline(always)]
    unsafe fn load<V: FloatVector>(ptr: *const f32) -> V {
        // SAFETY: forwarded from the caller.
        unsafe { V::load_f32(ptr) }
    }
    #[inline(always)]
    unsafe fn load_masked<V: FloatVector>(ptr: *const f32, bits: u64) -> V {
        // SAFETY: forwarded from the caller.
        unsafe { V::load_f32_masked(ptr, bits) }
    }
    #[inline(always)]
    fn widen(self) -> f64 {
        f64::from(self)
    }
    /// Over the raw `f32` bits, two per `f64` lane ([`FloatVector::max_key_f32`]): a quarter
    /// of the work of widening each vector first.
    #[inline(always)]
    unsafe fn block_key<V: FloatVector>(src: *const f32, n: usize) -> u64 {
        // SAFETY: `n` vectors of `LANES` `f32` are `n / 2` of `2 · LANES` and, where `n` is odd,
        // `LANES` more, read one by one; the caller vouches for the ISA.
        let largest = unsafe {
            let (pairs, raw) = (n / 2, src.cast::<f64>());
            let mut keys = [V::splat(0.0); EXACT_UNROLL];
            let mut i = 0;
            while i + EXACT_UNROLL <= pairs {
                for (k, key) in keys.iter_mut().enumerate() {
                    *key = V::load(raw.add((i + k) * V::LANES)).max_key_f32(*key);
                }
                i += EXACT_UNROLL;
            }
            for (k, key) in keys.iter_mut().enumerate().take(pairs - i) {
                *key = V::load(raw.add((i + k) * V::LANES)).max_key_f32(*key);
            }
            let mut key = keys[0];
            for k in &keys[1..] {
                key = k.max_key_f32(key);
            }
            let lanes = key.lanes();
            let halves = lanes[..V::LANES].iter().map(|x| x.to_bits());
            let paired = halves.fold(0, |max, x| max.max(x >> 32).max(x & 0xffff_ffff)) as u32;
            let odd = core::slice::from_raw_parts(src.add(pairs * 2 * V::LANES), n % 2 * V::LANES);
            odd.iter()
                .fold(paired, |max, x| max.max(x.to_bits() & 0x7fff_ffff))
        };
        // The widened element's biased exponent: 896 more for normal `f32`, and for subnormal
        // ones (`m · 2^-149`, `m < 2^23`) that of `2^⌊log2 m⌋ · 2^-149`.
        let exponent = match largest {
            0 => return 0,
            0x7f80_0000.. => return 0x7ff << 52,
            normal @ 0x0080_0000.. => (normal >> 23) + 896,
            subnormal => 905 - subnormal.leading_zeros(),
        };
        u64::from(exponent) << 52
    }
    // A subnormal `f32` is a multiple of 2^-149, and its widened exponent is below 1023 − 126.
    const FRACTION_BITS: i64 = 23;
}

/// Independent accumulators of the fast sum: enough adds in flight to cover the add latency.
const FAST_UNROLL: usize = 8;
/// Independent accumulators per extraction level of the exact sum.
const EXACT_UNROLL: usize = 4;
/// Elements per exact block: the residual buffer (16 KiB) stays in L1, and a lane total of one
/// level (at most `BLOCK / 4` terms below 2^50 units) stays far below 2^63.
const BLOCK: usize = 2048;

/// Adds `acc[k + w]` into `acc[k]` for halving `w`: a fixed tree, so a fixed result.
#[inline(always)]
unsafe fn fold_tree<V: FloatVector, const N: usize>(mut acc: [V; N]) -> V {
    let mut width = N / 2;
    while width > 0 {
        for k in 0..width {
            // SAFETY: the caller vouches for the ISA.
            acc[k] = unsafe { acc[k].add(acc[k + width]) };
        }
        width /= 2;
    }
    acc[0]
}

/// The sum of `data` in plain IEEE arithmetic, in [`FAST_UNROLL`] vector accumulators.
///
/// # Safety
/// The CPU must support `V`'s ISA.
#[inline(always)]
pub(crate) unsafe fn fast<V: FloatVector, E: Element>(data: &[E]) -> f64 {
    let vectors = data.len() / V::LANES;
    let ptr = data.as_ptr();
    // SAFETY: every load reads vector `i < vectors`, inside `data`; the caller vouches for the ISA.
    unsafe {
        let mut acc = [V::splat(-0.0); FAST_UNROLL];
        let mut i = 0;
        while i + FAST_UNROLL <= vectors {
            for (k, a) in acc.iter_mut().enumerate() {
                *a = a.add(E::load(ptr.add((i + k) * V::LANES)));
            }
            i += FAST_UNROLL;
        }
        for (k, a) in acc.iter_mut().enumerate().take(vectors - i) {
            *a = a.add(E::load(ptr.add((i + k) * V::LANES)));
        }
        let lanes = fold_tree(acc).lanes();
        let total = lanes[..V::LANES].iter().fold(-0.0, |s, &x| s + x);
        data[vectors * V::LANES..]
            .iter()
            .fold(total, |s, &x| s + x.widen())
    }
}

/// 1.0 in every lane, hidden from the optimiser so that [`FloatVector::sub_fused`] stays an FMA.
///
/// # Safety
/// The CPU must support `V`'s ISA.
#[inline(always)]
unsafe fn opaque_one<V: FloatVector>() -> V {
    // SAFETY: the caller vouches for the ISA.
    unsafe { V::splat(core::hint::black_box(1.0)) }
}

/// The largest key among the lanes of all accumulators, as bits.
///
/// # Safety
/// The CPU must support `V`'s ISA.
#[inline(always)]
unsafe fn largest_key<V: FloatVector>(keys: [V; EXACT_UNROLL]) -> u64 {
    // SAFETY: the caller vouches for the ISA.
    unsafe {
        // A loop, not `reduce`: a closure would be compiled without the caller's target features.
        let mut key = keys[0];
        for k in &keys[1..] {
            key = k.max_key(key);
        }
        let lanes = key.lanes();
        lanes[..V::LANES]
            .iter()
            .fold(0, |max, x| max.max(x.to_bits()))
    }
}

/// The vector at `src`, the lanes whose bit of `bits` is clear read as −0.0 unless `M` is
/// [`All`](crate::algo::mask::All) (the fused sums, `algo::mask`).
///
/// # Safety
/// As for [`Element::load`].
#[inline(always)]
unsafe fn load_where<V: FloatVector, E: Element, M: Mask>(src: *const E, bits: u64) -> V {
    // SAFETY: forwarded from the caller.
    unsafe {
        if M::ALL {
            E::load::<V>(src)
        } else {
            E::load_masked::<V>(src, bits)
        }
    }
}

/// Biased exponent bits of the largest magnitude of `n` whole vectors at `src` (see
/// [`FloatVector::max_key`]).
///
/// # Safety
/// `src` must be valid for reads of `n * V::LANES` elements; the CPU must support `V`'s ISA.
#[inline(always)]
unsafe fn max_key<V: FloatVector, E: Element>(src: *const E, n: usize) -> u64 {
    // SAFETY: forwarded from the caller.
    unsafe { max_key_where::<V, E, All>(src, n, All) }
}

/// Biased exponent bits of the largest magnitude of the elements `mask` adds among `n` whole
/// vectors at `src` (see [`FloatVector::max_key`]).
///
/// # Safety
/// `src` must be valid for reads of `n * V::LANES` elements; the CPU must support `V`'s ISA.
#[inline(always)]
pub(super) unsafe fn max_key_where<V: FloatVector, E: Element, M: Mask>(
    src: *const E,
    n: usize,
    mask: M,
) -> u64 {
    // SAFETY: the loads stay inside the `n` vectors; the caller vouches for the ISA.
    unsafe {
        let mut keys = [V::splat(0.0); EXACT_UNROLL];
        let mut i = 0;
        while i + EXACT_UNROLL <= n {
            let bits = mask.group::<EXACT_UNROLL>(i * V::LANES, V::LANES);
            for (k, key) in keys.iter_mut().enumerate() {
                let x = load_where::<V, E, M>(src.add((i + k) * V::LANES), bits[k]);
                *key = x.max_key(*key);
            }
            i += EXACT_UNROLL;
        }
        let bits = mask.group::<EXACT_UNROLL>(i * V::LANES, V::LANES);
        for (k, key) in keys.iter_mut().enumerate().take(n - i) {
            let x = load_where::<V, E, M>(src.add((i + k) * V::LANES), bits[k]);
            *key = x.max_key(*key);
        }
        largest_key(keys)
    }
}

/// `S = M + 2` for a block whose largest magnitude has key `key`: every `|x| < 2^M` with
/// `M` = biased exponent − 1022 (also right for subnormals, biased 0), so `S >= -1020` and `σ` is
/// always normal at the bottom.
#[inline(always)]
fn sigma_exponent(key: u64) -> i64 {
    (key >> 52) as i64 - 1020
}

/// `σ = 1.5 · 2^s` and the position of its `ulp = 2^(s − 52)` in the superaccumulator's units of
/// 2^-1074, for `-1022 <= s <= 1023` (`σ` normal, `ulp` at least 2^-1074).
#[inline(always)]
fn sigma_at(s: i64) -> (f64, u32) {
    let sigma = f64::from_bits(((s + 1023) as u64) << 52 | 1 << 51);
    (sigma, (s - 52 + 1074) as u32)
}
