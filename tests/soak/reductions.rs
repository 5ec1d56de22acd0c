//! The soak's reductions (issue 11): `dot`, `sum_sq`, `mean`, `variance` and `std_dev`, blocking
//! or asynchronous (waited for, awaited, or dropped at once), each checked against an exact
//! reference computed before the data is handed over (`common/exact.rs`), only the one it
//! needs. `mean` is every type's; the others need a `Dottable` one.

use crate::exact;
use crate::{Counted, Rng, Soak};
use coresum::{Dottable, Moments, Pool, SumTask};

/// How a reduction is requested: on the pool, blocking, or asynchronously on owned data.
#[derive(Clone, Copy, Debug)]
enum Way {
    Blocking,
    Wait,
    Await,
    /// Dropped before it is polled (the data must still be released).
    Drop,
}

impl Way {
    fn draw(rng: &mut Rng) -> Way {
        [Way::Blocking, Way::Wait, Way::Await, Way::Drop][rng.below(4) as usize]
    }

    /// The result of `task`, or `None` where it is dropped unfinished.
    fn finish<R: Send + 'static>(self, task: SumTask<R>, what: &str) -> Option<R> {
        match self {
            Way::Await => Some(futures_executor::block_on(task).expect(what)),
            Way::Drop => None,
            _ => Some(task.wait().expect(what)),
        }
    }
}

/// A mean of `data` (any element type), checked against `want`.
fn mean<T: Soak + Moments>(
    pool: &Pool,
    rng: &mut Rng,
    data: Vec<T>,
    want: Option<f64>,
    what: &str,
) {
    let way = Way::draw(rng);
    let what = format!("{what}: mean {way:?}");
    let got = match way {
        Way::Blocking => Some(pool.mean(&data)),
        _ => way.finish(pool.mean_async(Counted::new(data)), &what),
    };
    if let Some(got) = got {
        assert_eq!(
            got.map(f64::to_bits),
            want.map(f64::to_bits),
            "{what}: {got:?} vs {want:?}"
        );
    }
}

/// One random reduction of `data` on `pool`, checked against an exact reference.
pub trait Reduce: Sized {
    fn reduce(pool: &Pool, rng: &mut Rng, data: Vec<Self>, what: &str);
}

/// The integers' references through their `i128` values: the dot product (converted by
/// `out`), and the mean (`None`) or the variance (`Some(ddof)`).
macro_rules! reduce_int {
    ($($t:ty),*) => {$(
        impl Reduce for $t {
            fn reduce(pool: &Pool, rng: &mut Rng, a: Vec<Self>, what: &str) {
                let wide = |s: &[Self]| s.iter().map(|&x| x as i128).collect::<Vec<_>>();
                let dot = |a: &[Self], b: &[Self]| {
                    let total: i128 = a.iter().zip(b).map(|(&x, &y)| x as i128 * y as i128).sum();
                    total.try_into().unwrap()
                };
                let moment = |a: &[Self], ddof: Option<usize>| match ddof {
                    None => exact::int_mean(&wide(a)),
                    Some(ddof) => exact::int_variance(&wide(a), ddof),
                };
                any(pool, rng, a, dot, moment, what);
            }
        }
    )*};
}

reduce_int!(i8, i16, i32, u8, u16, u32);

/// The 64-bit integers have no dot product: their mean.
macro_rules! reduce_wide_int {
    ($($t:ty),*) => {$(
        impl Reduce for $t {
            fn reduce(pool: &Pool, rng: &mut Rng, data: Vec<Self>, what: &str) {
                let values: Vec<i128> = data.iter().map(|&x| x as i128).collect();
                mean(pool, rng, data, exact::int_mean(&values), what);
            }
        }
    )*};
}

reduce_wide_int!(i64, isize, u64, usize);

/// The floats' references through their exact `f64` values.
macro_rules! reduce_float {
    ($t:ty, $wide:expr) => {
        impl Reduce for $t {
            fn reduce(pool: &Pool, rng: &mut Rng, a: Vec<Self>, what: &str) {
                let wide = |s: &[Self]| s.iter().map(|&x| $wide(x)).collect::<Vec<f64>>();
                let dot = |a: &[Self], b: &[Self]| exact::dot(&wide(a), &wide(b));
                let moment = |a: &[Self], ddof: Option<usize>| match ddof {
                    None => exact::mean(&wide(a)),
                    Some(ddof) => exact::variance(&wide(a), ddof),
                };
                any(pool, rng, a, dot, moment, what);
            }
        }
    };
}

reduce_float!(f64, |x| x);
reduce_float!(f32, f64::from);
#[cfg(feature = "half")]
reduce_float!(half::f16, half::f16::to_f64);
#[cfg(feature = "half")]
reduce_float!(half::bf16, half::bf16::to_f64);

/// One of `dot` (of `a` and a second slice drawn here), `sum_sq`, `mean`, `variance`, `std_dev`
/// of `a`, checked against `dot_ref` or `moment_ref` (the mean for `None`, else the variance
/// with that ddof).
fn any<T: Soak + Dottable + Moments>(
    pool: &Pool,
    rng: &mut Rng,
    a: Vec<T>,
    dot_ref: impl Fn(&[T], &[T]) -> T::DotOutput,
    moment_ref: impl Fn(&[T], Option<usize>) -> Option<f64>,
    what: &str,
) {
    let way = Way::draw(rng);
    let ddof = rng.below(2) as usize;
    let check = |what: &str, got: Option<Option<f64>>, want: Option<f64>| {
        if let Some(got) = got {
            let bits = |x: Option<f64>| x.map(f64::to_bits);
            assert_eq!(bits(got), bits(want), "{what}: {got:?} vs {want:?}");
        }
    };
    match rng.below(5) {
        0 => {
            let b: Vec<T> = (0..a.len()).map(|_| T::draw(rng)).collect();
            let want = dot_ref(&a, &b);
            let what = format!("{what}: dot {way:?}");
            let got = match way {
                Way::Blocking => Some(pool.dot(&a, &b)),
                _ => way.finish(pool.dot_async(Counted::new(a), Counted::new(b)), &what),
            };
            if let Some(got) = got {
                assert_eq!(got.expect("equal lengths"), want, "{what}");
            }
        }
        1 => {
            let want = dot_ref(&a, &a);
            let what = format!("{what}: sum_sq {way:?}");
            let got = match way {
                Way::Blocking => Some(pool.sum_sq(&a)),
                _ => way.finish(pool.sum_sq_async(Counted::new(a)), &what),
            };
            if let Some(got) = got {
                assert_eq!(got, want, "{what}");
            }
        }
        2 => {
            let want = moment_ref(&a, None);
            mean(pool, rng, a, want, what);
        }
        3 => {
            let want = moment_ref(&a, Some(ddof));
            let what = format!("{what}: variance, ddof {ddof}, {way:?}");
            let got = match way {
                Way::Blocking => Some(pool.variance(&a, ddof)),
                _ => way.finish(pool.variance_async(Counted::new(a), ddof), &what),
            };
            check(&what, got, want);
        }
        _ => {
            let want = moment_ref(&a, Some(ddof)).map(f64::sqrt);
            let what = format!("{what}: std_dev, ddof {ddof}, {way:?}");
            let got = match way {
                Way::Blocking => Some(pool.std_dev(&a, ddof)),
                _ => way.finish(pool.std_dev_async(Counted::new(a), ddof), &what),
            };
            check(&what, got, want);
        }
    }
}
