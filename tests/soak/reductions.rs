//! The soak's reductions (issue 11): `dot`, `sum_sq`, `mean`, `variance` and `std_dev`, blocking
//! or asynchronous (waited for, awaited, or dropped at once), each checked against an exact
//! reference computed before the data is handed over (`common/exact.rs`). `mean` is every
//! type's; the others need a `Dottable` one.

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

macro_rules! reduce_int {
    ($($t:ty),*) => {$(
        impl Reduce for $t {
            fn reduce(pool: &Pool, rng: &mut Rng, a: Vec<Self>, what: &str) {
                let b = (0..a.len()).map(|_| <$t as Soak>::draw(rng)).collect::<Vec<_>>();
                let want = expect_int(&a, &b, |x| x as i128, |x| x.try_into().unwrap());
                any(pool, rng, (a, b), want, what);
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

macro_rules! reduce_float {
    ($t:ty, $wide:expr) => {
        impl Reduce for $t {
            fn reduce(pool: &Pool, rng: &mut Rng, a: Vec<Self>, what: &str) {
                let b = (0..a.len())
                    .map(|_| <$t as Soak>::draw(rng))
                    .collect::<Vec<_>>();
                let want = expect_float(&a, &b, $wide);
                any(pool, rng, (a, b), want, what);
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

/// The exact results a `Dottable` element type's reductions must return.
struct Expected<D> {
    dot: D,
    sum_sq: D,
    mean: Option<f64>,
    /// For ddof 0 and 1.
    variance: [Option<f64>; 2],
}

/// One of `dot`, `sum_sq`, `mean`, `variance`, `std_dev` of `a` (and `b`, for `dot`), checked
/// against `want`.
fn any<T: Soak + Dottable + Moments>(
    pool: &Pool,
    rng: &mut Rng,
    (a, b): (Vec<T>, Vec<T>),
    want: Expected<T::DotOutput>,
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
            let what = format!("{what}: dot {way:?}");
            let got = match way {
                Way::Blocking => Some(pool.dot(&a, &b)),
                _ => way.finish(pool.dot_async(Counted::new(a), Counted::new(b)), &what),
            };
            if let Some(got) = got {
                assert_eq!(got.expect("equal lengths"), want.dot, "{what}");
            }
        }
        1 => {
            let what = format!("{what}: sum_sq {way:?}");
            let got = match way {
                Way::Blocking => Some(pool.sum_sq(&a)),
                _ => way.finish(pool.sum_sq_async(Counted::new(a)), &what),
            };
            if let Some(got) = got {
                assert_eq!(got, want.sum_sq, "{what}");
            }
        }
        2 => mean(pool, rng, a, want.mean, what),
        3 => {
            let what = format!("{what}: variance, ddof {ddof}, {way:?}");
            let got = match way {
                Way::Blocking => Some(pool.variance(&a, ddof)),
                _ => way.finish(pool.variance_async(Counted::new(a), ddof), &what),
            };
            check(&what, got, want.variance[ddof]);
        }
        _ => {
            let what = format!("{what}: std_dev, ddof {ddof}, {way:?}");
            let got = match way {
                Way::Blocking => Some(pool.std_dev(&a, ddof)),
                _ => way.finish(pool.std_dev_async(Counted::new(a), ddof), &what),
            };
            check(&what, got, want.variance[ddof].map(f64::sqrt));
        }
    }
}

/// The expectations for integers, through their `i128` values (`out` converts a dot result).
fn expect_int<T: Dottable>(
    a: &[T],
    b: &[T],
    wide: fn(T) -> i128,
    out: fn(i128) -> T::DotOutput,
) -> Expected<T::DotOutput> {
    let values: Vec<i128> = a.iter().map(|&x| wide(x)).collect();
    Expected {
        dot: out(a.iter().zip(b).map(|(&x, &y)| wide(x) * wide(y)).sum()),
        sum_sq: out(values.iter().map(|x| x * x).sum()),
        mean: exact::int_mean(&values),
        variance: [0, 1].map(|ddof| exact::int_variance(&values, ddof)),
    }
}

/// The expectations for floats, through their exact `f64` values.
fn expect_float<T: Dottable<DotOutput = f64>>(
    a: &[T],
    b: &[T],
    wide: fn(T) -> f64,
) -> Expected<f64> {
    let x: Vec<f64> = a.iter().map(|&v| wide(v)).collect();
    let y: Vec<f64> = b.iter().map(|&v| wide(v)).collect();
    Expected {
        dot: exact::dot(&x, &y),
        sum_sq: exact::dot(&x, &x),
        mean: exact::mean(&x),
        variance: [0, 1].map(|ddof| exact::variance(&x, ddof)),
    }
}
