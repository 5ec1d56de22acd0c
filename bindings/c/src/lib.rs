//! The C ABI of [coresum](https://docs.rs/coresum): exact sums of C arrays, pools, asynchronous
//! sums with a callback, and the mergeable exact float state, for C, C++ and Fortran.
//!
//! The header, `include/coresum.h`, is generated from this crate by cbindgen (`cbindgen.toml`);
//! `tests/header.rs` fails when the committed one is stale.
//!
//! # Conventions
//!
//! - Every function that can fail returns `int`: `CORESUM_OK` (0) or a negative `CORESUM_E_*`
//!   code, and `coresum_last_error()` gives that thread's message. Results go through out
//!   pointers, which are written only on success.
//! - An array is a pointer and a length in elements. A null pointer with length 0 is the empty
//!   array; with any other length it is `CORESUM_E_NULL_POINTER`. A pointer misaligned for its
//!   element type is `CORESUM_E_MISALIGNED`, a length beyond the address space `CORESUM_E_LENGTH`.
//! - Values that C cannot type-check (a mode held in an `int`, a thread count, core numbers, a byte
//!   buffer) are validated: bad input is an error code, never a crash or a wrong answer.
//! - No Rust panic unwinds into C: every entry point catches them ([`error::guard`]); one would be
//!   a bug, reported as `CORESUM_E_INTERNAL`.
//! - Handles (`coresum_pool`, `coresum_task`, `coresum_exact`) are opaque, created by a `_new`
//!   (or `_async`, `_from_bytes`) function and released by their `_free` function, which accepts
//!   null.
//!
//! # Safety
//!
//! The C caller promises what C cannot check: an array pointer is valid for reads of `len`
//! elements (or null with `len` 0) and not written while the sum reads it; an out pointer is
//! null or valid for one write; a handle is null or one this library returned and has not freed.

mod args;
mod error;
mod exact;
mod pool;
mod sum;
mod task;

pub use args::{CORESUM_COMPENSATED, CORESUM_EXACT, CORESUM_FAST, coresum_mode};
pub use error::*;
pub use exact::*;
pub use pool::*;
pub use sum::*;
pub use task::*;
