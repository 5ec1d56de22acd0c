//! The three floating-point sums, written once over a crate-private [`FloatVector`] trait (a
//! register of `f64` lanes) and instantiated per ISA inside `#[target_feature]` functions.
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
//!
//! # Exact, first pass: offset FastTwoSum and a certified rounding
//!
//! Blocks of at most [`BLOCK`] elements are summed in `EXACT_UNROLL` vector accumulators whose
//! lanes start at `σ = 1.5 · 2^B`, where `2^M` bounds every `|x|` of the block (a first pass takes
//! the max over the exponent bits and brings the block into L1; fusing it into the previous
//! block's loop was measured slower) and `B = M + 9`:
//!
//! ```text
//! for each x:  t = s + x;  err += x − (t − s);  s = t        (Dekker's FastTwoSum)
//! ```
//!
//! A lane adds at most 128 terms below `2^M`, so `s` never leaves `(2^B, 2^(B+1))`: FastTwoSum's
//! condition `|s| >= |x|` always holds, each `x − (t − s)` is the exact rounding error of `t`
//! (at most `2^(B−53)`), and `s − σ` is an exact multiple of `ulp = 2^(B−52)` that the bit
//! patterns give directly (`bits(s) − bits(σ)`: floats are linear in their bits within a
//! binade). The block's high parts go into an [`ExactSum`] exactly; the errors, summed in
//! floating point, go in too, and what that float sum may miss (at most `2^-30 · ulp` per block,
//! `residual_bound`) is carried as *slack*. This is the idea of Rump, Ogita & Oishi's
//! ExtractVector (AccSum, "Accurate floating-point summation part I", SIAM J. Sci. Comput.
//! 31(1), 2008) in running form: four floating-point operations per vector, two of them on the
//! FMA units ([`FloatVector::sub_fused`]). Blocks with magnitudes of 2^1014 and above are scaled
//! by 2^-64 as they are loaded (σ would overflow); blocks with NaN or infinities, or made only of
//! zeros, go to the superaccumulator element by element, which applies the IEEE rules.
//!
//! At the end the exact sum `T` of the accumulator lies within the total slack `E` of the true
//! sum. If `T − E` and `T + E` round to the same `f64`, so does the true sum (rounding is
//! monotonic), and that is the result. Otherwise — the true sum lies within `E` of a rounding
//! boundary: massive cancellation, or a tie — the caller sums the same chunks again with the
//! second pass. Either way the result is the correctly rounded sum, so it cannot depend on the
//! chunking, thread count or ISA.
//!
//! # Compensated
//!
//! The first pass of Exact, rounded without the certification: a Kahan–Babuška–Neumaier sum
//! whose accumulators are offset so that FastTwoSum needs no magnitude test, with every block's
//! high part kept exactly. Per block of largest magnitude `2^M` it misses at most
//! `2^-30 · 2^(M+9−52) = 2^(M−73)`, so
//!
//! ```text
//! |result − Σx| ≤ 2^-53·|Σx| + 2^-72·Σ|x|      (independent of n)
//! ```
//!
//! as accurate as summing in twice the working precision, then rounding once.
//!
//! # Exact, second pass: error-free levels, then the superaccumulator
//!
//! Rump, Ogita & Oishi's ExtractScalar, level by level. With `S = M + 2` and `σ = 1.5 · 2^S`,
//!
//! ```text
//! for each x:  t = σ + x;  q = t − σ;  r = x − q;  lane += bits(t);  keep r in a buffer
//! ```
//!
//! `|x| < 2^S / 4` keeps `σ + x` strictly inside `[2^S, 2^(S+1))`, so `q = t − σ` is exact
//! (Sterbenz) and equals `(bits(t) − bits(σ)) · 2^(S−52)`, an integer of at most 51 bits times
//! the ulp, summed in wrapping 64-bit integer lanes; `r` is exactly representable. The residuals
//! become the next level's input, each level taking the next 50 bits below the largest
//! magnitude. After at most
//! [`LEVELS`] levels, or when `σ` would overflow, the remaining nonzero residuals are added to
//! the superaccumulator one by one. Data whose exponents lie within ~100 binades of each other in
//! a block needs at most three levels; inputs spread over the whole exponent range fall back to
//! scalar superaccumulator speed. This pass is also what [`ExactSum::add_slice`] runs: it never
//! leaves slack.

