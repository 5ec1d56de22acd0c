//! The calibrated inline threshold: measured when a pool starts unless given, per element width,
//! overridable by the builder and `CORESUM_INLINE_BYTES`, and invisible in the results (the chunk
//! grid is the same inline and on the workers).

use coresum::{Mode, Pool, PoolError};

/// One test, so that no other thread reads the environment while it is changed.
#[test]
fn calibration_and_its_overrides() {
    a_pool_calibrates_unless_told_and_results_do_not_depend_on_it();
    the_environment_overrides_the_threshold();
}

fn set(value: Option<&str>) {
    // SAFETY: this binary's only test runs on one thread, and no other thread reads the
    // environment meanwhile.
    unsafe {
        match value {
            Some(value) => std::env::set_var("CORESUM_INLINE_BYTES", value),
            None => std::env::remove_var("CORESUM_INLINE_BYTES"),
        }
    }
}

fn a_pool_calibrates_unless_told_and_results_do_not_depend_on_it() {
    let pool = Pool::builder().threads(2).pin(false).build().unwrap();
    let calibration = pool
        .calibration()
        .expect("a pool with no threshold set measures one");
    assert!(calibration.dispatch > std::time::Duration::ZERO);
    assert!(calibration.bytes_per_ns.iter().all(|&s| s > 0.0));
    assert!(
        calibration
            .inline_bytes
            .iter()
            .all(|&b| b > pool.chunk_bytes())
    );
    assert_eq!(pool.inline_bytes_for::<u8>(), calibration.inline_bytes[0]);
    assert_eq!(pool.inline_bytes_for::<f64>(), calibration.inline_bytes[3]);
    assert_eq!(
        pool.inline_bytes(),
        *calibration.inline_bytes.iter().min().unwrap()
    );

    let single = Pool::builder().threads(1).pin(false).build().unwrap();
    assert_eq!(
        single.inline_bytes_for::<i32>(),
        usize::MAX,
        "one worker never pays"
    );

    let set = Pool::builder()
        .threads(2)
        .pin(false)
        .inline_bytes(0)
        .build()
        .unwrap();
    assert_eq!(set.calibration(), None);
    assert_eq!((set.inline_bytes(), set.inline_bytes_for::<u16>()), (0, 0));

    // Inline, calibrated and all-pooled sums agree to the bit, across several chunks.
    let data: Vec<f64> = (0..600_000)
        .map(|i| ((i * 7919) % 1000) as f64 * 1e-3 - 0.4)
        .collect();
    let inline = Pool::builder()
        .threads(2)
        .pin(false)
        .inline_bytes(usize::MAX)
        .build()
        .unwrap();
    for mode in [Mode::Fast, Mode::Compensated, Mode::Exact] {
        let bits = inline.sum_with(&data, mode).to_bits();
        assert_eq!(set.sum_with(&data, mode).to_bits(), bits, "{mode:?}");
        assert_eq!(pool.sum_with(&data, mode).to_bits(), bits, "{mode:?}");
    }
}

fn the_environment_overrides_the_threshold() {
    set(Some("12345"));
    let pool = Pool::builder()
        .threads(2)
        .pin(false)
        .with_env()
        .build()
        .unwrap();
    assert_eq!(pool.calibration(), None);
    assert_eq!(pool.inline_bytes_for::<u64>(), 12345);
    let ignored = Pool::builder().threads(2).pin(false).build().unwrap();
    assert!(
        ignored.calibration().is_some(),
        "without with_env, the variable is ignored"
    );

    set(Some("4 MiB"));
    match Pool::builder().threads(1).pin(false).with_env().build() {
        Err(PoolError::InvalidEnv { var, .. }) => assert_eq!(var, "CORESUM_INLINE_BYTES"),
        other => panic!("expected InvalidEnv, got {other:?}"),
    }
    set(None);
}
