//! The error-free pass: extraction levels that leave no error, then the superaccumulator.
//!
//! # Exact, second pass: error-free levels, then the superaccumulator
//!
//! Rump, Ogita & Oishi's ExtractScalar, in levels. A level with `σ = 1.5 · 2^S` takes
//!
//! ```text
//! for each x:  t = σ + x;  q = t − σ;  r = x − q;  lane += bits(t);  x = r for the next level
//! ```
//!
//! `|x| < 2^S / 4` keeps `σ + x` strictly inside `[2^S, 2^(S+1))`, so `q = t − σ` is exact
//! (Sterbenz) and equals `(bits(t) − bits(σ)) · ulp` with `ulp = 2^(S−52)`, an integer of at most
//! 2^50 ulps, summed in wrapping 64-bit integer lanes; `r = x − q` is exact and `|r| <= ulp / 2`.
//!
//! A block of at most [`BLOCK`] elements is read twice. The first read finds its largest
//! magnitude (every `|x| < 2^M`, [`FloatVector::max_key`]) and its smallest nonzero one: every
//! element is an integer multiple of `2^low`, from the smallest exponent and
//! [`Element::FRACTION_BITS`] ([`FloatVector::min_key`]). The second read runs every level on
//! each vector while it is in registers, nothing stored between levels, with offsets fixed in
//! advance: level `k = 0, 1, …` takes
//!
//! ```text
//! S_k = max(M + 2 − 50·k, −1022)
//! ```
//!
//! Level 0 is valid by the choice of `M`. Level `k + 1` is valid because its inputs, the
//! residuals of level `k`, are at most `2^(S_k − 53)`, below `2^(S_(k+1) − 2) = 2^(S_k − 52)`
//! (the floor −1022 only makes `S` larger). The block needs `L` levels, the fewest with
//! `M + 2 − 50·(L−1) − 52 <= low`: the earlier levels have `ulp > 2^low` (so no floor), every
//! `q` of theirs is a multiple of `2^low`, and so is every residual; the last level has
//! `ulp <= 2^low` (the floor gives 2^-1074), so its `t` holds its input exactly and leaves
//! `r = 0`, which is therefore not computed. With the bench's data (65 binades,
//! `L = 3`) that is 4 vector operations for the first read and 4 per level but 2 for the last,
//! against 6 per level and a store and a load of every residual when each level's `σ` waited
//! for the previous level's largest residual.
//!
//! A block that would need more than [`LEVELS`] levels runs [`LEVELS`] of them, stores the last
//! residuals (in place, in a 16 KiB buffer that stays in L1) and takes them as a new block, with
//! its own key range and offsets: a round removes 200 bits from the top (the residuals are at most
//! `2^(S_3 − 53)`, so the next `S_0` is at most `S_0 − 200`) and lowers `low` by at most 53 bits
//! (a nonzero residual is a multiple of `2^low`, so at least `2^low`), so each round's span is
//! at least 147 bits narrower and the rounds end. Blocks that would need more than
//! `LEVELS · ROUNDS` levels (exponents over ~750 binades) are added element by element instead,
//! without a branch on the data: that many rounds would cost more. Blocks of zeros, with a NaN or
//! an infinity, or with magnitudes from 2^1021 on (`σ` would overflow) go to the
//! superaccumulator element by element, which applies the IEEE rules.
//!
//! Each level's lane totals reach the superaccumulator once per block: at most `BLOCK = 2^11`
//! terms of at most 2^50 ulps, below 2^61, so wrapping 64-bit lanes give the exact total. This
//! pass is also what [`ExactSum::add_slice`] runs: it never leaves slack.

use super::{BLOCK, EXACT_UNROLL, Element, FloatVector, largest_key, sigma_at, sigma_exponent};
use crate::exact_sum::ExactSum;

