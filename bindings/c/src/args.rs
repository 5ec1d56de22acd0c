//! Checking what C hands in: arrays, out pointers, handles and modes.

use crate::error::{
    CORESUM_E_INVALID_MODE, CORESUM_E_LENGTH, CORESUM_E_MISALIGNED, CORESUM_E_NULL_POINTER, Failure,
};
use coresum::Mode;
use std::ffi::c_int;

/// How a floating-point sum is computed; one of `CORESUM_EXACT`, `CORESUM_COMPENSATED`,
/// `CORESUM_FAST`. An `int`, not a C enum, so that any value C passes is defined and checked.
#[allow(non_camel_case_types)]
pub type coresum_mode = c_int;

/// The correctly rounded exact sum, bit-identical on every path and thread count (the default).
pub const CORESUM_EXACT: coresum_mode = 0;
/// A compensated sum: about twice the working precision.
pub const CORESUM_COMPENSATED: coresum_mode = 1;
/// Plain SIMD lanes, reassociated.
pub const CORESUM_FAST: coresum_mode = 2;

pub(crate) fn mode(mode: coresum_mode) -> Result<Mode, Failure> {
    match mode {
        CORESUM_EXACT => Ok(Mode::Exact),
        CORESUM_COMPENSATED => Ok(Mode::Compensated),
        CORESUM_FAST => Ok(Mode::Fast),
        other => Err(Failure::new(
            CORESUM_E_INVALID_MODE,
            format!(
                "unknown mode {other} (CORESUM_EXACT = 0, CORESUM_COMPENSATED = 1, CORESUM_FAST = 2)"
            ),
        )),
    }
}

/// The array `data[..len]`: empty for null with `len` 0.
///
/// # Safety
/// A non-null `data` is valid for reads of `len` elements, not written while the slice lives.
pub(crate) unsafe fn array<'a, T>(data: *const T, len: usize) -> Result<&'a [T], Failure> {
    if data.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(Failure::new(
                CORESUM_E_NULL_POINTER,
                format!("the array is null but its length is {len}"),
            ))
        };
    }
    if !data.is_aligned() {
        return Err(Failure::new(
            CORESUM_E_MISALIGNED,
            format!(
                "the array at {data:p} is not aligned to its {}-byte elements",
                align_of::<T>()
            ),
        ));
    }
    if len > isize::MAX as usize / size_of::<T>().max(1) {
        return Err(Failure::new(
            CORESUM_E_LENGTH,
            format!("an array of {len} elements exceeds the address space"),
        ));
    }
    // SAFETY: non-null and aligned (checked), at most `isize::MAX` bytes (checked), valid for
    // reads of `len` elements and unchanged while borrowed (the caller's contract).
    Ok(unsafe { std::slice::from_raw_parts(data, len) })
}

/// The place `out` points to, checked before any work is done.
///
/// # Safety
/// A non-null `out` is valid for writes of one `T`, and nothing else accesses it meanwhile.
pub(crate) unsafe fn out<'a, T>(out: *mut T, what: &str) -> Result<&'a mut T, Failure> {
    if !out.is_aligned() {
        return Err(Failure::new(
            CORESUM_E_MISALIGNED,
            format!("{what} is not aligned"),
        ));
    }
    // SAFETY: aligned (checked); valid for writes and unaliased if non-null (the caller's
    // contract). `as_mut` itself checks for null.
    unsafe { out.as_mut() }.ok_or_else(|| null(what))
}

/// The object behind a handle.
///
/// # Safety
/// A non-null `handle` came from this library and has not been freed.
pub(crate) unsafe fn handle<'a, T>(handle: *const T, what: &str) -> Result<&'a T, Failure> {
    // SAFETY: a live handle points to a live, aligned `T` (the caller's contract).
    unsafe { handle.as_ref() }.ok_or_else(|| null(what))
}

pub(crate) fn null(what: &str) -> Failure {
    Failure::new(CORESUM_E_NULL_POINTER, format!("{what} is null"))
}

/// The object behind a handle, for changing it.
///
/// # Safety
/// A non-null `handle` came from this library, has not been freed, and no other call uses it
/// meanwhile.
pub(crate) unsafe fn handle_mut<'a, T>(handle: *mut T, what: &str) -> Result<&'a mut T, Failure> {
    // SAFETY: a live handle points to a live, aligned `T`, used by this call only (the caller's
    // contract).
    unsafe { handle.as_mut() }.ok_or_else(|| null(what))
}
