//! An idle pool burns no CPU: its workers spin briefly, then sleep. Its own binary, so no other
//! test's threads run while the process's CPU time is measured.

use std::time::Duration;

/// User + system CPU time of the whole process.
fn process_cpu_time() -> Duration {
    // SAFETY: `rusage` is plain data; zeroed is valid and `getrusage` fills it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable `rusage`.
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) }, 0);
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

#[test]
fn an_idle_pool_uses_no_cpu() {
    let pool = coresum::Pool::builder().build().unwrap();
    let data = vec![3u8; 8 << 20];
    assert_eq!(pool.sum(&data), 3 * (8 << 20));
    // Let the workers finish spinning and fall asleep.
    std::thread::sleep(Duration::from_millis(100));
    let before = process_cpu_time();
    std::thread::sleep(Duration::from_secs(1));
    let used = process_cpu_time() - before;
    assert!(
        used < Duration::from_millis(20),
        "{} idle workers used {used:?} of CPU in one second",
        pool.threads()
    );
    // And they wake up again.
    assert_eq!(pool.sum(&data), 3 * (8 << 20));
}
