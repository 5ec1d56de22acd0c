//! Element types as the command line names them everywhere (`--dtype i32`, the `--json` report,
//! `coresum bench`): by their Rust type. NumPy's codes (`<i4`) are read only inside `.npy` headers:
//! `--dtype` does not take them, because NumPy's `i8` is eight bytes where Rust's is one, and an
//! option that took both spellings could not tell which a user meant.
//!
//! No clap here: the fuzz target compiles this file alone. `--dtype`'s `ValueEnum` is in `sum.rs`.

use std::fmt;

/// An element type the command line can sum, named after its Rust type (`Bf16` is `half::bf16`).
#[allow(missing_docs)] // The variants are the Rust types of the same names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dtype {
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    F16,
    Bf16,
    F32,
    F64,
}

/// Byte order of the data on disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endian {
    /// Least significant byte first.
    Little,
    /// Most significant byte first.
    Big,
}

impl Endian {
    /// This machine's byte order.
    pub const NATIVE: Endian = if cfg!(target_endian = "big") {
        Endian::Big
    } else {
        Endian::Little
    };
}

impl Dtype {
    /// Every type, in the order `--help` lists them.
    pub const ALL: [Dtype; 12] = [
        Dtype::I8,
        Dtype::I16,
        Dtype::I32,
        Dtype::I64,
        Dtype::U8,
        Dtype::U16,
        Dtype::U32,
        Dtype::U64,
        Dtype::F16,
        Dtype::Bf16,
        Dtype::F32,
        Dtype::F64,
    ];
}

/// Every type: (type, name, NumPy kind+size or "" when NumPy has none, element bytes).
const TABLE: [(Dtype, &str, &str, usize); 12] = [
    (Dtype::I8, "i8", "i1", 1),
    (Dtype::I16, "i16", "i2", 2),
    (Dtype::I32, "i32", "i4", 4),
    (Dtype::I64, "i64", "i8", 8),
    (Dtype::U8, "u8", "u1", 1),
    (Dtype::U16, "u16", "u2", 2),
    (Dtype::U32, "u32", "u4", 4),
    (Dtype::U64, "u64", "u8", 8),
    (Dtype::F16, "f16", "f2", 2),
    (Dtype::Bf16, "bf16", "", 2),
    (Dtype::F32, "f32", "f4", 4),
    (Dtype::F64, "f64", "f8", 8),
];

impl Dtype {
    fn row(self) -> (Dtype, &'static str, &'static str, usize) {
        TABLE
            .into_iter()
            .find(|row| row.0 == self)
            .unwrap_or(TABLE[0])
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        self.row().3
    }

    /// The name: the Rust type's (`i32`, `bf16`), as `--dtype` takes it.
    pub fn name(self) -> &'static str {
        self.row().1
    }

    /// NumPy's kind and size (`i4`), where NumPy has the type (not `bf16`).
    pub fn numpy(self) -> Option<&'static str> {
        Some(self.row().2).filter(|code| !code.is_empty())
    }

    /// Whether the elements are floating-point (summed into an `f64`).
    pub fn is_float(self) -> bool {
        matches!(self, Dtype::F16 | Dtype::Bf16 | Dtype::F32 | Dtype::F64)
    }

    /// Parses a NumPy `descr` such as `<i4`, `>f8` or `|u1`.
    pub fn from_descr(descr: &str) -> Result<(Dtype, Endian), String> {
        let unsupported = || {
            format!(
                "unsupported dtype {descr:?}: coresum sums i1 i2 i4 i8 u1 u2 u4 u8 f2 f4 f8 \
                 (not objects, strings, complex, bool or structured types)"
            )
        };
        let (order, code) = match descr.chars().next() {
            Some(c @ ('<' | '>' | '|' | '=')) => (c, &descr[1..]),
            _ => ('=', descr),
        };
        let dtype = TABLE
            .into_iter()
            .find(|&(_, _, numpy, _)| !numpy.is_empty() && numpy == code)
            .map(|row| row.0)
            .ok_or_else(unsupported)?;
        let endian = match order {
            '>' => Endian::Big,
            '<' => Endian::Little,
            // '|' (not applicable: one byte) and '=' (native) both read as this machine's order.
            _ => Endian::NATIVE,
        };
        if order == '|' && dtype.size() != 1 {
            return Err(unsupported());
        }
        Ok((dtype, endian))
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes() {
        for dtype in Dtype::ALL {
            assert_eq!(dtype.row().0, dtype);
        }
        assert_eq!(Dtype::from_descr(">f8"), Ok((Dtype::F64, Endian::Big)));
        assert_eq!(Dtype::from_descr("|u1"), Ok((Dtype::U8, Endian::Little)));
        assert!(Dtype::from_descr("<c16").is_err());
        assert!(Dtype::from_descr("|O").is_err());
        assert!(Dtype::from_descr("|i4").is_err());
        assert_eq!(Dtype::I64.to_string(), "i64");
        assert_eq!(Dtype::I64.size(), 8);
        assert_eq!(Dtype::I64.numpy(), Some("i8"));
        assert_eq!(Dtype::Bf16.numpy(), None);
    }
}
