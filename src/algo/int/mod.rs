//! The widening sum algorithm, written once over a crate-private [`Vector`] trait.
//!
//! Every element type is first *biased* to an unsigned value `u = x ^ BIAS` (BIAS flips the sign bit of
//! signed types, and is 0 for unsigned ones), so that `u = x + 2^(bits-1)` for signed inputs. The
//! kernels sum the `u`, exactly, in a `u128`; the signed result is that total minus `BIAS * len`.
//!
//! ```text
//! for each block of at most 1 GiB:                 // bounds every lane below; see each fold
//!     acc[0..4] = 0                                // 4 independent accumulators hide add latency
//!     for each group of 4 vectors v[k]:
//!         prefetch the lines 4 KiB ahead           // slices from 64 KiB, all but the last 4 KiB
//!         acc[k] = step(acc[k], v[k])              // widen into 64-bit lanes (the ISA trick)
//!         every FLUSH_EVERY groups: flush narrow lanes into wider ones
//!     remaining whole vectors go to acc[0], acc[1], acc[2]
//!     total += horizontal sum of all lanes, as u128
//! total += the last partial vector, element by element
//! ```
//!
//! The steps, per input width (`Vector` supplies the instructions):
//! - 8-bit ([`Bytes`]): sum of absolute differences against zero adds each 8 bytes into a 64-bit
//!   lane (`psadbw`); a lane gains at most 8 * 255 per vector.
//! - 16-bit ([`Words`]): multiply-add against ones adds each pair into a signed 32-bit lane
//!   (`pmaddwd`). The multiply is signed, so the pair is taken as `u - 2^15` each: a pair sum lies in
//!   `[-2^16, 2^16 - 2]` and 32,767 of them cannot overflow an i32. Before that, the i32 lanes are
//!   flushed into 64-bit lanes, offset by `2^31` so that they can be zero-extended; the offsets are
//!   taken off in the total.
//! - 32- and 64-bit ([`Halves`]): two accumulators per lane, `wrapped += u` (wrapping) and
//!   `high += u >> 32` (exact). The low halves' total is then `wrapped - (high << 32)` modulo 2^64,
//!   exact because it is below 2^64; a 64-bit lane holds two 32-bit elements (low and high half,
//!   weight 1 each) or one 64-bit element (weights 1 and 2^32). Three instructions per vector
//!   (four for signed types), no compare, no carry chain.
//! - signed 64-bit where the ISA shifts 64-bit lanes arithmetically (AVX-512, [`SignedHalves`]):
//!   the same without the bias, the high halves summed signed; three instructions per vector.
//! - signed 32-bit on x86 from 2 KiB ([`SplitI32`], small, issue 13): in 32-bit lanes,
//!   `wrapped += x` and `high += x >> 16` (arithmetic), the low 16-bit halves' total being
//!   `wrapped - (high << 16)` modulo 2^32; flushed into 64-bit lanes every 8,191 groups. Three
//!   instructions per vector, no bias; below 2 KiB its flush costs more than that saves.
//!
//! Software prefetch (ceiling, issue 13): each vector's load waits for its line with 2–4 dependent
//! uops behind it (the fold's step), which fill the out-of-order window long before the ceiling
//! loop's single add would, so fewer lines are in flight. Measured on the Intel AVX-512 host (one
//! thread, interleaved, loaded; `cargo bench --bench ceiling`, `--bench isa_variants`): without
//! hints the 32- and 64-bit sums read 0.79–0.88× the plain read from memory and every width at
//! most 72 GB/s in L2; with them 0.99–1.03× and 78–116 GB/s. 4 KiB ahead did as well as 8–16 KiB
//! and better than 2 KiB; one hint per 64-byte line better than one per 128 bytes; into L1 (`T0`)
//! rather than L2 (`T1`: 4–8 % faster from memory, but 75 against 116 GB/s in L2). Hot slices in
//! L1 lose up to 15 % to the hints, hence none below 64 KiB; the last 4 KiB of a slice are not
//! hinted, so no hint leaves it. The hint is one more uop per 64 B, on a load port: llvm-mca
//! (`scripts/mca_loops.py`, the AVX-512 loops) gives the same cycles per 64 B as without it,
//! except `i8` (Sapphire Rapids 1.51 → 1.64, Zen 4 2.01 → 2.17) and `u16` (Sapphire Rapids
//! 1.52 → 1.57).
//!
//! A 1 GiB block holds at most 2^26 vectors (16 bytes or wider), so each of the four accumulators
//! takes at most 2^24 of them, each adding less than 2^33 to a lane (or, for the 16-bit fold, to a
//! lane per flush): no exact lane, and no true low-half total, can reach 2^24 * 2^33 < 2^64 before
//! the block's total is taken.

