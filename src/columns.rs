//! Column sums of row-major data (`ndarray::sum_axis` along an axis whose lanes lie side by side
//! in memory): a [`Matrix`] of row segments is cut into tiles of `TILE_ROWS` rows × a 4 KiB row
//! segment, and each tile is added into one accumulator per column by the column kernels
//! (`algo/columns.rs`, `algo/float/columns.rs`), reading memory along the rows only.
//!
//! ```text
//! column blocks of tile_cols::<T>() × bands of BAND_ROWS rows  →  one task each (pool if large)
//!   task: tiles down its band, the kernel per tile  →  a partial per column
//! then column blocks  →  one task each (pool if large)
//!   per column: band partials merged in band order  →  finish, or the error-free retry of that
//!   column alone (gathered a block at a time)
//! ```
//!
//! The grid depends only on the matrix's shape, so Compensated and Fast results are reproducible
//! for a given view and ISA path; Exact results are the correctly rounded sums, bit-identical to
//! `coresum::sum` of each gathered column.

use crate::algo::columns::{TILE_ROWS, Tile, tile_cols};
use crate::algo::float::{column_state, flush_columns};
use crate::arch::Kernels;
use crate::element::{Mode, Summable};
use crate::exact_sum::ExactSum;
use crate::float::FloatPartial;
use crate::gather::{self, parallel_map};
use crate::reduce::{ElementSum, Reduction, Sum};
use crate::strided::Strided;
use core::marker::PhantomData;
use std::sync::Mutex;

/// Rows per unit of parallel work: 32 tiles, so that tall matrices with few columns still split.
/// Each band holds an exact accumulator per float column (544 bytes), allocated, converted into
/// partials and merged once per band: with 16-tile bands that was a tenth of the time of the
/// float column sums of an 8192² matrix (0.71–0.72× → 0.79–0.81× the throughput of `sum` with
/// 32, alternating runs on the loaded Intel AVX-512 host).
const BAND_ROWS: usize = 32 * TILE_ROWS;

/// `rows` row segments of `cols` consecutive elements of a borrowed array, the first at `first`,
/// each `stride` elements after the previous one.
#[derive(Debug)]
pub(crate) struct Matrix<'a, T> {
    first: *const T,
    stride: isize,
    rows: usize,
    cols: usize,
    data: PhantomData<&'a [T]>,
}

// SAFETY: a `Matrix` only reads the elements it borrows, like the `&[T]` it stands for.
unsafe impl<T: Sync> Sync for Matrix<'_, T> {}

impl<'a, T> Matrix<'a, T> {
    /// The matrix at `first` (only `ndarray::sum_axis` builds one today).
    ///
    /// # Safety
    /// Element `c` of row `r` (at `first + r · stride + c`) must be valid for reads for `'a`, for
    /// every `r < rows` and `c < cols`, all inside one allocation.
    #[cfg_attr(not(feature = "ndarray"), allow(dead_code))]
    pub(crate) unsafe fn from_raw(
        first: *const T,
        stride: isize,
        rows: usize,
        cols: usize,
    ) -> Self {
        Matrix {
            first,
            stride,
            rows,
            cols,
            data: PhantomData,
        }
    }

    /// Rows `rows` of columns `cols` (both within the matrix).
    fn tile(&self, rows: core::ops::Range<usize>, cols: core::ops::Range<usize>) -> Tile<T> {
        debug_assert!(rows.end <= self.rows && cols.end <= self.cols);
        Tile {
            // The offset stays inside the borrowed allocation (see `from_raw`).
            first: self
                .first
                .wrapping_offset(rows.start as isize * self.stride + cols.start as isize),
            stride: self.stride,
            rows: rows.len(),
            cols: cols.len(),
        }
    }

    /// Column `c` as a strided view.
    fn column(&self, c: usize) -> Strided<'a, T> {
        debug_assert!(c < self.cols);
        // SAFETY: column `c < cols` is `rows` valid elements `stride` apart (see `from_raw`).
        unsafe { Strided::from_raw(self.first.wrapping_add(c), self.stride, self.rows) }
    }
}

