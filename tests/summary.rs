//! `Summary` over random cuts gives what the whole-slice functions give: `sum`, `mean`,
//! `variance`, `min`/`max` and their first indices, for integer and float types, NaN included.

use coresum::Summary;
use proptest::prelude::*;

fn cut<T: coresum::Summarize>(data: &[T], cuts: &[usize]) -> Summary<T> {
    let mut cuts: Vec<usize> = cuts.iter().map(|&c| c % (data.len() + 1)).collect();
    cuts.sort_unstable();
    let (mut summary, mut from) = (Summary::new(), 0);
    for to in cuts.into_iter().chain([data.len()]) {
        summary.append(Summary::of(&data[from..to]));
        from = to;
    }
    summary
}

macro_rules! agrees {
    ($data:expr, $cuts:expr) => {{
        let (data, summary) = (&$data[..], cut(&$data, &$cuts));
        prop_assert_eq!(summary.count(), data.len() as u64);
        let same = |a: Option<f64>, b: Option<f64>| a.map(f64::to_bits) == b.map(f64::to_bits);
        prop_assert!(same(summary.mean(), coresum::mean(data)));
        prop_assert!(same(summary.variance(0), coresum::variance(data, 0)));
        prop_assert!(same(summary.variance(1), coresum::variance(data, 1)));
        prop_assert_eq!(summary.argmin(), coresum::argmin(data).map(|i| i as u64));
        prop_assert_eq!(summary.argmax(), coresum::argmax(data).map(|i| i as u64));
        prop_assert_eq!(
            format!("{:?}", summary.sum()),
            format!("{:?}", coresum::sum(data))
        );
    }};
}

proptest! {
    #[test]
    fn integers(a in prop::collection::vec(any::<i32>(), 0..300), b in prop::collection::vec(any::<u8>(), 0..300),
                cuts in prop::collection::vec(any::<usize>(), 0..5)) {
        agrees!(a, cuts);
        agrees!(b, cuts);
    }

    #[test]
    fn floats(a in prop::collection::vec(prop::num::f64::ANY, 0..200),
              b in prop::collection::vec(-1e3f32..1e3, 0..300),
              cuts in prop::collection::vec(any::<usize>(), 0..5)) {
        agrees!(a, cuts);
        agrees!(b, cuts);
    }
}

#[test]
fn wide_integers_and_zeros() {
    let data = [i64::MIN, i64::MAX, i64::MIN, 3];
    let summary = cut(&data, &[1, 3]);
    assert_eq!(summary.sum(), coresum::sum(&data));
    assert_eq!((summary.argmin(), summary.argmax()), (Some(0), Some(1)));
    let zeros = [-0.0f64, -0.0];
    assert_eq!(cut(&zeros, &[1]).sum().to_bits(), (-0.0f64).to_bits());
    assert_eq!(Summary::<f32>::new().sum().to_bits(), 0);
    assert_eq!(Summary::<f32>::new().mean(), None);
}