use crate::algo::mask::Mask;
use core::mem::size_of;

mod vector;
pub(crate) use vector::Vector;

/// A per-width accumulation strategy: how a vector of biased elements is folded into lanes.
pub(crate) trait Fold<V: Vector> {
    /// Vectors one accumulator may take between two [`Fold::flush`] calls.
    const FLUSH_EVERY: usize = usize::MAX;
    /// Fresh, empty accumulators.
    ///
    /// # Safety
    /// The CPU must support `V`'s ISA (as for every method below).
    unsafe fn new() -> Self;
    /// Adds one vector of raw elements to accumulator `k` (`k < UNROLL`).
    ///
    /// # Safety
    /// The CPU must support `V`'s ISA.
    unsafe fn step(&mut self, k: usize, v: V);
    /// Moves narrow lanes into wide ones.
    ///
    /// # Safety
    /// The CPU must support `V`'s ISA.
    #[inline(always)]
    unsafe fn flush(&mut self) {}
    /// The exact sum of the biased elements of the `vectors` vectors taken, once every step since
    /// the last flush has been flushed.
    ///
    /// # Safety
    /// The CPU must support `V`'s ISA.
    unsafe fn total(self, vectors: usize) -> u128;
}

/// Independent accumulators per fold.
const UNROLL: usize = 4;
/// The most bytes folded before the lanes are reduced into a `u128` (see the module docs).
const BLOCK_BYTES: usize = 1 << 30;

// ceiling (issue 13): the software prefetch of `fold` (module docs).
/// How far ahead of the loads `fold` hints lines into the cache.
const PREFETCH_AHEAD: usize = 4096;
/// Bytes between two prefetch hints: one per cache line.
const PREFETCH_STRIDE: usize = 64;
/// Slices shorter than this are not prefetched: hot ones sit in L1, where the hints cost up to
/// 15 %, and cold ones end before the hints gain much.
const PREFETCH_FROM: usize = 64 << 10;

/// Steps `groups` groups of `UNROLL` vectors from `ptr` into `f`, flushing every
/// `F::FLUSH_EVERY` groups and at the end, the lanes `mask` excludes read as zero (`start` is the
/// span's first byte, see [`group_bits`]); with `PREFETCH`, each group first hints the lines
/// `PREFETCH_AHEAD` bytes further on. Returns the pointer past the last group.
///
/// # Safety
/// `ptr` must be valid for reads of `groups` groups of the span at `start`; the CPU must support
/// `V`'s ISA.
#[inline(always)]
unsafe fn fold_groups<V: Vector, F: Fold<V>, M: Mask, const WIDTH: usize, const PREFETCH: bool>(
    f: &mut F,
    mut ptr: *const u8,
    mut groups: usize,
    start: *const u8,
    mask: M,
) -> *const u8 {
    while groups > 0 {
        let round = groups.min(F::FLUSH_EVERY);
        groups -= round;
        for _ in 0..round {
            // SAFETY: the caller vouches for the reads and the ISA; a prefetch hint never
            // faults, and `wrapping_add` makes no claim about the address.
            unsafe {
                if PREFETCH {
                    let mut line = 0;
                    while line < UNROLL * V::BYTES {
                        V::prefetch(ptr.wrapping_add(PREFETCH_AHEAD + line));
                        line += PREFETCH_STRIDE;
                    }
                }
                let bits = group_bits::<V, M, WIDTH>(ptr, start, mask);
                for (k, &bits) in bits.iter().enumerate() {
                    f.step(k, load_where::<V, M, WIDTH>(ptr.add(k * V::BYTES), bits));
                }
                ptr = ptr.add(UNROLL * V::BYTES);
            }
        }
        // SAFETY: the caller vouches for the ISA.
        unsafe { f.flush() };
    }
    ptr
}