/// The sums of every column of `matrix` in `mode`, in column order (see the module docs).
#[cfg_attr(not(feature = "ndarray"), allow(dead_code))]
pub(crate) fn column_sums<T: Summable>(matrix: &Matrix<'_, T>, mode: Mode) -> Vec<T::Output> {
    let kernels = Kernels::active();
    let width = T::TILE_COLS;
    let blocks = matrix.cols.div_ceil(width);
    let bands = matrix.rows.div_ceil(BAND_ROWS);
    let span = size_of::<T>()
        .saturating_mul(matrix.cols)
        .saturating_mul(matrix.rows);
    let partials = parallel_map(blocks * bands, span, |task| {
        let (block, band) = (task / bands, task % bands);
        let cols = block * width..((block + 1) * width).min(matrix.cols);
        let rows = band * BAND_ROWS..((band + 1) * BAND_ROWS).min(matrix.rows);
        let mut acc = T::band(mode, cols.len());
        for start in rows.clone().step_by(TILE_ROWS) {
            let tile = matrix.tile(start..(start + TILE_ROWS).min(rows.end), cols.clone());
            // SAFETY: the tile lies inside the matrix; `kernels` is a table the CPU supports.
            unsafe { T::add_tile(kernels, mode, tile, &mut acc) };
        }
        T::partials(mode, acc)
    });
    // Merging a block's band partials and finishing its columns is a pass over one exact
    // accumulator per column (and maybe a retry): spread over the pool too, a block per task.
    let partials: Vec<Mutex<Vec<T::Partial>>> = partials.into_iter().map(Mutex::new).collect();
    let sum = Sum::<T>::new(mode);
    let sums = parallel_map(blocks, span, |block| {
        let mut bands = partials[block * bands..(block + 1) * bands]
            .iter()
            .map(|partials| {
                core::mem::take(&mut *partials.lock().unwrap_or_else(|e| e.into_inner()))
            });
        let mut totals = bands.next().unwrap_or_default();
        for next in bands {
            for (total, next) in totals.iter_mut().zip(next) {
                sum.merge(total, next);
            }
        }
        let first = block * width;
        totals
            .into_iter()
            .enumerate()
            .map(|(j, total)| finish(sum, kernels, total, matrix.column(first + j)))
            .collect::<Vec<_>>()
    });
    sums.into_iter().flatten().collect()
}

/// Finishes a column's total, or retries that column alone with the retry's pass (an Exact sum
/// whose rounding the certified pass leaves open), a block at a time.
fn finish<T: Summable>(
    mut sum: Sum<T>,
    kernels: &Kernels,
    mut total: T::Partial,
    column: Strided<'_, T>,
) -> T::Output {
    loop {
        match sum.finish(total) {
            Ok(output) => return output,
            Err(retry) => {
                total = gather::partial(retry, kernels, &column, 0..column.len());
                sum = retry;
            }
        }
    }
}

/// How the columns of a tile of one element type are summed: the sealed half of
/// [`Summable`] that picks the column kernels (it can be neither named nor implemented outside
/// the crate).
pub trait Columns: ElementSum + Sized {
    /// Columns per tile.
    const TILE_COLS: usize;
    /// The accumulators of a block of columns over a band of rows.
    type Band: Send;

    /// The empty accumulators of `cols` columns for a sum in `mode`.
    fn band(mode: Mode, cols: usize) -> Self::Band;

    /// Adds the columns of `tile` to `band`.
    ///
    /// # Safety
    /// The tile must describe elements valid for reads, with at most `TILE_ROWS` rows and
    /// exactly as many columns as `band`, at most [`TILE_COLS`](Self::TILE_COLS).
    unsafe fn add_tile(kernels: &Kernels, mode: Mode, tile: Tile<Self>, band: &mut Self::Band);

    /// The partial of each column.
    fn partials(mode: Mode, band: Self::Band) -> Vec<Self::Partial>;
}

macro_rules! columns_int {
    ($($t:ty => $field:ident as $via:ty;)*) => {$(
        impl Columns for $t {
            const TILE_COLS: usize = tile_cols::<$t>();
            type Band = Vec<i128>;

            fn band(_mode: Mode, cols: usize) -> Vec<i128> {
                vec![0; cols]
            }

            unsafe fn add_tile(kernels: &Kernels, _mode: Mode, tile: Tile<$t>, band: &mut Vec<i128>) {
                // `$t` and `$via` have the same size, alignment and valid bit patterns.
                let tile = Tile { first: tile.first.cast::<$via>(), stride: tile.stride, rows: tile.rows, cols: tile.cols };
                // SAFETY: forwarded from the caller; a `&Kernels` is only handed out by
                // `Kernels::get`, after checking that the running CPU supports its ISA.
                unsafe { (kernels.columns.$field)(tile, band) }
            }

            fn partials(_mode: Mode, band: Vec<i128>) -> Vec<Self::Partial> {
                // Each total is the exact sum of its column, which fits the partial's type (the
                // guarantee of `Summable`): non-negative for unsigned types.
                band.into_iter().map(|total| total as Self::Partial).collect()
            }
        }
    )*};
}

columns_int! {
    u8 => u8 as u8; i8 => i8 as i8; u16 => u16 as u16; i16 => i16 as i16;
    u32 => u32 as u32; i32 => i32 as i32; u64 => u64 as u64; i64 => i64 as i64;
}

#[cfg(target_pointer_width = "64")]
columns_int! { usize => u64 as u64; isize => i64 as i64; }

#[cfg(target_pointer_width = "32")]
columns_int! { usize => u32 as u32; isize => i32 as i32; }

