//! `coresum info`: what coresum sees on this machine and what it will do.

use coresum::isa::{ISA_ENV, isa_choice};

pub fn run() -> Result<(), String> {
    let choice = isa_choice();
    println!("cpu features:   {}", features().join(" "));
    println!("isa detected:   {}", choice.detected);
    println!(
        "isa in use:     {}  ({ISA_ENV}={})",
        choice.isa,
        choice.requested.as_deref().unwrap_or("unset")
    );
    if let Some(warning) = &choice.warning {
        println!("isa warning:    {warning}");
    }
    println!(
        "integer dot:    {}",
        if coresum::isa::dot_uses_vnni() {
            "AVX-512 VNNI (vpdpbusd, vpdpwssd)"
        } else {
            "no VNNI"
        }
    );
    let allowed = coresum::pool::allowed_cores();
    println!("allowed cores:  {allowed:?}");
    println!(
        "physical cores: {:?}",
        coresum::pool::physical_cores(&allowed)
    );
    let caches: Vec<String> = (1..=3)
        .filter_map(|level| {
            coresum::pool::cache_bytes(level).map(|b| format!("L{level} {} KiB", b >> 10))
        })
        .collect();
    println!(
        "caches (cpu0):  {}",
        if caches.is_empty() {
            "unknown".into()
        } else {
            caches.join(", ")
        }
    );
    for var in ["CORESUM_THREADS", "CORESUM_CORES", "CORESUM_INLINE_BYTES"] {
        println!(
            "{var:<20} {}",
            std::env::var(var).unwrap_or_else(|_| "unset".into())
        );
    }
    match coresum::default_pool() {
        Some(pool) => {
            let cores: Vec<String> = pool
                .workers()
                .iter()
                .map(|w| match (w.core, w.pinned) {
                    (Some(core), true) => core.to_string(),
                    _ => "unpinned".into(),
                })
                .collect();
            println!(
                "default pool:   {} workers on cores [{}]",
                pool.threads(),
                cores.join(", ")
            );
            println!(
                "chunk size:     {} KiB (128-byte aligned boundaries)",
                pool.chunk_bytes() >> 10
            );
            print_thresholds(pool);
        }
        None => println!("default pool:   not started (sums run inline)"),
    }
    Ok(())
}

/// The pool's inline thresholds per element width, and what it measured to place them.
fn print_thresholds(pool: &coresum::Pool) {
    let async_kib = pool.inline_bytes().min(coresum::pool::ASYNC_INLINE_BYTES) >> 10;
    let kib = |bytes: usize| match bytes {
        usize::MAX => "never (one worker)".to_string(),
        bytes => format!("{} KiB", bytes.div_ceil(1 << 10)),
    };
    let Some(calibration) = pool.calibration() else {
        println!(
            "inline below:   {} blocking (set), {async_kib} KiB async",
            kib(pool.inline_bytes())
        );
        return;
    };
    println!(
        "dispatch:       {:.2} us (fork-join round trip through every worker, measured at start)",
        calibration.dispatch.as_secs_f64() * 1e6
    );
    for (width, (&bytes, &speed)) in calibration
        .inline_bytes
        .iter()
        .zip(&calibration.bytes_per_ns)
        .enumerate()
    {
        println!(
            "inline below:   {} blocking for {}-byte elements (one thread: {speed:.1} GB/s)",
            kib(bytes),
            1 << width
        );
    }
    println!("inline below:   {async_kib} KiB async");
}

/// The SIMD features coresum's paths care about, as detected at run time.
fn features() -> Vec<&'static str> {
    let mut found = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        macro_rules! probe {
            ($($f:tt),*) => {$(
                if std::is_x86_feature_detected!($f) {
                    found.push($f);
                }
            )*};
        }
        probe!(
            "sse2",
            "sse4.1",
            "avx",
            "avx2",
            "fma",
            "f16c",
            "avx512f",
            "avx512bw",
            "avx512dq",
            "avx512vl",
            "avx512vnni"
        );
    }
    #[cfg(target_arch = "aarch64")]
    {
        if std::arch::is_aarch64_feature_detected!("neon") {
            found.push("neon");
        }
    }
    found
}
