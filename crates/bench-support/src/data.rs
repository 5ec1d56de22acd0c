//! The benchmarks' data: a deterministic pseudo-random sequence that other processes
//! (`scripts/compare_py.py`, `scripts/fsum.py`) generate too, as aligned integer buffers and as
//! floats.

/// `words` pseudo-random `u64`s (xorshift64*): cheap, deterministic, no pattern a kernel could
/// exploit.
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

/// A buffer whose data starts on a 128-byte boundary, filled with pseudo-random bytes.
pub struct Aligned {
    raw: Vec<u64>,
    start: usize,
}

impl Aligned {
    /// At least `bytes` bytes of [`pseudo_random`]'s sequence from its first word, whatever the
    /// allocation's address, so that other processes can generate the same bytes.
    pub fn new(bytes: usize) -> Self {
        let mut raw = pseudo_random(bytes / 8 + 32);
        let start = raw.as_ptr().align_offset(128) / 8;
        raw.rotate_right(start);
        Aligned { raw, start }
    }

    /// `len` elements of `T` starting `skip` elements past the aligned start.
    ///
    /// # Panics
    /// If the range does not fit in the buffer.
    pub fn view<T: Integer>(&self, skip: usize, len: usize) -> &[T] {
        let bytes = (skip + len) * size_of::<T>();
        assert!(self.start * 8 + bytes <= self.raw.len() * 8);
        // SAFETY: the range lies inside `raw` (checked above), is aligned for `T` (the start is
        // 128-aligned and `skip` counts whole elements), and `T` accepts any bit pattern.
        unsafe {
            let base = self.raw.as_ptr().add(self.start).cast::<T>();
            std::slice::from_raw_parts(base.add(skip), len)
        }
    }
}

/// A primitive integer type: every bit pattern is a valid value, so a buffer of words can be
/// viewed as a slice of it.
pub trait Integer: Copy + private::Sealed {}

mod private {
    pub trait Sealed {}
}

macro_rules! integer {
    ($($t:ty),*) => {$(
        impl private::Sealed for $t {}
        impl Integer for $t {}
    )*};
}
integer!(u8, i8, u16, i16, u32, i32, u64, i64);

/// `len` floats drawn from [`pseudo_random`]: random sign and mantissa, exponent uniform in
/// 2^-32 … 2^32 (typical data), or over the whole finite range (the exact path's worst case).
pub fn float_values(len: usize, whole_range: bool) -> Vec<f64> {
    pseudo_random(len)
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
