//! Column sums of a tile of floats (see `algo/columns.rs` for tiles): the fast pass and a
//! vertical form of the certified pass, lanes = columns, per-column state in L1 arrays.
//!
//! # Certified, per column
//!
//! The certified pass of `certified.rs`, with each column of the tile as one lane:
//!
//! ```text
//! key[j] = max over the tile's rows of the magnitude bits of x_rj
//! σ_j = 1.5 · 2^B_j,  B_j = M_j + 10  where 2^M_j bounds column j     (per column, from key[j])
//! s[j] = σ_j; for each row: t = s[j] + x; e[j] += x − (t − s[j]); s[j] = t
//! acc_j += bits(s[j]) − bits(σ_j) ulps exactly, + e[j]; slack_j += 2^-30 · ulp_j
//! ```
//!
//! A column takes at most `TILE_ROWS = 2^8` terms below `2^M` per tile, so its running sum drifts
//! by less than `2^(B−2)` (plus roundings of at most `2^8 · 2^(B−53)`) and stays inside
//! `(2^B, 2^(B+1))`: FastTwoSum is exact there, and `s − σ` is an exact multiple of
//! `ulp = 2^(B−52)` read off the bit patterns. The `2^8` errors of at most `ulp / 2`, summed in
//! order, miss at most `γ(2^8) · 2^7 · ulp < 2^-37 · ulp`, inside the slice pass's
//! `residual_bound` of `2^-30 · ulp`. Columns with magnitudes from 2^1014 on are scaled by 2^-64
//! (as in `certified.rs`); columns of only zeros, or with a NaN or an infinity, go to their
//! accumulator element by element, which applies the IEEE rules. The caller finishes each
//! column as a slice sum is finished: certified, or retried with the error-free pass.
//!
//! # One pass over memory
//!
//! `σ_j` needs the tile's largest magnitude before the first addition, which would take a pass
//! of its own over memory. Instead a tile takes its *plan* `(σ_j, scale_j)` from the previous
//! tile's keys (the band's first tile finds its keys in a pass of their own), and the one pass
//! over memory computes the offset sums into tile-local lanes and this tile's keys together.
//! Then, per column, the plan of the tile's own key is compared with the plan used:
//!
//! - equal: the lanes hold exactly what the two passes compute, since the additions depend on
//!   the data and on `(σ_j, scale_j)` only, and that is the plan the tile's own key gives; so
//!   the bound above holds and the lanes are committed to the accumulator;
//! - different: the lanes are dropped and the column is redone from L2 with its own plan (the
//!   second of the two passes, for that column alone, scalar, the same additions in the same
//!   order); special columns (only zeros, a NaN, an infinity) go element by element as before.
//!
//! Either way every column's committed terms are bit for bit those of the two-pass form, so
//! results (Exact, and Compensated's rounding too) do not depend on the previous tile. The keys
//! of this tile become the next tile's plan.
//!
//! # Pending units
//!
//! A committed tile adds `bits(s[j]) − bits(σ_j)` units of `ulp_j`; rather than adding them to
//! the accumulator (three limb additions at a shift) every tile, each column keeps a pending
//! `i64` count of units at one unit, adds each tile's count to it while the unit stays the same,
//! and flushes it into the accumulator when the unit changes, when [`MAX_PENDING_TILES`] tiles
//! are pending, and at the end of the band ([`flush_columns`]). The accumulator then holds the
//! same exact value, so every result is unchanged. The bound: `s[j]` stays within `2^(B−2)`
//! plus the roundings of `σ_j = 1.5 · 2^B`, so `|s − σ| < 2^(B−1)` and a tile's count is below
//! `2^51` in magnitude; `2^12` of them stay below `2^63`.

use super::certified::{SCALE_BINADES, residual_bound};
use super::{Element, sigma_at, sigma_exponent};
use crate::algo::columns::{MAX_TILE_COLS, PREFETCH_ROWS, TILE_ROWS, Tile, prefetch_row_start};
use crate::exact_sum::ExactSum;

