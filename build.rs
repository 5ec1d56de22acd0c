//! Decides, from the *target* description alone, which kernel paths are compiled in and whether the
//! CPU must be probed at run time.
//!
//! Cargo describes the target through `CARGO_CFG_TARGET_ARCH` and `CARGO_CFG_TARGET_FEATURE`; those
//! reflect `--target`, `-C target-cpu` and `-C target-feature`, never the machine running the build.
//! This script must not look at the build machine's CPU: the binary may run elsewhere.
//!
//! Emitted cfgs:
//! - `coresum_x86` — the SSE2, AVX2 and AVX-512 kernels are compiled (x86-64 targets);
//! - `coresum_neon` — the NEON kernels are compiled (aarch64 targets with `neon`, the default);
//! - `coresum_baseline = "scalar" | "sse2" | "avx2" | "avx512" | "neon"` — the best path the target
//!   guarantees, usable without any run-time check;
//! - `coresum_runtime_detect` — a better path than the baseline exists and may be present on the CPU
//!   the program ends up on, so it is probed once at run time.

use std::env;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rustc-check-cfg=cfg(coresum_x86)");
    println!("cargo::rustc-check-cfg=cfg(coresum_neon)");
    println!("cargo::rustc-check-cfg=cfg(coresum_runtime_detect)");
    println!(
        "cargo::rustc-check-cfg=cfg(coresum_baseline, values(\"scalar\", \"sse2\", \"avx2\", \"avx512\", \"neon\"))"
    );

    let arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let features = env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    let has = |f: &str| features.split(',').any(|x| x == f);

    let baseline = match arch.as_str() {
        "x86_64" => {
            println!("cargo::rustc-cfg=coresum_x86");
            let baseline = if has("avx512f") && has("avx512bw") {
                "avx512"
            } else if has("avx2") {
                "avx2"
            } else if has("sse2") {
                "sse2"
            } else {
                "scalar"
            };
            if baseline != "avx512" {
                println!("cargo::rustc-cfg=coresum_runtime_detect");
            }
            baseline
        }
        // NEON is part of the aarch64 baseline; a target that disables it gets the portable path.
        "aarch64" if has("neon") => {
            println!("cargo::rustc-cfg=coresum_neon");
            "neon"
        }
        _ => "scalar",
    };
    println!("cargo::rustc-cfg=coresum_baseline=\"{baseline}\"");
}
