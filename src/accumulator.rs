//! [`Accumulator`]: an exact running sum of any [`Summable`] type, fed slice by slice, mergeable
//! and serialisable.
//!
//! It holds the partial of the error-free pass (the [`Kept`] reduction of `Mode::Exact`): for integers the
//! 128-bit sum, for floats an [`ExactSum`]. Both are exact, so slices can be added in any pieces,
//! accumulators merged in any order, and [`finish`](Accumulator::finish) gives the same bits as
//! one [`sum`](crate::sum) over the concatenation.

use crate::arch::Kernels;
use crate::element::{Mode, Summable};
use crate::exact_sum::{DecodeError, ExactSum, crc32};
use crate::float::FloatPartial;
use crate::reduce::{self, ElementSum, Kept, Pass};
use std::fmt;

/// An exact running sum of `T`s, built up slice by slice, merged across threads or machines, and
/// stored as bytes.
///
/// ```
/// use coresum::Accumulator;
///
/// let mut acc = Accumulator::<f64>::new();
/// acc.add_slice(&[1e308, 0.1]);
/// acc.extend([-1e308, 0.2]);
/// let other: Accumulator<f64> = [0.3].into_iter().collect();
/// acc.merge(&other);
/// assert_eq!(acc.finish(), coresum::sum(&[1e308, 0.1, -1e308, 0.2, 0.3]));
///
/// let restored = Accumulator::<f64>::from_bytes(&acc.to_bytes())?;
/// assert_eq!(restored.finish(), acc.finish());
/// # Ok::<(), coresum::DecodeError>(())
/// ```
///
/// [`add_slice`](Self::add_slice) runs the kernels of the process's ISA path on the calling
/// thread, never on the pool: an accumulator is what callers with their own threads merge, and one
/// large slice is better summed whole by [`sum`](crate::sum). For floats it runs the error-free
/// pass, which is slower than the first pass of [`sum`](crate::sum) but needs no retry.
pub struct Accumulator<T: Summable> {
    total: T::Partial,
}

impl<T: Summable> Accumulator<T> {
    /// An empty sum (which finishes to 0).
    pub fn new() -> Self {
        Accumulator {
            total: T::partial(Kernels::active(), Pass::kept(Mode::Exact), &[]),
        }
    }

    /// Adds every element of `data`.
    pub fn add_slice(&mut self, data: &[T]) {
        T::merge(
            &mut self.total,
            reduce::reduce_on_grid(Kept::new(Mode::Exact), Kernels::active(), data),
        );
    }

    /// Adds everything `other` holds.
    pub fn merge(&mut self, other: &Accumulator<T>) {
        T::merge(&mut self.total, other.total.clone());
    }

    /// The sum so far: exact for integers, correctly rounded for floats (the bits of
    /// [`sum`](crate::sum) over everything added).
    pub fn finish(&self) -> T::Output {
        T::round(self.total.clone())
    }

    /// The accumulator as bytes, in a versioned little-endian format that
    /// [`from_bytes`](Self::from_bytes) reads back on any machine:
    ///
    /// | bytes | content |
    /// |---|---|
    /// | 4 | magic `CSAC` |
    /// | 1 | format version, 1 |
    /// | 1 | element type code (an accumulator of another type is refused) |
    /// | 16 or 282 | integers: the sum, `i128`/`u128`; floats: [`ExactSum::to_bytes`] |
    /// | 4 | CRC-32 (IEEE) of all the bytes before it |
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER + T::PARTIAL_BYTES + 4);
        out.extend_from_slice(&MAGIC);
        out.push(VERSION);
        out.push(T::TYPE_CODE);
        T::write_partial(&self.total, &mut out);
        let crc = crc32(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// Reads back [`to_bytes`](Self::to_bytes) of an `Accumulator<T>`. Truncated, padded,
    /// corrupted (checksum), inconsistent input or another element type is an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let expected = HEADER + T::PARTIAL_BYTES + 4;
        if bytes.len() != expected {
            return Err(DecodeError::Length {
                expected,
                found: bytes.len(),
            });
        }
        let (body, crc) = bytes.split_at(expected - 4);
        if body[..4] != MAGIC {
            return Err(DecodeError::Magic);
        }
        if body[4] != VERSION {
            return Err(DecodeError::Version(body[4]));
        }
        if crc32(body) != u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]) {
            return Err(DecodeError::Checksum);
        }
        if body[5] != T::TYPE_CODE {
            return Err(DecodeError::Invalid(
                "an accumulator of another element type",
            ));
        }
        Ok(Accumulator {
            total: T::read_partial(&body[HEADER..])?,
        })
    }
}