/// Folds all whole vectors of `bytes`, elements of `WIDTH` bytes, the lanes `mask` excludes read
/// as zero; returns their biased total and how many bytes they cover.
///
/// # Safety
/// The CPU must support `V`'s ISA.
#[inline(always)]
unsafe fn fold<V: Vector, F: Fold<V>, M: Mask, const WIDTH: usize>(
    bytes: &[u8],
    mask: M,
) -> (u128, usize) {
    let start = bytes.as_ptr();
    let vectors = bytes.len() / V::BYTES;
    let mut ptr = bytes.as_ptr();
    let mut total = 0u128;
    let mut left = vectors;
    while left > 0 {
        let block = left.min(BLOCK_BYTES / V::BYTES);
        left -= block;
        let all = block / UNROLL;
        let hinted = if bytes.len() < PREFETCH_FROM {
            0
        } else {
            all.saturating_sub(PREFETCH_AHEAD / (UNROLL * V::BYTES))
        };
        // SAFETY: `ptr` walks `block` whole vectors, all inside `bytes`; the caller
        // vouches for the ISA.
        unsafe {
            let mut f = F::new();
            ptr = fold_groups::<V, F, M, WIDTH, true>(&mut f, ptr, hinted, start, mask);
            ptr = fold_groups::<V, F, M, WIDTH, false>(&mut f, ptr, all - hinted, start, mask);
            // `fold_groups` ends on a flush: only the last vectors' steps are left to flush (one
            // flush fewer per small sum of the folds whose flush is not free, issue 13).
            if !block.is_multiple_of(UNROLL) {
                let bits = group_bits::<V, M, WIDTH>(ptr, start, mask);
                for (k, &bits) in bits.iter().enumerate().take(block % UNROLL) {
                    f.step(k, load_where::<V, M, WIDTH>(ptr, bits));
                    ptr = ptr.add(V::BYTES);
                }
                f.flush();
            }
            total += f.total(block);
        }
    }
    (total, vectors * V::BYTES)
}

/// The mask bits of the `UNROLL` vectors from `ptr`, whose first element is element
/// `(ptr − start) / WIDTH` of `mask`'s span.
///
/// # Safety
/// `ptr` must be a vector of the span at `start`.
#[inline(always)]
unsafe fn group_bits<V: Vector, M: Mask, const WIDTH: usize>(
    ptr: *const u8,
    start: *const u8,
    mask: M,
) -> [u64; UNROLL] {
    if M::ALL {
        return [u64::MAX; UNROLL];
    }
    // SAFETY: both point into the span, `ptr` at or after `start`.
    let i = unsafe { ptr.offset_from(start) } as usize / WIDTH;
    mask.group::<UNROLL>(i, V::BYTES / WIDTH)
}

/// The vector at `ptr`, the lanes of `WIDTH` bytes whose bit of `bits` is clear read as zero
/// unless `M` is [`All`](crate::algo::mask::All).
///
/// # Safety
/// `ptr` must be valid for reads of `V::BYTES` bytes; the CPU must support `V`'s ISA.
#[inline(always)]
unsafe fn load_where<V: Vector, M: Mask, const WIDTH: usize>(ptr: *const u8, bits: u64) -> V {
    // SAFETY: forwarded from the caller.
    unsafe {
        if M::ALL {
            V::load(ptr)
        } else {
            V::load_masked::<WIDTH>(ptr, bits)
        }
    }
}

const fn repeat8(x: u8) -> u64 {
    x as u64 * 0x0101_0101_0101_0101
}
const fn repeat16(x: u16) -> u64 {
    x as u64 * 0x0001_0001_0001_0001
}
pub(crate) const fn repeat32(x: u32) -> u64 {
    x as u64 * 0x0000_0001_0000_0001
}
pub(crate) const LOW32: u64 = 0xffff_ffff;

/// Adds every signed 32-bit lane of `lanes` into the 64-bit lanes of `wide`, each offset by 2^31
/// (an i32 + 2^31 is its value as a u32: both halves zero-extend), and clears `lanes`. The caller
/// takes 2^31 per flushed i32 lane off its total.
///
/// # Safety
/// The running CPU must support `V`'s ISA.
#[inline(always)]
pub(crate) unsafe fn flush_i32_lanes<V: Vector>(lanes: &mut [V], mut wide: V) -> V {
    // SAFETY: the caller vouches for the ISA.
    unsafe {
        let offset = V::splat(repeat32(1 << 31));
        let low = V::splat(LOW32);
        for lane in lanes {
            let shifted = lane.xor(offset);
            wide = wide.add64(shifted.and(low)).add64(shifted.shr32());
            *lane = V::splat(0);
        }
    }
    wide
}

