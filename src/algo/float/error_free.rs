//! The error-free pass: extraction levels that leave no error, then the superaccumulator.
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

use super::{
    BLOCK, EXACT_UNROLL, Element, FloatVector, largest_key, max_key, sigma_at, sigma_exponent,
};
use crate::exact_sum::ExactSum;

/// Extraction levels before the remaining residuals go to the superaccumulator one by one.
const LEVELS: usize = 4;

/// Adds `data` to `acc`, exactly (see the module docs).
///
/// # Safety
/// The CPU must support `V`'s ISA.
#[inline(always)]
pub(crate) unsafe fn error_free<V: FloatVector, E: Element>(acc: &mut ExactSum, data: &[E]) {
    let mut residuals = [0.0f64; BLOCK];
    for block in data.chunks(BLOCK) {
        let whole = block.len() - block.len() % V::LANES;
        let (vectors, tail) = block.split_at(whole);
        // SAFETY: the caller vouches for the ISA; `vectors` is whole vectors, at most BLOCK long.
        unsafe { error_free_block::<V, E>(acc, vectors, &mut residuals) };
        tail.iter().for_each(|&x| acc.add(x.widen()));
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
unsafe fn error_free_block<V: FloatVector, E: Element>(
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
