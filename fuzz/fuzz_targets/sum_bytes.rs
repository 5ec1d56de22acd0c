//! Arbitrary bytes summed as every element type coresum supports, against references computed
//! here: exact integers in `i128`, and for floats the exactly rounded sum of the test suite's
//! reference (`tests/common/reference.rs`).
//!
//! Input: byte 0 picks the type (low nibble, modulo 14) and a chunking (high nibble, `CUTS`);
//! byte 1 the element offset from a 128-byte boundary (modulo the elements per 128 bytes); the
//! rest are the elements, in native byte order (a trailing partial element is dropped).
//!
//! Checked: `coresum::sum` and `min`/`max`/`argmin`/`argmax` (issue 11, against a scalar loop), every available ISA path in every mode, the chunking merged in order
//! (as the pool merges its chunks; also with the error-free pass the pool falls back on where the
//! first pass leaves an Exact rounding undecided), and a 2-thread pool that sends even the smallest sum to its
//! workers. Integers and `Mode::Exact` must be exact and bit-identical everywhere;
//! `Mode::Compensated` and `Mode::Fast` must not panic, must give NaN exactly when the exact sum is
//! NaN (unless, in Fast, the finite terms could overflow on their own: IEEE allows inf - inf), and
//! must keep their documented error bounds and signed zeros. Sums spanning several pool chunks (256 KiB
//! here) are the `sum_pool` target's: they cost ten times as much.

#![no_main]

use coresum::{Isa, Mode, Summable, sum_on_with};
use coresum_fuzz::reference::{canon, reference};
use coresum_fuzz::{CUTS, Placed, Visit, check_rounded, first_extreme, pool, visit};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [select, place, bytes @ ..] = data else {
        return;
    };
    let case = Case {
        bytes,
        place: *place,
        cut_every: CUTS[usize::from(select >> 4)],
    };
    visit(select & 0x0f, case);
});

struct Case<'a> {
    bytes: &'a [u8],
    place: u8,
    cut_every: Option<usize>,
}

impl Case<'_> {
    fn placed<T: Summable>(&self) -> Placed<T> {
        let offset = usize::from(self.place) % (128 / size_of::<T>());
        Placed::new(self.bytes, offset, 1)
    }

    /// `data` split into chunks of `cut_every` elements on `isa`, merged in order as the pool
    /// does (with these cuts instead of its grid): the first pass, or where it cannot decide the
    /// result, the error-free one.
    fn chunked<T: Summable>(&self, isa: Isa, data: &[T], mode: Mode) -> T::Output {
        coresum::__sum_at_cuts(isa, mode, data, &self.cuts(data), false).expect("an available ISA")
    }

    /// The same chunks summed with the error-free pass only (always decided).
    fn error_free<T: Summable>(&self, isa: Isa, data: &[T]) -> T::Output {
        coresum::__sum_at_cuts(isa, Mode::Exact, data, &self.cuts(data), true)
            .expect("an available ISA")
    }

    /// Where the chunks of `cut_every` elements end (the last one's end, `data.len()`, implied).
    fn cuts<T>(&self, data: &[T]) -> Vec<usize> {
        let step = self.step(data);
        (step..data.len()).step_by(step).collect()
    }

    fn step<T>(&self, data: &[T]) -> usize {
        self.cut_every.unwrap_or(data.len()).max(1)
    }
}

impl Case<'_> {
    /// `min`/`max`/`argmin`/`argmax` (issue 11) of `data`, dispatched, on the pool, and on every
    /// ISA path at these cuts, against a scalar loop over `key` (numpy's rule: the first NaN, else
    /// the first smallest or largest); the value must be that element, bit for bit (`id`).
    fn extremes<T: Summable, K: PartialOrd + Copy>(
        &self,
        data: &[T],
        key: impl Fn(T) -> K,
        id: impl Fn(T) -> u128,
    ) {
        let keys: Vec<K> = data.iter().map(|&x| key(x)).collect();
        for max in [false, true] {
            let index = first_extreme(&keys, max);
            let want = index.map(|i| (id(data[i]), i));
            let check = |what: &str, (value, index): (Option<T>, Option<usize>)| {
                assert_eq!(value.map(&id).zip(index), want, "{what}, max {max}");
            };
            if max {
                check("dispatched", (coresum::max(data), coresum::argmax(data)));
                check("pool", (pool().max(data), pool().argmax(data)));
            } else {
                check("dispatched", (coresum::min(data), coresum::argmin(data)));
                check("pool", (pool().min(data), pool().argmin(data)));
            }
            for isa in Isa::available() {
                let got = coresum::__extreme_at_cuts(isa, max, data, &self.cuts(data));
                check(&isa.to_string(), got.expect("an available ISA"));
            }
        }
    }
}

impl Visit for Case<'_> {
    fn int<T: Summable>(self, wide: fn(T) -> i128, out: fn(T::Output) -> i128) {
        let placed = self.placed::<T>();
        let data = placed.slice();
        let expected: i128 = data.iter().map(|&x| wide(x)).sum();
        assert_eq!(out(coresum::sum(data)), expected);
        for isa in Isa::available() {
            for mode in [Mode::Exact, Mode::Compensated, Mode::Fast] {
                assert_eq!(
                    out(sum_on_with(isa, data, mode).unwrap()),
                    expected,
                    "{isa}"
                );
            }
            assert_eq!(out(self.chunked(isa, data, Mode::Exact)), expected, "{isa}");
            assert_eq!(
                out(self.error_free(isa, data)),
                expected,
                "error-free on {isa}"
            );
        }
        assert_eq!(out(pool().sum(data)), expected);
        self.extremes(data, wide, |x| wide(x) as u128);
    }

    fn float<T: Summable<Output = f64>>(self, wide: fn(T) -> f64) {
        let placed = self.placed::<T>();
        let data = placed.slice();
        let terms: Vec<f64> = data.iter().map(|&x| wide(x)).collect();
        let exact = reference(terms.iter().copied());
        // The oracle against the hardware, where one IEEE operation is the exact rounded sum.
        match terms[..] {
            [x] => assert_eq!(canon(exact), canon(x), "oracle on one term"),
            [x, y] => assert_eq!(canon(exact), canon(x + y), "oracle on two terms"),
            _ => {}
        }

        assert_eq!(canon(coresum::sum(data)), canon(exact), "sum: {terms:?}");
        for isa in Isa::available() {
            let got = sum_on_with(isa, data, Mode::Exact).unwrap();
            assert_eq!(canon(got), canon(exact), "{isa}: {terms:?}");
            let split = self.chunked(isa, data, Mode::Exact);
            assert_eq!(canon(split), canon(exact), "chunked on {isa}: {terms:?}");
            let error_free = self.error_free(isa, data);
            assert_eq!(
                canon(error_free),
                canon(exact),
                "error-free on {isa}: {terms:?}"
            );
            for mode in [Mode::Compensated, Mode::Fast] {
                check_rounded(mode, sum_on_with(isa, data, mode).unwrap(), exact, &terms);
            }
        }
        assert_eq!(canon(pool().sum(data)), canon(exact), "pool: {terms:?}");
        self.extremes(data, wide, |x| u128::from(wide(x).to_bits()));
    }
}
