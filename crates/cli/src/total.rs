//! A running sum that can take any element type's partial sums and merge with any other: what a
//! file's chunks add up to, and what the files of one command add up to.

use crate::report::Printable;
use coresum::ExactSum;

/// An exact running sum: of signed integers, of unsigned integers, or of floats.
///
/// Integers stay integers (exact, printed in full); floats are kept in an [`ExactSum`], so merging
/// partial sums in any order finishes to the same bits as one sum of all the elements. Merging
/// integers into floats adds them exactly too (the total of `.npy` files of `i32` and of `f64` is
/// their exact sum rounded once to `f64`).
#[derive(Clone, Debug)]
pub enum Total {
    /// The sum of signed integers.
    Signed(i128),
    /// The sum of unsigned integers.
    Unsigned(u128),
    /// The exact sum of floats (and of any integers merged into it).
    Float(Box<ExactSum>),
}

impl Total {
    /// An empty float sum (a float file with no elements finishes to `0.0`, not `0`).
    pub fn float() -> Total {
        Total::Float(Box::default())
    }

    /// Adds `other` into `self`. Integer sums of one signedness stay so; signed and unsigned meet
    /// in `i128`; anything merged with a float becomes a float, exactly.
    ///
    /// The only error is an integer total beyond `i128` (or `u128`), which takes more than 2^63
    /// elements to reach.
    pub fn merge(&mut self, other: &Total) -> Result<(), String> {
        let overflow = || "the integer total does not fit 128 bits".to_string();
        let merged = match (&*self, other) {
            (Total::Signed(a), Total::Signed(b)) => {
                Total::Signed(a.checked_add(*b).ok_or_else(overflow)?)
            }
            (Total::Unsigned(a), Total::Unsigned(b)) => {
                Total::Unsigned(a.checked_add(*b).ok_or_else(overflow)?)
            }
            (Total::Signed(a), Total::Unsigned(b)) | (Total::Unsigned(b), Total::Signed(a)) => {
                let b = i128::try_from(*b).map_err(|_| overflow())?;
                Total::Signed(a.checked_add(b).ok_or_else(overflow)?)
            }
            (Total::Float(a), b) | (b, Total::Float(a)) => {
                let mut sum = a.clone();
                b.add_to(&mut sum);
                Total::Float(sum)
            }
        };
        *self = merged;
        Ok(())
    }

    /// Adds this total to `sum` exactly: an integer as four 32-bit pieces, each an exact `f64`.
    fn add_to(&self, sum: &mut ExactSum) {
        let (negative, magnitude) = match *self {
            Total::Signed(x) => (x < 0, x.unsigned_abs()),
            Total::Unsigned(x) => (false, x),
            Total::Float(ref other) => return sum.merge(other),
        };
        for piece in 0..4 {
            let bits = (magnitude >> (32 * piece)) as u32;
            let value = f64::from(bits) * 2f64.powi(32 * piece);
            sum.add(if negative { -value } else { value });
        }
    }

    /// The sum as the command line prints it.
    pub fn print(&self) -> String {
        match self {
            Total::Signed(x) => x.print(),
            Total::Unsigned(x) => x.print(),
            Total::Float(sum) => sum.finish().print(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_exactly() {
        let mut total = Total::Signed(-5);
        total.merge(&Total::Unsigned(u128::from(u64::MAX))).unwrap();
        assert_eq!(total.print(), (i128::from(u64::MAX) - 5).to_string());
        let mut unsigned = Total::Unsigned(u128::MAX);
        assert!(unsigned.merge(&Total::Unsigned(1)).is_err());
        assert!(Total::Signed(0).merge(&Total::Unsigned(u128::MAX)).is_err());

        // 2^100 + 1 − 2^100 as floats alone would lose the 1.
        let mut float = Total::float();
        float.merge(&Total::Signed((1 << 100) + 1)).unwrap();
        let mut big = ExactSum::new();
        big.add(-(2f64.powi(100)));
        float.merge(&Total::Float(Box::new(big))).unwrap();
        assert_eq!(float.print(), "1.0");
        let mut int_first = Total::Signed(-(1 << 70) - 3);
        int_first.merge(&Total::float()).unwrap();
        assert_eq!(int_first.print(), (-(2f64.powi(70)) - 3.0).print());
        assert_eq!(Total::float().print(), "0.0");
    }
}
