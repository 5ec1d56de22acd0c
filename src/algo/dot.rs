//! The dot products (issue 11), each written once: integers over [`Vector`], floats over
//! [`FloatVector`]; `arch::kernel_table!` instantiates them per ISA.
//!
//! # Integers
//!
//! ```text
//! for each block of at most 1 GiB of `a`:
//!     for each group of 4 vector pairs (a[k], b[k]):  step(acc[k], a[k], b[k])
//!     every FLUSH_EVERY groups: flush 32-bit lanes into 64-bit lanes
//!     total += horizontal sum, as i128
//! total += the last partial vector, element by element
//! ```
//!
//! - 16-bit signed ([`Words`]): a pair sum `v = a0·b0 + a1·b1` lies in `[−2^31 + 2^16, 2^31]`
//!   (only `2·(−2^15)^2` reaches `2^31`), so `w = v − 2^15` lies in `[−2^31 + 2^15, 2^31 − 2^15]`
//!   and is exact in an i32 lane: `pmaddwd` plus the bias (`vpdpwssd` into the bias on VNNI,
//!   `algo::vnni`). Per lane, `wrapped += w` (wrapping) and `high += w >> 16` (arithmetic, in
//!   `[−2^15, 2^15)`); with `w = 2^16·(w >> 16) + low`, `low` in `[0, 2^16)`. At a flush the four
//!   accumulators are merged: a lane then holds `k ≤ 2^16` pair sums, so `Σhigh` fits an i32 and
//!   `Σlow = wrapped − (Σhigh << 16) mod 2^32` is exact (below `2^32`); `Σw = 2^16·Σhigh + Σlow`
//!   goes into an `i128`, and the total adds back `2^15` per pair. Per 64 bytes on AVX-512: the
//!   multiply-add and the shift (port 0), two `vpaddd` (ports 0 and 5): about two cycles, against
//!   three port-0 µops for the widening `pmaddwd` loop it replaced.
//! - 8-bit ([`Bytes`]): each 16-bit lane is split into its two bytes, sign- or zero-extended to
//!   16 bits (shifts), and the two halves go through `pmaddwd`. Signed: a 32-bit lane gains at
//!   most `2·2·2^14 = 2^16` per vector, so 32,767 vectors stay within `±(2^31 − 2^16)`; unsigned:
//!   at most `4·255^2 = 260,100`, so 8,191 vectors stay below 2^31. Then the lanes are flushed as
//!   in the integer sums (offset by 2^31, zero-extended, the offsets taken off in the total).
//! - On AVX-512 VNNI, `i8` and `u8` take the folds of `algo::vnni` instead, `i16` its pair sums.
//! - Before the vector loop, the pairs up to `a`'s first vector boundary are taken one by one:
//!   a load of `a` then never spans two cache lines (those split loads halved the 64 KiB
//!   in-cache speed, where the data come from L2).
//! - 16-bit unsigned, 32-bit ([`dot_unsigned`], [`dot_signed`]): products are below 2^64; the
//!   plain loop keeps their low and high 32-bit halves in two `u64` (each add below 2^32, at most
//!   2^31 per block) and is left to the compiler's vectoriser under each ISA's features. Signed
//!   inputs are biased, `u = x + 2^31`, and `Σxy = Σuv − 2^31·Σ(u + v) + n·2^62`.
//!
//! # Floats
//!
//! - [`fast`]: eight vector accumulators, `acc = a·b + acc` (one FMA where the ISA has it).
//! - [`certified`]: TwoProduct, `p = fl(a·b)`, `e = fma(a, b, −p)`; the `p` go through the
//!   certified pass of the exact sum (`algo::float::certified`), the `e` are summed in the
//!   vector lanes with an error bound (Dot2, certified: see the function). `p + e = a·b` exactly
//!   unless a product overflows (then the kernel returns `false` and the caller takes the
//!   error-free retry) or underflows (`|a·b| < 2^-969`): then `|p + e − a·b| ≤ 2^-1075`, which
//!   the kernel adds to the slack, `2^-1074` per product.

