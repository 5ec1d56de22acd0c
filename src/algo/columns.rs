//! Column sums of a tile of a row-major matrix: memory is read along the rows, a row segment at a
//! time, and each segment is added into per-column accumulators held in L1 arrays, so the loop
//! over a segment is a vertical (lane = column) loop that the compiler vectorises with the
//! instructions of the `#[target_feature]` kernel it is instantiated in (`arch::kernel_table!`).
//! No column is ever walked element by element from memory.
//!
//! ```text
//! tile = TILE_ROWS rows × cols ≤ tile_cols::<T>() columns (one row segment ≈ 4 KiB)
//! integers:  for each row: low[j] += low(x_j); high[j] += high(x_j)      (i64 lanes)
//!            then out[j] += high[j] · 2^32 + low[j]                        (i128, once per tile)
//! ```
//!
//! Integers of at most 32 bits are added whole into `i64` lanes: a tile adds at most
//! `TILE_ROWS = 2^8` terms below 2^32 in magnitude, far from 2^63. 64-bit integers are split into
//! their low 32 bits (unsigned) and their high 32 bits (signed for `i64`): both halves stay below
//! 2^40 per tile, and `high · 2^32 + low` is the exact sum. The float passes are in
//! `algo/float/columns.rs`.

/// Rows per tile: what bounds each column accumulator between two flushes (see the module docs),
/// and with 4 KiB row segments 1 MiB of data, which stays in L2 for the columns a float tile
/// redoes (128 rows measured no faster; docs/PERFORMANCE.md).
pub(crate) const TILE_ROWS: usize = 256;
/// The most columns a tile has (the accumulator arrays' length).
pub(crate) const MAX_TILE_COLS: usize = 1024;

/// Columns per tile for elements of `T`: a 4 KiB row segment, at most [`MAX_TILE_COLS`].
pub(crate) const fn tile_cols<T>() -> usize {
    let cols = 4096 / size_of::<T>();
    if cols < MAX_TILE_COLS {
        cols
    } else {
        MAX_TILE_COLS
    }
}

/// How many rows ahead of the ones being added the column kernels touch a row segment's first
/// cache lines: in a wide matrix each 4 KiB segment is a page of its own, where the hardware
/// prefetchers stop, and a hint at its start sets them going before the loads get there. The
/// hint crosses into the next tile of the band, so a tile's first rows are not cold either.
/// On the 8192 × 8192 `i64` matrix it took the column sums from 0.62–0.68× to 0.80–0.86× the
/// CPU time of `sum` (loaded host, min of 10 runs); 4, 16 or 32 rows ahead, whole-segment
/// prefetches (64 hints a row), prefetching during a float tile's flush, and 8–16 KiB segments
/// with 64–256-row tiles were no faster.
pub(crate) const PREFETCH_ROWS: usize = 8;

/// Asks for the first two cache lines of the row segment `r` rows after the tile's first: `r`
/// may lie past the tile, even past the matrix (a prefetch hint never faults). A no-op off
/// x86-64.
#[inline(always)]
pub(crate) fn prefetch_row_start<T>(tile: Tile<T>, r: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // Never dereferenced, so the wrapping arithmetic is enough.
        let start = tile
            .first
            .wrapping_offset(r as isize * tile.stride)
            .cast::<i8>();
        // SAFETY: a prefetch hint never faults, whatever the address; SSE is part of x86-64.
        unsafe {
            _mm_prefetch::<_MM_HINT_T0>(start);
            _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(64));
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (tile, r);
}

/// `rows` row segments of `cols` consecutive elements, the first at `first`, each `stride`
/// elements after the previous one (negative: rows run backwards in memory).
///
/// Public only because the sealed `Columns` names it; it cannot be named outside the crate.
#[derive(Debug)]
pub struct Tile<T> {
    pub(crate) first: *const T,
    pub(crate) stride: isize,
    pub(crate) rows: usize,
    pub(crate) cols: usize,
}

impl<T> Clone for Tile<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Tile<T> {}

impl<T> Tile<T> {
    /// Row `r` of the tile.
    ///
    /// # Safety
    /// `r < rows`, and the tile must describe elements valid for reads (as every kernel taking
    /// a tile requires of its caller).
    #[inline(always)]
    pub(crate) unsafe fn row<'a>(self, r: usize) -> &'a [T] {
        debug_assert!(r < self.rows);
        // SAFETY: row `r` is `cols` valid elements `r · stride` elements after `first`, inside
        // one allocation (so the offset fits an `isize`), as the caller vouches.
        unsafe {
            core::slice::from_raw_parts(self.first.offset(r as isize * self.stride), self.cols)
        }
    }
}

