//! Configuring a pool: [`PoolBuilder`], which cores ([`Cores`]), the environment overrides, and
//! where each worker goes.

use super::error::PoolError;
use super::registry::DEFAULT_SPIN;
use super::topology::{self, Affinity, OS_AFFINITY, parse_core_list};
use super::{Pool, WorkerInfo, global};
use std::time::Duration;

/// Linux keeps 15 bytes of a thread's name.
pub(crate) const MAX_THREAD_NAME: usize = 15;

/// Which cores the workers may be placed on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cores {
    /// Every core the process may run on (its affinity mask, as a new thread sees it: a caller
    /// that pinned its own thread to one core before building the pool gets that core only).
    #[default]
    Allowed,
    /// One logical CPU per physical core among the allowed ones (no two SMT siblings).
    Physical,
    /// Exactly these cores, each of which must be allowed.
    List(Vec<usize>),
}

/// Configures a [`Pool`]. Start from [`Pool::builder`].
#[derive(Clone, Debug)]
pub struct PoolBuilder {
    threads: Option<usize>,
    cores: Cores,
    /// `None` until [`pin`](Self::pin) is called: pin where the OS can, run unpinned where not.
    pin: Option<bool>,
    oversubscribe: bool,
    prefix: String,
    spin: Duration,
    /// `None`: calibrated when the pool starts.
    inline_bytes: Option<usize>,
    use_env: bool,
    affinity: Affinity,
}

/// Where each worker goes, as [`PoolBuilder::build`] decided it.
pub(crate) struct Placement {
    /// One per worker; those with a core are to be pinned to it.
    pub(crate) workers: Vec<WorkerInfo>,
    /// Whether a pin the OS refuses fails the build (pinning was asked for); if not, that worker
    /// runs unpinned.
    pub(crate) pin_required: bool,
    /// Pins the calling thread to a core; whether the OS did.
    pub(crate) pin: fn(usize) -> bool,
}

impl PoolBuilder {
    /// The defaults: one worker per allowed core, each pinned to its core where the OS allows.
    pub(crate) fn new() -> Self {
        PoolBuilder {
            threads: None,
            cores: Cores::Allowed,
            pin: None,
            oversubscribe: false,
            prefix: "coresum-w".into(),
            spin: DEFAULT_SPIN,
            inline_bytes: None,
            use_env: false,
            affinity: OS_AFFINITY,
        }
    }

