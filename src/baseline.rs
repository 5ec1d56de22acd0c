//! Reference loops for benchmarks, not for summing: the plain `std` widening loops and the read
//! ceiling (a wrapping `u64` add), compiled for the running CPU inside `#[target_feature]`
//! functions (AVX-512 F+BW where present, else AVX2) so that coresum is compared with the best
//! code the compiler makes of them. Used by `benches/` and the `coresum bench` command.

/// `words` pseudo-random `u64`s (xorshift64*): cheap, deterministic, no pattern a kernel could
/// exploit. The benchmarks' data.
pub fn pseudo_random(words: usize) -> Vec<u64> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    (0..words)
        .map(|_| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_f491_4f6c_dd1d)
        })
        .collect()
}

/// The `std` widening loop and the read ceiling, compiled for this CPU at run time.
macro_rules! native {
    ($($name:ident($t:ty) -> $wide:ty: $body:expr;)*) => {
        $(
            pub mod $name {
                //! The loop for this type, compiled for the running CPU.
                #[cfg(target_arch = "x86_64")]
                #[target_feature(enable = "avx512f,avx512bw,avx2")]
                fn avx512(data: &[$t]) -> $wide {
                    ($body)(data)
                }
                #[cfg(target_arch = "x86_64")]
                #[target_feature(enable = "avx2")]
                fn avx2(data: &[$t]) -> $wide {
                    ($body)(data)
                }
                /// The widest of the two this CPU runs.
                pub fn best() -> fn(&[$t]) -> $wide {
                    #[cfg(target_arch = "x86_64")]
                    if std::is_x86_feature_detected!("avx512f")
                        && std::is_x86_feature_detected!("avx512bw")
                    {
                        // SAFETY: the CPU has AVX-512 F and BW (checked above).
                        return |data| unsafe { avx512(data) };
                    } else if std::is_x86_feature_detected!("avx2") {
                        // SAFETY: the CPU has AVX2 (checked above).
                        return |data| unsafe { avx2(data) };
                    }
                    // Elsewhere the build's own target features decide.
                    |data| ($body)(data)
                }
            }
        )*
    };
}

native! {
    u8(u8) -> u64: |d: &[u8]| d.iter().map(|&x| x as u64).sum();
    i8(i8) -> i64: |d: &[i8]| d.iter().map(|&x| x as i64).sum();
    u16(u16) -> u64: |d: &[u16]| d.iter().map(|&x| x as u64).sum();
    i16(i16) -> i64: |d: &[i16]| d.iter().map(|&x| x as i64).sum();
    u32(u32) -> u64: |d: &[u32]| d.iter().map(|&x| x as u64).sum();
    i32(i32) -> i64: |d: &[i32]| d.iter().map(|&x| x as i64).sum();
    u64(u64) -> u128: |d: &[u64]| d.iter().map(|&x| x as u128).sum();
    i64(i64) -> i128: |d: &[i64]| d.iter().map(|&x| x as i128).sum();
    ceiling(u64) -> u64: |d: &[u64]| d.iter().fold(0u64, |a, &x| a.wrapping_add(x));
}
