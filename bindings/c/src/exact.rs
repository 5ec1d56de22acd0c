//! `coresum_exact_*`: the exact float accumulator (`coresum::ExactSum`), mergeable and
//! serialisable, for sums that C builds up piece by piece or across processes.

use crate::args;
use crate::error::{CORESUM_E_DECODE, CORESUM_E_LENGTH, Failure, guard};
use coresum::{DecodeError, ExactSum};
use std::ffi::c_int;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The exact sum of doubles so far (opaque): terms added in any order and grouping, and states
/// merged in any order, finish to the same bits.
#[allow(non_camel_case_types)]
pub struct coresum_exact(ExactSum);

/// The length of every encoded state (`coresum_exact_to_bytes`).
pub const CORESUM_EXACT_BYTES: usize = 282;

/// A new, empty state (which finishes to +0.0) into `*out`.
///
/// # Safety
/// `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_exact_new(out: *mut *mut coresum_exact) -> c_int {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { args::out(out, "out")? };
        *out = Box::into_raw(Box::new(coresum_exact(ExactSum::new())));
        Ok(())
    })
}

/// Adds one term.
///
/// # Safety
/// `acc` a live state, not used by another thread meanwhile.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_exact_add(acc: *mut coresum_exact, x: f64) -> c_int {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        unsafe { args::handle_mut(acc, "the state")? }.0.add(x);
        Ok(())
    })
}

/// Adds every term of the `double` array `data[..len]`.
///
/// # Safety
/// `acc` a live state, not used by another thread meanwhile; `data` readable for `len` elements.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_exact_add_slice(
    acc: *mut coresum_exact,
    data: *const f64,
    len: usize,
) -> c_int {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let (acc, data) = unsafe { (args::handle_mut(acc, "the state")?, args::array(data, len)?) };
        acc.0.add_slice(data);
        Ok(())
    })
}

/// Adds every term of the `float` array `data[..len]`, each widened exactly to `double`.
///
/// # Safety
/// As `coresum_exact_add_slice`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_exact_add_slice_f32(
    acc: *mut coresum_exact,
    data: *const f32,
    len: usize,
) -> c_int {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let (acc, data) = unsafe { (args::handle_mut(acc, "the state")?, args::array(data, len)?) };
        acc.0.add_slice_f32(data);
        Ok(())
    })
}

/// Adds all the terms of `other` to `acc` (`other` may be `acc` itself: it doubles).
///
/// # Safety
/// `acc` and `other` live states, `acc` not used by another thread meanwhile.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_exact_merge(
    acc: *mut coresum_exact,
    other: *const coresum_exact,
) -> c_int {
    guard(|| {
        // A copy first: `other` may be `acc`, and `&mut` may not alias `&`.
        // SAFETY: forwarded from this function's contract.
        let other = unsafe { args::handle(other, "the other state")? }.0.clone();
        // SAFETY: forwarded from this function's contract; no reference to `other` is left.
        unsafe { args::handle_mut(acc, "the state")? }
            .0
            .merge(&other);
        Ok(())
    })
}

/// The exact sum so far, correctly rounded to the nearest double (ties to even), into `*out`.
/// NaN if a term was NaN or terms were +∞ and −∞; ±∞ if one was; ±∞ beyond the double range.
///
/// # Safety
/// `acc` a live state; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_exact_finish(acc: *const coresum_exact, out: *mut f64) -> c_int {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let (acc, out) = unsafe { (args::handle(acc, "the state")?, args::out(out, "out")?) };
        *out = acc.0.finish();
        Ok(())
    })
}

/// Encodes the state into `buf[..len]`: `CORESUM_EXACT_BYTES` bytes of a versioned,
/// checksummed, little-endian format that `coresum_exact_from_bytes` reads on any machine.
/// `*written` (if not null) receives that length, also when `len` is too short
/// (`CORESUM_E_LENGTH`).
///
/// # Safety
/// `acc` a live state; `buf` writable for `len` bytes; `written` null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_exact_to_bytes(
    acc: *const coresum_exact,
    buf: *mut u8,
    len: usize,
    written: *mut usize,
) -> c_int {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let acc = unsafe { args::handle(acc, "the state")? };
        let bytes = acc.0.to_bytes();
        if !written.is_null() {
            // SAFETY: forwarded from this function's contract.
            *unsafe { args::out(written, "written")? } = bytes.len();
        }
        if len < bytes.len() {
            return Err(Failure::new(
                CORESUM_E_LENGTH,
                format!(
                    "an encoded state takes {} bytes, the buffer has {len}",
                    bytes.len()
                ),
            ));
        }
        if buf.is_null() {
            return Err(args::null("the buffer"));
        }
        // SAFETY: `buf` is non-null and writable for `len` >= `bytes.len()` bytes (the caller's
        // contract); a fresh Vec cannot overlap it.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf, bytes.len()) };
        Ok(())
    })
}

/// Decodes `coresum_exact_to_bytes`'s output, `buf[..len]`, into a new state in `*out`.
/// A wrong length is `CORESUM_E_LENGTH`; altered or foreign bytes `CORESUM_E_DECODE`, never a
/// different sum.
///
/// # Safety
/// `buf` readable for `len` bytes; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_exact_from_bytes(
    buf: *const u8,
    len: usize,
    out: *mut *mut coresum_exact,
) -> c_int {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let (bytes, out) = unsafe { (args::array(buf, len)?, args::out(out, "out")?) };
        let acc = ExactSum::from_bytes(bytes).map_err(|error| {
            let code = match error {
                DecodeError::Length { .. } => CORESUM_E_LENGTH,
                _ => CORESUM_E_DECODE,
            };
            Failure::new(code, error.to_string())
        })?;
        *out = Box::into_raw(Box::new(coresum_exact(acc)));
        Ok(())
    })
}

/// Frees the state. Null is ignored.
///
/// # Safety
/// `acc` null or a live state, not used again after this call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_exact_free(acc: *mut coresum_exact) {
    if !acc.is_null() {
        // SAFETY: a live state came from `Box::into_raw` here, freed only here.
        let acc = unsafe { Box::from_raw(acc) };
        // Freeing plain memory does not panic; caught anyway, as at every entry.
        let _ = catch_unwind(AssertUnwindSafe(move || drop(acc)));
    }
}