    /// The number of workers. Default: one per available core, bounded by the CPU quota that
    /// `std::thread::available_parallelism` reports.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads);
        self
    }

    /// Which cores to place workers on. Default: [`Cores::Allowed`].
    pub fn cores(mut self, cores: Cores) -> Self {
        self.cores = cores;
        self
    }

    /// Pin each worker to one core, or not.
    ///
    /// By default workers are pinned where the OS allows it; where it refuses (macOS, for one)
    /// or names no cores, they run unpinned, as [`Pool::workers`] reports. `pin(true)` makes
    /// pinning a requirement: a pin the OS refuses fails [`build`](Self::build).
    pub fn pin(mut self, pin: bool) -> Self {
        self.pin = Some(pin);
        self
    }

    /// Allow more pinned workers than cores; workers then share cores round-robin.
    pub fn oversubscribe(mut self, allow: bool) -> Self {
        self.oversubscribe = allow;
        self
    }

    /// Worker names are `prefix` + index (default `coresum-w`, so `coresum-w3`), at most 15 bytes.
    pub fn thread_name_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long an idle worker spins before it sleeps (default [`DEFAULT_SPIN`]). Longer keeps
    /// dispatch at about a microsecond for bursty callers; zero sleeps at once.
    pub fn spin(mut self, spin: Duration) -> Self {
        self.spin = spin;
        self
    }

    /// Blocking sums below this many bytes, of any element type, run on the calling thread; 0
    /// sends every non-empty sum to the workers. Asynchronous sums use the lower of this and
    /// [`ASYNC_INLINE_BYTES`](super::ASYNC_INLINE_BYTES).
    ///
    /// By default the pool measures its dispatch cost and its kernels when it starts and derives
    /// a threshold per element width ([`Pool::calibration`]); setting one skips that.
    pub fn inline_bytes(mut self, bytes: usize) -> Self {
        self.inline_bytes = Some(bytes);
        self
    }

    /// Let `CORESUM_THREADS`, `CORESUM_CORES` (a list such as `0-3,8`) and
    /// `CORESUM_INLINE_BYTES` override the thread count, the cores and the inline threshold, as
    /// the default pool does.
    pub fn with_env(mut self) -> Self {
        self.use_env = true;
        self
    }

    /// Stands in for the OS's answers about cores (unit tests of the unpinned fallback).
    #[cfg(test)]
    pub(crate) fn affinity(mut self, affinity: Affinity) -> Self {
        self.affinity = affinity;
        self
    }

    /// Starts the workers, pins them, and waits until every one is ready.
    pub fn build(self) -> Result<Pool, PoolError> {
        let spin = self.spin;
        let inline_bytes = match self.use_env {
            true => env_inline_bytes()?.or(self.inline_bytes),
            false => self.inline_bytes,
        };
        Pool::start(self.place()?, spin, inline_bytes)
    }

    /// Builds this pool as the process's default pool, the one behind [`crate::sum`] and
    /// [`default_pool`](super::default_pool), in place of the defaults and the environment
    /// (call [`with_env`](Self::with_env) to keep the environment's overrides).
    ///
    /// Only before the default pool's first use: afterwards (or a second time) it is
    /// [`PoolError::GlobalAlreadyBuilt`]. A configuration that fails to build leaves the
    /// default pool as it was, so the caller may try another.
    ///
    /// ```
    /// let pool = coresum::Pool::builder().threads(2).pin(false).build_global()?;
    /// assert!(std::ptr::eq(pool, coresum::default_pool().unwrap()));
    /// # Ok::<(), coresum::PoolError>(())
    /// ```
    pub fn build_global(self) -> Result<&'static Pool, PoolError> {
        global::install(self)
    }

    /// Decides the thread count and each worker's core.
    fn place(mut self) -> Result<Placement, PoolError> {
        if self.use_env {
            let (threads, cores) = env_overrides()?;
            self.threads = threads.or(self.threads);
            if let Some(cores) = cores {
                self.cores = Cores::List(cores);
            }
        }
        let allowed = (self.affinity.allowed)();
        let cores = match &self.cores {
            Cores::Allowed => allowed.clone(),
            Cores::Physical => topology::physical_cores(&allowed),
            Cores::List(list) => {
                if let Some(&core) = list.iter().find(|c| !allowed.contains(c)) {
                    return Err(PoolError::CoreNotAllowed { core, allowed });
                }
                list.clone()
            }
        };
        // An OS that names no cores (where `core_affinity` cannot ask) cannot pin either.
        let pin = self.pin.unwrap_or(!allowed.is_empty());
        if pin && cores.is_empty() {
            return Err(PoolError::NoCores);
        }
        let quota = std::thread::available_parallelism().map(|n| n.get());
        let threads = match self.threads {
            Some(threads) => threads,
            None if cores.is_empty() => quota.unwrap_or(1),
            None => cores.len().min(quota.unwrap_or(usize::MAX)),
        };
        if threads == 0 {
            return Err(PoolError::NoThreads);
        }
        if pin && threads > cores.len() && !self.oversubscribe {
            return Err(PoolError::TooManyThreads {
                threads,
                cores: cores.len(),
            });
        }
        let workers: Vec<WorkerInfo> = (0..threads)
            .map(|index| WorkerInfo {
                index,
                name: format!("{}{index}", self.prefix),
                core: pin.then(|| cores[index % cores.len()]),
                pinned: false,
            })
            .collect();
        if let Some(long) = workers.iter().find(|w| w.name.len() > MAX_THREAD_NAME) {
            return Err(PoolError::NameTooLong(long.name.clone()));
        }
        Ok(Placement {
            workers,
            pin_required: self.pin == Some(true),
            pin: self.affinity.pin,
        })
    }
}

