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
    unsafe fn sub_fused(self, other: Self, _one: Self) -> Self {
        // The portable path has no guaranteed FMA unit: a plain subtraction, same bits.
        self.zip(other, |a, b| a - b)
    }
    #[inline(always)]
    unsafe fn mul(self, other: Self) -> Self {
        self.zip(other, |a, b| a * b)
    }
    #[inline(always)]
    unsafe fn max_key(self, keys: Self) -> Self {
        self.zip(keys, |x, k| {
            let (x, k) = (x.to_bits() & !(1 << 63), k.to_bits());
            let high = (x >> 32).max(k >> 32);
            let low = (x as u32).max(k as u32);
            f64::from_bits(high << 32 | u64::from(low))
        })
    }
    #[inline(always)]
    unsafe fn add_bits(self, other: Self) -> Self {
        self.zip(other, |a, b| {
            f64::from_bits(a.to_bits().wrapping_add(b.to_bits()))
        })
    }
}

super::float_kernels!(Lanes);