/// 8-bit elements: one byte-sum per 64-bit lane per vector.
pub(crate) struct Bytes<V, const BIAS: u8> {
    acc: [V; UNROLL],
    bias: V,
}

impl<V: Vector, const BIAS: u8> Fold<V> for Bytes<V, BIAS> {
    #[inline(always)]
    unsafe fn new() -> Self {
        // SAFETY: the caller vouches for the ISA.
        unsafe {
            Bytes {
                acc: [V::splat(0); UNROLL],
                bias: V::splat(repeat8(BIAS)),
            }
        }
    }
    #[inline(always)]
    unsafe fn step(&mut self, k: usize, v: V) {
        // SAFETY: the caller vouches for the ISA.
        unsafe { self.acc[k] = self.acc[k].add64(v.xor(self.bias).sum_bytes()) }
    }
    #[inline(always)]
    unsafe fn total(self, _vectors: usize) -> u128 {
        // Lanes stay below 2^43 (module docs): the accumulators, and their at most 8 lanes, add
        // without overflow.
        // SAFETY: the caller vouches for the ISA.
        unsafe { u128::from(sum_accumulators(self.acc).sum64()) }
    }
}

/// The lane-wise sum of the accumulators: one horizontal reduction instead of `UNROLL`.
///
/// # Safety
/// The CPU must support `V`'s ISA.
#[inline(always)]
unsafe fn sum_accumulators<V: Vector>(acc: [V; UNROLL]) -> V {
    // SAFETY: the caller vouches for the ISA.
    unsafe { acc[0].add64(acc[1]).add64(acc[2].add64(acc[3])) }
}

/// 16-bit elements: signed pair sums in 32-bit lanes, flushed into 64-bit lanes.
pub(crate) struct Words<V, const BIAS: u16> {
    pairs: [V; UNROLL],
    wide: V,
    flushes: usize,
    signed_view: V,
}

impl<V: Vector, const BIAS: u16> Words<V, BIAS> {
    /// 32-bit lanes per vector.
    const LANES32: usize = V::BYTES / 4;
}

impl<V: Vector, const BIAS: u16> Fold<V> for Words<V, BIAS> {
    /// |pair sum| <= 2^16, so 32,767 steps keep an i32 lane within +-(2^31 - 2^16).
    const FLUSH_EVERY: usize = 32_767;

    #[inline(always)]
    unsafe fn new() -> Self {
        // SAFETY: the caller vouches for the ISA.
        unsafe {
            Words {
                pairs: [V::splat(0); UNROLL],
                wide: V::splat(0),
                flushes: 0,
                // Turns the raw element into `u - 2^15`, as a signed 16-bit value.
                signed_view: V::splat(repeat16(BIAS ^ 0x8000)),
            }
        }
    }
    #[inline(always)]
    unsafe fn step(&mut self, k: usize, v: V) {
        // SAFETY: the caller vouches for the ISA.
        unsafe {
            let pairs = v.xor(self.signed_view).sum_i16_pairs();
            self.pairs[k] = self.pairs[k].add32(pairs);
        }
    }
    #[inline(always)]
    unsafe fn flush(&mut self) {
        // SAFETY: the caller vouches for the ISA.
        unsafe { self.wide = flush_i32_lanes(&mut self.pairs, self.wide) };
        self.flushes += 1;
    }
    #[inline(always)]
    unsafe fn total(self, vectors: usize) -> u128 {
        // SAFETY: the caller vouches for the ISA.
        let wide = unsafe { self.wide.lane_total() };
        let elements = (vectors * V::BYTES / 2) as u128;
        let offsets = (self.flushes * UNROLL * Self::LANES32) as u128;
        // Each element was summed as u - 2^15; each flushed i32 lane carries an extra 2^31.
        wide + (elements << 15) - (offsets << 31)
    }
}

