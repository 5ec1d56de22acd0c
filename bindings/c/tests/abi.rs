//! The exported functions called as C calls them: exact results against i128 references, the
//! error codes and messages, and the constants the header promises.

use coresum_capi::*;
use std::ffi::CStr;
use std::ptr;

fn last_error() -> String {
    // SAFETY: `coresum_last_error` returns a valid C string owned by this thread's slot.
    unsafe { CStr::from_ptr(coresum_last_error()) }
        .to_string_lossy()
        .into_owned()
}

#[test]
fn i128_halves_round_trip() {
    for v in [
        0,
        1,
        -1,
        i128::MIN,
        i128::MAX,
        u64::MAX as i128,
        -(u64::MAX as i128) - 7,
    ] {
        let c = coresum_i128::from(v);
        assert_eq!(i128::from(c), v);
        assert_eq!(c.lo, v as u64);
        assert_eq!(c.hi, (v >> 64) as i64);
    }
}

#[test]
fn integer_sums_are_exact() {
    let data: Vec<i64> = (0..10_000)
        .map(|i: i64| if i % 3 == 0 { i64::MIN } else { i64::MAX - i })
        .collect();
    let expected: i128 = data.iter().map(|&x| i128::from(x)).sum();
    let mut out = coresum_i128::default();
    // SAFETY: a live array and a local out.
    let status = unsafe { coresum_sum_i64(data.as_ptr(), data.len(), &mut out) };
    assert_eq!(status, CORESUM_OK);
    assert_eq!(i128::from(out), expected);

    let bytes = vec![u8::MAX; 70_000];
    // SAFETY: as above.
    let status = unsafe { coresum_sum_u8(bytes.as_ptr(), bytes.len(), &mut out) };
    assert_eq!(status, CORESUM_OK);
    assert_eq!(i128::from(out), 255 * 70_000);
}

#[test]
fn bad_arguments_are_codes_with_messages() {
    let mut out = 0.0;
    let data = [1.0f64, 2.0];
    // SAFETY: every pointer is live or null; the functions check them.
    unsafe {
        assert_eq!(
            coresum_sum_f64(data.as_ptr(), 2, 3, &mut out),
            CORESUM_E_INVALID_MODE
        );
        assert!(last_error().contains("unknown mode 3"), "{}", last_error());
        assert_eq!(
            coresum_sum_f64(ptr::null(), 2, CORESUM_EXACT, &mut out),
            CORESUM_E_NULL_POINTER
        );
        assert_eq!(
            coresum_sum_f64(data.as_ptr(), 2, CORESUM_EXACT, ptr::null_mut()),
            CORESUM_E_NULL_POINTER
        );
        assert_eq!(
            coresum_sum_f64(data.as_ptr(), usize::MAX / 4, CORESUM_EXACT, &mut out),
            CORESUM_E_LENGTH
        );
        assert_eq!(
            coresum_sum_f64(ptr::null(), 0, CORESUM_FAST, &mut out),
            CORESUM_OK
        );
        assert_eq!(out.to_bits(), 0.0f64.to_bits());
        // Success leaves the last message in place.
        assert!(
            last_error().contains("exceeds the address space"),
            "{}",
            last_error()
        );

        let mut pool = ptr::null_mut();
        assert_eq!(
            coresum_pool_new(0, ptr::null(), 0, &mut pool),
            CORESUM_E_NO_THREADS
        );
        assert_eq!(
            coresum_pool_new(1, [usize::MAX].as_ptr(), 1, &mut pool),
            CORESUM_E_BAD_CORES
        );
        assert!(pool.is_null());
    }
}

#[test]
fn encoded_length_is_the_header_constant() {
    assert_eq!(
        coresum::ExactSum::new().to_bytes().len(),
        CORESUM_EXACT_BYTES
    );
}

#[test]
fn cancelled_sum_releases_the_array_and_calls_back_once() {
    use std::sync::atomic::{AtomicI32, Ordering};
    unsafe extern "C" fn record(user_data: *mut std::ffi::c_void, status: i32, _sum: f64) {
        // SAFETY: `user_data` is the test's `AtomicI32`, alive until the task is freed.
        let calls = unsafe { &*user_data.cast::<AtomicI32>() };
        calls.fetch_add(1000 + status.abs(), Ordering::SeqCst);
    }
    let data = vec![1.0f64; 1 << 22];
    let calls = AtomicI32::new(0);
    let mut pool = ptr::null_mut();
    let mut task = ptr::null_mut();
    // SAFETY: live pointers; `data` and `calls` outlive the task, freed before they are.
    unsafe {
        assert_eq!(coresum_pool_new(1, ptr::null(), 0, &mut pool), CORESUM_OK);
        let user_data = (&raw const calls).cast_mut().cast();
        let rc = coresum_pool_sum_f64_async(
            pool,
            data.as_ptr(),
            data.len(),
            CORESUM_EXACT,
            Some(record),
            user_data,
            &mut task,
        );
        assert_eq!(rc, CORESUM_OK);
        assert_eq!(coresum_task_cancel(task), CORESUM_OK);
        let mut out = 0.0;
        match coresum_task_wait(task, &mut out) {
            CORESUM_E_CANCELLED => assert_eq!(calls.load(Ordering::SeqCst), 1000 + 9),
            CORESUM_OK => {
                assert_eq!(out, (1 << 22) as f64);
                assert_eq!(calls.load(Ordering::SeqCst), 1000);
            }
            other => panic!("unexpected status {other}"),
        }
        coresum_task_free(task);
        coresum_pool_free(pool);
    }
}
