//! Decides, from the *target* description alone, which kernel paths are compiled in.
//!
//! Cargo describes the target through `CARGO_CFG_TARGET_ARCH` and `CARGO_CFG_TARGET_FEATURE`; those
//! reflect `--target`, `-C target-cpu` and `-C target-feature`, never the machine running the build.
//! This script must not look at the build machine's CPU: the binary may run elsewhere.
//!
//! Emitted cfgs:
//! - `coresum_x86` — the SSE2, AVX2 and AVX-512 kernels are compiled (x86-64 targets);
//! - `coresum_neon` — the NEON kernels are compiled (aarch64 targets with `neon`, the default).

use std::env;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rustc-check-cfg=cfg(coresum_x86)");
    println!("cargo::rustc-check-cfg=cfg(coresum_neon)");

    let arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let features = env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    let has = |f: &str| features.split(',').any(|x| x == f);

    match arch.as_str() {
        "x86_64" => println!("cargo::rustc-cfg=coresum_x86"),
        // NEON is part of the aarch64 baseline; a target that disables it gets the portable path.
        "aarch64" if has("neon") => println!("cargo::rustc-cfg=coresum_neon"),
        _ => {}
    }
}