/// 32- and 64-bit elements: a wrapping sum and an exact sum of high halves per lane.
///
/// `BIAS` is the bias of every element in a 64-bit lane (`0x8000_0000_8000_0000` for `i32`);
/// `HIGH_SHIFT` the weight of the high half: 0 when it is an element of its own (32-bit), 32 when
/// it is the upper half of the same element (64-bit).
pub(crate) struct Halves<V, const BIAS: u64, const HIGH_SHIFT: u32> {
    wrapped: [V; UNROLL],
    high: [V; UNROLL],
    bias: V,
}

impl<V: Vector, const BIAS: u64, const HIGH_SHIFT: u32> Fold<V> for Halves<V, BIAS, HIGH_SHIFT> {
    #[inline(always)]
    unsafe fn new() -> Self {
        // SAFETY: the caller vouches for the ISA.
        unsafe {
            Halves {
                wrapped: [V::splat(0); UNROLL],
                high: [V::splat(0); UNROLL],
                bias: V::splat(BIAS),
            }
        }
    }
    #[inline(always)]
    unsafe fn step(&mut self, k: usize, v: V) {
        // SAFETY: the caller vouches for the ISA.
        unsafe {
            let u = if BIAS == 0 { v } else { v.xor(self.bias) };
            self.wrapped[k] = self.wrapped[k].add64(u);
            self.high[k] = self.high[k].add64(u.shr32());
        }
    }
    #[inline(always)]
    unsafe fn total(self, _vectors: usize) -> u128 {
        // The wrapped sums add modulo 2^64 as they were kept, across lanes too; the high halves
        // of a block (at most 2^28 of them, each below 2^32) total below 2^60, exactly; so does
        // the true low-half total, `Σwrapped − (Σhigh << 32)` modulo 2^64. Two horizontal sums in
        // registers instead of a u128 add per lane (small, issue 13: the per-lane version was a
        // third of a 1 KiB `i32` sum on the Intel AVX-512 host).
        // SAFETY: the caller vouches for the ISA.
        let (wrapped, high) = unsafe {
            (
                sum_accumulators(self.wrapped).sum64(),
                sum_accumulators(self.high).sum64(),
            )
        };
        let low = wrapped.wrapping_sub(high << 32);
        u128::from(low) + (u128::from(high) << HIGH_SHIFT)
    }
}

/// `i32` elements in their own 32-bit lanes (small, issue 13): `wrapped += x` (wrapping) and
/// `high += x >> 16` (arithmetic, exact), so that each lane's low 16-bit halves total
/// `wrapped − (high << 16)` modulo 2^32, exact below 2^32; both flushed into 64-bit lanes.
/// Three instructions per vector, no bias, against [`Halves`]' four (xor, add, shift, add): on
/// the Intel AVX-512 host, whose two 512-bit ports bound the loop, 1.5 cycles per 64 bytes
/// instead of 2, which made a 1–64 KiB `i32` sum as fast as `std`'s loop or faster.
#[cfg_attr(not(coresum_x86), allow(dead_code))]
pub(crate) struct SplitI32<V> {
    wrapped: [V; UNROLL],
    high: [V; UNROLL],
    /// The flushed low totals, in 64-bit lanes, each flushed i32 lane offset by 2^31.
    low_wide: V,
    /// The flushed high totals, the same way.
    high_wide: V,
    flushes: usize,
}

impl<V: Vector> SplitI32<V> {
    /// 32-bit lanes per vector.
    #[cfg_attr(not(coresum_x86), allow(dead_code))]
    const LANES32: usize = V::BYTES / 4;
}

impl<V: Vector> Fold<V> for SplitI32<V> {
    /// A step adds at most 2^16 − 1 to a lane's low total and at most 2^15 in magnitude to its
    /// high one: after 8,191 steps the four accumulators' lanes together stay within an i32
    /// (low below 4 · 8,191 · 65,535 < 2^31, high within ±2^30), so a flush first adds them up
    /// and then widens one vector of each, not four.
    const FLUSH_EVERY: usize = 8_191;