use crate::algo::float::{Element, FloatVector};
use crate::algo::int::{LOW32, Vector, flush_i32_lanes, repeat32};
use crate::exact_sum::ExactSum;

/// Independent accumulators per fold.
pub(crate) const UNROLL: usize = 4;
/// The most bytes of `a` folded before the lanes are reduced (see the module docs).
const BLOCK_BYTES: usize = 1 << 30;

/// How one vector pair is folded into lanes (per input width).
pub(crate) trait PairFold<V: Vector> {
    /// Vectors one accumulator may take between two flushes.
    const FLUSH_EVERY: usize = usize::MAX;
    /// Fresh, empty accumulators.
    ///
    /// # Safety
    /// The CPU must support `V`'s ISA (as for every method below).
    unsafe fn new() -> Self;
    /// Adds the products of one vector pair to accumulator `k`.
    ///
    /// # Safety
    /// The CPU must support `V`'s ISA.
    unsafe fn step(&mut self, k: usize, a: V, b: V);
    /// Moves narrow lanes into wide ones.
    ///
    /// # Safety
    /// The CPU must support `V`'s ISA.
    #[inline(always)]
    unsafe fn flush(&mut self) {}
    /// The exact dot product of the `vectors` vector pairs taken.
    ///
    /// # Safety
    /// The CPU must support `V`'s ISA.
    unsafe fn total(self, vectors: usize) -> i128;
}

/// Folds all whole vector pairs of `a` and `b` (equal lengths); returns their dot product and
/// how many bytes they cover.
///
/// # Safety
/// `b` must be at least as long as `a`; the CPU must support `V`'s ISA.
#[inline(always)]
unsafe fn fold_pairs<V: Vector, F: PairFold<V>>(a: &[u8], b: &[u8]) -> (i128, usize) {
    let vectors = a.len() / V::BYTES;
    let (mut pa, mut pb) = (a.as_ptr(), b.as_ptr());
    let mut total = 0i128;
    let mut left = vectors;
    while left > 0 {
        let block = left.min(BLOCK_BYTES / V::BYTES);
        left -= block;
        // SAFETY: `pa` and `pb` walk `block` whole vectors, inside `a` and `b`; the caller
        // vouches for the ISA.
        unsafe {
            let mut f = F::new();
            let mut groups = block / UNROLL;
            while groups > 0 {
                let round = groups.min(F::FLUSH_EVERY);
                groups -= round;
                for _ in 0..round {
                    for k in 0..UNROLL {
                        let offset = k * V::BYTES;
                        f.step(k, V::load(pa.add(offset)), V::load(pb.add(offset)));
                    }
                    pa = pa.add(UNROLL * V::BYTES);
                    pb = pb.add(UNROLL * V::BYTES);
                }
                f.flush();
            }
            for k in 0..block % UNROLL {
                f.step(k, V::load(pa), V::load(pb));
                pa = pa.add(V::BYTES);
                pb = pb.add(V::BYTES);
            }
            f.flush();
            total += f.total(block);
        }
    }
    (total, vectors * V::BYTES)
}

/// How a vector pair becomes its biased pair sums `w = a0·b0 + a1·b1 − 2^15` per 32-bit lane
/// (the [`Words`] fold; module docs).
pub(crate) trait BiasedPairs<V: Vector> {
    /// `bias + a0·b0 + a1·b1` per 32-bit lane, wrapping; `bias` is `−2^15` in every lane.
    ///
    /// # Safety
    /// The CPU must support `V`'s ISA.
    unsafe fn biased_pairs(bias: V, a: V, b: V) -> V;
}

/// `pmaddwd`, then the bias added: two instructions.
pub(crate) struct MultiplyAdd;

impl<V: Vector> BiasedPairs<V> for MultiplyAdd {
    #[inline(always)]
    unsafe fn biased_pairs(bias: V, a: V, b: V) -> V {
        // SAFETY: the caller vouches for the ISA.
        unsafe { a.madd_i16(b).add32(bias) }
    }
}

