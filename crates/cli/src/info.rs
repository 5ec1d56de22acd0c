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
    for var in ["CORESUM_THREADS", "CORESUM_CORES"] {
        println!(
            "{var:<15} {}",
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
            println!(
                "inline below:   {} KiB blocking, {} KiB async",
                pool.inline_bytes() >> 10,
                pool.inline_bytes().min(coresum::pool::ASYNC_INLINE_BYTES) >> 10
            );
        }
        None => println!("default pool:   not started (sums run inline)"),
    }
    Ok(())
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
            "sse2", "sse4.1", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512dq",
            "avx512vl"
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
