//! The aarch64 path. NEON is part of the aarch64 baseline.

pub(crate) mod neon;
