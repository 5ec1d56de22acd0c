//! Reference loops, not for summing: the plain `std` widening loops and the read ceiling (a
//! wrapping `u64` add), compiled for the running CPU inside `#[target_feature]` functions
//! (AVX-512 F+BW where present, else AVX2), and the float peer `unrolled8` (AVX2+FMA where
//! present), so that coresum is compared with the best code the compiler makes of them.

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

/// The 8-accumulator loop, generic over the input (widened to f64).
#[inline(always)]
fn unrolled8<T: Copy + Into<f64>>(data: &[T]) -> f64 {
    let mut acc = [0.0f64; 8];
    let mut chunks = data.chunks_exact(8);
    for chunk in &mut chunks {
        for k in 0..8 {
            acc[k] += chunk[k].into();
        }
    }
    let tail: f64 = chunks.remainder().iter().map(|&x| x.into()).sum();
    ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail
}

/// `unrolled8` compiled inside `#[target_feature(enable = "avx2,fma")]` where the CPU has them.
macro_rules! native_unrolled8 {
    ($($name:ident($t:ty);)*) => {$(
        /// The `unrolled8` loop for this type, compiled for the running CPU.
        pub fn $name() -> fn(&[$t]) -> f64 {
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2,fma")]
            fn avx2(data: &[$t]) -> f64 {
                unrolled8(data)
            }
            #[cfg(target_arch = "x86_64")]
            if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                // SAFETY: the CPU has AVX2 and FMA (checked above).
                return |data| unsafe { avx2(data) };
            }
            unrolled8::<$t>
        }
    )*};
}

native_unrolled8! {
    unrolled8_f64(f64);
    unrolled8_f32(f32);
}
