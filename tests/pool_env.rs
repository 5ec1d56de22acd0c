//! `CORESUM_THREADS` and `CORESUM_CORES` shape pools built `with_env` (the default pool), and bad
//! values are errors, not panics. Its own binary: it changes the process environment (and installs
//! a logger).

use coresum::{Pool, PoolError};
use std::sync::Mutex;

/// Records what the library logs.
struct Recorder(Mutex<Vec<String>>);

impl log::Log for Recorder {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }

    fn log(&self, record: &log::Record) {
        let line = format!("{} {}", record.level(), record.args());
        self.0.lock().unwrap().push(line);
    }

    fn flush(&self) {}
}

static LOGGED: Recorder = Recorder(Mutex::new(Vec::new()));

fn set(var: &str, value: Option<&str>) {
    // SAFETY: this binary's only test runs on one thread and no other thread reads the
    // environment meanwhile.
    unsafe {
        match value {
            Some(value) => std::env::set_var(var, value),
            None => std::env::remove_var(var),
        }
    }
}

#[test]
fn environment_overrides() {
    set("CORESUM_THREADS", Some("1"));
    let pool = Pool::builder().with_env().build().unwrap();
    assert_eq!(pool.threads(), 1);
    // Without `with_env` the variable is ignored.
    assert!(
        Pool::builder()
            .threads(2)
            .pin(false)
            .build()
            .unwrap()
            .threads()
            == 2
    );

    set("CORESUM_THREADS", Some("0"));
    assert!(matches!(
        Pool::builder().with_env().build(),
        Err(PoolError::NoThreads)
    ));
    set("CORESUM_THREADS", Some("many"));
    let error = Pool::builder().with_env().build().unwrap_err();
    assert!(error.to_string().contains("CORESUM_THREADS"), "{error}");

    set("CORESUM_THREADS", None);
    set("CORESUM_CORES", Some("0"));
    let pool = Pool::builder().with_env().build().unwrap();
    assert_eq!(pool.workers()[0].core, Some(0));
    assert_eq!(pool.threads(), 1);
    set("CORESUM_CORES", Some("0-"));
    assert!(matches!(
        Pool::builder().with_env().build(),
        Err(PoolError::InvalidEnv {
            var: "CORESUM_CORES",
            ..
        })
    ));
    set("CORESUM_CORES", Some("100000"));
    assert!(matches!(
        Pool::builder().with_env().build(),
        Err(PoolError::CoreNotAllowed { .. })
    ));

    // The default pool, misconfigured, sums inline: still exact, never a panic. It writes
    // nothing to stderr but logs one warning, and the reason stays queryable.
    log::set_logger(&LOGGED).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    set("CORESUM_CORES", None);
    set("CORESUM_THREADS", Some("0"));
    let data = vec![1u32; 1 << 20];
    assert_eq!(coresum::sum(&data), 1 << 20);
    assert!(coresum::default_pool().is_none());
    assert!(matches!(
        coresum::pool::default_pool_error(),
        Some(PoolError::NoThreads)
    ));
    let logged = LOGGED.0.lock().unwrap().clone();
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert!(
        logged[0].starts_with("WARN coresum: default pool not started"),
        "{logged:?}"
    );

    // Tried and failed counts as built: the sums so far ran inline on that decision.
    assert!(matches!(
        Pool::builder().threads(1).build_global(),
        Err(PoolError::GlobalAlreadyBuilt)
    ));
}