    #[inline(always)]
    unsafe fn new() -> Self {
        // SAFETY: the caller vouches for the ISA.
        unsafe {
            SplitI32 {
                wrapped: [V::splat(0); UNROLL],
                high: [V::splat(0); UNROLL],
                low_wide: V::splat(0),
                high_wide: V::splat(0),
                flushes: 0,
            }
        }
    }
    #[inline(always)]
    unsafe fn step(&mut self, k: usize, v: V) {
        // SAFETY: the caller vouches for the ISA.
        unsafe {
            self.wrapped[k] = self.wrapped[k].add32(v);
            self.high[k] = self.high[k].add32(v.sar32_16());
        }
    }
    #[inline(always)]
    unsafe fn flush(&mut self) {
        // SAFETY: the caller vouches for the ISA.
        unsafe {
            let [w0, w1, w2, w3] = self.wrapped;
            let [h0, h1, h2, h3] = self.high;
            let wrapped = w0.add32(w1).add32(w2.add32(w3));
            let high = h0.add32(h1).add32(h2.add32(h3));
            // The low halves' total, below 2^31: a non-negative i32.
            let low = wrapped.sub32(high.shl32_16());
            self.low_wide = flush_i32_lanes(&mut [low], self.low_wide);
            self.high_wide = flush_i32_lanes(&mut [high], self.high_wide);
            self.wrapped = [V::splat(0); UNROLL];
            self.high = [V::splat(0); UNROLL];
        }
        self.flushes += 1;
    }
    #[inline(always)]
    unsafe fn total(self, vectors: usize) -> u128 {
        // A block flushes at most 2^24 / 8,191 + 3 times, LANES32 ≤ 16 lanes of each total, each
        // lane below 2^32 with its offset: the wide lanes, and their sum across lanes, stay below
        // 2^48.
        // SAFETY: the caller vouches for the ISA.
        let (low, high) = unsafe { (self.low_wide.sum64(), self.high_wide.sum64()) };
        let offsets = ((self.flushes * Self::LANES32) as i128) << 31;
        let total = (i128::from(low) - offsets) + ((i128::from(high) - offsets) << 16);
        // The caller expects the biased total, each element counted as `x + 2^31`: not negative.
        let elements = (vectors * V::BYTES / 4) as i128;
        (total + (elements << 31)) as u128
    }
}

/// `i32` elements as [`Halves`] takes them: biased to unsigned, two to a 64-bit lane.
pub(crate) type BiasedI32<V> = Halves<V, 0x8000_0000_8000_0000, 0>;

/// `i64` elements as the other widths take them: biased to unsigned, then split halves.
pub(crate) type BiasedI64<V> = Halves<V, 0x8000_0000_0000_0000, 32>;

/// A 64-bit arithmetic shift: the ISA can take a lane's high half as a signed value. AVX-512 only
/// so far (SSE2/AVX2 have none; NEON's `sshr` would serve, unmeasured), hence unused elsewhere.
#[cfg_attr(not(coresum_x86), allow(dead_code))]
pub(crate) trait SignedShift: Vector {
    /// Arithmetic shift right of each 64-bit lane by 32.
    ///
    /// # Safety
    /// The CPU must support this ISA.
    unsafe fn sra32(self) -> Self;
}

/// `i64` elements without the bias: `wrapped += x` and `high += x >> 32` (arithmetic). The low
/// halves' total is `wrapped - (high << 32)` modulo 2^64 as in [`Halves`] (they are unsigned
/// whatever the sign of `x`); the high halves' total is signed, below 2^55 in magnitude. One
/// instruction per vector fewer than [`BiasedI64`] (no xor); on AVX-512 (llvm-mca, inner loop per
/// 64 bytes) 4.5 uops and 1.51 cycles on Sapphire Rapids (biased: 5.5, 2.02), 1.26 cycles on Zen 4
/// (biased: 1.77); see docs/PERFORMANCE.md, "Intel Xeon (AVX-512) host".
#[cfg_attr(not(coresum_x86), allow(dead_code))]
pub(crate) struct SignedHalves<V> {
    wrapped: [V; UNROLL],
    high: [V; UNROLL],
}

