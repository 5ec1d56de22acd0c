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
//! # Compensated (Ogita–Rump–Oishi Sum2, in lanes)
//!
//! Every lane keeps a running sum `s` and a running error `c`; each term goes through Knuth's
//! branch-free TwoSum (`t = s + x; z = t - s; e = (s - (t - z)) + (x - z)`, so `s + x = t + e`
//! exactly), then `s = t; c += e`. Lanes are folded the same way, in a fixed order. The result is
//! `s + c`. Any summation tree of TwoSums with the errors summed naively keeps Sum2's bound
//! (Ogita, Rump & Oishi, "Accurate sum and dot product", SIAM J. Sci. Comput. 26(6), 2005,
//! Proposition 4.5): with `u = 2^-53` and `γ(k) = k·u / (1 − k·u)`,
//!
//! ```text
//! |result − Σx| ≤ u·|Σx| + γ(n−1)²·Σ|x|
//! ```
//!
//! as long as nothing overflows: as accurate as summing in twice the working precision, then
//! rounding once.
//!
//! # Exact (error-free extraction, then a superaccumulator)
//!
//! A block of at most [`BLOCK`] elements is summed exactly, mostly in SIMD lanes, with the idea of
//! Rump, Ogita & Oishi's ExtractScalar / AccSum ("Accurate floating-point summation part I",
//! SIAM J. Sci. Comput. 31(1), 2008), in the variant with `σ = 1.5 · 2^S` that keeps `σ + x` in one
//! binade:
//!
//! ```text
//! M = smallest power of two with |x| < 2^M for every x in the block (a max over the exponent bits)
//! S = M + 2;  σ = 1.5 · 2^S;  ulp = 2^(S − 52)
//! for each x:  t = σ + x;  q = t − σ;  r = x − q;  lane += bits(t);  keep r in a buffer
//! ```
//!
//! `|x| < 2^S / 4`, so `σ + x` lies strictly inside `[2^S, 2^(S+1))` even after rounding: `t` and
//! `σ` share a binade, where the bit pattern of a float is linear in its value. Hence `q = t − σ` is
//! exact (Sterbenz) and equals `(bits(t) − bits(σ)) · ulp`, an integer of at most 51 bits times
//! `ulp`; `r` is the rounding error of `σ + x`, exactly representable, `|r| ≤ ulp / 2 = 2^(M−51)`.
//! The lanes therefore add *integers*: `bits(t)` in wrapping 64-bit lanes, with `count · bits(σ)`
//! taken off at the end — exact, as the true lane total is below 2^63, and done on the integer
//! units, leaving the floating-point adders three operations per element and level. The lane
//! totals go into the [`ExactSum`] (a few scalar adds per block), and the residuals `r` become the
//! next level's input, each level taking the next 50 bits below the largest magnitude. After at
//! most [`LEVELS`] levels, or when `σ` would overflow (magnitudes of 2^1021 and above), the
//! remaining nonzero residuals are added to the superaccumulator one by one. Blocks with NaN or
//! infinities, or made only of zeros, go to the superaccumulator directly, which applies the IEEE
//! rules.
//!
//! Data whose exponents lie within ~100 binades of each other in a block needs at most three
//! levels. Inputs spread over the whole exponent range fall back to scalar superaccumulator speed;
//! exactness never depends on the data.

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
/// Independent (sum, error) pairs of the compensated sum.
const COMPENSATED_UNROLL: usize = 4;
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

/// Knuth's TwoSum: `(s, e)` with `s = fl(a + b)` and `s + e = a + b` exactly (barring overflow).
#[inline(always)]
pub(crate) fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let z = s - a;
    (s, (a - (s - z)) + (b - z))
}

/// `sum += x` in every lane, with the rounding error added to `err` (TwoSum).
///
/// A function rather than a closure: a closure would be compiled without the caller's target
/// features and called out of line.
///
/// # Safety
/// The CPU must support `V`'s ISA.
#[inline(always)]
unsafe fn two_sum_step<V: FloatVector>(sum: &mut V, err: &mut V, x: V) {
    // SAFETY: the caller vouches for the ISA.
    unsafe {
        let s = *sum;
        let t = s.add(x);
        let z = t.sub(s);
        let e = s.sub(t.sub(z)).add(x.sub(z));
        *sum = t;
        *err = err.add(e);
    }
}

/// The compensated sum of `data` as `(sum, error)`: the result is `sum + error`.
///
/// # Safety
/// The CPU must support `V`'s ISA.
#[inline(always)]
pub(crate) unsafe fn compensated<V: FloatVector, E: Element>(data: &[E]) -> (f64, f64) {
    let vectors = data.len() / V::LANES;
    let ptr = data.as_ptr();
    // SAFETY: every load reads vector `i < vectors`, inside `data`; the caller vouches for the ISA.
    unsafe {
        let mut sums = [V::splat(-0.0); COMPENSATED_UNROLL];
        let mut errs = [V::splat(0.0); COMPENSATED_UNROLL];
        let mut i = 0;
        while i + COMPENSATED_UNROLL <= vectors {
            for k in 0..COMPENSATED_UNROLL {
                two_sum_step(
                    &mut sums[k],
                    &mut errs[k],
                    E::load(ptr.add((i + k) * V::LANES)),
                );
            }
            i += COMPENSATED_UNROLL;
        }
        for k in 0..vectors - i {
            two_sum_step(
                &mut sums[k],
                &mut errs[k],
                E::load(ptr.add((i + k) * V::LANES)),
            );
        }
        let (mut sum, mut err) = (-0.0, 0.0);
        for (s, c) in sums.into_iter().zip(errs) {
            for (&s, &c) in s.lanes()[..V::LANES].iter().zip(&c.lanes()[..V::LANES]) {
                let (t, e) = two_sum(sum, s);
                sum = t;
                err += e + c;
            }
        }
        for &x in &data[vectors * V::LANES..] {
            let (t, e) = two_sum(sum, x.widen());
            sum = t;
            err += e;
        }
        (sum, err)
    }
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
        let keys = keys
            .into_iter()
            .reduce(|a, b| b.max_key(a))
            .unwrap_or(keys[0]);
        keys.lanes()[..V::LANES]
            .iter()
            .map(|x| x.to_bits())
            .max()
            .unwrap_or(0)
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
    // Every |x| < 2^M with M = biased exponent − 1022 (also right for subnormals, biased 0), so
    // S = biased − 1020 >= -1020: σ is always normal at the bottom.
    let s = (key >> 52) as i64 - 1020;
    (s <= 1023).then(|| {
        let sigma = f64::from_bits(((s + 1023) as u64) << 52 | 1 << 51);
        (sigma, (s - 52 + 1074) as u32)
    })
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
        for (k, sum) in sums.into_iter().enumerate() {
            // Vectors that went into accumulator k; each added bits(σ) once too many.
            let count = (n / EXACT_UNROLL + usize::from(k < n % EXACT_UNROLL)) as u64;
            let offset = count.wrapping_mul(sigma.to_bits());
            for &lane in &sum.lanes()[..V::LANES] {
                // The true total is below 2^50 · BLOCK in magnitude: wrapping arithmetic is exact.
                let units = lane.to_bits().wrapping_sub(offset) as i64;
                acc.add_scaled(units, unit);
            }
        }
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