const MAGIC: [u8; 4] = *b"CSAC";
const VERSION: u8 = 1;
/// Magic, version, element type code.
const HEADER: usize = 6;

/// Elements gathered on the stack before [`Extend`] adds them as one slice.
const EXTEND_BLOCK: usize = 256;

impl<T: Summable> Default for Accumulator<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Summable> Clone for Accumulator<T> {
    fn clone(&self) -> Self {
        Accumulator {
            total: self.total.clone(),
        }
    }
}

impl<T: Summable> fmt::Debug for Accumulator<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Accumulator")
            .field("sum", &self.finish())
            .finish()
    }
}

impl<T: Summable> Extend<T> for Accumulator<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        let mut iter = iter.into_iter();
        let mut block = Vec::with_capacity(EXTEND_BLOCK);
        loop {
            block.extend(iter.by_ref().take(EXTEND_BLOCK));
            if block.is_empty() {
                return;
            }
            self.add_slice(&block);
            block.clear();
        }
    }
}

impl<'a, T: Summable> Extend<&'a T> for Accumulator<T> {
    fn extend<I: IntoIterator<Item = &'a T>>(&mut self, iter: I) {
        self.extend(iter.into_iter().copied());
    }
}

impl<T: Summable> FromIterator<T> for Accumulator<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut acc = Self::new();
        acc.extend(iter);
        acc
    }
}

/// How an accumulator of one element type is stored: the sealed half of [`Summable`] that
/// [`Accumulator::to_bytes`] needs, crate-private.
pub trait Encode: ElementSum {
    /// The element type's code in the encoding.
    const TYPE_CODE: u8;
    /// The payload's length in bytes.
    const PARTIAL_BYTES: usize;
    /// Appends the payload: the error-free partial `total`.
    fn write_partial(total: &Self::Partial, out: &mut Vec<u8>);
    /// Reads a payload of [`PARTIAL_BYTES`](Self::PARTIAL_BYTES) bytes back.
    fn read_partial(payload: &[u8]) -> Result<Self::Partial, DecodeError>;
}

macro_rules! encode_int {
    ($($t:ty => $code:expr;)*) => {$(
        impl Encode for $t {
            const TYPE_CODE: u8 = $code;
            const PARTIAL_BYTES: usize = 16;

            fn write_partial(total: &Self::Partial, out: &mut Vec<u8>) {
                out.extend_from_slice(&total.to_le_bytes());
            }

            fn read_partial(payload: &[u8]) -> Result<Self::Partial, DecodeError> {
                let bytes = payload.try_into().map_err(|_| DecodeError::Length {
                    expected: 16,
                    found: payload.len(),
                })?;
                Ok(<Self::Partial>::from_le_bytes(bytes))
            }
        }
    )*};
}

encode_int! {
    u8 => 1; i8 => 2; u16 => 3; i16 => 4; u32 => 5; i32 => 6; u64 => 7; i64 => 8;
    usize => 9; isize => 10;
}

macro_rules! encode_float {
    ($($t:ty => $code:expr;)*) => {$(
        impl Encode for $t {
            const TYPE_CODE: u8 = $code;
            const PARTIAL_BYTES: usize = ExactSum::ENCODED_LEN;

            fn write_partial(total: &FloatPartial, out: &mut Vec<u8>) {
                out.extend_from_slice(&total.clone().into_sum().to_bytes());
            }

            fn read_partial(payload: &[u8]) -> Result<FloatPartial, DecodeError> {
                Ok(FloatPartial::Exact {
                    sum: ExactSum::from_bytes(payload)?,
                    slack: 0.0,
                })
            }
        }
    )*};
}

encode_float! {
    f64 => 20; f32 => 21;
}

#[cfg(feature = "half")]
encode_float! {
    half::f16 => 22; half::bf16 => 23;
}