/// 16-bit signed pairs: the biased pair sums `w` added wrapping, and their high halves
/// `w >> 16` exactly, in 32-bit lanes (module docs).
pub(crate) struct Words<V, P> {
    wrapped: [V; UNROLL],
    high: [V; UNROLL],
    bias: V,
    total: i128,
    pairs: core::marker::PhantomData<P>,
}

impl<V: Vector, P: BiasedPairs<V>> PairFold<V> for Words<V, P> {
    /// The four accumulators are merged at a flush: a lane then holds at most 2^16 pair sums
    /// (module docs).
    const FLUSH_EVERY: usize = (1 << 16) / UNROLL;

    #[inline(always)]
    unsafe fn new() -> Self {
        // SAFETY: the caller vouches for the ISA.
        unsafe {
            Words {
                wrapped: [V::splat(0); UNROLL],
                high: [V::splat(0); UNROLL],
                bias: V::splat(repeat32((-(1i32 << 15)) as u32)),
                total: 0,
                pairs: core::marker::PhantomData,
            }
        }
    }
    #[inline(always)]
    unsafe fn step(&mut self, k: usize, a: V, b: V) {
        // SAFETY: the caller vouches for the ISA.
        unsafe {
            let w = P::biased_pairs(self.bias, a, b);
            self.wrapped[k] = self.wrapped[k].add32(w);
            self.high[k] = self.high[k].add32(w.sar32_16());
        }
    }
    #[inline(always)]
    unsafe fn flush(&mut self) {
        // SAFETY: the caller vouches for the ISA.
        let (wrapped, high) = unsafe {
            let (mut wrapped, mut high) = (V::splat(0), V::splat(0));
            for k in 0..UNROLL {
                wrapped = wrapped.add32(self.wrapped[k]);
                high = high.add32(self.high[k]);
                (self.wrapped[k], self.high[k]) = (V::splat(0), V::splat(0));
            }
            (wrapped.lanes(), high.lanes())
        };
        let mut total = 0i64;
        for (&wrapped, &high) in wrapped.iter().zip(&high) {
            for shift in [0, 32] {
                let (wrapped, high) = ((wrapped >> shift) as u32, (high >> shift) as u32);
                // The low halves' sum: below 2^32, so exact modulo 2^32.
                let low = wrapped.wrapping_sub(high << 16);
                total += (i64::from(high as i32) << 16) + i64::from(low);
            }
        }
        self.total += i128::from(total);
    }
    #[inline(always)]
    unsafe fn total(self, vectors: usize) -> i128 {
        let pairs = (vectors * V::BYTES / 4) as i128;
        self.total + (pairs << 15)
    }
}

/// 8-bit pairs: both bytes of a 16-bit lane extended to 16 bits, multiplied-added into 32-bit
/// lanes, flushed into 64-bit lanes.
pub(crate) struct Bytes<V, const SIGNED: bool> {
    pairs: [V; UNROLL],
    wide: V,
    flushes: usize,
}

impl<V: Vector, const SIGNED: bool> Bytes<V, SIGNED> {
    /// The even (low) and odd (high) bytes of each 16-bit lane, extended to 16 bits.
    #[inline(always)]
    unsafe fn split(v: V) -> (V, V) {
        // SAFETY: the caller vouches for the ISA.
        unsafe {
            if SIGNED {
                (v.shl16_8().sar16_8(), v.sar16_8())
            } else {
                (v.and(V::splat(0x00ff_00ff_00ff_00ff)), v.shr16_8())
            }
        }
    }
}

impl<V: Vector, const SIGNED: bool> PairFold<V> for Bytes<V, SIGNED> {
    /// Signed: at most 2^16 per step; unsigned: at most 260,100 (module docs).
    const FLUSH_EVERY: usize = if SIGNED { 32_767 } else { 8_191 };

