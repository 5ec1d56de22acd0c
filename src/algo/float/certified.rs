//! The certified pass: an exact accumulator up to a proven error bound.
//!
//! # Exact, first pass: offset FastTwoSum and a certified rounding
//!
//! Blocks of at most [`BLOCK`] elements (fewer for 2-lane vectors, [`certified_block_len`]) are summed in `EXACT_UNROLL` vector accumulators whose
//! lanes start at `σ = 1.5 · 2^B`, where `2^M` bounds every `|x|` of the block (a first pass takes
//! the max over the exponent bits; fusing it into the previous block's loop was measured slower,
//! in cache and from memory) and `B = M + 9`. The second sweep prefetches the next block into L1
//! and the one after into L2, so that the first sweep reads L1 and memory streams without gaps:
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

use super::{
    BLOCK, EXACT_UNROLL, Element, FloatVector, fold_tree, load_where, max_key_where, opaque_one,
    sigma_at, sigma_exponent,
};
use crate::algo::mask::{All, Mask};
use crate::exact_sum::ExactSum;

/// Binades by which [`certified`] scales blocks whose `σ` would overflow: `2^-SCALE_BINADES · x`
/// is exact for every `|x| >= 2^(SCALE_BINADES − 1022)`, and such a block's error bound
/// (at least 2^942) dwarfs what the smaller elements lose to subnormal rounding or to being
/// flushed to zero ([`FloatVector::mul_flushing`]: below 2^-958 each, 2^-946 for a block).
pub(super) const SCALE_BINADES: i64 = 64;

/// `2^SCALE_BINADES`: undoes the scaling.
#[inline(always)]
fn scale_up() -> f64 {
    f64::from_bits(((1023 + SCALE_BINADES) as u64) << 52)
}

/// Adds `data` to `acc` up to an error of at most `*slack` more, added to `slack` (see the module
/// docs, "Exact, first pass").
///
/// # Safety
/// The CPU must support `V`'s ISA.
#[inline(always)]
pub(crate) unsafe fn certified<V: FloatVector, E: Element>(
    acc: &mut ExactSum,
    slack: &mut f64,
    data: &[E],
) {
    // SAFETY: the caller vouches for the ISA.
    unsafe { certified_where::<V, E, All>(acc, slack, data, All) }
}

/// [`certified`] of the elements of `data` that `mask` adds (the fused sums, `algo::mask`).
///
/// # Safety
/// The CPU must support `V`'s ISA.
#[inline(always)]
unsafe fn certified_where<V: FloatVector, E: Element, M: Mask>(
    acc: &mut ExactSum,
    slack: &mut f64,
    data: &[E],
    mask: M,
) {
    let len = certified_block_len::<V>();
    for (index, block) in data.chunks(len).enumerate() {
        let mask = mask.skip(index * len);
        let whole = block.len() - block.len() % V::LANES;
        let (vectors, tail) = block.split_at(whole);
        let readable = data.len() - index * len;
        // SAFETY: the caller vouches for the ISA; `vectors` is whole vectors, at most
        // `certified_block_len` long, and the `data` from its start on is readable.
        unsafe { certified_block::<V, E, M>(acc, slack, vectors, readable, mask) };
        add_where(acc, tail, mask.skip(whole));
    }
}

/// The certified pass over the elements of `data` that `mask` adds, from an empty accumulator:
/// the accumulator and its slack (the fused sums, `arch::Fused`).
///
/// # Safety
/// The CPU must support `V`'s ISA.
#[inline(always)]
pub(crate) unsafe fn certified_partial<V: FloatVector, E: Element, M: Mask>(
    data: &[E],
    mask: M,
) -> (ExactSum, f64) {
    let (mut acc, mut slack) = (ExactSum::new(), 0.0);
    // SAFETY: the caller vouches for the ISA.
    unsafe { certified_where::<V, E, M>(&mut acc, &mut slack, data, mask) };
    (acc, slack)
}

/// Adds the elements of `data` that `mask` adds to `acc` one at a time (IEEE rules included).
#[inline(always)]
fn add_where<E: Element, M: Mask>(acc: &mut ExactSum, data: &[E], mask: M) {
    for (j, &x) in data.iter().enumerate() {
        if mask.get(j) {
            acc.add(x.widen());
        }
    }
}