/// An integer element as the two `i64` terms its column accumulators take.
pub(crate) trait ColumnInt: Copy {
    /// Whether the type is split into two halves (64-bit types); else [`low`](Self::low) is the
    /// whole value and `high` is never called.
    const SPLIT: bool;
    /// The value (at most 32 bits), or its low 32 bits as an unsigned number.
    fn low(self) -> i64;
    /// The value shifted right by 32 bits (arithmetically for signed types).
    fn high(self) -> i64;
}

macro_rules! column_int {
    (whole: $($t:ty),*) => {$(
        impl ColumnInt for $t {
            const SPLIT: bool = false;
            #[inline(always)]
            fn low(self) -> i64 {
                i64::from(self)
            }
            #[inline(always)]
            fn high(self) -> i64 {
                0
            }
        }
    )*};
    (split: $($t:ty),*) => {$(
        impl ColumnInt for $t {
            const SPLIT: bool = true;
            #[inline(always)]
            fn low(self) -> i64 {
                i64::from(self as u32)
            }
            #[inline(always)]
            fn high(self) -> i64 {
                (self >> 32) as i64
            }
        }
    )*};
}

column_int!(whole: u8, i8, u16, i16, u32, i32);
column_int!(split: u64, i64);

/// Rows added per sweep over the column accumulators: each accumulator is loaded and stored
/// once per `ROW_GROUP` rows, and that many row segments stream at once. On the 8192 × 8192
/// `i64` matrix (Intel AVX-512 host, 2 workers) row by row took 1.5× the time of `sum`: the loop
/// was 11 µops per 64 bytes with two stores, too few lines in flight; four rows a sweep
/// matched `sum` (docs/PERFORMANCE.md). The float kernels group their rows the same way.
const ROW_GROUP: usize = 4;

/// Adds the column sums of `tile` to `out` (one per column, `out.len() == tile.cols`).
///
/// # Safety
/// The tile must describe elements valid for reads, with at most [`TILE_ROWS`] rows and
/// [`MAX_TILE_COLS`] columns; the CPU must support the ISA of the kernel this is inlined into.
#[inline(always)]
pub(crate) unsafe fn int_columns<T: ColumnInt>(tile: Tile<T>, out: &mut [i128]) {
    debug_assert!(tile.rows <= TILE_ROWS && tile.cols <= MAX_TILE_COLS && out.len() == tile.cols);
    let mut low = [0i64; MAX_TILE_COLS];
    let mut high = [0i64; MAX_TILE_COLS];
    let (low, high) = (&mut low[..tile.cols], &mut high[..tile.cols]);
    let mut r = 0;
    while r + ROW_GROUP <= tile.rows {
        (r..r + ROW_GROUP).for_each(|ahead| prefetch_row_start(tile, ahead + PREFETCH_ROWS));
        // SAFETY: `r + i < rows`; the caller vouches for the tile.
        let rows = core::array::from_fn(|i| unsafe { tile.row(r + i) });
        int_group::<T, ROW_GROUP>(rows, low, high);
        r += ROW_GROUP;
    }
    for r in r..tile.rows {
        prefetch_row_start(tile, r + PREFETCH_ROWS);
        // SAFETY: `r < rows`; the caller vouches for the tile.
        int_group::<T, 1>([unsafe { tile.row(r) }], low, high);
    }
    for ((o, &l), &h) in out.iter_mut().zip(&*low).zip(&*high) {
        *o += (i128::from(h) << 32) + i128::from(l);
    }
}

/// Adds the `N` consecutive `rows`, each as long as `low`, into the column accumulators (`high`
/// only for split types).
#[inline(always)]
fn int_group<T: ColumnInt, const N: usize>(rows: [&[T]; N], low: &mut [i64], high: &mut [i64]) {
    let cols = low.len();
    let (high, rows) = (&mut high[..cols], rows.map(|row| &row[..cols]));
    for j in 0..cols {
        low[j] += rows.iter().map(|row| row[j].low()).sum::<i64>();
        if T::SPLIT {
            high[j] += rows.iter().map(|row| row[j].high()).sum::<i64>();
        }
    }
}

#[cfg(test)]
mod tests {
    //! Small tiles on every available path, against `i128` column sums (Miri runs the portable
    //! path). The property tests over views live in `tests/columns.rs`.
    use super::{TILE_ROWS, Tile};
    use crate::Isa;
    use crate::arch::Kernels;