    #[inline(always)]
    unsafe fn new() -> Self {
        // SAFETY: the caller vouches for the ISA.
        unsafe {
            Bytes {
                pairs: [V::splat(0); UNROLL],
                wide: V::splat(0),
                flushes: 0,
            }
        }
    }
    #[inline(always)]
    unsafe fn step(&mut self, k: usize, a: V, b: V) {
        // SAFETY: the caller vouches for the ISA.
        unsafe {
            let ((a_even, a_odd), (b_even, b_odd)) = (Self::split(a), Self::split(b));
            let products = a_even.madd_i16(b_even).add32(a_odd.madd_i16(b_odd));
            self.pairs[k] = self.pairs[k].add32(products);
        }
    }
    #[inline(always)]
    unsafe fn flush(&mut self) {
        // SAFETY: the caller vouches for the ISA.
        unsafe { self.wide = flush_i32_lanes(&mut self.pairs, self.wide) };
        self.flushes += 1;
    }
    #[inline(always)]
    unsafe fn total(self, _vectors: usize) -> i128 {
        // SAFETY: the caller vouches for the ISA.
        let wide = unsafe { self.wide.lane_total() };
        let offsets = (self.flushes * UNROLL * V::BYTES / 4) as u128;
        // Signed for `i8`: take the offsets off in i128 (both terms are below 2^100).
        wide as i128 - (offsets << 31) as i128
    }
}

/// The dot product of two slices of one integer type with a [`PairFold`]: whole vectors on `V`,
/// the tail element by element.
///
/// # Safety
/// The CPU must support `V`'s ISA.
#[inline(always)]
pub(crate) unsafe fn dot_folded<V: Vector, F: PairFold<V>, T: Copy + Into<i64>>(
    a: &[T],
    b: &[T],
) -> i128 {
    let n = a.len().min(b.len());
    // The pairs before `a` reaches a vector boundary: a vector load of `a` then never spans two
    // cache lines (which, from L2, halves the loop's speed).
    let head = a.as_ptr().align_offset(V::BYTES).min(n);
    let plain = |a: &[T], b: &[T]| -> i128 {
        let products = a.iter().zip(b).map(|(&x, &y)| x.into() * y.into());
        i128::from(products.sum::<i64>())
    };
    let (a, b, head_total) = (&a[head..n], &b[head..n], plain(&a[..head], &b[..head]));
    // SAFETY: `T` is a plain integer: any initialised bytes of it may be read as `u8`.
    let bytes =
        |s: &[T]| unsafe { core::slice::from_raw_parts(s.as_ptr().cast::<u8>(), size_of_val(s)) };
    // SAFETY: `b` is as long as `a`; the caller vouches for the ISA.
    let (total, done) = unsafe { fold_pairs::<V, F>(bytes(a), bytes(b)) };
    let first = done / size_of::<T>();
    head_total + total + plain(&a[first..], &b[first..])
}

/// The exact `i16` dot product on `V`'s ISA.
///
/// # Safety
/// The CPU must support `V`'s ISA.
#[inline(always)]
pub(crate) unsafe fn dot_i16<V: Vector>(a: &[i16], b: &[i16]) -> i128 {
    // SAFETY: forwarded from the caller.
    unsafe { dot_folded::<V, Words<V, MultiplyAdd>, i16>(a, b) }
}

/// The exact `i8` dot product on `V`'s ISA.
///
/// # Safety
/// The CPU must support `V`'s ISA.
#[inline(always)]
pub(crate) unsafe fn dot_i8<V: Vector>(a: &[i8], b: &[i8]) -> i128 {
    // SAFETY: forwarded from the caller.
    unsafe { dot_folded::<V, Bytes<V, true>, i8>(a, b) }
}

/// The exact `u8` dot product on `V`'s ISA.
///
/// # Safety
/// The CPU must support `V`'s ISA.
#[inline(always)]
pub(crate) unsafe fn dot_u8<V: Vector>(a: &[u8], b: &[u8]) -> u128 {
    // SAFETY: forwarded from the caller.
    unsafe { dot_folded::<V, Bytes<V, false>, u8>(a, b) as u128 }
}

/// Elements per block of the plain loops: each of `low`, `high`, `linear` gains less than 2^33
/// per element, so 2^30 elements keep them below 2^63.
const PLAIN_BLOCK: usize = 1 << 30;

