//! `coresum_sum_*` and `coresum_pool_sum_*`: blocking sums of C arrays.
//!
//! One generic body, [`sum_into`]; the exported functions are one-line wrappers written out per
//! type because cbindgen reads the source, not macro expansions.

use crate::args::{self, CORESUM_EXACT, coresum_mode};
use crate::error::{Failure, guard};
use crate::pool::coresum_pool;
use coresum::Summable;
use std::ffi::c_int;

/// A 128-bit integer in two's-complement halves: the value is `hi · 2^64 + lo`. Unsigned sums
/// use it too, with `hi` ≥ 0 (no sum of a C array reaches 2^127).
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct coresum_i128 {
    /// The low 64 bits.
    pub lo: u64,
    /// The high 64 bits, signed.
    pub hi: i64,
}

impl From<i128> for coresum_i128 {
    fn from(value: i128) -> Self {
        coresum_i128 {
            lo: value as u64,
            hi: (value >> 64) as i64,
        }
    }
}

impl From<coresum_i128> for i128 {
    fn from(value: coresum_i128) -> Self {
        (i128::from(value.hi) << 64) | i128::from(value.lo)
    }
}

/// A sum's result as C receives it.
pub(crate) trait ToC: Copy {
    type C;
    fn to_c(self) -> Self::C;
}

impl ToC for i128 {
    type C = coresum_i128;
    fn to_c(self) -> coresum_i128 {
        self.into()
    }
}

impl ToC for u128 {
    type C = coresum_i128;
    fn to_c(self) -> coresum_i128 {
        // Below 2^124 (`Summable`'s bound for any slice), so it fits an i128 unchanged.
        (self as i128).into()
    }
}

impl ToC for f64 {
    type C = f64;
    fn to_c(self) -> f64 {
        self
    }
}

/// Which pool a sum runs on: the default one (as `coresum::sum` chooses), or the caller's.
#[derive(Clone, Copy)]
pub(crate) enum On {
    Default,
    Pool(*const coresum_pool),
}

/// Sums `data[..len]` in `mode` into `*out`.
///
/// # Safety
/// The crate's contract for `data`, `len`, `out` and the pool handle.
pub(crate) unsafe fn sum_into<T>(
    on: On,
    data: *const T,
    len: usize,
    mode: coresum_mode,
    out: *mut <T::Output as ToC>::C,
) -> c_int
where
    T: Summable,
    T::Output: ToC,
{
    guard(|| {
        let mode = args::mode(mode)?;
        // SAFETY: forwarded from this function's contract.
        let (data, out) = unsafe { (args::array(data, len)?, args::out(out, "out")?) };
        let total = match on {
            On::Default => coresum::sum_with(data, mode),
            // SAFETY: forwarded from this function's contract.
            On::Pool(pool) => unsafe { args::handle(pool, "the pool")? }
                .0
                .sum_with(data, mode),
        };
        *out = total.to_c();
        Ok::<(), Failure>(())
    })
}

/// The exact sum of the `int8_t` array `data[..len]` into `*out`, on the calling thread, or on the default pool for large arrays.
///
/// # Safety
/// See the crate docs: `data` readable for `len` elements, `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_sum_i8(
    data: *const i8,
    len: usize,
    out: *mut coresum_i128,
) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { sum_into(On::Default, data, len, CORESUM_EXACT, out) }
}

/// The exact sum of the `uint8_t` array `data[..len]` into `*out`, on the calling thread, or on the default pool for large arrays.
///
/// # Safety
/// See the crate docs: `data` readable for `len` elements, `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_sum_u8(
    data: *const u8,
    len: usize,
    out: *mut coresum_i128,
) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { sum_into(On::Default, data, len, CORESUM_EXACT, out) }
}

/// The exact sum of the `int16_t` array `data[..len]` into `*out`, on the calling thread, or on the default pool for large arrays.
///
/// # Safety
/// See the crate docs: `data` readable for `len` elements, `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_sum_i16(
    data: *const i16,
    len: usize,
    out: *mut coresum_i128,
) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { sum_into(On::Default, data, len, CORESUM_EXACT, out) }
}

/// The exact sum of the `uint16_t` array `data[..len]` into `*out`, on the calling thread, or on the default pool for large arrays.
///
/// # Safety
/// See the crate docs: `data` readable for `len` elements, `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_sum_u16(
    data: *const u16,
    len: usize,
    out: *mut coresum_i128,
) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { sum_into(On::Default, data, len, CORESUM_EXACT, out) }
}

/// The exact sum of the `int32_t` array `data[..len]` into `*out`, on the calling thread, or on the default pool for large arrays.
///
/// # Safety
/// See the crate docs: `data` readable for `len` elements, `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_sum_i32(
    data: *const i32,
    len: usize,
    out: *mut coresum_i128,
) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { sum_into(On::Default, data, len, CORESUM_EXACT, out) }
}

/// The exact sum of the `uint32_t` array `data[..len]` into `*out`, on the calling thread, or on the default pool for large arrays.
///
/// # Safety
/// See the crate docs: `data` readable for `len` elements, `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_sum_u32(
    data: *const u32,
    len: usize,
    out: *mut coresum_i128,
) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { sum_into(On::Default, data, len, CORESUM_EXACT, out) }
}

/// The exact sum of the `int64_t` array `data[..len]` into `*out`, on the calling thread, or on the default pool for large arrays.
///
/// # Safety
/// See the crate docs: `data` readable for `len` elements, `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_sum_i64(
    data: *const i64,
    len: usize,
    out: *mut coresum_i128,
) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { sum_into(On::Default, data, len, CORESUM_EXACT, out) }
}