    #[test]
    fn integer_tiles_with_extreme_values_and_negative_strides() {
        let (rows, cols) = if cfg!(miri) { (5, 11) } else { (TILE_ROWS, 37) };
        let values: Vec<i64> = (0..rows * cols)
            .map(|i| match i % 5 {
                0 => i64::MAX,
                1 => i64::MIN,
                2 => -(i as i64),
                _ => (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) as i64,
            })
            .collect();
        for isa in Isa::available() {
            let kernels = Kernels::get(isa).unwrap();
            for stride in [cols as isize, -(cols as isize)] {
                let first = if stride > 0 { 0 } else { (rows - 1) * cols };
                // From the whole slice's pointer: a negative stride reads rows before `first`.
                let tile = Tile {
                    first: values.as_ptr().wrapping_add(first),
                    stride,
                    rows,
                    cols,
                };
                let mut got = vec![7i128; cols];
                // SAFETY: the tile lies inside `values`; the table's ISA is available.
                unsafe { (kernels.columns.i64)(tile, &mut got) };
                let want: Vec<i128> = (0..cols)
                    .map(|j| {
                        7 + (0..rows)
                            .map(|r| i128::from(values[r * cols + j]))
                            .sum::<i128>()
                    })
                    .collect();
                assert_eq!(got, want, "{isa} {stride}");
                let narrow: Vec<i8> = values.iter().map(|&x| x as i8).collect();
                let tile = Tile {
                    first: narrow.as_ptr().wrapping_add(first),
                    stride,
                    rows,
                    cols,
                };
                let mut got = vec![0i128; cols];
                // SAFETY: as above.
                unsafe { (kernels.columns.i8)(tile, &mut got) };
                let want: Vec<i128> = (0..cols)
                    .map(|j| {
                        (0..rows)
                            .map(|r| i128::from(narrow[r * cols + j]))
                            .sum::<i128>()
                    })
                    .collect();
                assert_eq!(got, want, "{isa} i8 {stride}");
            }
        }
    }

    #[test]
    fn certified_float_tiles_decide_or_defer_never_misround() {
        let (rows, cols) = if cfg!(miri) { (6, 9) } else { (TILE_ROWS, 45) };
        let values: Vec<f64> = (0..rows * cols)
            .map(|i| match (i % cols) % 9 {
                0 => (i as f64) * 0.37 - 50.0,
                1 => {
                    if i / cols % 2 == 0 {
                        1e300
                    } else {
                        -1e300
                    }
                }
                2 => 1.7e308 * if i % 2 == 0 { 1.0 } else { -0.5 },
                3 => f64::from_bits(i as u64 + 1),
                4 => -0.0,
                5 => {
                    if i / cols == 1 {
                        f64::INFINITY
                    } else {
                        1.0
                    }
                }
                6 => [1.0, 1.1102230246251565e-16, -2.220446049250313e-16][i / cols % 3],
                _ => (i as f64).sqrt() * 1e-200,
            })
            .collect();
        let shrunk: Vec<f64> = values.iter().map(|&x| x * 0.5f64.powi(30)).collect();
        for isa in Isa::available() {
            let kernels = Kernels::get(isa).unwrap();
            let mut acc = vec![crate::ExactSum::new(); cols];
            let mut slack = vec![0.0; cols];
            let mut state = crate::algo::float::column_state(cols);
            // The second tile's magnitudes drop by 2^30 and the third's rise back: each takes
            // its plan from the tile before it, and redoes the columns that plan does not fit,
            // and its units flush those pending at the old unit. The five tiles from the third
            // on share their plans: their units are flushed after three (the bound under
            // `cfg(test)`), then at the drop, then at the end.
            let tiles = [
                &values, &shrunk, &values, &values, &values, &values, &values, &shrunk,
            ];
            for data in tiles {
                let tile = Tile {
                    first: data.as_ptr(),
                    stride: cols as isize,
                    rows,
                    cols,
                };
                // SAFETY: the tile is `data`; the table's ISA is available.
                unsafe { (kernels.columns.f64_certified)(tile, &mut acc, &mut slack, &mut state) };
            }
            crate::algo::float::flush_columns(&mut acc, &mut state);
            for j in 0..cols {
                let mut exact = crate::ExactSum::new();
                for data in tiles {
                    (0..rows).for_each(|r| exact.add(data[r * cols + j]));
                }
                let exact = exact.finish();
                let got = acc[j].finish_within(2.0 * slack[j]);
                let same = |x: f64| x.to_bits() == exact.to_bits() || x.is_nan() && exact.is_nan();
                assert!(got.is_none_or(same), "{isa} column {j}: {got:?} {exact}");
                if j % 9 == 0 {
                    assert!(got.is_some(), "{isa} column {j} left undecided");
                }
            }
        }
    }
}
