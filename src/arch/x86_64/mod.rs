//! The x86-64 paths. SSE2 is part of the x86-64 baseline; AVX2 and AVX-512 are detected at run
//! time unless the build already enables them (each module's `is_available`).

pub(crate) mod avx2;
pub(crate) mod avx512;
pub(crate) mod sse2;
