//! What the `coresum` command line is made of, for the front ends that must read the same files and
//! print the same reports (`coresum-mpi`):
//!
//! - [`input`]: elements read into bounded buffers and summed there, from a file on every worker
//!   of the pool or from a stream;
//! - [`dtype`], [`npy`] and [`npz`]: element types, byte orders, the `.npy` header, `.npz` archives;
//! - [`sum`]: the arguments of `coresum sum`, the pool they ask for, the sum of each array named;
//! - [`total`]: exact running sums of any element type, merged into a grand total;
//! - [`report`]: what `coresum sum` prints, as text or `--json`;
//! - [`stats`]: `coresum stats` and `coresum dot`.

pub mod dtype;
pub mod input;
pub mod npy;
pub mod npz;
pub mod report;
pub mod stats;
pub mod sum;
pub mod total;

#[doc(hidden)]
pub use half; // Named by `with_dtype!` in other crates.

/// Evaluates `$body` with `$t` bound to the Rust type of the [`dtype::Dtype`] `$dtype`.
///
/// ```
/// use coresum_cli::{dtype::Dtype, with_dtype};
/// assert_eq!(with_dtype!(Dtype::Bf16, T => size_of::<T>()), 2);
/// ```
#[macro_export]
macro_rules! with_dtype {
    ($dtype:expr, $t:ident => $body:expr) => {{
        use $crate::dtype::Dtype;
        match $dtype {
            Dtype::I8 => $crate::with_dtype!(@bind i8, $t => $body),
            Dtype::I16 => $crate::with_dtype!(@bind i16, $t => $body),
            Dtype::I32 => $crate::with_dtype!(@bind i32, $t => $body),
            Dtype::I64 => $crate::with_dtype!(@bind i64, $t => $body),
            Dtype::U8 => $crate::with_dtype!(@bind u8, $t => $body),
            Dtype::U16 => $crate::with_dtype!(@bind u16, $t => $body),
            Dtype::U32 => $crate::with_dtype!(@bind u32, $t => $body),
            Dtype::U64 => $crate::with_dtype!(@bind u64, $t => $body),
            Dtype::F16 => $crate::with_dtype!(@bind $crate::half::f16, $t => $body),
            Dtype::Bf16 => $crate::with_dtype!(@bind $crate::half::bf16, $t => $body),
            Dtype::F32 => $crate::with_dtype!(@bind f32, $t => $body),
            Dtype::F64 => $crate::with_dtype!(@bind f64, $t => $body),
        }
    }};
    (@bind $ty:ty, $t:ident => $body:expr) => {{
        type $t = $ty;
        $body
    }};
}