/// Reads `CORESUM_THREADS` and `CORESUM_CORES`, if set.
fn env_overrides() -> Result<(Option<usize>, Option<Vec<usize>>), PoolError> {
    let invalid = |var: &'static str, value: String, reason: String| PoolError::InvalidEnv {
        var,
        value,
        reason,
    };
    let threads = match std::env::var("CORESUM_THREADS") {
        Ok(value) => Some(
            value
                .trim()
                .parse::<usize>()
                .map_err(|_| invalid("CORESUM_THREADS", value.clone(), "not a number".into()))?,
        ),
        Err(_) => None,
    };
    let cores = match std::env::var("CORESUM_CORES") {
        Ok(value) => Some(
            parse_core_list(&value).map_err(|reason| invalid("CORESUM_CORES", value, reason))?,
        ),
        Err(_) => None,
    };
    Ok((threads, cores))
}

/// Reads `CORESUM_INLINE_BYTES`, if set.
fn env_inline_bytes() -> Result<Option<usize>, PoolError> {
    const VAR: &str = "CORESUM_INLINE_BYTES";
    match std::env::var(VAR) {
        Ok(value) => match value.trim().parse::<usize>() {
            Ok(bytes) => Ok(Some(bytes)),
            Err(_) => Err(PoolError::InvalidEnv {
                var: VAR,
                value,
                reason: "not a number of bytes".into(),
            }),
        },
        Err(_) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    //! The unpinned fallback, on a stand-in OS (the real one pins, here; `tests/pool.rs` checks
    //! real pins). No system call, so Miri can run them.
    use super::*;

    /// An OS that names cores 0 and 1 but refuses every pin (macOS on Apple silicon).
    const REFUSES_PINS: Affinity = Affinity {
        allowed: || vec![0, 1],
        pin: |_| false,
    };

    /// An OS that names no cores at all (where `core_affinity` cannot ask).
    const NAMES_NO_CORES: Affinity = Affinity {
        allowed: Vec::new,
        pin: |_| false,
    };

    fn sums(pool: &Pool) {
        let data: Vec<u16> = (0..5000).map(|i| (i * 31) as u16).collect();
        let expected: u128 = data.iter().map(|&x| u128::from(x)).sum();
        assert_eq!(pool.sum(&data), expected);
    }

    #[test]
    fn refused_pins_leave_default_workers_unpinned() {
        let builder = Pool::builder().affinity(REFUSES_PINS).inline_bytes(0);
        let pool = builder.clone().build().unwrap();
        assert_eq!(
            pool.threads(),
            2.min(std::thread::available_parallelism().unwrap().get())
        );
        for (index, worker) in pool.workers().iter().enumerate() {
            assert_eq!(worker.core, Some(index), "{worker:?}");
            assert!(!worker.pinned, "{worker:?}");
        }
        sums(&pool);

        // Asked for explicitly, pinning stays a requirement.
        assert!(matches!(
            builder.pin(true).build(),
            Err(PoolError::PinFailed { .. })
        ));
    }

    #[test]
    fn no_cores_named_runs_unpinned_workers() {
        let builder = Pool::builder().affinity(NAMES_NO_CORES).inline_bytes(0);
        let pool = builder.clone().threads(3).build().unwrap();
        assert_eq!(pool.threads(), 3);
        assert!(pool.workers().iter().all(|w| w.core.is_none() && !w.pinned));
        sums(&pool);
        let pool = builder.clone().build().unwrap();
        let cpus = std::thread::available_parallelism().unwrap().get();
        assert_eq!(pool.threads(), cpus);

        assert!(matches!(builder.pin(true).build(), Err(PoolError::NoCores)));
    }
}
