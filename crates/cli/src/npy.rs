//! The NumPy `.npy` header: format versions 1.0, 2.0 and 3.0.
//!
//! ```text
//! \x93NUMPY <major> <minor> <header length: u16 LE (1.x) or u32 LE (2.x, 3.x)>
//! {'descr': '<i4', 'fortran_order': False, 'shape': (3, 4), }   (padded with spaces, '\n')
//! <data>
//! ```
//! The header is a Python dict literal; only the three keys above are read, and anything that is
//! not exactly such a literal is an error. Version 3.0 allows UTF-8 in the header.

use crate::dtype::{Dtype, Endian};
use std::io::Read;

/// What the header says about the data that follows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Type of the elements (`descr`).
    pub dtype: Dtype,
    /// Their byte order (`descr`'s first character).
    pub endian: Endian,
    /// The array's dimensions (empty for a 0-d array).
    pub shape: Vec<usize>,
    /// Where the data starts, in bytes from the start of the file.
    pub data_offset: usize,
}

impl Header {
    /// Number of elements (the product of the shape; 1 for a 0-d array).
    pub fn count(&self) -> Result<usize, String> {
        // A zero dimension makes the array empty whatever the others are (in any order).
        if self.shape.contains(&0) {
            return Ok(0);
        }
        self.shape
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .ok_or_else(|| {
                format!(
                    "shape {:?} has more elements than fit in memory",
                    self.shape
                )
            })
    }
}

const MAGIC: &[u8] = b"\x93NUMPY";

/// Parses the header at the start of `file`.
pub fn parse(file: &[u8]) -> Result<Header, String> {
    if file.len() < 10 || !file.starts_with(MAGIC) {
        return Err("not a .npy file (no \\x93NUMPY magic)".into());
    }
    let (major, minor) = (file[6], file[7]);
    let (len, start): (usize, usize) = match major {
        1 => (usize::from(u16::from_le_bytes([file[8], file[9]])), 10),
        2 | 3 => {
            let bytes = file.get(8..12).ok_or("truncated .npy header")?;
            let len = u32::from_le_bytes(bytes.try_into().map_err(|_| "truncated .npy header")?);
            (usize::try_from(len).map_err(|_| "header too long")?, 12)
        }
        _ => return Err(format!("unsupported .npy format version {major}.{minor}")),
    };
    let end = start
        .checked_add(len)
        .filter(|&end| end <= file.len())
        .ok_or("truncated .npy header")?;
    let text =
        std::str::from_utf8(&file[start..end]).map_err(|_| "the .npy header is not valid UTF-8")?;
    if major < 3 && !text.is_ascii() {
        return Err("the .npy header is not ASCII (required before version 3.0)".into());
    }
    let dict = Dict::parse(text)?;
    let (dtype, endian) = Dtype::from_descr(&dict.descr)?;
    // `fortran_order` is required but irrelevant: a sum does not depend on the element order.
    Ok(Header {
        dtype,
        endian,
        shape: dict.shape,
        data_offset: end,
    })
}

/// The longest header [`read_header`] accepts (NumPy writes a few hundred bytes).
const MAX_HEADER: usize = 1 << 24;

/// Reads a `.npy` header from the start of a stream, if the stream starts with the magic bytes.
/// Returns the header (or `None`) and the bytes read past it (or all the bytes read, when there
/// is none), which the caller reads before the rest of the stream.
pub fn read_header(reader: &mut dyn Read) -> Result<(Option<Header>, Vec<u8>), String> {
    let mut bytes = Vec::with_capacity(128);
    let read = |reader: &mut dyn Read, bytes: &mut Vec<u8>, upto: usize| {
        let more = upto.saturating_sub(bytes.len()) as u64;
        reader
            .take(more)
            .read_to_end(bytes)
            .map_err(|e| e.to_string())
    };
    read(reader, &mut bytes, 12)?;
    if !bytes.starts_with(MAGIC) {
        return Ok((None, bytes));
    }
    let end = match (bytes.get(6), bytes.get(8..12)) {
        (Some(1), Some(len)) => 10 + usize::from(u16::from_le_bytes([len[0], len[1]])),
        (Some(2 | 3), Some(len)) => {
            12 + usize::try_from(u32::from_le_bytes([len[0], len[1], len[2], len[3]]))
                .map_err(|_| "header too long")?
        }
        // Too short, or a version `parse` names in its error.
        _ => {
            return Err(parse(&bytes)
                .err()
                .unwrap_or("truncated .npy header".into()));
        }
    };
    if end > MAX_HEADER {
        return Err(format!(
            "the .npy header is {end} bytes long (at most {MAX_HEADER} read)"
        ));
    }
    read(reader, &mut bytes, end)?;
    let header = parse(&bytes)?;
    let rest = bytes.split_off(header.data_offset);
    Ok((Some(header), rest))
}