/// Extraction levels per round (a round stores its last residuals only when it needs more).
const LEVELS: usize = 4;
/// Rounds of [`LEVELS`] levels at most (each over the residuals of the last) for a block; blocks
/// that would need more (exponents over ~750 binades) are cheaper added element by element.
const ROUNDS: usize = 4;
/// Bits by which each level's `S` lies below the previous one's (see the module docs).
const LEVEL_BITS: i64 = 50;

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
    let (src, n) = (block.as_ptr(), block.len() / V::LANES);
    // SAFETY: `block` holds `n` whole vectors; the caller vouches for the ISA.
    let keys = unsafe { key_range::<V, E>(src, n) };
    // NaN and infinities (key >= 0x7ff << 52) give S_0 >= 1027.
    if keys.0 == 0 || sigma_exponent(keys.0) > 1023 {
        // Only zeros, or a NaN or an infinity, or magnitudes whose σ would overflow: the
        // superaccumulator takes the block, with its IEEE rules.
        return block.iter().for_each(|&x| acc.add(x.widen()));
    }
    acc.note_nonzero_terms();
    if level_count::<E>(keys).1 > LEVELS * ROUNDS {
        // Every element finite: one by one, without a branch on the data.
        return block.iter().for_each(|&x| acc.add_finite(x.widen()));
    }
    let buf = residuals.as_mut_ptr();
    // SAFETY: `n * LANES <= BLOCK` elements of `block` and `residuals`, every element finite
    // (the key is below that of infinity) and its σ in range; then the same for the residuals,
    // in place, each round's at least 148 bits narrower than the last (module docs).
    unsafe {
        let mut kept = levels::<V, E>(acc, src, n, keys, buf);
        while kept {
            let keys = key_range::<V, f64>(buf, n);
            kept = keys.0 != 0 && levels::<V, f64>(acc, buf, n, keys, buf);
        }
    }
}

/// `S_0` and the number of levels that leave no residual for elements whose [`key_range`] is
/// `keys` (not all zeros; module docs).
#[inline(always)]
fn level_count<E: Element>((largest, smallest): (u64, u64)) -> (i64, usize) {
    // S_0 = M + 2; every element is a multiple of 2^low (bit 63 of `smallest` is clear).
    let top = sigma_exponent(largest);
    let low = ((smallest >> 52) as i64).max(1) - 1023 - E::FRACTION_BITS;
    let span = (top - 52 - low).max(0);
    (top, 1 + ((span + LEVEL_BITS - 1) / LEVEL_BITS) as usize)
}

/// One round of levels over the `n` whole vectors at `src`, whose [`key_range`] is `keys` (not
/// all zeros): as many as they need, or [`LEVELS`] of them with the last residuals stored to
/// `residuals` (then returns `true`).
///
/// # Safety
/// `src` must be valid for reads of `n * V::LANES` elements, `residuals` for writes of as many
/// `f64` (it may be `src`, as `f64`), every element must be finite with `σ` of the largest in
/// range (`sigma_exponent(keys.0) <= 1023`), and the CPU must support `V`'s ISA.
#[inline(always)]
unsafe fn levels<V: FloatVector, E: Element>(
    acc: &mut ExactSum,
    src: *const E,
    n: usize,
    keys: (u64, u64),
    residuals: *mut f64,
) -> bool {
    let (top, count) = level_count::<E>(keys);
    // SAFETY: forwarded from the caller; the last level leaves no residual when `count` levels
    // are run (module docs).
    unsafe {
        match count {
            1 => extract::<V, E, 1, false>(acc, src, n, top, residuals),
            2 => extract::<V, E, 2, false>(acc, src, n, top, residuals),
            3 => extract::<V, E, 3, false>(acc, src, n, top, residuals),
            4 => extract::<V, E, 4, false>(acc, src, n, top, residuals),
            _ => {
                extract::<V, E, LEVELS, true>(acc, src, n, top, residuals);
                return true;
            }
        }
    }
    false
}

/// The largest key ([`FloatVector::max_key`]) and the smallest nonzero key
/// ([`FloatVector::min_key`]) of `n` whole vectors at `src`, as bits.
///
/// # Safety
/// `src` must be valid for reads of `n * V::LANES` elements; the CPU must support `V`'s ISA.
#[inline(always)]
unsafe fn key_range<V: FloatVector, E: Element>(src: *const E, n: usize) -> (u64, u64) {
    // SAFETY: the loads stay inside the `n` vectors; the caller vouches for the ISA.
    unsafe {
        let mut largest = [V::splat(0.0); EXACT_UNROLL];
        let mut smallest = [V::splat(f64::from_bits(u64::MAX)); EXACT_UNROLL];
        let mut i = 0;
        while i + EXACT_UNROLL <= n {
            for k in 0..EXACT_UNROLL {
                let x = E::load::<V>(src.add((i + k) * V::LANES));
                largest[k] = x.max_key(largest[k]);
                smallest[k] = x.min_key(smallest[k]);
            }
            i += EXACT_UNROLL;
        }
        for k in 0..n - i {
            let x = E::load::<V>(src.add((i + k) * V::LANES));
            largest[k] = x.max_key(largest[k]);
            smallest[k] = x.min_key(smallest[k]);
        }
        // Only the high halves matter, and they decide the order of the 64-bit values.
        let mut min = u64::MAX;
        for key in smallest {
            for &lane in &key.lanes()[..V::LANES] {
                min = min.min(lane.to_bits());
            }
        }
        (largest_key(largest), min)
    }
}

