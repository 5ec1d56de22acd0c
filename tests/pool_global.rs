//! `PoolBuilder::build_global` configures the default pool once, in code. Its own binary: the
//! default pool is process-global, and this test needs it not yet built.

use coresum::{Pool, PoolError};

#[test]
fn the_default_pool_is_configured_once_before_first_use() {
    // A configuration that fails leaves the default pool unbuilt, for another try.
    assert!(matches!(
        Pool::builder().threads(0).build_global(),
        Err(PoolError::NoThreads)
    ));
    assert!(coresum::pool::default_pool_error().is_none());

    let pool = Pool::builder()
        .threads(2)
        .pin(false)
        .thread_name_prefix("global-w")
        .inline_bytes(1 << 10)
        .build_global()
        .unwrap();
    assert!(std::ptr::eq(pool, coresum::default_pool().unwrap()));
    assert_eq!(pool.threads(), 2);
    assert_eq!(pool.workers()[1].name, "global-w1");
    assert_eq!(pool.inline_bytes(), 1 << 10);

    // `coresum::sum` uses it, below the default inline threshold too (the result is the same
    // either way; exactness is what can be checked here).
    for len in [100, 300_000, 3 << 20] {
        let data: Vec<u32> = (0..len).map(|i| u32::MAX - i).collect();
        let expected: u128 = data.iter().map(|&x| u128::from(x)).sum();
        assert_eq!(coresum::sum(&data), expected, "{len}");
    }

    assert!(matches!(
        Pool::builder().threads(1).build_global(),
        Err(PoolError::GlobalAlreadyBuilt)
    ));
    assert!(std::ptr::eq(pool, coresum::default_pool().unwrap()));
}