/// The keys of the header dict that matter (`fortran_order` is checked, then dropped).
struct Dict {
    descr: String,
    shape: Vec<usize>,
}

impl Dict {
    fn parse(text: &str) -> Result<Dict, String> {
        let malformed =
            |what: &str| format!("malformed .npy header ({what}): {:?}", text.trim_end());
        let body = text
            .trim_end()
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .ok_or_else(|| malformed("not a dict"))?;
        let mut lexer = Lexer { rest: body };
        let (mut descr, mut fortran_order, mut shape) = (None, None, None);
        loop {
            lexer.skip_space();
            if lexer.rest.is_empty() {
                break;
            }
            let key = lexer
                .string()
                .ok_or_else(|| malformed("expected a quoted key"))?;
            lexer.expect(':').ok_or_else(|| malformed("expected ':'"))?;
            match key.as_str() {
                "descr" => {
                    let value = lexer.string().ok_or_else(|| {
                        malformed("'descr' must be a string; structured dtypes are not supported")
                    })?;
                    descr = Some(value);
                }
                "fortran_order" => {
                    fortran_order = Some(
                        lexer
                            .boolean()
                            .ok_or_else(|| malformed("'fortran_order' must be True or False"))?,
                    )
                }
                "shape" => {
                    shape = Some(
                        lexer
                            .tuple()
                            .ok_or_else(|| malformed("'shape' must be a tuple of integers"))?,
                    )
                }
                other => return Err(malformed(&format!("unknown key {other:?}"))),
            }
            lexer.skip_space();
            if lexer.expect(',').is_none() {
                lexer.skip_space();
                if !lexer.rest.is_empty() {
                    return Err(malformed("expected ','"));
                }
            }
        }
        fortran_order.ok_or_else(|| malformed("no 'fortran_order'"))?;
        Ok(Dict {
            descr: descr.ok_or_else(|| malformed("no 'descr'"))?,
            shape: shape.ok_or_else(|| malformed("no 'shape'"))?,
        })
    }
}

/// Just enough of Python's literal syntax for the header.
struct Lexer<'a> {
    rest: &'a str,
}

impl Lexer<'_> {
    fn skip_space(&mut self) {
        self.rest = self.rest.trim_start();
    }

    fn expect(&mut self, c: char) -> Option<()> {
        self.skip_space();
        self.rest = self.rest.strip_prefix(c)?;
        Some(())
    }

    /// A string in single or double quotes, without escapes.
    fn string(&mut self) -> Option<String> {
        self.skip_space();
        let quote = self
            .rest
            .chars()
            .next()
            .filter(|&c| c == '\'' || c == '"')?;
        let inner = &self.rest[1..];
        let end = inner.find(quote)?;
        let value = &inner[..end];
        if value.contains('\\') {
            return None;
        }
        self.rest = &inner[end + 1..];
        Some(value.to_owned())
    }

    fn boolean(&mut self) -> Option<bool> {
        self.skip_space();
        for (word, value) in [("True", true), ("False", false)] {
            if let Some(rest) = self.rest.strip_prefix(word) {
                self.rest = rest;
                return Some(value);
            }
        }
        None
    }

    /// `()`, `(3,)`, `(3, 4)`, `(3, 4,)`.
    fn tuple(&mut self) -> Option<Vec<usize>> {
        self.expect('(')?;
        let mut items = Vec::new();
        loop {
            self.skip_space();
            if let Some(rest) = self.rest.strip_prefix(')') {
                self.rest = rest;
                return Some(items);
            }
            let digits = self
                .rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(self.rest.len());
            if digits == 0 {
                return None;
            }
            items.push(self.rest[..digits].parse().ok()?);
            self.rest = &self.rest[digits..];
            self.skip_space();
            if let Some(rest) = self.rest.strip_prefix(',') {
                self.rest = rest;
            } else if !self.rest.starts_with(')') {
                return None;
            }
        }
    }
}

