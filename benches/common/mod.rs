//! Shared by the benchmarks: aligned pseudo-random buffers, and the std loops and read ceiling
//! compiled for the running CPU.

#![allow(dead_code)] // Each bench uses a different part.

/// A buffer whose data starts on a 128-byte boundary, filled with pseudo-random bytes.
pub struct Aligned {
    raw: Vec<u64>,
    start: usize,
}

impl Aligned {
    pub fn new(bytes: usize) -> Self {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let raw: Vec<u64> = (0..bytes / 8 + 32)
            .map(|_| {
                // xorshift64*: cheap, deterministic, no pattern a kernel could exploit.
                state ^= state >> 12;
                state ^= state << 25;
                state ^= state >> 27;
                state.wrapping_mul(0x2545_f491_4f6c_dd1d)
            })
            .collect();
        let start = raw.as_ptr().align_offset(128) / 8;
        Aligned { raw, start }
    }

    /// `len` elements of `T` starting `skip` elements past the aligned start.
    pub fn view<T: Copy>(&self, skip: usize, len: usize) -> &[T] {
        let bytes = (skip + len) * size_of::<T>();
        assert!(self.start * 8 + bytes <= self.raw.len() * 8);
        // SAFETY: the range lies inside `raw` (checked above), is aligned for `T` (the start is
        // 128-aligned and `skip` counts whole elements), and integers accept any bit pattern.
        unsafe {
            let base = self.raw.as_ptr().add(self.start).cast::<T>();
            std::slice::from_raw_parts(base.add(skip), len)
        }
    }
}

/// The `std` widening loop and the read ceiling, compiled for this CPU at run time.
macro_rules! native {
    ($($name:ident($t:ty) -> $wide:ty: $body:expr;)*) => {
        pub mod native {
            $(
                pub mod $name {
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
        }
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
