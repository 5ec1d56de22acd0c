//! What the sum targets share: the element type an input byte picks, the promises of the rounded
//! float modes, slices placed at a chosen offset from a 128-byte boundary, and the small pool.
//! The exact float reference and the rounded modes' error bounds are the test suite's own
//! (`tests/common/reference.rs`, compiled in here), so the fuzzer checks what the tests check.

#[allow(dead_code)]
#[path = "../../tests/common/reference.rs"]
pub mod reference;

/// The reductions' exact references (dot, mean, variance, norm), also the test suite's.
#[allow(dead_code)]
#[path = "../../tests/common/exact.rs"]
pub mod exact;

use coresum::{Mode, Pool, Summable};
use half::{bf16, f16};
use std::sync::OnceLock;
use std::time::Duration;

/// A check to run on one element type: `int` for the integer types (with the widening of an
/// element and of a sum to `i128`), `float` for the float types (with the exact widening of an
/// element to `f64`).
pub trait Visit {
    fn int<T: Summable>(self, wide: fn(T) -> i128, out: fn(T::Output) -> i128);
    fn float<T: Summable<Output = f64>>(self, wide: fn(T) -> f64);
}

/// Runs `check` on the type that `code` picks (modulo 14): every `Summable` type.
pub fn visit(code: u8, check: impl Visit) {
    let out_u = |sum: u128| i128::try_from(sum).expect("a short slice's sum fits an i128");
    let out_i = |sum: i128| sum;
    match code % 14 {
        0 => check.int::<u8>(i128::from, out_u),
        1 => check.int::<i8>(i128::from, out_i),
        2 => check.int::<u16>(i128::from, out_u),
        3 => check.int::<i16>(i128::from, out_i),
        4 => check.int::<u32>(i128::from, out_u),
        5 => check.int::<i32>(i128::from, out_i),
        6 => check.int::<u64>(i128::from, out_u),
        7 => check.int::<i64>(i128::from, out_i),
        8 => check.int::<usize>(|x| x as i128, out_u),
        9 => check.int::<isize>(|x| x as i128, out_i),
        10 => check.float::<f16>(f16::to_f64),
        11 => check.float::<bf16>(bf16::to_f64),
        12 => check.float::<f32>(f64::from),
        _ => check.float::<f64>(|x| x),
    }
}

/// Two workers, unpinned (the fuzzer shares the machine), every non-empty sum sent to them.
pub fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        Pool::builder()
            .threads(2)
            .pin(false)
            .inline_bytes(0)
            .spin(Duration::from_micros(10))
            .build()
            .expect("a 2-thread unpinned pool")
    })
}

/// Chunk lengths (in elements) for the chunked reductions (an input's high nibble picks one); `None` for one chunk.
pub const CUTS: [Option<usize>; 16] = [
    None,
    Some(1),
    Some(2),
    Some(3),
    Some(4),
    Some(5),
    Some(7),
    Some(8),
    Some(15),
    Some(16),
    Some(17),
    Some(31),
    Some(32),
    Some(63),
    Some(64),
    Some(129),
];

/// Pools of 1, 2 and 3 workers, unpinned, every non-empty call sent to them: results must agree
/// bit for bit whatever the thread count.
pub fn pools() -> &'static [Pool] {
    static POOLS: OnceLock<Vec<Pool>> = OnceLock::new();
    POOLS.get_or_init(|| {
        (1..=3)
            .map(|threads| {
                Pool::builder()
                    .threads(threads)
                    .pin(false)
                    .inline_bytes(0)
                    .spin(Duration::from_micros(10))
                    .build()
                    .expect("a small unpinned pool")
            })
            .collect()
    })
}

/// numpy's `argmin`/`argmax` of `keys` (with `max`): the first NaN (a key unequal to itself), else
/// the first smallest or largest; `None` when empty.
pub fn first_extreme<K: PartialOrd + Copy>(keys: &[K], max: bool) -> Option<usize> {
    #[allow(clippy::eq_op)]
    let nan = |k: K| k != k;
    let better = |a: K, b: K| if max { a > b } else { a < b };
    keys.iter().position(|&k| nan(k)).or_else(|| {
        (0..keys.len()).reduce(|best, i| if better(keys[i], keys[best]) { i } else { best })
    })
}

