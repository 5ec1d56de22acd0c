//! The aarch64 path. NEON is part of the aarch64 baseline, so no run-time check is needed.

pub(crate) mod neon;