#[cfg(target_pointer_width = "16")]
columns_int! { usize => u16 as u16; isize => i16 as i16; }

/// The accumulators of a block of float columns over a band.
pub enum FloatBand {
    /// Exact and Compensated: the certified pass, an exact accumulator and its slack per column,
    /// and the state carried from tile to tile (`algo::float::columns`: the next tile's plan
    /// and the units pending per column).
    Certified {
        sums: Vec<ExactSum>,
        slack: Vec<f64>,
        state: Vec<u64>,
    },
    /// Fast: a plain sum per column, and whether any row was added.
    Fast { sums: Vec<f64>, nonempty: bool },
}

impl FloatBand {
    fn new(mode: Mode, cols: usize) -> Self {
        match mode {
            Mode::Fast => FloatBand::Fast {
                sums: vec![-0.0; cols],
                nonempty: false,
            },
            Mode::Exact | Mode::Compensated => FloatBand::Certified {
                sums: vec![ExactSum::new(); cols],
                slack: vec![0.0; cols],
                state: column_state(cols),
            },
        }
    }

    fn partials(mut self, mode: Mode) -> Vec<FloatPartial> {
        if let FloatBand::Certified { sums, state, .. } = &mut self {
            flush_columns(sums, state);
        }
        match self {
            FloatBand::Fast { sums, nonempty } => sums
                .into_iter()
                .map(|sum| FloatPartial::Fast { sum, nonempty })
                .collect(),
            FloatBand::Certified { sums, .. } if mode == Mode::Compensated => sums
                .into_iter()
                .map(|sum| FloatPartial::Compensated { sum })
                .collect(),
            FloatBand::Certified { sums, slack, .. } => sums
                .into_iter()
                .zip(slack)
                .map(|(sum, slack)| FloatPartial::Exact { sum, slack })
                .collect(),
        }
    }
}

macro_rules! columns_float {
    ($($t:ty => $fast:ident, $certified:ident;)*) => {$(
        impl Columns for $t {
            const TILE_COLS: usize = tile_cols::<$t>();
            type Band = FloatBand;

            fn band(mode: Mode, cols: usize) -> FloatBand {
                FloatBand::new(mode, cols)
            }

            unsafe fn add_tile(kernels: &Kernels, _mode: Mode, tile: Tile<$t>, band: &mut FloatBand) {
                // SAFETY: forwarded from the caller; a `&Kernels` is only handed out by
                // `Kernels::get`, after checking that the running CPU supports its ISA.
                unsafe {
                    match band {
                        FloatBand::Fast { sums, nonempty } => {
                            (kernels.columns.$fast)(tile, sums);
                            *nonempty |= tile.rows > 0;
                        }
                        FloatBand::Certified { sums, slack, state } => {
                            (kernels.columns.$certified)(tile, sums, slack, state)
                        }
                    }
                }
            }

            fn partials(mode: Mode, band: FloatBand) -> Vec<FloatPartial> {
                band.partials(mode)
            }
        }
    )*};
}

columns_float! {
    f64 => f64_fast, f64_certified;
    f32 => f32_fast, f32_certified;
}

#[cfg(feature = "half")]
mod half_types {
    //! `half::f16` and `half::bf16`: each tile converted (exactly) to `f32` row by row, then
    //! summed by the `f32` column kernels.

    use super::{Columns, FloatBand, FloatPartial, Kernels, Mode, TILE_ROWS, Tile, tile_cols};
    use half::slice::HalfFloatSliceExt;

    macro_rules! columns_half {
        ($($t:ty),*) => {$(
            impl Columns for $t {
                // The `f32` tile the rows are converted into.
                const TILE_COLS: usize = tile_cols::<f32>();
                type Band = FloatBand;

                fn band(mode: Mode, cols: usize) -> FloatBand {
                    FloatBand::new(mode, cols)
                }

                unsafe fn add_tile(kernels: &Kernels, mode: Mode, tile: Tile<$t>, band: &mut FloatBand) {
                    let mut buf = vec![0f32; TILE_ROWS * tile.cols];
                    for (r, row) in buf.chunks_exact_mut(tile.cols).take(tile.rows).enumerate() {
                        // SAFETY: `r < rows`; the caller vouches for the tile.
                        unsafe { tile.row(r) }.convert_to_f32_slice(row);
                    }
                    let converted = Tile {
                        first: buf.as_ptr(),
                        stride: tile.cols as isize,
                        rows: tile.rows,
                        cols: tile.cols,
                    };
                    // SAFETY: `converted` lies inside `buf`, with the caller's tile's shape.
                    unsafe { f32::add_tile(kernels, mode, converted, band) }
                }

                fn partials(mode: Mode, band: FloatBand) -> Vec<FloatPartial> {
                    band.partials(mode)
                }
            }
        )*};
    }

    columns_half!(half::f16, half::bf16);
}