use super::ExactSum;

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
    /// `keys` updated with the magnitude key of `self`: per 64-bit lane, the bits of `|x|`, and
    /// `keys` keeps the unsigned maximum *of each 32-bit half separately*. Taken over a block, the
    /// high half of the largest key holds the largest biased exponent (bits 52..63), the key is 0
    /// exactly when every element is ±0, and it is at least `0x7ff << 52` exactly when a NaN or an
    /// infinity is present (their bits are the largest magnitudes).
    ///
    /// # Safety
    /// The CPU must support this ISA.
    unsafe fn max_key(self, keys: Self) -> Self;
    /// Wrapping add of the bit patterns of `self` and `other`, as 64-bit integer lanes.
    ///
    /// # Safety
    /// The CPU must support this ISA.
    unsafe fn add_bits(self, other: Self) -> Self;

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
    /// The element as `f64`, exactly.
    fn widen(self) -> f64;
}

impl Element for f64 {
    #[inline(always)]
    unsafe fn load<V: FloatVector>(ptr: *const f64) -> V {
        // SAFETY: forwarded from the caller.
        unsafe { V::load(ptr) }
    }
    #[inline(always)]
    fn widen(self) -> f64 {
        self
    }
}

impl Element for f32 {
    #[inline(always)]
    unsafe fn load<V: FloatVector>(ptr: *const f32) -> V {
        // SAFETY: forwarded from the caller.
        unsafe { V::load_f32(ptr) }
    }
    #[inline(always)]
    fn widen(self) -> f64 {
        f64::from(self)
    }
}

/// Independent accumulators of the fast sum: enough adds in flight to cover the add latency.
const FAST_UNROLL: usize = 8;
/// Independent accumulators per extraction level of the exact sum.
const EXACT_UNROLL: usize = 4;
/// Elements per exact block: the residual buffer (16 KiB) stays in L1, and a lane total of one
/// level (at most `BLOCK / 4` terms below 2^50 units) stays far below 2^63.
const BLOCK: usize = 2048;
/// Extraction levels before the remaining residuals go to the superaccumulator one by one.
const LEVELS: usize = 4;

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

