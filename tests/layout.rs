//! Data as users hold it, against exact references: `checked_sum` / `wrapping_sum` against the
//! i128 sum, strided views against their gathered copies (and the error exactly when an index
//! falls outside), masked sums against the compacted valid elements, `nansum` against the sum of
//! the non-NaN elements; with the features, ndarray views in every layout and Arrow arrays.

#[path = "common/reference.rs"]
mod reference;

use coresum::{Mode, Strided};
use proptest::prelude::*;
use reference::reference;

const MODES: [Mode; 3] = [Mode::Exact, Mode::Compensated, Mode::Fast];

// ---------------------------------------------------------------------------------------------
// checked_sum, wrapping_sum

macro_rules! narrow_cases {
    ($($name:ident: $t:ty),*) => {$(
        proptest! {
            #[test]
            fn $name(data in prop::collection::vec(any::<$t>(), 0..200), edge in 0usize..3) {
                let mut data = data;
                // Sums that land exactly on, or one past, the type's limits.
                match edge {
                    1 => data.extend([<$t>::MAX, 0 as $t]),
                    2 => data.extend([<$t>::MIN, <$t>::MIN]),
                    _ => {}
                }
                let exact: i128 = data.iter().map(|&x| x as i128).sum();
                prop_assert_eq!(coresum::checked_sum(&data), <$t>::try_from(exact).ok());
                let wrapped = data.iter().fold(0 as $t, |acc, &x| acc.wrapping_add(x));
                prop_assert_eq!(coresum::wrapping_sum(&data), wrapped);
            }
        }
    )*};
}

narrow_cases!(narrow_u8: u8, narrow_i8: i8, narrow_u16: u16, narrow_i16: i16, narrow_u32: u32,
              narrow_i32: i32, narrow_u64: u64, narrow_i64: i64, narrow_usize: usize,
              narrow_isize: isize);

#[test]
fn checked_sum_edges() {
    assert_eq!(coresum::checked_sum::<i64>(&[]), Some(0));
    assert_eq!(coresum::checked_sum(&[i64::MAX, 1, -1]), Some(i64::MAX));
    assert_eq!(coresum::checked_sum(&[i64::MAX, 1]), None);
    assert_eq!(coresum::checked_sum(&[i64::MIN, -1]), None);
    assert_eq!(coresum::checked_sum(&[u64::MAX, 1, 0]), None);
    assert_eq!(coresum::checked_sum(&[-1i8, -128]), None);
    assert_eq!(coresum::checked_sum(&[-1i8, -127]), Some(-128));
    let big = vec![u32::MAX; 1 << 20];
    assert_eq!(coresum::checked_sum(&big), None);
    assert_eq!(coresum::wrapping_sum(&big), 0u32.wrapping_sub(1 << 20));
}

// ---------------------------------------------------------------------------------------------
// Strided views

/// The indices of a view, or `None` when one falls outside `0..data_len`.
fn indices(data_len: usize, offset: usize, stride: isize, len: usize) -> Option<Vec<usize>> {
    (0..len)
        .map(|i| {
            let index = offset as i128 + i as i128 * stride as i128;
            (0..data_len as i128)
                .contains(&index)
                .then_some(index as usize)
        })
        .collect()
}

