//! Certified blocks with magnitudes from 2^1014 on, which the certified pass scales by 2^-64 as
//! it loads them and whose tiny elements (below 2^-958, subnormals included) the x86 paths flush
//! to zero rather than take a subnormal product (issue 13): Exact must still be the correctly
//! rounded sum, and Compensated within its bound, on every ISA path, whatever the block holds.

#[path = "common/reference.rs"]
mod reference;

use coresum::{Isa, Mode, sum_on_with};
use reference::{canon, reference, rounded_bound};

/// Blocks mixing huge, tiny and subnormal elements, with and without the huge ones cancelling.
fn cases() -> Vec<Vec<f64>> {
    let huge = f64::MAX / 3.0;
    let tiny = [
        f64::from_bits(1),
        -f64::from_bits(12345),
        f64::MIN_POSITIVE,
        -3.0 * f64::MIN_POSITIVE,
        f64::MIN_POSITIVE * 2f64.powi(63),
        -f64::MIN_POSITIVE * 2f64.powi(64),
        f64::MIN_POSITIVE * 2f64.powi(65),
        1.0,
        -0.75,
    ];
    let mut cases = Vec::new();
    for len in [8, 64, 2048, 5000] {
        let filler: Vec<f64> = (0..len).map(|i| tiny[i % tiny.len()]).collect();
        // Cancelling huge pair: the sum is that of the small elements alone.
        let mut cancel = filler.clone();
        cancel[0] = huge;
        cancel[len / 2] = -huge;
        cases.push(cancel);
        // Huge pair that does not cancel.
        let mut big = filler.clone();
        big[1] = huge;
        big[len - 1] = huge / 7.0;
        cases.push(big);
        // Only tiny and subnormal elements.
        cases.push(filler.iter().map(|x| x * f64::MIN_POSITIVE).collect());
    }
    cases
}

#[test]
fn scaled_blocks_with_tiny_elements() {
    for data in cases() {
        let exact = reference(data.iter().copied());
        let bound = rounded_bound(Mode::Compensated, exact, &data);
        for isa in Isa::available() {
            for start in 0..3 {
                let slice = &data[start..];
                let want = reference(slice.iter().copied());
                let got = sum_on_with(isa, slice, Mode::Exact).unwrap();
                assert_eq!(canon(got), canon(want), "{isa} len {}", slice.len());
            }
            let got = sum_on_with(isa, &data, Mode::Compensated).unwrap();
            assert!((got - exact).abs() <= bound, "{isa}: {got:e} vs {exact:e}");
        }
    }
}