/// The key of a column before its band's first tile: the keys of that tile are then found in a
/// pass of their own.
const NO_KEY: u64 = u64::MAX;

/// The most tiles whose units a column keeps pending (see "Pending units" in the module docs);
/// a handful under `cfg(test)`, so that the unit tests reach it.
const MAX_PENDING_TILES: u64 = if cfg!(test) { 3 } else { 1 << 12 };

/// Words of [`column_state`] per column.
const STATE_WORDS: usize = 3;

/// The state a band of `cols` columns carries from tile to tile, for [`certified_columns`]: the
/// columns' keys (the next tile's plan), then their pending units (`i64` bits), then the tags
/// of those (`unit << 32 | tiles`), each run `cols` words long.
pub(crate) fn column_state(cols: usize) -> Vec<u64> {
    let mut state = vec![0; STATE_WORDS * cols];
    state[..cols].fill(NO_KEY);
    state
}

/// The keys, pending units and tags of a [`column_state`].
#[inline(always)]
fn split_state(state: &mut [u64]) -> (&mut [u64], &mut [u64], &mut [u64]) {
    let cols = state.len() / STATE_WORDS;
    let (keys, rest) = state.split_at_mut(cols);
    let (units, tags) = rest.split_at_mut(cols);
    (keys, units, tags)
}

/// Adds the pending units of a column to its accumulator and leaves none pending.
#[inline(always)]
fn flush(acc: &mut ExactSum, units: &mut u64, tag: &mut u64) {
    if *tag as u32 != 0 {
        acc.add_scaled(*units as i64, (*tag >> 32) as u32);
    }
    (*units, *tag) = (0, 0);
}

/// Adds each column's pending units to its accumulator: the end of a band, before its
/// accumulators are read.
pub(crate) fn flush_columns(acc: &mut [ExactSum], state: &mut [u64]) {
    let (_, units, tags) = split_state(state);
    for ((acc, units), tag) in acc.iter_mut().zip(units).zip(tags) {
        flush(acc, units, tag);
    }
}

/// Adds a tile's `units` of `2^unit` to a column's pending ones, first flushing those if their
/// unit differs or [`MAX_PENDING_TILES`] are pending.
#[inline(always)]
fn add_pending(acc: &mut ExactSum, units: i64, unit: u32, pending: &mut u64, tag: &mut u64) {
    if *tag >> 32 != u64::from(unit) || *tag as u32 as u64 == MAX_PENDING_TILES {
        flush(acc, pending, tag);
        *tag = u64::from(unit) << 32;
    }
    // Cannot overflow: at most MAX_PENDING_TILES counts below 2^51 (module docs).
    *pending = (*pending as i64 + units) as u64;
    *tag += 1;
}

/// The magnitude bits of `x`: their maximum over a column holds its largest exponent, is 0 when
/// the column is only zeros, and is at least `0x7ff << 52` when it holds a NaN or an infinity.
#[inline(always)]
fn magnitude(x: f64) -> u64 {
    x.to_bits() & !(1 << 63)
}

/// Whether a column with largest magnitude bits `key` goes to its accumulator element by element.
#[inline(always)]
fn special(key: u64) -> bool {
    key == 0 || key >> 52 >= 0x7ff
}