proptest! {
    #[test]
    fn strided_integers_equal_their_gathered_copy(
        data in prop::collection::vec(any::<i32>(), 0..300),
        offset in 0usize..320,
        stride in -40isize..40,
        len in 0usize..320,
    ) {
        let view = Strided::new(&data, offset, stride, len);
        match indices(data.len(), offset, stride, len) {
            Some(indices) => {
                let view = view.expect("in bounds");
                let exact: i128 = indices.iter().map(|&i| i128::from(data[i])).sum();
                prop_assert_eq!(coresum::sum_strided(view), exact);
            }
            None => prop_assert!(view.is_err(), "accepted {:?}", (offset, stride, len)),
        }
    }

    #[test]
    fn strided_floats_are_bit_identical_to_their_gathered_copy(
        data in prop::collection::vec(prop::num::f64::NORMAL | prop::num::f64::ZERO, 1..3000),
        offset in 0usize..3000,
        stride in -17isize..17,
        len in 0usize..3000,
    ) {
        let offset = offset % data.len();
        // The longest view that fits, up to `len`.
        let len = (0..=len).rev()
            .find(|&n| indices(data.len(), offset, stride, n).is_some())
            .unwrap_or(0);
        let gathered: Vec<f64> = indices(data.len(), offset, stride, len).unwrap()
            .into_iter().map(|i| data[i]).collect();
        let view = Strided::new(&data, offset, stride, len).unwrap();
        let exact = coresum::sum(&gathered);
        prop_assert_eq!(exact.to_bits(), reference(gathered.iter().copied()).to_bits());
        prop_assert_eq!(coresum::sum_strided(view).to_bits(), exact.to_bits());
        // The other modes: within the Compensated bound of the exact sum, and reproducible.
        for mode in MODES {
            let once = coresum::sum_strided_with(view, mode);
            prop_assert_eq!(once.to_bits(), coresum::sum_strided_with(view, mode).to_bits());
            if mode == Mode::Compensated && exact.is_finite() {
                let bound = reference::rounded_bound(mode, exact, &gathered);
                prop_assert!((once - exact).abs() <= bound, "{} vs {}", once, exact);
            }
        }
    }
}

#[test]
fn strided_errors_never_overflow() {
    let data = [1u8, 2, 3];
    for (offset, stride, len) in [
        (0, isize::MAX, 2),
        (2, isize::MIN, 2),
        (usize::MAX, 1, 1),
        (usize::MAX, -1, usize::MAX),
        (0, 1, usize::MAX),
        (3, 0, 1),
        (0, 2, 3),
        (2, -1, 4),
    ] {
        let error = Strided::new(&data, offset, stride, len).unwrap_err();
        assert_eq!(
            (error.offset, error.stride, error.len),
            (offset, stride, len)
        );
        assert!(error.to_string().contains("outside"));
    }
    // Empty views are valid wherever they start; zero strides repeat one element.
    assert_eq!(
        coresum::sum_strided(Strided::new(&data, 99, 5, 0).unwrap()),
        0
    );
    let repeated = Strided::new(&data, 2, 0, 1000).unwrap();
    assert_eq!(coresum::sum_strided(repeated), 3000);
    assert_eq!(
        coresum::sum_strided(Strided::new(&data, 2, -1, 3).unwrap()),
        6
    );
}

#[test]
fn large_strided_views_run_on_the_pool_with_the_same_result() {
    // 24 MiB spanned: several pool tasks; values whose float sum cancels massively.
    let data: Vec<f64> = (0..3 << 20)
        .map(|i| match i % 5 {
            0 => 1e300,
            1 => -1e300,
            2 => f64::from(i) * 0.1,
            3 => 1e-300 * f64::from(i),
            _ => -(f64::from(i) * 0.1) + 3.0,
        })
        .collect();
    for stride in [2isize, 3, 7, 64, -2, -5] {
        let len = data.len() / stride.unsigned_abs();
        let offset = if stride < 0 { data.len() - 1 } else { 0 };
        let view = Strided::new(&data, offset, stride, len).unwrap();
        let gathered: Vec<f64> = indices(data.len(), offset, stride, len)
            .unwrap()
            .into_iter()
            .map(|i| data[i])
            .collect();
        let want = reference(gathered.iter().copied());
        assert_eq!(
            coresum::sum_strided(view).to_bits(),
            want.to_bits(),
            "stride {stride}"
        );
        let ints: Vec<i64> = data.iter().map(|&x| x as i64).collect();
        let view = Strided::new(&ints, offset, stride, len).unwrap();
        let exact: i128 = gathered.iter().map(|&x| i128::from(x as i64)).sum();
        assert_eq!(coresum::sum_strided(view), exact, "stride {stride}");
    }
}

