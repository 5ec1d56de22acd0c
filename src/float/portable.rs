//! The portable path: four `f64` lanes in a plain array. The compiler vectorises it with the
//! target's baseline (SSE2 on x86-64, NEON on aarch64), which is why the SSE2 and NEON paths use
//! it too; it also runs the very same algorithm as the SIMD paths, so Miri can check it.

use super::generic::FloatVector;

/// Four `f64` lanes.
#[derive(Clone, Copy)]
pub(crate) struct Lanes([f64; 4]);

impl Lanes {
    #[inline(always)]
    fn zip(self, other: Self, f: impl Fn(f64, f64) -> f64) -> Self {
        Lanes(core::array::from_fn(|i| f(self.0[i], other.0[i])))
    }
}

impl FloatVector for Lanes {
    const LANES: usize = 4;

    #[inline(always)]
    unsafe fn splat(x: f64) -> Self {
        Lanes([x; 4])
    }
    #[inline(always)]
    unsafe fn load(ptr: *const f64) -> Self {
        // SAFETY: the caller guarantees 4 readable `f64`; `read_unaligned` takes any alignment.
        Lanes(unsafe { ptr.cast::<[f64; 4]>().read_unaligned() })
    }
    #[inline(always)]
    unsafe fn load_f32(ptr: *const f32) -> Self {
        // SAFETY: the caller guarantees 4 readable `f32`; `read_unaligned` takes any alignment.
        let narrow = unsafe { ptr.cast::<[f32; 4]>().read_unaligned() };
        Lanes(narrow.map(f64::from))
    }
    #[inline(always)]
    unsafe fn store(self, ptr: *mut f64) {
        // SAFETY: the caller guarantees room for 4 `f64`; `write_unaligned` takes any alignment.
        unsafe { ptr.cast::<[f64; 4]>().write_unaligned(self.0) }
    }
    #[inline(always)]
    unsafe fn add(self, other: Self) -> Self {
        self.zip(other, |a, b| a + b)
    }
    #[inline(always)]
    unsafe fn sub(self, other: Self) -> Self {
        self.zip(other, |a, b| a - b)
    }
    #[inline(always)]
    unsafe fn max_key(self, keys: Self) -> Self {
        const HIGH_MAGNITUDE: u64 = 0x7fff_ffff_0000_0000;
        // With the low halves cleared, the u64 maximum is the maximum of the high halves.
        self.zip(keys, |x, k| {
            f64::from_bits((x.to_bits() & HIGH_MAGNITUDE).max(k.to_bits()))
        })
    }
}

super::float_kernels!(Lanes);