/// `L` extraction levels (module docs) over the `n` whole vectors at `src`, level `k` with
/// `S_k = max(top − 50·k, −1022)`: each level's integers `bits(t) − bits(σ)` go into `acc` in its
/// `ulp`'s units. With `KEEP`, the last level's residuals are stored to `residuals`; without, the
/// caller vouches that they are zero. Meanwhile the next block is prefetched (the load ports are
/// idle here), so that its first read finds it in L1 when the data comes from memory.
///
/// # Safety
/// `src` must be valid for reads of `n * V::LANES` elements and, with `KEEP`, `residuals` for
/// writes of as many `f64`; every element must be finite with magnitude below `2^(top − 2)`,
/// `top <= 1023`, without `KEEP` every element a multiple of `2^(S_(L−1) − 52)`, and the CPU
/// must support `V`'s ISA.
#[inline(always)]
unsafe fn extract<V: FloatVector, E: Element, const L: usize, const KEEP: bool>(
    acc: &mut ExactSum,
    src: *const E,
    n: usize,
    top: i64,
    residuals: *mut f64,
) {
    // SAFETY: loads and stores stay inside the `n` vectors; the caller vouches for the ISA.
    unsafe {
        let mut sigmas = [V::splat(0.0); L];
        let mut offsets = [(0u64, 0u32); L];
        for k in 0..L {
            let (sigma, unit) = sigma_at((top - LEVEL_BITS * k as i64).max(-1022));
            sigmas[k] = V::splat(sigma);
            offsets[k] = (sigma.to_bits(), unit);
        }
        let mut sums = [V::splat(0.0); L];
        let step = EXACT_UNROLL * V::LANES;
        let mut i = 0;
        while i + EXACT_UNROLL <= n {
            let ahead = src.wrapping_add(BLOCK + i * V::LANES).cast::<u8>();
            for line in (0..step * size_of::<E>()).step_by(64) {
                V::prefetch(ahead.wrapping_add(line));
            }
            for k in 0..EXACT_UNROLL {
                let at = (i + k) * V::LANES;
                extract_step::<V, E, L, KEEP>(src.add(at), residuals.add(at), &sigmas, &mut sums);
            }
            i += EXACT_UNROLL;
        }
        for at in (i * V::LANES..n * V::LANES).step_by(V::LANES) {
            extract_step::<V, E, L, KEEP>(src.add(at), residuals.add(at), &sigmas, &mut sums);
        }
        for (sum, (sigma_bits, unit)) in sums.into_iter().zip(offsets) {
            // Each lane added bits(σ) once per vector too many.
            let offset = (n as u64).wrapping_mul(sigma_bits);
            let mut total = 0u64;
            for &lane in &sum.lanes()[..V::LANES] {
                total = total.wrapping_add(lane.to_bits().wrapping_sub(offset));
            }
            // Below 2^50 · BLOCK = 2^61 in magnitude: the wrapping total is the exact one.
            acc.add_scaled(total as i64, unit);
        }
    }
}

/// All `L` levels of one vector at `src`: `t = σ_k + x` into `sums[k]`, `x = x − (t − σ_k)` for
/// the next level; with `KEEP` the last residual is stored to `dst`. (A function, not a closure:
/// a closure would be compiled without the caller's target features.)
///
/// # Safety
/// As for [`extract`], for one vector at `src` and `dst`.
#[inline(always)]
unsafe fn extract_step<V: FloatVector, E: Element, const L: usize, const KEEP: bool>(
    src: *const E,
    dst: *mut f64,
    sigmas: &[V; L],
    sums: &mut [V; L],
) {
    // SAFETY: forwarded from the caller.
    unsafe {
        let mut x = E::load::<V>(src);
        for k in 0..L {
            let t = sigmas[k].add(x);
            sums[k] = sums[k].add_bits(t);
            if KEEP || k + 1 < L {
                x = x.sub(t.sub(sigmas[k]));
            }
        }
        if KEEP {
            x.store(dst);
        }
    }
}