// ---------------------------------------------------------------------------------------------
// Masked sums

fn valid(bitmap: &[u8], bit: usize) -> bool {
    bitmap[bit / 8] >> (bit % 8) & 1 == 1
}

proptest! {
    #[test]
    fn masked_integers_sum_the_valid_elements(
        data in prop::collection::vec(any::<i64>(), 0..600),
        bitmap in prop::collection::vec(prop_oneof![Just(0u8), Just(0xff), any::<u8>()], 0..90),
        bit_offset in 0usize..40,
    ) {
        let result = coresum::sum_masked(&data, &bitmap, bit_offset);
        if bit_offset + data.len() > bitmap.len() * 8 {
            let error = result.unwrap_err();
            prop_assert_eq!(error.bits_needed, (bit_offset + data.len()) as u128);
            prop_assert_eq!(error.bits_present, bitmap.len() as u128 * 8);
        } else {
            let exact: i128 = (0..data.len())
                .filter(|&i| valid(&bitmap, bit_offset + i))
                .map(|i| i128::from(data[i]))
                .sum();
            prop_assert_eq!(result, Ok(exact));
        }
    }

    #[test]
    fn masked_floats_are_bit_identical_to_the_valid_elements(
        data in prop::collection::vec(any::<f64>(), 0..5000),
        bitmap_seed in prop::collection::vec(prop_oneof![Just(0u8), Just(0xff), any::<u8>()], 1..40),
        bit_offset in 0usize..16,
    ) {
        let bitmap: Vec<u8> = bitmap_seed.iter().cycle().take((bit_offset + data.len()).div_ceil(8))
            .copied().collect();
        let valid_elements: Vec<f64> = (0..data.len())
            .filter(|&i| valid(&bitmap, bit_offset + i))
            .map(|i| data[i])
            .collect();
        let got = coresum::sum_masked(&data, &bitmap, bit_offset).unwrap();
        prop_assert_eq!(reference::canon(got), reference::canon(coresum::sum(&valid_elements)));
    }
}

#[test]
fn masked_edge_cases() {
    let zeros = [-0.0f64; 100];
    // All invalid: the empty sum, +0.0, not a sum of identities.
    assert_eq!(
        coresum::sum_masked(&zeros, &[0; 13], 0).unwrap().to_bits(),
        0
    );
    // All valid −0.0: −0.0.
    let minus = coresum::sum_masked(&zeros, &[0xff; 13], 0).unwrap();
    assert_eq!(minus.to_bits(), (-0.0f64).to_bits());
    for mode in MODES {
        let none = coresum::sum_masked_with(&zeros, &[0; 13], 3, mode).unwrap();
        assert_eq!(none.to_bits(), 0, "{mode:?}");
    }
    assert_eq!(coresum::sum_masked::<u8>(&[], &[], 0), Ok(0));
    assert_eq!(
        coresum::sum_masked::<u8>(&[], &[], usize::MAX),
        Err(coresum::MaskError {
            bits_needed: usize::MAX as u128,
            bits_present: 0,
        })
    );
    // Large: on the pool, a pattern with runs of valid and invalid elements.
    let data: Vec<i32> = (0..3_000_000).map(|i| i * 7 - 1_000_000).collect();
    let bitmap: Vec<u8> = (0..data.len().div_ceil(8) + 1)
        .map(|i| [0xff, 0, 0b1010_0110, 0xff, 0xfe][i % 5])
        .collect();
    let exact: i128 = (0..data.len())
        .filter(|&i| valid(&bitmap, i + 5))
        .map(|i| i128::from(data[i]))
        .sum();
    assert_eq!(coresum::sum_masked(&data, &bitmap, 5), Ok(exact));
}

// ---------------------------------------------------------------------------------------------
// nansum

