//! The reductions of issue 11 on arbitrary bytes: `dot`, `sum_sq`, `norm2`, `mean`, `variance`,
//! `std_dev` and `min`/`max`/`argmin`/`argmax`, against references computed here: integers in
//! `i128`, floats as exact big rationals rounded once (`tests/common/exact.rs`, compiled in).
//!
//! Input: byte 0 picks the type (low nibble, modulo 10: every `Dottable` type) and a chunking
//! (high nibble, `CUTS`); byte 1 the element offsets of `a` (low nibble) and `b` (high nibble)
//! from a 128-byte boundary (modulo the elements per 128 bytes); byte 2 `ddof` (bits 0-1) and,
//! with bits 6 and 7 both set, both slices repeated past one pool chunk (256 KiB here, so the
//! pools merge several chunks); the rest split into two halves, `a` and `b`, in native byte order.
//!
//! Checked: integers exact, floats in `Mode::Exact` correctly rounded (`norm2`: exactly the root
//! of the rounded `Σx²` where that is normal, else within an ulp of the scaled root), on the
//! dispatched call and on pools of 1, 2 and 3 threads that send every call to their workers;
//! `dot` also on every ISA path at the chunking (untiled slices), merged in order; `Compensated` and `Fast` dots
//! bit-identical on every pool; unequal lengths an error; the extremes numpy's (the first NaN,
//! else the first smallest or largest), bit for bit, on every pool.

#![no_main]

use coresum::{Dottable, Isa, Mode, Moments, Summable};
use coresum_fuzz::reference::canon;
use coresum_fuzz::{CUTS, Placed, exact, first_extreme, pools};
use half::{bf16, f16};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [select, place, options, bytes @ ..] = data else {
        return;
    };
    let half = bytes.len() / 2;
    let case = Case {
        a: &bytes[..half],
        b: &bytes[half..2 * half],
        place: *place,
        cut_every: CUTS[usize::from(select >> 4)],
        ddof: usize::from(options & 3),
        tiled: options & 0xc0 == 0xc0,
    };
    let out_u = |x: u128| i128::try_from(x).expect("a short slice's dot fits an i128");
    let out_i = |x: i128| x;
    match (select & 0x0f) % 10 {
        0 => case.int::<u8>(i128::from, out_u),
        1 => case.int::<i8>(i128::from, out_i),
        2 => case.int::<u16>(i128::from, out_u),
        3 => case.int::<i16>(i128::from, out_i),
        4 => case.int::<u32>(i128::from, out_u),
        5 => case.int::<i32>(i128::from, out_i),
        6 => case.float::<f16>(f16::to_f64),
        7 => case.float::<bf16>(bf16::to_f64),
        8 => case.float::<f32>(f64::from),
        _ => case.float::<f64>(|x| x),
    }
});

struct Case<'a> {
    a: &'a [u8],
    b: &'a [u8],
    place: u8,
    cut_every: Option<usize>,
    ddof: usize,
    tiled: bool,
}