impl<V: SignedShift> Fold<V> for SignedHalves<V> {
    #[inline(always)]
    unsafe fn new() -> Self {
        // SAFETY: the caller vouches for the ISA.
        unsafe {
            SignedHalves {
                wrapped: [V::splat(0); UNROLL],
                high: [V::splat(0); UNROLL],
            }
        }
    }
    #[inline(always)]
    unsafe fn step(&mut self, k: usize, v: V) {
        // SAFETY: the caller vouches for the ISA.
        unsafe {
            self.wrapped[k] = self.wrapped[k].add64(v);
            self.high[k] = self.high[k].add64(v.sra32());
        }
    }
    #[inline(always)]
    unsafe fn total(self, vectors: usize) -> u128 {
        // As in `Halves::total`, across lanes at once: the signed high halves of a block total
        // below 2^58 in magnitude (exact as an i64 modulo 2^64), the true low halves below 2^59.
        // SAFETY: the caller vouches for the ISA.
        let (wrapped, high) = unsafe {
            (
                sum_accumulators(self.wrapped).sum64(),
                sum_accumulators(self.high).sum64(),
            )
        };
        let low = wrapped.wrapping_sub(high << 32);
        let total = i128::from(low) + (i128::from(high as i64) << 32);
        // The caller expects the biased total, each element counted as `x + 2^63`: not negative.
        let elements = (vectors * V::BYTES / 8) as i128;
        (total + (elements << 63)) as u128
    }
}

/// The unsigned result: the biased total is the sum.
#[inline(always)]
fn unsigned_total(biased: u128, _len: usize, _bias: u128) -> u128 {
    biased
}

/// The signed result: every element was summed as `x + bias`.
#[inline(always)]
fn signed_total(biased: u128, len: usize, bias: u128) -> i128 {
    // Both fit i128: at most 2^64 * 2^61 (the most 64-bit elements a slice can hold).
    biased as i128 - (bias * len as u128) as i128
}

/// Per element type: its unsigned twin, bias, fold and result.
macro_rules! typed_sums {
    ($($name:ident($t:ty as $u:ty, bias $bias:expr) -> $out:ty: $fold:ty,
       $([below $below:literal bytes: $small:ty],)? $finish:ident;)*) => {$(
        #[doc = concat!("The exact sum of the `", stringify!($t), "` elements of `data` that `mask` adds, on `V`'s ISA.")]
        ///
        /// # Safety
        /// The CPU must support `V`'s ISA.
        #[inline(always)]
        pub(crate) unsafe fn $name<V: Vector, M: Mask>(data: &[$t], mask: M) -> $out {
            const BIAS: $u = $bias;
            // SAFETY: any initialised memory may be viewed as bytes; same address and size.
            let bytes = unsafe {
                core::slice::from_raw_parts(data.as_ptr().cast::<u8>(), core::mem::size_of_val(data))
            };
            // SAFETY: the caller vouches for the ISA.
            let (vector_total, done) = unsafe {
                $(if bytes.len() < $below {
                    fold::<V, $small, M, { size_of::<$t>() }>(bytes, mask)
                } else)? {
                    fold::<V, $fold, M, { size_of::<$t>() }>(bytes, mask)
                }
            };
            let done = done / size_of::<$t>();
            // An excluded element counts as 0, biased as every element is.
            let tail: u128 = data[done..]
                .iter()
                .enumerate()
                .map(|(j, &x)| u128::from((if mask.get(done + j) { x as $u } else { 0 }) ^ BIAS))
                .sum();
            $finish(vector_total + tail, data.len(), u128::from(BIAS))
        }
    )*};
}

typed_sums! {
    sum_u8(u8 as u8, bias 0) -> u128: Bytes<V, BIAS>, unsigned_total;
    sum_i8(i8 as u8, bias 0x80) -> i128: Bytes<V, BIAS>, signed_total;
    sum_u16(u16 as u16, bias 0) -> u128: Words<V, BIAS>, unsigned_total;
    sum_i16(i16 as u16, bias 0x8000) -> i128: Words<V, BIAS>, signed_total;
    sum_u32(u32 as u32, bias 0) -> u128: Halves<V, 0, 0>, unsigned_total;
    // small (issue 13): `SplitI32`'s flush costs more than its loop saves on 1 KiB (1.5 against
    // 1.4 times std's time, paired, on the loaded Intel AVX-512 host) and less from 4 KiB on.
    sum_i32(i32 as u32, bias 0x8000_0000) -> i128: V::I32Fold,
        [below 2048 bytes: BiasedI32<V>], signed_total;
    sum_u64(u64 as u64, bias 0) -> u128: Halves<V, 0, 32>, unsigned_total;
    sum_i64(i64 as u64, bias 0x8000_0000_0000_0000) -> i128: V::I64Fold, signed_total;
}