/// Adds each column of `tile` to `acc[j]` up to an error it adds to `slack[j]`, part of it
/// pending in `state` until [`flush_columns`]; `state` is the band's [`column_state`], carried
/// from tile to tile (see the module docs).
///
/// # Safety
/// The tile must describe elements valid for reads, with at most [`TILE_ROWS`] rows and
/// [`MAX_TILE_COLS`] columns, `acc` and `slack` one per column, `state` a [`column_state`] of
/// as many columns; the CPU must support the ISA of the kernel this is inlined into.
#[inline(always)]
pub(crate) unsafe fn certified_columns<E: Element>(
    tile: Tile<E>,
    acc: &mut [ExactSum],
    slack: &mut [f64],
    state: &mut [u64],
) {
    const { assert!(TILE_ROWS <= 1 << 8) };
    let cols = tile.cols;
    debug_assert!(tile.rows <= TILE_ROWS && cols <= MAX_TILE_COLS);
    debug_assert!(acc.len() == cols && slack.len() == cols && state.len() == STATE_WORDS * cols);
    let (keys, pending, tags) = split_state(state);
    if keys.first() == Some(&NO_KEY) {
        keys.fill(0);
        for r in 0..tile.rows {
            prefetch_row_start(tile, r + PREFETCH_ROWS);
            // SAFETY: `r < rows`; the caller vouches for the tile (and for the rows below).
            let row = unsafe { tile.row(r) };
            for (key, &x) in keys.iter_mut().zip(row) {
                *key = (*key).max(magnitude(x.widen()));
            }
        }
    }
    // The plan per column; special columns get a harmless one and are redone below.
    let mut sigma = [1.5f64; MAX_TILE_COLS];
    let mut scale = [1.0f64; MAX_TILE_COLS];
    let (sigma, scale) = (&mut sigma[..cols], &mut scale[..cols]);
    let mut scaled = false;
    for ((&key, s), m) in keys.iter().zip(sigma.iter_mut()).zip(scale.iter_mut()) {
        (*s, *m) = plan(key);
        scaled |= *m != 1.0;
    }
    let mut sums = [0f64; MAX_TILE_COLS];
    let mut errs = [0f64; MAX_TILE_COLS];
    let (sums, errs) = (&mut sums[..cols], &mut errs[..cols]);
    sums.copy_from_slice(sigma);
    keys.fill(0);
    // SAFETY: forwarded from the caller.
    unsafe {
        if scaled {
            offset_rows::<E, true>(tile, scale, sums, errs, keys);
        } else {
            offset_rows::<E, false>(tile, scale, sums, errs, keys);
        }
    }
    for j in 0..cols {
        if special(keys[j]) {
            for r in 0..tile.rows {
                // SAFETY: `r < rows`, `j < cols`; the caller vouches for the tile.
                acc[j].add(unsafe { tile.row(r).get_unchecked(j) }.widen());
            }
            continue;
        }
        let own = plan(keys[j]);
        if own != (sigma[j], scale[j]) {
            (sigma[j], scale[j]) = own;
            (sums[j], errs[j]) = (own.0, 0.0);
            for r in 0..tile.rows {
                // SAFETY: `r < rows`, `j < cols`; the caller vouches for the tile.
                let x = unsafe { tile.row(r).get_unchecked(j) }.widen();
                offset_add(&mut sums[j], &mut errs[j], x * own.1);
            }
        }
        let unit = unit_of(sigma[j])
            + if scale[j] == 1.0 {
                0
            } else {
                SCALE_BINADES as u32
            };
        acc[j].note_nonzero_terms();
        let units = sums[j].to_bits() as i64 - sigma[j].to_bits() as i64;
        add_pending(&mut acc[j], units, unit, &mut pending[j], &mut tags[j]);
        let residual = errs[j] / scale[j];
        if residual != 0.0 {
            acc[j].add_finite(residual);
        }
        slack[j] += residual_bound(unit);
    }
}

/// `(σ, scale)` of a column whose largest magnitude has key `key`: `B = M + 10`, and for
/// `B > 1023` the scaled `σ` with the scale 2^-64; `(1.5, 1)` for a special key.
#[inline(always)]
fn plan(key: u64) -> (f64, f64) {
    if special(key) {
        return (1.5, 1.0);
    }
    let b = sigma_exponent(key) + 8;
    if b <= 1023 {
        (sigma_at(b).0, 1.0)
    } else {
        let scale = f64::from_bits(((1023 - SCALE_BINADES) as u64) << 52);
        (sigma_at(b - SCALE_BINADES).0, scale)
    }
}