proptest! {
    #[test]
    fn nansum_is_the_sum_of_the_others(
        data in prop::collection::vec(prop_oneof![
            3 => prop::num::f64::NORMAL | prop::num::f64::ZERO | prop::num::f64::SUBNORMAL,
            1 => Just(f64::NAN),
        ], 0..3000),
    ) {
        let others: Vec<f64> = data.iter().copied().filter(|x| !x.is_nan()).collect();
        let want = reference(others.iter().copied());
        prop_assert_eq!(coresum::nansum(&data).to_bits(), want.to_bits());
        let narrow: Vec<f32> = data.iter().map(|&x| x as f32).collect();
        let want = reference(narrow.iter().filter(|x| !x.is_nan()).map(|&x| f64::from(x)));
        prop_assert_eq!(coresum::nansum(&narrow).to_bits(), want.to_bits());
        for mode in MODES {
            let got = coresum::nansum_with(&data, mode);
            prop_assert!(!got.is_nan() || others.iter().any(|x| x.is_infinite()), "{:?}", mode);
        }
    }
}

#[test]
fn nansum_edge_cases() {
    for mode in MODES {
        assert_eq!(coresum::nansum_with(&[f64::NAN; 5], mode).to_bits(), 0);
        assert_eq!(coresum::nansum_with::<f64>(&[], mode).to_bits(), 0);
        let minus = coresum::nansum_with(&[f64::NAN, -0.0, f64::NAN], mode);
        assert_eq!(minus.to_bits(), (-0.0f64).to_bits(), "{mode:?}");
    }
    assert_eq!(
        coresum::nansum(&[f64::INFINITY, f64::NAN, 1.0]),
        f64::INFINITY
    );
    assert!(coresum::nansum(&[f64::INFINITY, f64::NEG_INFINITY]).is_nan());
    let mut big = vec![0.25f64; 2_000_000];
    big.iter_mut().step_by(3).for_each(|x| *x = f64::NAN);
    let valid = big.iter().filter(|x| !x.is_nan()).count();
    assert_eq!(coresum::nansum(&big), valid as f64 * 0.25);
}

// ---------------------------------------------------------------------------------------------
// ndarray

#[cfg(feature = "ndarray")]
mod ndarray_views {
    use super::{MODES, reference};
    use ndarray::{Array, ArrayView2, Axis, IxDyn, s};
    use proptest::prelude::*;