/// Adds `data` to `acc`, exactly (see the module docs).
///
/// # Safety
/// The CPU must support `V`'s ISA.
#[inline(always)]
pub(crate) unsafe fn exact<V: FloatVector, E: Element>(acc: &mut ExactSum, data: &[E]) {
    let mut residuals = [0.0f64; BLOCK];
    for block in data.chunks(BLOCK) {
        let whole = block.len() - block.len() % V::LANES;
        let (vectors, tail) = block.split_at(whole);
        // SAFETY: the caller vouches for the ISA; `vectors` is whole vectors, at most BLOCK long.
        unsafe { exact_block::<V, E>(acc, vectors, &mut residuals) };
        tail.iter().for_each(|&x| acc.add(x.widen()));
    }
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

/// Biased exponent bits of the largest magnitude of `n` whole vectors at `src` (see
/// [`FloatVector::max_key`]).
///
/// # Safety
/// `src` must be valid for reads of `n * V::LANES` elements; the CPU must support `V`'s ISA.
#[inline(always)]
unsafe fn max_key<V: FloatVector, E: Element>(src: *const E, n: usize) -> u64 {
    // SAFETY: the loads stay inside the `n` vectors; the caller vouches for the ISA.
    unsafe {
        let mut keys = [V::splat(0.0); EXACT_UNROLL];
        let mut i = 0;
        while i + EXACT_UNROLL <= n {
            for (k, key) in keys.iter_mut().enumerate() {
                *key = E::load::<V>(src.add((i + k) * V::LANES)).max_key(*key);
            }
            i += EXACT_UNROLL;
        }
        for (k, key) in keys.iter_mut().enumerate().take(n - i) {
            *key = E::load::<V>(src.add((i + k) * V::LANES)).max_key(*key);
        }
        largest_key(keys)
    }
}

/// `σ = 1.5 · 2^S` with `S = M + 2` for a block whose largest magnitude has key `key`, and the
/// position of `ulp = 2^(S − 52)` in the superaccumulator's units of 2^-1074; `None` where `σ`
/// would overflow (`S > 1023`), or for NaN and infinities (their key gives the largest `S`).
#[inline(always)]
fn sigma(key: u64) -> Option<(f64, u32)> {
    let s = sigma_exponent(key);
    (s <= 1023).then(|| sigma_at(s))
}

/// `S = M + 2` for a block whose largest magnitude has key `key`: every `|x| < 2^M` with
/// `M` = biased exponent − 1022 (also right for subnormals, biased 0), so `S >= -1020` and `σ` is
/// always normal at the bottom.
#[inline(always)]
fn sigma_exponent(key: u64) -> i64 {
    (key >> 52) as i64 - 1020
}

/// `(σ, unit)` for `-1020 <= s <= 1023` (see [`sigma`]).
#[inline(always)]
fn sigma_at(s: i64) -> (f64, u32) {
    let sigma = f64::from_bits(((s + 1023) as u64) << 52 | 1 << 51);
    (sigma, (s - 52 + 1074) as u32)
}

/// One vector of an extraction level: `t = σ + x`, `bits(t)` into `sum`, `r = x − (t − σ)` to
/// `dst` and into `key`. (A function, not a closure: see [`two_sum_step`].)
///
/// # Safety
/// As for [`extract`], for one vector at `src` and `dst`.
#[inline(always)]
unsafe fn extract_step<V: FloatVector, E: Element>(
    src: *const E,
    dst: *mut f64,
    sigma: V,
    sum: &mut V,
    key: &mut V,
) {
    // SAFETY: forwarded from the caller.
    unsafe {
        let x = E::load::<V>(src);
        let t = sigma.add(x);
        let r = x.sub(t.sub(sigma));
        *sum = sum.add_bits(t);
        *key = r.max_key(*key);
        r.store(dst);
    }
}

/// One extraction level over `n` whole vectors: the integers `(bits(t) − bits(σ))` summed in
/// [`EXACT_UNROLL`] lane accumulators that go into `acc` in units of `2^unit` (of 2^-1074), `r`
/// written to `dst` (which may be `src`). Returns the key of the residuals.
///
/// # Safety
/// `src` must be valid for reads and `dst` for writes of `n * V::LANES` elements, `dst` may only
/// overlap `src` exactly, `n * V::LANES <= BLOCK`, every element must be finite with magnitude
/// below `2^(S−2)` for `(σ, unit) = sigma(..)`, and the CPU must support `V`'s ISA.
#[inline(always)]
unsafe fn extract<V: FloatVector, E: Element>(
    acc: &mut ExactSum,
    src: *const E,
    dst: *mut f64,
    n: usize,
    (sigma, unit): (f64, u32),
) -> u64 {
    // SAFETY: loads and stores stay inside the `n` vectors; the caller vouches for the ISA.
    unsafe {
        let s = V::splat(sigma);
        let mut sums = [V::splat(0.0); EXACT_UNROLL];
        let mut keys = [V::splat(0.0); EXACT_UNROLL];
        let mut i = 0;
        while i + EXACT_UNROLL <= n {
            for k in 0..EXACT_UNROLL {
                let at = (i + k) * V::LANES;
                extract_step(src.add(at), dst.add(at), s, &mut sums[k], &mut keys[k]);
            }
            i += EXACT_UNROLL;
        }
        for k in 0..n - i {
            let at = (i + k) * V::LANES;
            extract_step(src.add(at), dst.add(at), s, &mut sums[k], &mut keys[k]);
        }
        let mut total = 0u64;
        for (k, sum) in sums.into_iter().enumerate() {
            // Vectors that went into accumulator k; each added bits(σ) once too many.
            let count = (n / EXACT_UNROLL + usize::from(k < n % EXACT_UNROLL)) as u64;
            let offset = count.wrapping_mul(sigma.to_bits());
            for &lane in &sum.lanes()[..V::LANES] {
                total = total.wrapping_add(lane.to_bits().wrapping_sub(offset));
            }
        }
        // Every high part is below 2^51 units, so the block's true total is below
        // 2^51 · BLOCK = 2^62 in magnitude: wrapping arithmetic on 64 bits gives it exactly.
        acc.add_scaled(total as i64, unit);
        largest_key(keys)
    }
}

/// Adds a block of whole vectors (at most [`BLOCK`] elements) to `acc`, exactly.
///
/// # Safety
/// The CPU must support `V`'s ISA.
#[inline(always)]
unsafe fn exact_block<V: FloatVector, E: Element>(
    acc: &mut ExactSum,
    block: &[E],
    residuals: &mut [f64; BLOCK],
) {
    let n = block.len() / V::LANES;
    // SAFETY: `block` holds `n` whole vectors; the caller vouches for the ISA.
    let key = unsafe { max_key::<V, E>(block.as_ptr(), n) };
    let first = match sigma(key) {
        // Only zeros, or a NaN or an infinity (key >= 0x7ff << 52 gives no σ), or magnitudes the
        // levels cannot handle: the superaccumulator takes the block, with its IEEE rules.
        Some(s) if key != 0 => s,
        _ => return block.iter().for_each(|&x| acc.add(x.widen())),
    };
    acc.note_nonzero_terms();
    let buf = residuals.as_mut_ptr();
    // SAFETY: `n * LANES <= BLOCK` elements of `block` and `residuals`; every element is finite
    // (the key is below that of infinity) and below 2^M = 2^(S−2) by the choice of σ.
    let mut key = unsafe { extract::<V, E>(acc, block.as_ptr(), buf, n, first) };
    for _ in 1..LEVELS {
        if key == 0 {
            return;
        }
        let Some(s) = sigma(key) else { break };
        // SAFETY: as above, in place over the residuals of the previous level, which are finite
        // and below the new 2^(S−2).
        key = unsafe { extract::<V, f64>(acc, buf, buf, n, s) };
    }
    if key != 0 {
        for &r in &residuals[..n * V::LANES] {
            if r != 0.0 {
                acc.add_finite(r);
            }
        }
    }
}

/// Binades by which [`bounded`] scales blocks whose `σ` would overflow: `2^-SCALE_BINADES · x`
/// is exact for every `|x| >= 2^(SCALE_BINADES − 1022)`, and such a block's error bound
/// (at least 2^942) dwarfs what the smaller elements lose to subnormal rounding (2^-1011 each).
const SCALE_BINADES: i64 = 64;

/// Adds `data` to `acc` up to an error of at most `*slack` more, added to `slack` (see the module
/// docs, "Exact, first pass").
///
/// # Safety
/// The CPU must support `V`'s ISA.
#[inline(always)]
pub(crate) unsafe fn bounded<V: FloatVector, E: Element>(
    acc: &mut ExactSum,
    slack: &mut f64,
    data: &[E],
) {
    for block in data.chunks(BLOCK) {
        let whole = block.len() - block.len() % V::LANES;
        let (vectors, tail) = block.split_at(whole);
        // SAFETY: the caller vouches for the ISA; `vectors` is whole vectors, at most BLOCK long.
        unsafe { bounded_block::<V, E>(acc, slack, vectors) };
        tail.iter().for_each(|&x| acc.add(x.widen()));
    }
}

/// Adds a block of whole vectors (at most [`BLOCK`] elements) to `acc` with offset FastTwoSums,
/// and the bound on what its error sum may miss to `slack`. (A first pass over the block finds
/// its largest magnitude and brings it into L1 for the second.)
///
/// # Safety
/// The CPU must support `V`'s ISA.
#[inline(always)]
unsafe fn bounded_block<V: FloatVector, E: Element>(
    acc: &mut ExactSum,
    slack: &mut f64,
    block: &[E],
) {
    let n = block.len() / V::LANES;
    // SAFETY: `block` holds `n` whole vectors; the caller vouches for the ISA.
    let key = unsafe { max_key::<V, E>(block.as_ptr(), n) };
    if key == 0 || key >> 52 >= 0x7ff {
        // Only zeros, or a NaN or an infinity: the superaccumulator applies the IEEE rules.
        return block.iter().for_each(|&x| acc.add(x.widen()));
    }
    acc.note_nonzero_terms();
    // B = M + 9 (see `offset_sums`).
    let (src, b) = (block.as_ptr(), sigma_exponent(key) + 7);
    let (residual, unit) = if b <= 1023 {
        let (sigma, unit) = sigma_at(b);
        // SAFETY: `n` whole vectors at `src`, every element finite (the key is below that of
        // infinity) and below 2^M = 2^(B−9).
        let residual = unsafe { offset_sums::<V, E, false>(acc, src, n, sigma, unit) };
        (residual, unit)
    } else {
        // Magnitudes from 2^1014 on: scaled by 2^-64 as they are loaded, σ fits again.
        let (sigma, unit) = sigma_at(b - SCALE_BINADES);
        let unit = unit + SCALE_BINADES as u32;
        // SAFETY: as above, for the scaled elements and `B − 64`.
        let residual = unsafe { offset_sums::<V, E, true>(acc, src, n, sigma, unit) };
        (residual, unit)
    };
    if residual != 0.0 {
        acc.add_finite(residual);
    }
    *slack += residual_bound(unit);
}

/// A bound on the rounding error of a block's error sum, for a block whose `σ` has its `ulp` at
/// `unit` (units of 2^-1074): every TwoSum error is exact and at most `2^(B−53) = ulp / 2` (the
/// running sums stay below `2^(B+1)`), at most `BLOCK = 2^11` of them, so any summation order
/// errs by at most `γ(2^11) · 2^11 · ulp / 2 < 2^-41 · 2^10 · ulp = 2^-31 · ulp`; we take twice
/// that, `2^-30 · ulp`, which also covers the subnormal rounding of scaled blocks (see
/// [`SCALE_BINADES`]). Below 2^-1074 the bound is 2^-1074: error sums that small are exact anyway.
#[inline(always)]
fn residual_bound(unit: u32) -> f64 {
    // ulp = 2^(unit − 1074), so the bound is 2^(unit − 1104).
    let exponent = unit as i32 - 1104;
    if exponent >= -1022 {
        f64::from_bits(((exponent + 1023) as u64) << 52)
    } else {
        f64::from_bits(1 << (exponent + 1074).max(0))
    }
}

/// One vector of [`offset_sums`]: `t = s + x` with its exact error `x − (t − s)` (Dekker's
/// FastTwoSum: exact because `|s| >= 2^B > |x|`) into `err`, then `s = t`; the subtractions run
/// on the FMA units ([`FloatVector::sub_fused`]).
///
/// # Safety
/// As for [`offset_sums`], for one vector at `src`.
#[inline(always)]
unsafe fn fast_two_sum_step<V: FloatVector, E: Element, const SCALED: bool>(
    src: *const E,
    one: V,
    sum: &mut V,
    err: &mut V,
) {
    // SAFETY: forwarded from the caller.
    unsafe {
        let x = E::load::<V>(src);
        let x = if SCALED {
            x.mul(V::splat(f64::from_bits(
                ((1023 - SCALE_BINADES) as u64) << 52,
            )))
        } else {
            x
        };
        let t = sum.add(x);
        *err = err.add(x.sub_fused(t.sub_fused(*sum, one), one));
        *sum = t;
    }
}

/// Sums the `n` whole vectors at `src` with running sums that start at `σ = 1.5 · 2^B`,
/// `B = M + 9`: a lane adds at most `BLOCK / (EXACT_UNROLL · LANES) <= 128` terms below `2^M`,
/// so it drifts by less than `2^(B−2)` (plus rounding errors of at most `128 · 2^(B−53)`) and
/// stays strictly inside `(2^B, 2^(B+1))`. There FastTwoSum is exact, and the lane's final
/// `s − σ` is an exact multiple of `ulp = 2^(B−52)`, read off the bit patterns
/// (`bits(s) − bits(σ)`, linear across the binade) into `acc` in units of `2^unit`. Returns the
/// float sum of the TwoSum errors. `SCALED` multiplies each element by 2^-64 first (and the error
/// sum by 2^64 at the end; `unit` is then already that of the unscaled values).
///
/// # Safety
/// `src` must be valid for reads of `n` whole vectors, `n * V::LANES <= BLOCK`, every element
/// must be finite with magnitude (after scaling) below `2^(B−9)` for `σ = 1.5 · 2^B`, and the CPU
/// must support `V`'s ISA.
#[inline(always)]
unsafe fn offset_sums<V: FloatVector, E: Element, const SCALED: bool>(
    acc: &mut ExactSum,
    src: *const E,
    n: usize,
    sigma: f64,
    unit: u32,
) -> f64 {
    const { assert!(BLOCK / (EXACT_UNROLL * V::LANES) <= 128) };
    // SAFETY: loads stay inside the `n` vectors; the caller vouches for the ISA.
    unsafe {
        let one = opaque_one::<V>();
        let mut sums = [V::splat(sigma); EXACT_UNROLL];
        let mut errs = [V::splat(0.0); EXACT_UNROLL];
        let mut i = 0;
        // The bytes one unrolled step reads; the same bytes of the next block are prefetched
        // meanwhile (load ports idle here), so its max pass finds them in L1 out of cache too.
        let step = EXACT_UNROLL * V::LANES * size_of::<E>();
        while i + EXACT_UNROLL <= n {
            let ahead = src.wrapping_add(BLOCK + i * V::LANES).cast::<u8>();
            for line in (0..step).step_by(64) {
                V::prefetch(ahead.wrapping_add(line));
            }
            for k in 0..EXACT_UNROLL {
                let at = src.add((i + k) * V::LANES);
                fast_two_sum_step::<V, E, SCALED>(at, one, &mut sums[k], &mut errs[k]);
            }
            i += EXACT_UNROLL;
        }
        for k in 0..n - i {
            let at = src.add((i + k) * V::LANES);
            fast_two_sum_step::<V, E, SCALED>(at, one, &mut sums[k], &mut errs[k]);
        }
        let mut total = 0i64;
        for sum in sums {
            let lanes = sum.lanes();
            for &lane in &lanes[..V::LANES] {
                // |s − σ| < 2^(B−1) = 2^51 ulp each, so 32 lanes stay below 2^56.
                total += lane.to_bits() as i64 - sigma.to_bits() as i64;
            }
        }
        acc.add_scaled(total, unit);
        let lanes = fold_tree(errs).lanes();
        let residual = lanes[..V::LANES].iter().fold(0.0, |s, &x| s + x);
        if SCALED {
            residual * f64::from_bits(((1023 + SCALE_BINADES) as u64) << 52)
        } else {
            residual
        }
    }
}
