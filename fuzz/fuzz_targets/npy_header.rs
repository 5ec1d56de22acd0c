//! Arbitrary bytes into the CLI's `.npy` header parser, compiled in from the CLI crate's own
//! source (it only needs `dtype.rs` beside it, as `crate::dtype`, and clap for its value enum).
//!
//! Never panics; and a header it accepts is what it claims: the magic and a known version, the
//! data offset right after the declared header length and within the input, a valid (ASCII before
//! 3.0) header text, a dtype that NumPy can name, a shape whose element count is reported exactly
//! when it fits a `usize`, and the same result from the header bytes alone or from a canonical
//! header written back from what was parsed; `read_header` on the same bytes as a stream agrees.

#![no_main]

#[allow(dead_code)]
#[path = "../../crates/cli/src/dtype.rs"]
mod dtype;
#[path = "../../crates/cli/src/npy.rs"]
mod npy;

use dtype::{Dtype, Endian};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let streamed = npy::read_header(&mut &data[..]);
    let Ok(header) = npy::parse(data) else {
        return;
    };

    // Read from a stream, the same header, and only the bytes before the data consumed.
    let (from_stream, rest) = streamed.unwrap();
    assert_eq!(from_stream.as_ref(), Some(&header));
    assert!(data[header.data_offset..].starts_with(&rest));

    // The preamble: magic, version, header length, and where the data starts.
    assert!(data.starts_with(b"\x93NUMPY"));
    let major = data[6];
    let (start, len) = match major {
        1 => (10, usize::from(u16::from_le_bytes([data[8], data[9]]))),
        2 | 3 => {
            let len = u32::from_le_bytes(data[8..12].try_into().unwrap());
            (12, usize::try_from(len).unwrap())
        }
        _ => panic!("accepted format version {major}"),
    };
    assert_eq!(header.data_offset, start + len);
    assert!(header.data_offset <= data.len());

    // The header text: UTF-8, ASCII before 3.0, a dict literal.
    let text = std::str::from_utf8(&data[start..header.data_offset]).unwrap();
    assert!(major == 3 || text.is_ascii());
    let dict = text.trim_end();
    assert!(dict.starts_with('{') && dict.ends_with('}'), "{text:?}");

    // The dtype: one NumPy names (never bf16), whose descr reads back the same.
    assert_ne!(header.dtype, Dtype::Bf16);
    assert!([1, 2, 4, 8].contains(&header.dtype.size()));
    let order = match header.endian {
        Endian::Little => '<',
        Endian::Big => '>',
    };
    let descr = format!("{order}{}", header.dtype.numpy().unwrap());
    assert_eq!(
        Dtype::from_descr(&descr),
        Ok((header.dtype, header.endian)),
        "{descr}"
    );

    // The element count: 0 when any dimension is 0 (in any position), else the product of the
    // shape when it fits a `usize`, else an error (then `input.rs` multiplies it by the element
    // size with `checked_mul`).
    let nonzero = header
        .shape
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d.max(1)));
    let exact = if header.shape.contains(&0) {
        Some(0)
    } else {
        nonzero
    };
    match header.count() {
        Ok(count) => assert_eq!(Some(count), exact, "{:?}", header.shape),
        Err(_) => assert!(exact.is_none(), "{:?}", header.shape),
    }
    if let Ok(count) = header.count() {
        let _ = count.checked_mul(header.dtype.size());
    }

    // Only the header bytes matter: the same result without the data, or with other data.
    assert_eq!(npy::parse(&data[..header.data_offset]), Ok(header.clone()));

    // A canonical version 1.0 / 2.0 header of what was parsed reads back the same.
    let canonical = npy::write_header(&descr, &header.shape);
    let again = npy::parse(&canonical).unwrap();
    assert_eq!(
        (again.dtype, again.endian, &again.shape),
        (header.dtype, header.endian, &header.shape)
    );
    assert_eq!(again.data_offset, canonical.len());
});