/// The promises of the rounded modes (src/float/mod.rs) for a sum `got` of `terms` whose exact
/// sum is `exact`: IEEE rules on NaN and infinities, where Fast (only) may also overflow in between
/// when the finite terms could on their own (then inf - inf is allowed); -0.0 and the empty sum as
/// in Exact; and the error bounds of `reference::rounded_bound` when nothing overflows.
pub fn check_rounded(mode: Mode, got: f64, exact: f64, terms: &[f64]) {
    let finite: Vec<f64> = terms.iter().copied().filter(|x| x.is_finite()).collect();
    let finite_cannot_overflow = reference::abs_sum(&finite).is_finite();
    let what = format!("{mode:?}: got {got:e}, exact {exact:e}, terms {terms:?}");
    if exact.is_nan() {
        assert!(got.is_nan(), "{what}");
    } else if finite_cannot_overflow || mode == Mode::Compensated {
        assert!(!got.is_nan(), "{what}");
    }
    if finite_cannot_overflow {
        if exact.is_infinite() && finite.len() < terms.len() {
            assert_eq!(got, exact, "{what}");
        } else if exact.is_finite() && finite.len() == terms.len() {
            let bound = reference::rounded_bound(mode, exact, terms);
            assert!((got - exact).abs() <= bound, "{what}: bound {bound:e}");
        }
    }
    if terms.iter().all(|x| x.to_bits() == (-0.0f64).to_bits()) {
        assert_eq!(got.to_bits(), exact.to_bits(), "{what}: signed zero");
    }
}

/// 128-byte aligned storage.
#[repr(C, align(128))]
#[derive(Clone, Copy)]
struct Line([u8; 128]);

/// Raw bytes viewed as elements of `T`, placed `offset` elements past a 128-byte boundary.
pub struct Placed<T> {
    storage: Vec<Line>,
    offset: usize,
    len: usize,
    _t: std::marker::PhantomData<T>,
}

impl<T: Summable> Placed<T> {
    /// The whole elements of `bytes` (native byte order), repeated `copies` times, at `offset`
    /// elements past a 128-byte boundary. Trailing bytes that make no whole element are dropped.
    pub fn new(bytes: &[u8], offset: usize, copies: usize) -> Self {
        let size = size_of::<T>();
        let one = bytes.len() / size * size;
        let len = bytes.len() / size * copies;
        let start = offset * size;
        let mut storage = vec![Line([0; 128]); (start + len * size).div_ceil(128)];
        // SAFETY: `Line` is a `repr(C)` byte array without padding, so the storage is
        // `128 · storage.len()` initialised bytes, borrowed mutably (and only here) for this view.
        let raw: &mut [u8] = unsafe {
            std::slice::from_raw_parts_mut(storage.as_mut_ptr().cast::<u8>(), 128 * storage.len())
        };
        let region = &mut raw[start..start + len * size];
        if !region.is_empty() {
            region[..one].copy_from_slice(&bytes[..one]);
            // The copies by doubling: whole copies each time, since `filled` is a multiple of `one`.
            let mut filled = one;
            while filled < region.len() {
                let n = filled.min(region.len() - filled);
                region.copy_within(..n, filled);
                filled += n;
            }
        }
        Placed {
            storage,
            offset,
            len,
            _t: std::marker::PhantomData,
        }
    }

    /// The placed elements.
    pub fn slice(&self) -> &[T] {
        // SAFETY: the storage holds `offset + len` elements of `T` and is 128-byte aligned, which
        // is at least `T`'s alignment (every `Summable` is a primitive integer or float of at most
        // 8 bytes), so `offset` elements in is aligned. Every `Summable` (sealed: integers,
        // floats, `half` floats) is valid for every bit pattern, and all the bytes are initialised.
        // The slice borrows `self`, so the storage outlives it.
        unsafe {
            std::slice::from_raw_parts(self.storage.as_ptr().cast::<T>().add(self.offset), self.len)
        }
    }
}
