//! What can go wrong: building a pool ([`PoolError`]) and running a sum on one ([`SumError`]).

use super::builder::MAX_THREAD_NAME;
use std::any::Any;
use std::fmt;

/// Why a pool could not be built.
#[derive(Debug)]
#[non_exhaustive]
pub enum PoolError {
    /// A pool needs at least one thread.
    NoThreads,
    /// No core is available to place workers on.
    NoCores,
    /// A requested core is not in the process's affinity mask.
    CoreNotAllowed {
        /// The core asked for.
        core: usize,
        /// The cores the process may run on.
        allowed: Vec<usize>,
    },
    /// More pinned workers than cores, without [`PoolBuilder::oversubscribe`](super::PoolBuilder::oversubscribe).
    TooManyThreads {
        /// Workers asked for.
        threads: usize,
        /// Cores available to pin them to.
        cores: usize,
    },
    /// The OS refused to pin a worker to its core, and pinning was requested with
    /// [`PoolBuilder::pin(true)`](super::PoolBuilder::pin).
    PinFailed {
        /// The worker's index.
        worker: usize,
        /// The core it was to run on.
        core: usize,
    },
    /// A worker name (`prefix` + index) would exceed the 15 bytes Linux keeps.
    NameTooLong(String),
    /// `CORESUM_THREADS` or `CORESUM_CORES` holds something unusable.
    InvalidEnv {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A worker thread could not be started.
    Spawn(std::io::Error),
    /// A sum failed (see [`SumError`]).
    Sum(SumError),
    /// [`PoolBuilder::build_global`](super::PoolBuilder::build_global) was called after the
    /// default pool was built (by an earlier call, or by a sum that needed it).
    GlobalAlreadyBuilt,
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::NoThreads => f.write_str("a pool needs at least one thread (got 0)"),
            PoolError::NoCores => f.write_str("no core is available to run workers on"),
            PoolError::CoreNotAllowed { core, allowed } => {
                write!(
                    f,
                    "core {core} is not allowed for this process (allowed: {allowed:?})"
                )
            }
            PoolError::TooManyThreads { threads, cores } => write!(
                f,
                "{threads} pinned workers need {threads} cores but only {cores} are available \
                 (allow oversubscription, lower the thread count or turn pinning off)"
            ),
            PoolError::PinFailed { worker, core } => {
                write!(f, "the OS refused to pin worker {worker} to core {core}")
            }
            PoolError::NameTooLong(name) => write!(
                f,
                "worker name {name:?} is longer than the {MAX_THREAD_NAME} bytes Linux keeps"
            ),
            PoolError::InvalidEnv { var, value, reason } => {
                write!(f, "{var}={value:?}: {reason}")
            }
            PoolError::Spawn(e) => write!(f, "could not start a worker thread: {e}"),
            PoolError::Sum(e) => e.fmt(f),
            PoolError::GlobalAlreadyBuilt => {
                f.write_str("the default pool was already built; configure it before its first use")
            }
        }
    }
}

impl std::error::Error for PoolError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PoolError::Spawn(e) => Some(e),
            PoolError::Sum(e) => Some(e),
            _ => None,
        }
    }
}

/// Why a sum on the pool produced no result.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SumError {
    /// Code run for the job panicked (for example the data owner's `AsRef` implementation); the
    /// message, when the panic carried one. The pool itself keeps working.
    Panicked(String),
    /// The data owner returned a different slice than it did at submission, so the
    /// chunk plan no longer describes it.
    OwnerChanged,
    /// The result was already taken from this task.
    AlreadyTaken,
}

impl fmt::Display for SumError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SumError::Panicked(message) => write!(f, "a job of the sum panicked: {message}"),
            SumError::OwnerChanged => {
                f.write_str("the data owner returned a different slice than at submission")
            }
            SumError::AlreadyTaken => f.write_str("the result of this task was already taken"),
        }
    }
}

impl std::error::Error for SumError {}

impl From<SumError> for PoolError {
    fn from(e: SumError) -> Self {
        PoolError::Sum(e)
    }
}

/// The text of a panic payload.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}
