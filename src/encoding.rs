//! The byte format shared by [`ExactSum::to_bytes`](crate::ExactSum::to_bytes) and
//! [`Accumulator::to_bytes`](crate::Accumulator::to_bytes): a 4-byte magic naming the content, a
//! format version, the content, and a CRC-32 of everything before it. Reading checks all of it
//! before the content is looked at, so altered bytes are an error, never a different sum.

use core::fmt;

/// The format version every encoding is written in.
const VERSION: u8 = 1;
/// Bytes of framing around the content: magic, version, checksum.
pub(crate) const FRAME: usize = 4 + 1 + 4;

/// An encoding of `len` bytes in all (framing included), with its magic and version written: the
/// caller appends the content, then [`seal`]s it.
pub(crate) fn header(magic: [u8; 4], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(&magic);
    out.push(VERSION);
    out
}

/// Appends the checksum of everything written so far.
pub(crate) fn seal(mut out: Vec<u8>) -> Vec<u8> {
    let crc = crc32(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// The content of `bytes`, an encoding of exactly `len` bytes with `magic`, once its length,
/// magic, version and checksum are checked.
pub(crate) fn open(bytes: &[u8], magic: [u8; 4], len: usize) -> Result<&[u8], DecodeError> {
    if bytes.len() != len {
        return Err(DecodeError::Length {
            expected: len,
            found: bytes.len(),
        });
    }
    let (body, crc) = bytes.split_at(len - 4);
    if body[..4] != magic {
        return Err(DecodeError::Magic);
    }
    if body[4] != VERSION {
        return Err(DecodeError::Version(body[4]));
    }
    if crc32(body) != u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]) {
        return Err(DecodeError::Checksum);
    }
    Ok(&body[5..])
}

/// Why [`ExactSum::from_bytes`](crate::ExactSum::from_bytes) or [`Accumulator::from_bytes`](crate::Accumulator::from_bytes)
/// rejected its input.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input is not exactly one encoded accumulator long (truncated or padded).
    Length {
        /// The length of every version-1 encoding of this type.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// The input does not start with the magic bytes (`CSXS`, `CSAC`).
    Magic,
    /// A format version this build does not read.
    Version(u8),
    /// The checksum does not match: the bytes were altered.
    Checksum,
    /// Well-formed bytes that no accumulator can produce.
    Invalid(&'static str),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Length { expected, found } => {
                write!(f, "an encoded sum is {expected} bytes, got {found}")
            }
            DecodeError::Magic => f.write_str("not an encoded coresum sum (bad magic)"),
            DecodeError::Version(v) => write!(f, "unsupported encoded sum format version {v}"),
            DecodeError::Checksum => f.write_str("encoded sum checksum mismatch"),
            DecodeError::Invalid(why) => write!(f, "invalid encoded sum: {why}"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), a byte at a time through a table built
/// at compile time: the encoding is checked on every merge across processes (`coresum-mpi`), where
/// the bitwise loop cost microseconds.
fn crc32(bytes: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut crc = i as u32;
            let mut bit = 0;
            while bit < 8 {
                crc = (crc >> 1) ^ (0xedb8_8320 & (crc & 1).wrapping_neg());
                bit += 1;
            }
            table[i] = crc;
            i += 1;
        }
        table
    };
    let crc = bytes.iter().fold(!0u32, |crc, &byte| {
        (crc >> 8) ^ TABLE[usize::from((crc as u8) ^ byte)]
    });
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_check_value() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn frame_round_trip_and_rejection() {
        let mut out = header(*b"TEST", FRAME + 2);
        out.extend_from_slice(&[7, 9]);
        let bytes = seal(out);
        assert_eq!(open(&bytes, *b"TEST", FRAME + 2), Ok(&[7u8, 9][..]));
        assert_eq!(
            open(&bytes, *b"TEST", FRAME + 3),
            Err(DecodeError::Length {
                expected: FRAME + 3,
                found: FRAME + 2
            })
        );
        assert_eq!(open(&bytes, *b"OTHR", FRAME + 2), Err(DecodeError::Magic));
        let mut bad = bytes.clone();
        bad[4] = 2;
        assert_eq!(
            open(&bad, *b"TEST", FRAME + 2),
            Err(DecodeError::Version(2))
        );
        let mut bad = bytes.clone();
        bad[6] ^= 1;
        assert_eq!(open(&bad, *b"TEST", FRAME + 2), Err(DecodeError::Checksum));
    }
}
