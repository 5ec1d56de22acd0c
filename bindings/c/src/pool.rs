//! `coresum_pool_new` / `coresum_pool_free`: a pool of pinned workers owned by C.

use crate::args;
use crate::error::{
    CORESUM_E_BAD_CORES, CORESUM_E_INTERNAL, CORESUM_E_NO_THREADS, CORESUM_E_POOL_START, Failure,
    guard,
};
use coresum::{Cores, Pool, PoolError};
use std::ffi::c_int;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// A pool of worker threads, each pinned to one core (opaque).
#[allow(non_camel_case_types)]
pub struct coresum_pool(pub(crate) Pool);

/// Starts a pool of `threads` workers, each pinned to a core, into `*out`.
///
/// `cores[..ncores]` lists the cores to place them on (each must be in the process's affinity
/// mask); `cores` null with `ncores` 0 means every allowed core. With more threads than cores,
/// workers share cores round-robin. Zero threads is `CORESUM_E_NO_THREADS`; a core the process
/// may not use, `CORESUM_E_BAD_CORES`.
///
/// # Safety
/// See the crate docs: `cores` readable for `ncores` elements, `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_pool_new(
    threads: usize,
    cores: *const usize,
    ncores: usize,
    out: *mut *mut coresum_pool,
) -> c_int {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let (cores, out) = unsafe { (args::array(cores, ncores)?, args::out(out, "out")?) };
        let cores = if cores.is_empty() {
            Cores::Allowed
        } else {
            Cores::List(cores.to_vec())
        };
        let pool = Pool::builder()
            .threads(threads)
            .cores(cores)
            .oversubscribe(true)
            .build()
            .map_err(pool_failure)?;
        *out = Box::into_raw(Box::new(coresum_pool(pool)));
        Ok(())
    })
}

fn pool_failure(error: PoolError) -> Failure {
    let code = match error {
        PoolError::NoThreads => CORESUM_E_NO_THREADS,
        PoolError::NoCores
        | PoolError::CoreNotAllowed { .. }
        | PoolError::TooManyThreads { .. } => CORESUM_E_BAD_CORES,
        PoolError::PinFailed { .. } | PoolError::Spawn(_) => CORESUM_E_POOL_START,
        _ => CORESUM_E_INTERNAL,
    };
    Failure::new(code, error.to_string())
}

/// Stops the pool's workers, after they finish the sums already queued, and frees it. Null is
/// ignored.
///
/// Blocking sums on it must have returned; asynchronous ones may still be running (they finish
/// first). Called from a callback on one of its own workers, that worker exits after the callback.
///
/// # Safety
/// `pool` is null or a live pool, not used again after this call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn coresum_pool_free(pool: *mut coresum_pool) {
    if pool.is_null() {
        return;
    }
    // SAFETY: a live pool came from `Box::into_raw` in `coresum_pool_new`, freed only here.
    let pool = unsafe { Box::from_raw(pool) };
    // Dropping joins the workers; nothing there panics, but nothing may unwind into C either.
    let _ = catch_unwind(AssertUnwindSafe(move || drop(pool)));
}