/// Elements per certified block: [`BLOCK`], or fewer where the vectors are narrow, so that each
/// lane takes at most 128 terms (see [`offset_sums`]): 2-lane vectors (SSE2, NEON) take 1,024.
const fn certified_block_len<V: FloatVector>() -> usize {
    let len = 128 * EXACT_UNROLL * V::LANES;
    if len < BLOCK { len } else { BLOCK }
}

/// Adds a block of whole vectors (at most [`certified_block_len`] elements) to `acc` with offset FastTwoSums,
/// and the bound on what its error sum may miss to `slack`. (A first pass over the block finds
/// its largest magnitude and brings it into L1 for the second.) The `readable` elements from the
/// block's start on (at least the block) bound what is prefetched meanwhile.
///
/// # Safety
/// The CPU must support `V`'s ISA.
#[inline(always)]
unsafe fn certified_block<V: FloatVector, E: Element, M: Mask>(
    acc: &mut ExactSum,
    slack: &mut f64,
    block: &[E],
    readable: usize,
    mask: M,
) {
    let n = block.len() / V::LANES;
    // SAFETY: `block` holds `n` whole vectors; the caller vouches for the ISA.
    let key = unsafe {
        if M::ALL {
            E::block_key::<V>(block.as_ptr(), n)
        } else {
            max_key_where::<V, E, M>(block.as_ptr(), n, mask)
        }
    };
    if key == 0 || key >> 52 >= 0x7ff {
        // Only zeros, or a NaN or an infinity: the superaccumulator applies the IEEE rules.
        return add_where(acc, block, mask);
    }
    acc.note_nonzero_terms();
    // B = M + 9 (see `offset_sums`).
    let (src, b) = (block.as_ptr(), sigma_exponent(key) + 7);
    let (residual, unit) = if b <= 1023 {
        let (sigma, unit) = sigma_at(b);
        // SAFETY: `n` whole vectors at `src`, every element finite (the key is below that of
        // infinity) and below 2^M = 2^(B−9).
        let residual =
            unsafe { offset_sums::<V, E, M, false>(acc, src, n, readable, sigma, unit, mask) };
        (residual, unit)
    } else {
        // Magnitudes from 2^1014 on: scaled by 2^-64 as they are loaded, σ fits again.
        let (sigma, unit) = sigma_at(b - SCALE_BINADES);
        let unit = unit + SCALE_BINADES as u32;
        // SAFETY: as above, for the scaled elements and `B − 64`.
        let residual =
            unsafe { offset_sums::<V, E, M, true>(acc, src, n, readable, sigma, unit, mask) };
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
pub(super) fn residual_bound(unit: u32) -> f64 {
    // ulp = 2^(unit − 1074), so the bound is 2^(unit − 1104).
    let exponent = unit as i32 - 1104;
    if exponent >= -1022 {
        f64::from_bits(((exponent + 1023) as u64) << 52)
    } else {
        f64::from_bits(1 << (exponent + 1074).max(0))
    }
}

/// One vector `x` of [`offset_sums`]: `t = s + x` with its exact error `x − (t − s)` (Dekker's
/// FastTwoSum: exact because `|s| >= 2^B > |x|`) into `err`, then `s = t`; the subtractions run
/// on the FMA units ([`FloatVector::sub_fused`]).
///
/// # Safety
/// As for [`offset_sums`], for the elements of `x`.
#[inline(always)]
unsafe fn fast_two_sum_step<V: FloatVector, E: Element, const SCALED: bool>(
    x: V,
    one: V,
    sum: &mut V,
    err: &mut V,
) {
    // SAFETY: the caller vouches for the ISA.
    unsafe {
        let x = if SCALED {
            let scale = V::splat(f64::from_bits(((1023 - SCALE_BINADES) as u64) << 52));
            x.mul_flushing(scale, V::splat(f64::MIN_POSITIVE * scale_up()))
        } else {
            x
        };
        let t = sum.add(x);
        *err = err.add(x.sub_fused(t.sub_fused(*sum, one), one));
        *sum = t;
    }
}

/// Sums the `n` whole vectors at `src` with running sums that start at `σ = 1.5 · 2^B`,
/// `B = M + 9`: a lane adds at most `certified_block_len / (EXACT_UNROLL · LANES) <= 128` terms below `2^M`,
/// so it drifts by less than `2^(B−2)` (plus rounding errors of at most `128 · 2^(B−53)`) and
/// stays strictly inside `(2^B, 2^(B+1))`. There FastTwoSum is exact, and the lane's final
/// `s − σ` is an exact multiple of `ulp = 2^(B−52)`, read off the bit patterns
/// (`bits(s) − bits(σ)`, linear across the binade) into `acc` in units of `2^unit`. Returns the
/// float sum of the TwoSum errors. `SCALED` multiplies each element by 2^-64 first (and the error
/// sum by 2^64 at the end; `unit` is then already that of the unscaled values). The elements
/// `mask` excludes are read as −0.0. Prefetches stay within the `readable` elements from `src`
/// on.
///
/// # Safety
/// `src` must be valid for reads of `n` whole vectors, `n * V::LANES <= certified_block_len`, every element
/// `mask` adds must be finite with magnitude (after scaling) below `2^(B−9)` for `σ = 1.5 · 2^B`, and the CPU
/// must support `V`'s ISA.
#[inline(always)]
unsafe fn offset_sums<V: FloatVector, E: Element, M: Mask, const SCALED: bool>(
    acc: &mut ExactSum,
    src: *const E,
    n: usize,
    readable: usize,
    sigma: f64,
    unit: u32,
    mask: M,
) -> f64 {
    const { assert!(certified_block_len::<V>() / (EXACT_UNROLL * V::LANES) <= 128) };
    // SAFETY: loads stay inside the `n` vectors; the caller vouches for the ISA.
    unsafe {
        let one = opaque_one::<V>();
        let mut sums = [V::splat(sigma); EXACT_UNROLL];
        let mut errs = [V::splat(0.0); EXACT_UNROLL];
        let mut i = 0;
        // The bytes one unrolled step reads. The same bytes of the next block are prefetched
        // into L1 meanwhile (load ports idle here), so its max pass finds them there, and those
        // of the block after into L2: out of cache, the L1 fill buffers alone keep too few lines
        // in flight (Intel AVX-512 host, one thread, 8 MiB from memory: 0.87 of Fast's speed
        // without, 1.0 with; in L2, 3 % slower). Nothing past `readable` is fetched: in a pool
        // that is another worker's chunk.
        let len = certified_block_len::<V>();
        let step = EXACT_UNROLL * V::LANES * size_of::<E>();
        while i + EXACT_UNROLL <= n {
            let next = len + (i + EXACT_UNROLL) * V::LANES;
            if next <= readable {
                let ahead = src
                    .wrapping_add(next - EXACT_UNROLL * V::LANES)
                    .cast::<u8>();
                for line in (0..step).step_by(64) {
                    V::prefetch(ahead.wrapping_add(line));
                }
            }
            if next + len <= readable {
                let ahead = src
                    .wrapping_add(next + len - EXACT_UNROLL * V::LANES)
                    .cast::<u8>();
                for line in (0..step).step_by(64) {
                    V::prefetch_l2(ahead.wrapping_add(line));
                }
            }
            let bits = mask.group::<EXACT_UNROLL>(i * V::LANES, V::LANES);
            for k in 0..EXACT_UNROLL {
                let x = load_where::<V, E, M>(src.add((i + k) * V::LANES), bits[k]);
                fast_two_sum_step::<V, E, SCALED>(x, one, &mut sums[k], &mut errs[k]);
            }
            i += EXACT_UNROLL;
        }
        let bits = mask.group::<EXACT_UNROLL>(i * V::LANES, V::LANES);
        for k in 0..n - i {
            let x = load_where::<V, E, M>(src.add((i + k) * V::LANES), bits[k]);
            fast_two_sum_step::<V, E, SCALED>(x, one, &mut sums[k], &mut errs[k]);
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
            residual * scale_up()
        } else {
            residual
        }
    }
}
