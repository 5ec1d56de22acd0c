//! The `f32` blocks' magnitude key ([`Element::block_key`], over the raw bits) against the key of
//! the widened elements ([`max_key`]), on every available path (Miri runs the portable one): the
//! certified pass's bound rests on it, so any difference in the exponent, or in telling zeros and
//! specials apart, fails here.

use super::{Element, FloatVector, max_key};
use crate::Isa;

/// The parts of a key the certified pass reads: all zeros, a NaN or an infinity, or else the
/// largest biased exponent.
fn meaning(key: u64) -> (bool, u64) {
    (key == 0, (key >> 52).min(0x7ff))
}

/// Every largest value at every position of blocks of `0..=max_vectors` vectors (a few positions
/// under Miri), over fillers of zeros and of smaller elements.
fn check<V: FloatVector>(isa: Isa, max_vectors: usize) {
    let largest = [
        f32::from_bits(1),
        -f32::from_bits(0x0040_0000),
        f32::from_bits(0x007f_ffff),
        f32::MIN_POSITIVE,
        -1.5,
        1e30,
        f32::MAX,
        -f32::INFINITY,
        f32::NAN,
        -0.0,
    ];
    let fillers = [0.0, -0.0, f32::from_bits(1), -1e-30];
    for n in 0..=max_vectors {
        let len = n * V::LANES;
        for &filler in &fillers {
            for &big in &largest {
                // Miri (slow) takes the first, second and last positions only.
                let every = (0..len.max(1)).filter(|&at| !cfg!(miri) || at < 2 || at + 1 == len);
                for at in every {
                    let mut block = vec![filler; len];
                    if len > 0 {
                        block[at] = big;
                    }
                    // SAFETY: `block` holds `n` whole vectors; `isa` is available, so the CPU
                    // supports `V`'s ISA.
                    let (got, want) = unsafe {
                        (
                            f32::block_key::<V>(block.as_ptr(), n),
                            max_key::<V, f32>(block.as_ptr(), n),
                        )
                    };
                    assert_eq!(
                        meaning(got),
                        meaning(want),
                        "{isa}: {n} vectors of {filler:e}, {big:e} at {at}"
                    );
                }
            }
        }
    }
}

#[test]
fn f32_block_key_matches_the_widened_key() {
    let max_vectors = if cfg!(miri) { 3 } else { 9 };
    for isa in Isa::available() {
        match isa {
            Isa::Scalar => check::<crate::arch::portable::F64x4>(isa, max_vectors),
            #[cfg(target_arch = "x86_64")]
            Isa::Sse2 => check::<core::arch::x86_64::__m128d>(isa, max_vectors),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => check::<core::arch::x86_64::__m256d>(isa, max_vectors),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => check::<core::arch::x86_64::__m512d>(isa, max_vectors),
            #[cfg(target_arch = "aarch64")]
            Isa::Neon => check::<core::arch::aarch64::float64x2_t>(isa, max_vectors),
            #[allow(unreachable_patterns, reason = "the other targets' paths")]
            _ => {}
        }
    }
}
