//! Return codes, the thread-local last error, and the guard every entry point runs its body in.

use std::cell::RefCell;
use std::ffi::{CString, c_char, c_int};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Success.
pub const CORESUM_OK: c_int = 0;
/// A null pointer where an array with a non-zero length, an output or a handle was required.
pub const CORESUM_E_NULL_POINTER: c_int = -1;
/// A mode that is not `CORESUM_EXACT`, `CORESUM_COMPENSATED` or `CORESUM_FAST`.
pub const CORESUM_E_INVALID_MODE: c_int = -2;
/// A pool of zero threads.
pub const CORESUM_E_NO_THREADS: c_int = -3;
/// A core the process may not run on, or no core to run on at all.
pub const CORESUM_E_BAD_CORES: c_int = -4;
/// The operating system refused to start or pin a worker thread.
pub const CORESUM_E_POOL_START: c_int = -5;
/// A length that does not fit: an array larger than the address space, a byte buffer too short
/// for an encoded state, or encoded bytes of the wrong length.
pub const CORESUM_E_LENGTH: c_int = -6;
/// A pointer not aligned for its element type.
pub const CORESUM_E_MISALIGNED: c_int = -7;
/// Bytes that are not an encoded exact state (bad magic, version or checksum, or corrupt).
pub const CORESUM_E_DECODE: c_int = -8;
/// The asynchronous sum was cancelled before it finished.
pub const CORESUM_E_CANCELLED: c_int = -9;
/// An internal error (a bug in coresum): a Rust panic, caught at the boundary.
pub const CORESUM_E_INTERNAL: c_int = -10;

/// A failed call: the code returned to C and the message `coresum_last_error` then gives.
#[derive(Clone, Debug)]
pub(crate) struct Failure {
    pub(crate) code: c_int,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn new(code: c_int, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
        }
    }

    /// Records this failure as the calling thread's last error and returns its code.
    pub(crate) fn report(&self) -> c_int {
        // Interior NULs (possible only in a panic message) would end the C string early.
        let message = CString::new(self.message.replace('\0', " ")).unwrap_or_default();
        // Fails only while the thread is being torn down; the code still reaches the caller.
        let _ = LAST_ERROR.try_with(|last| *last.borrow_mut() = message);
        self.code
    }
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// Runs an entry point's body: `CORESUM_OK`, or its failure's code (recorded as the thread's last
/// error). A panic is caught here, so none unwinds into C, and becomes `CORESUM_E_INTERNAL`.
pub(crate) fn guard(body: impl FnOnce() -> Result<(), Failure>) -> c_int {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => CORESUM_OK,
        Ok(Err(failure)) => failure.report(),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Failure::new(
                CORESUM_E_INTERNAL,
                format!("coresum: internal error (please report): {message}"),
            )
            .report()
        }
    }
}

/// The message of the last call that failed on this thread, or `""` if none has.
///
/// The string belongs to the library and stays valid until the next failing call on this
/// thread. Successful calls leave it as it is (like `errno`), so read it right after the code.
#[unsafe(no_mangle)]
pub extern "C" fn coresum_last_error() -> *const c_char {
    // Nothing here panics (`try_with` instead of `with`); caught anyway, as at every entry.
    catch_unwind(|| {
        LAST_ERROR
            .try_with(|last| last.borrow().as_ptr())
            .unwrap_or(c"".as_ptr())
    })
    .unwrap_or(c"".as_ptr())
}