impl Case<'_> {
    /// `a` and `b`, placed (and repeated past a pool chunk when `tiled`).
    fn placed<T: Summable>(&self) -> (Placed<T>, Placed<T>) {
        let per_line = 128 / size_of::<T>();
        let offset = |nibble: u8| usize::from(nibble) % per_line;
        let one = self.a.len() / size_of::<T>() * size_of::<T>();
        let copies = if self.tiled && one > 0 {
            (pools()[0].chunk_bytes() + 256).div_ceil(one)
        } else {
            1
        };
        (
            Placed::new(self.a, offset(self.place & 0x0f), copies),
            Placed::new(self.b, offset(self.place >> 4), copies),
        )
    }

    /// Where the chunks of `cut_every` elements end (the last one's end, `len`, implied); none
    /// for tiled slices, which the pools already cut into chunks.
    fn cuts(&self, len: usize) -> Vec<usize> {
        let step = match self.cut_every {
            Some(step) if !self.tiled => step,
            _ => len,
        }
        .max(1);
        (step..len).step_by(step).collect()
    }

    /// The dot product of `a` and `b`, dispatched, on every pool and on every ISA path at the
    /// chunking, all equal to `want` (compared through `id`); unequal lengths an error.
    fn dot<T: Dottable, U: PartialEq>(
        &self,
        a: &[T],
        b: &[T],
        want: U,
        id: impl Fn(T::DotOutput) -> U,
    ) {
        let check = |what: &str, got: Result<T::DotOutput, coresum::LengthMismatch>| {
            assert!(id(got.expect(what)) == want, "dot, {what}");
        };
        check("dispatched", coresum::dot(a, b));
        for (threads, pool) in (1..).zip(pools()) {
            check(&format!("pool of {threads}"), pool.dot(a, b));
        }
        for isa in Isa::available() {
            let at_cuts = coresum::__dot_at_cuts(isa, Mode::Exact, a, b, &self.cuts(a.len()));
            check(&isa.to_string(), at_cuts.expect("an available ISA"));
        }
        if let Some((_, shorter)) = b.split_last() {
            assert!(coresum::dot(a, shorter).is_err(), "unequal lengths");
            assert!(
                pools()[1].dot(shorter, a).is_err(),
                "unequal lengths on a pool"
            );
        }
    }

    /// `mean`, `variance` and `std_dev` of `data`, dispatched and on every pool.
    fn moments<T: Dottable + Moments>(&self, data: &[T], mean: Option<f64>, variance: Option<f64>) {
        let ddof = self.ddof;
        let bits = |x: Option<f64>| x.map(canon);
        let (mean, variance) = (bits(mean), bits(variance));
        let std_dev = bits(variance.map(|v| f64::from_bits(v).sqrt()));
        let check = |what: &str, got: [Option<f64>; 3]| {
            assert_eq!(bits(got[0]), mean, "mean, {what}");
            assert_eq!(bits(got[1]), variance, "variance (ddof {ddof}), {what}");
            assert_eq!(bits(got[2]), std_dev, "std_dev (ddof {ddof}), {what}");
        };
        let dispatched = [
            coresum::mean(data),
            coresum::variance(data, ddof),
            coresum::std_dev(data, ddof),
        ];
        check("dispatched", dispatched);
        for (threads, pool) in (1..).zip(pools()) {
            let got = [
                pool.mean(data),
                pool.variance(data, ddof),
                pool.std_dev(data, ddof),
            ];
            check(&format!("pool of {threads}"), got);
        }
    }

    /// `min`/`max`/`argmin`/`argmax` of `data` against `first_extreme` of its `key`s; the value
    /// must be that element, bit for bit (`id`).
    fn extremes<T: Summable, K: PartialOrd + Copy>(
        &self,
        data: &[T],
        key: impl Fn(T) -> K,
        id: impl Fn(T) -> u128,
    ) {
        let keys: Vec<K> = data.iter().map(|&x| key(x)).collect();
        for max in [false, true] {
            let want = first_extreme(&keys, max).map(|i| (id(data[i]), i));
            let check = |what: &str, (value, index): (Option<T>, Option<usize>)| {
                assert_eq!(value.map(&id).zip(index), want, "{what}, max {max}");
            };
            let dispatched = if max {
                (coresum::max(data), coresum::argmax(data))
            } else {
                (coresum::min(data), coresum::argmin(data))
            };
            check("dispatched", dispatched);
            for (threads, pool) in (1..).zip(pools()) {
                let got = if max {
                    (pool.max(data), pool.argmax(data))
                } else {
                    (pool.min(data), pool.argmin(data))
                };
                check(&format!("pool of {threads}"), got);
            }
        }
    }

    fn int<T: Dottable + Moments>(self, wide: fn(T) -> i128, out: fn(T::DotOutput) -> i128) {
        let (a, b) = self.placed::<T>();
        let (a, b) = (a.slice(), b.slice());
        let want: i128 = a.iter().zip(b).map(|(&x, &y)| wide(x) * wide(y)).sum();
        self.dot(a, b, want, out);
        let values: Vec<i128> = a.iter().map(|&x| wide(x)).collect();
        let squares: i128 = values.iter().map(|x| x * x).sum();
        assert_eq!(out(coresum::sum_sq(a)), squares, "sum_sq");
        // Σx² as f64 is the correctly rounded sum of squares (`as` rounds to nearest).
        let norm = (squares as f64).sqrt();
        assert_eq!(coresum::norm2(a).to_bits(), norm.to_bits(), "norm2");
        let (mean, variance) = (
            exact::int_mean(&values),
            exact::int_variance(&values, self.ddof),
        );
        self.moments(a, mean, variance);
        self.extremes(a, wide, |x| wide(x) as u128);
    }

    fn float<T: Dottable<DotOutput = f64> + Moments>(self, wide: fn(T) -> f64) {
        let (a, b) = self.placed::<T>();
        let (a, b) = (a.slice(), b.slice());
        let (x, y): (Vec<f64>, Vec<f64>) = (
            a.iter().map(|&v| wide(v)).collect(),
            b.iter().map(|&v| wide(v)).collect(),
        );
        self.dot(a, b, canon(exact::dot(&x, &y)), canon);
        for mode in [Mode::Compensated, Mode::Fast] {
            let inline = canon(pools()[0].dot_with(a, b, mode).expect("equal lengths"));
            for pool in &pools()[1..] {
                let got = pool.dot_with(a, b, mode).expect("equal lengths");
                assert_eq!(
                    canon(got),
                    inline,
                    "{mode:?} dot differs with the thread count"
                );
            }
        }

        let squares = exact::dot(&x, &x);
        assert_eq!(canon(coresum::sum_sq(a)), canon(squares), "sum_sq");
        let (got, (norm, promised)) = (coresum::norm2(a), exact::norm2(&x));
        if promised || norm.is_infinite() {
            assert_eq!(canon(got), canon(norm), "norm2");
        } else {
            let ulp = f64::from_bits(norm.to_bits() + 1) - norm;
            assert!(
                (got - norm).abs() <= ulp,
                "norm2 {got:e}, scaled root {norm:e}"
            );
        }
        self.moments(a, exact::mean(&x), exact::variance(&x, self.ddof));
        self.extremes(a, wide, |v| u128::from(wide(v).to_bits()));
    }
}