/// The exact sum of the `uint64_t` array `data[..len]` into `*out`, on the calling thread, or on the default pool for large arrays.
///
/// # Safety
/// See the crate docs: `data` readable for `len` elements, `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_sum_u64(
    data: *const u64,
    len: usize,
    out: *mut coresum_i128,
) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { sum_into(On::Default, data, len, CORESUM_EXACT, out) }
}

/// The correctly rounded (`CORESUM_EXACT`) or faster sum, in `mode`, of the `float` array `data[..len]` into `*out`, on the calling thread, or on the default pool for large arrays.
///
/// # Safety
/// See the crate docs: `data` readable for `len` elements, `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_sum_f32(
    data: *const f32,
    len: usize,
    mode: coresum_mode,
    out: *mut f64,
) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { sum_into(On::Default, data, len, mode, out) }
}

/// The correctly rounded (`CORESUM_EXACT`) or faster sum, in `mode`, of the `double` array `data[..len]` into `*out`, on the calling thread, or on the default pool for large arrays.
///
/// # Safety
/// See the crate docs: `data` readable for `len` elements, `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_sum_f64(
    data: *const f64,
    len: usize,
    mode: coresum_mode,
    out: *mut f64,
) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { sum_into(On::Default, data, len, mode, out) }
}

/// The exact sum of the `int8_t` array `data[..len]` into `*out`, on `pool`.
///
/// # Safety
/// See the crate docs: `data` readable for `len` elements, `out` writable, `pool` a live pool.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_pool_sum_i8(
    pool: *const coresum_pool,
    data: *const i8,
    len: usize,
    out: *mut coresum_i128,
) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { sum_into(On::Pool(pool), data, len, CORESUM_EXACT, out) }
}

/// The exact sum of the `uint8_t` array `data[..len]` into `*out`, on `pool`.
///
/// # Safety
/// See the crate docs: `data` readable for `len` elements, `out` writable, `pool` a live pool.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_pool_sum_u8(
    pool: *const coresum_pool,
    data: *const u8,
    len: usize,
    out: *mut coresum_i128,
) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { sum_into(On::Pool(pool), data, len, CORESUM_EXACT, out) }
}

/// The exact sum of the `int16_t` array `data[..len]` into `*out`, on `pool`.
///
/// # Safety
/// See the crate docs: `data` readable for `len` elements, `out` writable, `pool` a live pool.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_pool_sum_i16(
    pool: *const coresum_pool,
    data: *const i16,
    len: usize,
    out: *mut coresum_i128,
) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { sum_into(On::Pool(pool), data, len, CORESUM_EXACT, out) }
}

/// The exact sum of the `uint16_t` array `data[..len]` into `*out`, on `pool`.
///
/// # Safety
/// See the crate docs: `data` readable for `len` elements, `out` writable, `pool` a live pool.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_pool_sum_u16(
    pool: *const coresum_pool,
    data: *const u16,
    len: usize,
    out: *mut coresum_i128,
) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { sum_into(On::Pool(pool), data, len, CORESUM_EXACT, out) }
}

/// The exact sum of the `int32_t` array `data[..len]` into `*out`, on `pool`.
///
/// # Safety
/// See the crate docs: `data` readable for `len` elements, `out` writable, `pool` a live pool.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_pool_sum_i32(
    pool: *const coresum_pool,
    data: *const i32,
    len: usize,
    out: *mut coresum_i128,
) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { sum_into(On::Pool(pool), data, len, CORESUM_EXACT, out) }
}

/// The exact sum of the `uint32_t` array `data[..len]` into `*out`, on `pool`.
///
/// # Safety
/// See the crate docs: `data` readable for `len` elements, `out` writable, `pool` a live pool.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_pool_sum_u32(
    pool: *const coresum_pool,
    data: *const u32,
    len: usize,
    out: *mut coresum_i128,
) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { sum_into(On::Pool(pool), data, len, CORESUM_EXACT, out) }
}

/// The exact sum of the `int64_t` array `data[..len]` into `*out`, on `pool`.
///
/// # Safety
/// See the crate docs: `data` readable for `len` elements, `out` writable, `pool` a live pool.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_pool_sum_i64(
    pool: *const coresum_pool,
    data: *const i64,
    len: usize,
    out: *mut coresum_i128,
) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { sum_into(On::Pool(pool), data, len, CORESUM_EXACT, out) }
}

/// The exact sum of the `uint64_t` array `data[..len]` into `*out`, on `pool`.
///
/// # Safety
/// See the crate docs: `data` readable for `len` elements, `out` writable, `pool` a live pool.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_pool_sum_u64(
    pool: *const coresum_pool,
    data: *const u64,
    len: usize,
    out: *mut coresum_i128,
) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { sum_into(On::Pool(pool), data, len, CORESUM_EXACT, out) }
}

/// The correctly rounded (`CORESUM_EXACT`) or faster sum, in `mode`, of the `float` array `data[..len]` into `*out`, on `pool`.
///
/// # Safety
/// See the crate docs: `data` readable for `len` elements, `out` writable, `pool` a live pool.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_pool_sum_f32(
    pool: *const coresum_pool,
    data: *const f32,
    len: usize,
    mode: coresum_mode,
    out: *mut f64,
) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { sum_into(On::Pool(pool), data, len, mode, out) }
}

/// The correctly rounded (`CORESUM_EXACT`) or faster sum, in `mode`, of the `double` array `data[..len]` into `*out`, on `pool`.
///
/// # Safety
/// See the crate docs: `data` readable for `len` elements, `out` writable, `pool` a live pool.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_pool_sum_f64(
    pool: *const coresum_pool,
    data: *const f64,
    len: usize,
    mode: coresum_mode,
    out: *mut f64,
) -> c_int {
    // SAFETY: forwarded from this function's contract.
    unsafe { sum_into(On::Pool(pool), data, len, mode, out) }
}