/// The unit (a power of 2^-1074) of `ulp(σ)` for `σ = 1.5 · 2^B`: `B − 52 + 1074`.
#[inline(always)]
fn unit_of(sigma: f64) -> u32 {
    ((sigma.to_bits() >> 52) as i64 - 1023 - 52 + 1074) as u32
}

/// One offset FastTwoSum: `x` into the running sum `s`, its rounding error into `e`.
#[inline(always)]
fn offset_add(s: &mut f64, e: &mut f64, x: f64) {
    let t = *s + x;
    *e += x - (t - *s);
    *s = t;
}

/// Rows added per sweep over the column state: each column's sum, error and key are loaded and
/// stored once per `ROW_GROUP` rows, in the same order of additions as row by row.
const ROW_GROUP: usize = 4;

/// The offset FastTwoSums of every row of `tile` into `sums` and `errs`, column by column in
/// lanes, and the largest magnitude bits of each column into `keys`; `SCALED` multiplies each
/// element by its column's `scale` first. The starts of the rows [`PREFETCH_ROWS`] ahead are
/// prefetched.
///
/// # Safety
/// As for [`certified_columns`], with `sums`, `errs`, `keys` and `scale` one per column.
#[inline(always)]
unsafe fn offset_rows<E: Element, const SCALED: bool>(
    tile: Tile<E>,
    scale: &[f64],
    sums: &mut [f64],
    errs: &mut [f64],
    keys: &mut [u64],
) {
    let mut r = 0;
    while r + ROW_GROUP <= tile.rows {
        (r..r + ROW_GROUP).for_each(|ahead| prefetch_row_start(tile, ahead + PREFETCH_ROWS));
        // SAFETY: `r + i < rows`; the caller vouches for the tile.
        let rows = core::array::from_fn(|i| unsafe { tile.row(r + i) });
        offset_group::<E, SCALED, ROW_GROUP>(rows, scale, sums, errs, keys);
        r += ROW_GROUP;
    }
    for r in r..tile.rows {
        // SAFETY: `r < rows`; the caller vouches for the tile.
        let rows = [unsafe { tile.row(r) }];
        offset_group::<E, SCALED, 1>(rows, scale, sums, errs, keys);
    }
}

/// [`offset_rows`] for the `N` consecutive `rows`, each as long as `sums`.
#[inline(always)]
fn offset_group<E: Element, const SCALED: bool, const N: usize>(
    rows: [&[E]; N],
    scale: &[f64],
    sums: &mut [f64],
    errs: &mut [f64],
    keys: &mut [u64],
) {
    let cols = sums.len();
    let (scale, errs, keys) = (&scale[..cols], &mut errs[..cols], &mut keys[..cols]);
    let rows = rows.map(|row| &row[..cols]);
    for j in 0..cols {
        let (mut s, mut e, mut k) = (sums[j], errs[j], keys[j]);
        for row in rows {
            let x = row[j].widen();
            k = k.max(magnitude(x));
            offset_add(&mut s, &mut e, if SCALED { x * scale[j] } else { x });
        }
        (sums[j], errs[j], keys[j]) = (s, e, k);
    }
}

/// Adds each column of `tile` to `sums[j]` in plain IEEE additions, row after row.
///
/// # Safety
/// As for [`certified_columns`], with `sums` one per column.
#[inline(always)]
pub(crate) unsafe fn fast_columns<E: Element>(tile: Tile<E>, sums: &mut [f64]) {
    debug_assert!(sums.len() == tile.cols);
    for r in 0..tile.rows {
        // SAFETY: `r < rows`; the caller vouches for the tile.
        let row = unsafe { tile.row(r) };
        for (s, &x) in sums.iter_mut().zip(row) {
            *s += x.widen();
        }
    }
}