/// A header as NumPy writes it for `descr` and `shape`: the dict padded with spaces and a newline
/// so that the data starts at a multiple of 64 bytes; version 1.0 when its length fits a `u16`,
/// else 2.0. For tests, the fuzz target, and front ends that write `.npy` files.
pub fn write_header(descr: &str, shape: &[usize]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    let shape = match dims.as_slice() {
        [one] => format!("({one},)"),
        _ => format!("({})", dims.join(", ")),
    };
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    let long = (10 + dict.len() + 1).next_multiple_of(64) - 10 > usize::from(u16::MAX);
    let preamble = if long { 12 } else { 10 };
    let unpadded = preamble + dict.len() + 1;
    dict.extend(std::iter::repeat_n(
        ' ',
        unpadded.next_multiple_of(64) - unpadded,
    ));
    dict.push('\n');
    let mut out = MAGIC.to_vec();
    match u16::try_from(dict.len()) {
        Ok(len) if !long => {
            out.extend([1, 0]);
            out.extend(len.to_le_bytes());
        }
        // A dict longer than 4 GiB cannot be built in memory in the first place.
        _ => {
            out.extend([2, 0]);
            out.extend((dict.len() as u32).to_le_bytes());
        }
    }
    out.extend(dict.bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_what_numpy_writes() {
        let header = write_header("<i4", &[3, 4]);
        let parsed = parse(&header).unwrap();
        assert_eq!(parsed.dtype, Dtype::I32);
        assert_eq!(parsed.endian, Endian::Little);
        assert_eq!(parsed.shape, vec![3, 4]);
        assert_eq!(parsed.data_offset, header.len());
        assert_eq!(parsed.data_offset % 64, 0);
        assert_eq!(parsed.count(), Ok(12));
        assert_eq!(parse(&write_header(">f8", &[])).unwrap().count(), Ok(1));
        assert_eq!(parse(&write_header("|u1", &[0])).unwrap().count(), Ok(0));
        // A zero dimension empties the array wherever it stands (found by the fuzzer).
        for shape in [[1 << 32, 1 << 32, 0], [0, 1 << 32, 1 << 32]] {
            assert_eq!(parse(&write_header("<i1", &shape)).unwrap().count(), Ok(0));
        }
        assert!(
            parse(&write_header("<i1", &[1 << 32, 1 << 32]))
                .unwrap()
                .count()
                .is_err()
        );
    }

    #[test]
    fn headers_read_from_a_stream() {
        let mut file = write_header("<i2", &[3]);
        let offset = file.len();
        file.extend([1, 0, 2, 0, 3, 0]);
        let (header, rest) = read_header(&mut &file[..]).unwrap();
        assert_eq!(header.unwrap().data_offset, offset);
        assert!(file[offset..].starts_with(&rest));
        // Not .npy: nothing parsed, the bytes read handed back.
        let (header, rest) = read_header(&mut &b"raw data, not npy"[..]).unwrap();
        assert_eq!((header, rest.as_slice()), (None, &b"raw data, no"[..]));
        assert!(read_header(&mut &file[..20]).is_err());
        assert!(read_header(&mut &file[..8]).is_err());
    }

    #[test]
    fn versions_two_and_three() {
        let v1 = write_header("<u2", &[5]);
        let dict = &v1[10..];
        for major in [2u8, 3] {
            let mut file = MAGIC.to_vec();
            file.extend([major, 0]);
            file.extend((dict.len() as u32).to_le_bytes());
            file.extend(dict);
            let parsed = parse(&file).unwrap();
            assert_eq!((parsed.dtype, parsed.shape.clone()), (Dtype::U16, vec![5]));
            assert_eq!(parsed.data_offset, 12 + dict.len());
        }
    }

    /// Cases the fuzzer below found worth keeping, and the obvious ones.
    #[test]
    fn malformed_headers_are_errors() {
        let bad: &[&[u8]] = &[
            b"",
            b"\x93NUMPY",
            b"\x93NUMPY\x01\x00\xff\xff{}",
            b"\x93NUMPY\x04\x00\x02\x00{}",
            b"\x93NUMPY\x01\x00\x02\x00{}",
            b"\x93NUMPY\x01\x00\x05\x00{'a':",
            b"\x93NUMPY\x02\x00\x02\x00",
            b"\x93NUMPY\x01\x00\x3c\x00{'descr': '<i4', 'fortran_order': False, 'shape': (3,4 }   ",
            b"\x93NUMPY\x01\x00\x3c\x00{'descr': '<c8', 'fortran_order': False, 'shape': (3,), }  ",
            b"\x93NUMPY\x01\x00\x3c\x00{'descr': '|O', 'fortran_order': False, 'shape': (3,), }   ",
            b"\x93NUMPY\x01\x00\x3c\x00{'descr': [('a','<i4')], 'fortran_order': False, 'shape': (3,)}",
            b"\x93NUMPY\x01\x00\x3c\x00{'descr': '<U8', 'fortran_order': False, 'shape': (3,), }  ",
            b"\x93NUMPY\x01\x00\x3c\x00{'descr': '<i4', 'fortran_order': Maybe, 'shape': (3,), }",
            b"\x93NUMPY\x01\x00\x3c\x00{'descr': '<i4', 'fortran_order': False, 'shape': (-3,), }",
            b"\x93NUMPY\x01\x00\x3c\x00{'descr': '<i4', 'shape': (3,), 'extra': 1, }              ",
            b"\x93NUMPY\x01\x00\x08\x00{'\xc3\xa9':1}",
        ];
        for (i, file) in bad.iter().enumerate() {
            assert!(
                parse(file).is_err(),
                "case {i} parsed: {:?}",
                String::from_utf8_lossy(file)
            );
        }
        let huge = write_header("<i8", &[usize::MAX, 2]);
        assert!(parse(&huge).unwrap().count().is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Arbitrary bytes after the magic never panic the parser.
        #[test]
        fn never_panics(major in 0u8..5, tail in prop::collection::vec(any::<u8>(), 0..200)) {
            let mut file = MAGIC.to_vec();
            file.push(major);
            file.extend(tail);
            let parsed = parse(&file);
            let streamed = read_header(&mut &file[..]);
            if let Ok(header) = parsed {
                let (from_stream, rest) = streamed.unwrap();
                prop_assert_eq!(from_stream.as_ref(), Some(&header));
                prop_assert!(file[header.data_offset..].starts_with(&rest));
            }
        }

        /// Mutated valid headers either parse consistently or fail cleanly.
        #[test]
        fn mutations_never_panic(at in 8usize..128, byte in any::<u8>(), cut in 0usize..140) {
            let mut file = write_header("<f4", &[7, 9]);
            if at < file.len() {
                file[at] = byte;
            }
            file.truncate(cut.max(1));
            if let Ok(header) = parse(&file) {
                prop_assert!(header.data_offset <= file.len());
            }
        }

        /// Every supported dtype and shape round-trips through a written header.
        #[test]
        fn round_trip(descr in prop::sample::select(vec!["<i1", "|u1", "<i2", ">u2", "<i4", ">i8",
                                                         "<u8", "<f2", ">f4", "<f8", "|i1"]),
                      shape in prop::collection::vec(0usize..1000, 0..4)) {
            let header = parse(&write_header(descr, &shape)).unwrap();
            prop_assert_eq!(header.shape, shape);
        }
    }
}
