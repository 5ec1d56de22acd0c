//! The floating-point benches' data and their plain-loop peer.

/// `len` values drawn from `coresum::baseline::pseudo_random` (the sequence `scripts/fsum.py`
/// and `scripts/compare_py.py` generate too): random sign and mantissa, exponent uniform in
/// 2^-32 … 2^32 (typical data), or over the whole finite range (the exact path's worst case).
pub fn values(len: usize, whole_range: bool) -> Vec<f64> {
    coresum::baseline::pseudo_random(len)
        .into_iter()
        .map(|r| {
            let exponent = if whole_range {
                (r >> 32) % 2047
            } else {
                1023 - 32 + (r >> 32) % 65
            };
            f64::from_bits((r & (1 << 63)) | exponent << 52 | (r & ((1 << 52) - 1)))
        })
        .collect()
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
