//! The process's default pool, behind [`crate::sum`]: built on first use from the defaults and
//! the `CORESUM_THREADS` / `CORESUM_CORES` / `CORESUM_INLINE_BYTES` overrides, or once, in code, by
//! [`PoolBuilder::build_global`].
//!
//! If it cannot be built, sums run on the calling thread; the library prints nothing but logs one
//! warning (the `log` crate) and keeps the reason for [`default_pool_error`].

use super::inline::{DEFAULT_INLINE_BYTES, reduce_inline};
use super::{Pool, PoolBuilder, PoolError};
use crate::reduce::{Input, Reduction};
use std::sync::OnceLock;

/// The default pool, or why it could not be built; set once.
static DEFAULT: OnceLock<Result<Pool, PoolError>> = OnceLock::new();

/// The process-wide pool behind [`crate::sum`]: built on first use with the defaults and the
/// `CORESUM_THREADS` / `CORESUM_CORES` / `CORESUM_INLINE_BYTES` overrides (or as [`PoolBuilder::build_global`] configured
/// it). `None` if that configuration cannot be built ([`default_pool_error`] says why); sums then
/// run on the calling thread.
pub fn default_pool() -> Option<&'static Pool> {
    DEFAULT
        .get_or_init(|| {
            let built = Pool::builder().with_env().build();
            if let Err(error) = &built {
                log::warn!("coresum: default pool not started ({error}); summing inline");
            }
            built
        })
        .as_ref()
        .ok()
}

/// Why the default pool could not be built, once building it was tried and failed; `None` while
/// it runs or before its first use.
pub fn default_pool_error() -> Option<&'static PoolError> {
    DEFAULT.get()?.as_ref().err()
}

/// Builds `builder`'s pool as the default pool, unless there already is one (or a failed attempt).
pub(super) fn install(builder: PoolBuilder) -> Result<&'static Pool, PoolError> {
    if DEFAULT.get().is_some() {
        return Err(PoolError::GlobalAlreadyBuilt);
    }
    let pool = builder.build()?;
    // Another thread may have set the default pool while this one was building: then `pool` is
    // dropped (its workers joined) with the unused closure.
    let mut installed = false;
    let global = DEFAULT.get_or_init(|| {
        installed = true;
        Ok(pool)
    });
    match global {
        Ok(pool) if installed => Ok(pool),
        _ => Err(PoolError::GlobalAlreadyBuilt),
    }
}

/// [`crate::sum_with`] and every free reduction: on the default pool if it takes an input of this
/// size, else inline. An input the default configuration would reduce inline does not start the
/// pool.
pub(crate) fn reduce_on_default<R: Reduction>(reduction: R, input: R::Input<'_>) -> R::Output {
    let pool = match DEFAULT.get() {
        Some(built) => built.as_ref().ok(),
        None if input.bytes() >= DEFAULT_INLINE_BYTES => default_pool(),
        None => None,
    };
    match pool {
        Some(pool) => pool.reduce(reduction, input),
        None => reduce_inline(reduction, input),
    }
}