    /// Views of one array in many layouts: the array, transposed, reversed, stepped, permuted.
    fn layouts<T>(a: &Array<T, IxDyn>) -> Vec<ndarray::ArrayViewD<'_, T>> {
        let mut views = vec![a.view(), a.t()];
        let mut reversed = a.view();
        for k in 0..a.ndim() {
            reversed.invert_axis(Axis(k));
        }
        views.push(reversed);
        if a.ndim() >= 2 {
            let mut swapped = a.view();
            swapped.swap_axes(0, a.ndim() - 1);
            swapped.slice_each_axis_inplace(|ax| {
                ndarray::Slice::new(0, None, if ax.axis.index() == 0 { 2 } else { -1 })
            });
            views.push(swapped);
        }
        views
    }

    proptest! {
        #[test]
        fn sums_and_axis_sums_in_every_layout(
            shape in prop::collection::vec(0usize..7, 1..4),
            seed in any::<u64>(),
        ) {
            let len: usize = shape.iter().product();
            let mut state = seed | 1;
            let values: Vec<i64> = (0..len).map(|_| {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                state as i64
            }).collect();
            let a = Array::from_shape_vec(IxDyn(&shape), values).unwrap();
            for view in layouts(&a) {
                let exact: i128 = view.iter().map(|&x| i128::from(x)).sum();
                prop_assert_eq!(coresum::ndarray::sum(&view), exact);
                for k in 0..view.ndim() {
                    let wide = view.mapv(i128::from);
                    let want = wide.sum_axis(Axis(k));
                    prop_assert_eq!(coresum::ndarray::sum_axis(&view, Axis(k)), want);
                }
                let floats = view.mapv(|x| x as f64 * 1e-3);
                let fv = floats.view();
                for k in 0..fv.ndim() {
                    let got = coresum::ndarray::sum_axis(&fv, Axis(k));
                    let lanes: Vec<f64> = fv.lanes(Axis(k)).into_iter()
                        .map(|lane| reference(lane.iter().copied())).collect();
                    let got: Vec<u64> = got.iter().map(|x| x.to_bits()).collect();
                    let want: Vec<u64> = lanes.iter().map(|x| x.to_bits()).collect();
                    prop_assert_eq!(got, want);
                }
            }
        }
    }

    #[test]
    fn matrix_row_and_column_sums_are_exact() {
        // Columns that cancel massively, so the transposing path's error-free retry runs.
        let (rows, cols) = (700, 300);
        let m = Array::from_shape_fn((rows, cols), |(i, j)| match (i + j) % 4 {
            0 => 1e300,
            1 => -1e300,
            2 => (i * cols + j) as f64 * 1e-7,
            _ => 1e-310,
        });
        for view in [m.view(), m.t(), m.slice(s![..;-1, 1..;2])] {
            let view: ArrayView2<'_, f64> = view;
            for axis in 0..2 {
                for mode in MODES {
                    let got = coresum::ndarray::sum_axis_with(&view, Axis(axis), mode);
                    assert_eq!(got.len(), view.len_of(Axis(1 - axis)));
                    if mode == Mode::Exact {
                        for (lane, got) in view.lanes(Axis(axis)).into_iter().zip(&got) {
                            assert_eq!(got.to_bits(), reference(lane.iter().copied()).to_bits());
                        }
                    }
                }
            }
            let whole = reference(view.iter().copied());
            assert_eq!(coresum::ndarray::sum(&view).to_bits(), whole.to_bits());
        }
    }

    use coresum::Mode;

    #[test]
    #[should_panic(expected = "axis 2 of a 2-dimensional view")]
    fn axis_out_of_range_panics_with_a_message() {
        let m = Array::<i32, _>::zeros((2, 2));
        let _ = coresum::ndarray::sum_axis(&m, Axis(2));
    }
}

// ---------------------------------------------------------------------------------------------
// Arrow

#[cfg(feature = "arrow")]
mod arrow_arrays {
    use super::reference;
    use arrow_array::{Float64Array, Int64Array, UInt8Array};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn arrow_sums_skip_nulls_from_any_slice_offset(
            values in prop::collection::vec(prop::option::weighted(0.7, any::<i64>()), 0..400),
            start in 0usize..400,
            len in 0usize..400,
        ) {
            let array = Int64Array::from(values.clone());
            let start = start.min(values.len());
            let len = len.min(values.len() - start);
            let sliced = array.slice(start, len);
            let exact: i128 = values[start..start + len].iter().flatten().map(|&x| i128::from(x)).sum();
            prop_assert_eq!(coresum::arrow::sum(&sliced), exact);
            let floats = Float64Array::from(
                values.iter().map(|x| x.map(|x| x as f64 * 1e-5)).collect::<Vec<_>>(),
            ).slice(start, len);
            let want = reference(floats.iter().flatten());
            prop_assert_eq!(coresum::arrow::sum(&floats).to_bits(), want.to_bits());
        }
    }

    #[test]
    fn all_null_and_no_null_arrays() {
        let nulls = Float64Array::from(vec![None, None, Some(-0.0)]);
        assert_eq!(coresum::arrow::sum(&nulls.slice(0, 2)).to_bits(), 0);
        assert_eq!(coresum::arrow::sum(&nulls).to_bits(), (-0.0f64).to_bits());
        let bytes = UInt8Array::from(vec![255u8; 1000]);
        assert_eq!(coresum::arrow::sum(&bytes), 255_000);
    }
}