/// The exact dot product of unsigned elements of at most 32 bits (see the module docs).
///
/// # Safety
/// None beyond the table's: `unsafe` like every kernel `kernel_table!` instantiates (the
/// compiler vectorises it with the ISA's features).
#[inline(always)]
pub(crate) unsafe fn dot_unsigned<T: Copy + Into<u64>>(a: &[T], b: &[T]) -> u128 {
    let mut total = 0u128;
    for (a, b) in a.chunks(PLAIN_BLOCK).zip(b.chunks(PLAIN_BLOCK)) {
        let (mut low, mut high) = (0u64, 0u64);
        for (&x, &y) in a.iter().zip(b) {
            let product = x.into() * y.into();
            low += product & LOW32;
            high += product >> 32;
        }
        total += u128::from(low) + (u128::from(high) << 32);
    }
    total
}

/// The exact dot product of signed elements of at most 32 bits (see the module docs).
///
/// # Safety
/// None beyond the table's: `unsafe` like every kernel `kernel_table!` instantiates (the
/// compiler vectorises it with the ISA's features).
#[inline(always)]
pub(crate) unsafe fn dot_signed<T: Copy + Into<i64>>(a: &[T], b: &[T]) -> i128 {
    const BIAS: i64 = 1 << 31;
    let mut total = 0i128;
    for (a, b) in a.chunks(PLAIN_BLOCK).zip(b.chunks(PLAIN_BLOCK)) {
        let (mut low, mut high, mut linear) = (0u64, 0u64, 0u64);
        for (&x, &y) in a.iter().zip(b) {
            let (u, v) = ((x.into() + BIAS) as u64, (y.into() + BIAS) as u64);
            let product = u * v;
            low += product & LOW32;
            high += product >> 32;
            linear += u + v;
        }
        let n = a.len().min(b.len()) as i128;
        let products = i128::from(low) + (i128::from(high) << 32);
        total += products - (i128::from(linear) << 31) + (n << 62);
    }
    total
}

/// Independent accumulators of the fast dot product.
const FAST_UNROLL: usize = 8;

/// The dot product in plain IEEE arithmetic (FMA where the ISA has it), in [`FAST_UNROLL`]
/// vector accumulators.
///
/// # Safety
/// The CPU must support `V`'s ISA.
#[inline(always)]
pub(crate) unsafe fn fast<V: FloatVector, E: Element>(a: &[E], b: &[E]) -> f64 {
    let n = a.len().min(b.len());
    let vectors = n / V::LANES;
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    // SAFETY: every load reads vector `i < vectors`, inside both slices; the caller vouches for
    // the ISA.
    unsafe {
        let mut acc = [V::splat(-0.0); FAST_UNROLL];
        let mut i = 0;
        while i + FAST_UNROLL <= vectors {
            for (k, a) in acc.iter_mut().enumerate() {
                *a = fast_step(*a, pa, pb, i + k);
            }
            i += FAST_UNROLL;
        }
        for (k, a) in acc.iter_mut().enumerate().take(vectors - i) {
            *a = fast_step(*a, pa, pb, i + k);
        }
        let mut width = FAST_UNROLL / 2;
        while width > 0 {
            for k in 0..width {
                acc[k] = acc[k].add(acc[k + width]);
            }
            width /= 2;
        }
        let lanes = acc[0].lanes();
        let total = lanes[..V::LANES].iter().fold(-0.0, |s, &x| s + x);
        let first = vectors * V::LANES;
        a[first..n]
            .iter()
            .zip(&b[first..n])
            .fold(total, |s, (&x, &y)| s + x.widen() * y.widen())
    }
}

/// `acc + x·y` for vector `i` of `pa` and `pb` (a function, not a closure: closures are compiled
/// without the caller's target features).
///
/// # Safety
/// Vector `i` must be readable at both pointers; the CPU must support `V`'s ISA.
#[inline(always)]
unsafe fn fast_step<V: FloatVector, E: Element>(acc: V, pa: *const E, pb: *const E, i: usize) -> V {
    // SAFETY: forwarded from the caller.
    unsafe {
        let (x, y) = (
            E::load::<V>(pa.add(i * V::LANES)),
            E::load::<V>(pb.add(i * V::LANES)),
        );
        if V::HAS_FMA {
            x.mul_add(y, acc)
        } else {
            acc.add(x.mul(y))
        }
    }
}

