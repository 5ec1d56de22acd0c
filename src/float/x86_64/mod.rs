//! The x86-64 float paths: AVX2 and AVX-512 (SSE2 uses the portable path, which the compiler
//! vectorises with the SSE2 baseline).

pub(crate) mod avx2;
pub(crate) mod avx512;