/// Products per TwoProduct block: their `p`, 8 KiB, stays in L1.
const PRODUCTS: usize = 1024;

/// `2^-94`: bounds `γ(PRODUCTS) · 2^-53`, the rounding error of a float sum of at most
/// `PRODUCTS` TwoProduct errors per unit of their `Σ|p|`, with room for the bound's own rounding.
const ERROR_SUM_BOUND: f64 = 5.048709793414476e-29;

/// Adds `a·b` to `acc` up to an error it adds to `slack`; `false`, with `acc` and `slack` in an
/// unspecified state, where a product is not finite (a NaN or infinite input, or an overflow):
/// the caller then reduces the chunk again on the error-free path.
///
/// Ogita–Rump–Oishi's Dot2, certified: per block, the products `p = fl(a·b)` go through the
/// certified pass of the exact sum (`algo::float::certified`), and their TwoProduct errors
/// `e = fma(a, b, −p)` (exact: `p + e = a·b`) are summed in floating point in the vector lanes
/// and added once. That sum errs by at most `γ(n) · Σ|e| ≤ γ(n) · 2^-53 · n · max|p|`, added to
/// the slack with, where a product underflows (`|a·b| < 2^-969`, `e` then rounded), `2^-1074`
/// per product.
///
/// # Safety
/// The CPU must support `V`'s ISA.
#[inline(always)]
pub(crate) unsafe fn certified<V: FloatVector, E: Element>(
    acc: &mut ExactSum,
    slack: &mut f64,
    a: &[E],
    b: &[E],
) -> bool {
    let n = a.len().min(b.len());
    let mut products = [0.0f64; PRODUCTS];
    let mut start = 0;
    while start < n {
        let len = PRODUCTS.min(n - start);
        let vectors = len / V::LANES;
        // SAFETY: vector `i < vectors` of the block lies inside both slices and, as `p`, inside
        // `products` (len <= PRODUCTS); the caller vouches for the ISA.
        let (key, mut errors) = unsafe {
            let (pa, pb, out) = (
                a.as_ptr().add(start),
                b.as_ptr().add(start),
                products.as_mut_ptr(),
            );
            let (minus_one, mut keys, mut errors) = (V::splat(-1.0), V::splat(0.0), V::splat(0.0));
            for i in 0..vectors {
                let (x, y) = (
                    E::load::<V>(pa.add(i * V::LANES)),
                    E::load::<V>(pb.add(i * V::LANES)),
                );
                let p = x.mul(y);
                errors = errors.add(x.mul_add(y, p.mul(minus_one)));
                p.store(out.add(i * V::LANES));
                keys = p.max_key(keys);
            }
            let key = keys.lanes()[..V::LANES]
                .iter()
                .fold(0, |max, x| max.max(x.to_bits()));
            (key, errors.lanes()[..V::LANES].iter().sum::<f64>())
        };
        // Every |p| of the vectors is at most the largest value with the key's high half.
        let mut largest = if key == 0 {
            0.0
        } else {
            f64::from_bits(key | 0xffff_ffff)
        };
        let mut finite = key < 0x7ff << 52;
        for i in vectors * V::LANES..len {
            let (x, y) = (a[start + i].widen(), b[start + i].widen());
            let p = x * y;
            products[i] = p;
            errors += x.mul_add(y, -p);
            largest = largest.max(p.abs());
            finite &= p.is_finite();
        }
        if !finite {
            return false;
        }
        // SAFETY: forwarded from the caller.
        unsafe { crate::algo::float::certified::<V, f64>(acc, slack, &products[..len]) };
        // A zero error sum is left out, so that the products alone set a zero total's sign.
        if errors != 0.0 {
            acc.add_finite(errors);
        }
        *slack += largest * ERROR_SUM_BOUND * len as f64 + len as f64 * f64::from_bits(1);
        start += len;
    }
    true
}
