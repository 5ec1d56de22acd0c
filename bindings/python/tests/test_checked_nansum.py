"""checked_sum and nansum against exact references: Python ints (every integer dtype at the edges
of its range) and math.fsum of the non-NaN elements (correctly rounded, as coresum's floats)."""

import array
import math

import pytest

import coresum

np = pytest.importorskip("numpy")

INT_DTYPES = ["i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8"]
FLOAT_DTYPES = ["f2", "f4", "f8"]

# Layouts that keep every element (a multiple of 4 of them), and one that drops some.
LAYOUTS = {
    "contiguous": lambda a: a,
    "reversed": lambda a: a[::-1],
    "fortran-2d": lambda a: np.asfortranarray(a.reshape(-1, 4)),
    "transposed": lambda a: a.reshape(4, -1).T,
    "misaligned": lambda a: np.frombuffer(b"\0" + a.tobytes(), dtype=a.dtype, offset=1),
    "strided": lambda a: a[::3],
}


def with_total(dtype, target, n=400, seed=0):
    """`dtype` elements (a multiple of 4 of them, shuffled) whose exact sum is `target`, with
    partial sums far beyond the dtype's range on the way for signed types."""
    info = np.iinfo(dtype)
    rng = np.random.default_rng(seed)
    # Unsigned: random parts no larger in total than the target, which the rest tops up.
    high = info.max if info.min < 0 else min(info.max, target)
    xs = [int(x) for x in rng.integers(info.min // n, high // n, size=n, endpoint=True)]
    if info.min < 0:
        xs += [info.max, info.min] * 5
    diff = target - sum(xs)
    while diff:
        step = max(min(diff, info.max), info.min)
        assert step, "unreachable target"
        xs.append(step)
        diff -= step
    xs += [0] * (-len(xs) % 4)
    rng.shuffle(xs)
    return np.array(xs, dtype=dtype)


def exact_ints(a):
    return sum(int(x) for x in a.ravel().tolist())


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_checked_sum_at_the_overflow_edges(dtype, order, layout):
    info = np.iinfo(dtype)
    targets = [info.max, info.max + 1, info.min, 0]
    if info.min < 0:
        targets.append(info.min - 1)
    for target in targets:
        base = with_total(dtype, target)
        a = LAYOUTS[layout](base.astype(base.dtype.newbyteorder(order)))
        total = exact_ints(a)
        if layout != "strided":
            assert total == target
        if info.min <= total <= info.max:
            got = coresum.checked_sum(a)
            assert type(got) is int and got == total
        else:
            with pytest.raises(OverflowError, match=np.dtype(dtype).name):
                coresum.checked_sum(a)
        assert coresum.sum(a) == total  # the exact value either way


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_checked_sum_one_element_past_the_edge(dtype):
    info = np.iinfo(dtype)
    a = np.array([info.max] + [0] * 1000, dtype=dtype)
    assert coresum.checked_sum(a) == info.max
    a[500] = 1
    with pytest.raises(OverflowError, match=f"does not fit {np.dtype(dtype).name}"):
        coresum.checked_sum(a)
    if info.min < 0:
        a[0], a[500] = info.min, -1
        with pytest.raises(OverflowError, match=np.dtype(dtype).name):
            coresum.checked_sum(a)
        a[500] = 0
        assert coresum.checked_sum(a) == info.min


def test_checked_sum_small_shapes_and_inputs():
    assert coresum.checked_sum(np.array([], dtype="i1")) == 0
    assert coresum.checked_sum(np.array(-7, dtype="i2")) == -7  # 0-d
    assert coresum.checked_sum(np.zeros((0, 3), dtype="u8")) == 0
    assert coresum.checked_sum(range(10)) == 45
    assert coresum.checked_sum(bytes([254, 1, 0])) == 255  # bytes are uint8
    with pytest.raises(OverflowError, match="uint8"):
        coresum.checked_sum(bytes([255, 1]))
    # bools are stored as uint8
    assert coresum.checked_sum(np.ones(255, dtype=bool)) == 255
    with pytest.raises(OverflowError, match="uint8"):
        coresum.checked_sum(np.ones(256, dtype=bool))
    # an iterable of ints is int64, as numpy.asarray makes it
    assert coresum.checked_sum([2**62, 2**62 - 1, 2**62, -(2**62)]) == 2**63 - 1
    with pytest.raises(OverflowError, match="int64"):
        coresum.checked_sum([2**62, 2**62])
    assert coresum.checked_sum(array.array("b", [127, 1, -1])) == 127


def test_checked_sum_errors():
    for floats in [np.ones(3, dtype="f2"), np.ones(3), array.array("f", [1.0]), [1.0, 2]]:
        with pytest.raises(TypeError, match="checked_sum needs integers"):
            coresum.checked_sum(floats)
    with pytest.raises(TypeError, match="str"):
        coresum.checked_sum("123")
    with pytest.raises(TypeError):
        coresum.checked_sum(np.array([1, None], dtype=object))
    with pytest.raises(TypeError):
        coresum.checked_sum(np.ones(3, dtype=complex))
    with pytest.raises(TypeError, match="cannot reduce"):
        coresum.checked_sum(5)


def fsum_without_nans(a):
    return math.fsum(x for x in a.ravel().tolist() if not math.isnan(x))


def nan_sample(dtype, n, seed):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(n) * 10.0 ** rng.integers(-3, 4, n)).astype(dtype)


PLACEMENTS = {
    "none": lambda n: [],
    "first": lambda n: [0],
    "last": lambda n: [n - 1],
    "middle": lambda n: [n // 2],
    "scattered": lambda n: list(range(1, n, 7)),
    "runs": lambda n: list(range(n // 4, n // 2)),
    "all": lambda n: list(range(n)),
}


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("placement", list(PLACEMENTS))
def test_nansum_skips_every_nan(dtype, order, layout, placement):
    for n in [4, 1000, 4100]:
        base = nan_sample(dtype, n, seed=n)
        base[PLACEMENTS[placement](n)] = np.nan
        a = LAYOUTS[layout](base.astype(base.dtype.newbyteorder(order)))
        got = coresum.nansum(a)
        expected = fsum_without_nans(a)
        assert type(got) is float
        assert got == expected, (n, got, expected)
        assert math.copysign(1.0, got) == math.copysign(1.0, expected)
        for mode in ["compensated", "fast"]:
            assert math.isclose(coresum.nansum(a, mode=mode), expected, rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_nansum_special_values(dtype):
    for n in [0, 1, 7, 3000]:
        got = coresum.nansum(np.full(n, np.nan, dtype=dtype))
        assert got == 0.0 and math.copysign(1.0, got) == 1.0  # numpy's: +0.0
    assert coresum.nansum(np.array([], dtype=dtype)) == 0.0
    assert coresum.nansum(np.array(np.nan, dtype=dtype)) == 0.0  # 0-d
    assert math.copysign(1.0, coresum.nansum(np.array([-0.0, np.nan], dtype=dtype))) == -1.0
    assert coresum.nansum(np.array([np.inf, np.nan, 1], dtype=dtype)) == math.inf
    assert coresum.nansum(np.array([np.nan, -np.inf], dtype=dtype)) == -math.inf
    assert math.isnan(coresum.nansum(np.array([np.inf, np.nan, -np.inf], dtype=dtype)))


def test_nansum_float16_never_overflows_its_type():
    a = np.full(1000, 65504.0, dtype="f2")  # float16's largest
    a[::3] = np.nan
    assert coresum.nansum(a) == 65504.0 * (1000 - len(range(0, 1000, 3)))
    with np.errstate(over="ignore"):
        assert np.nansum(a) == np.inf  # numpy's float16 accumulator overflows


def test_nansum_correctly_rounded_where_numpy_is_not():
    a = np.array([1e16, 1.0, np.nan, -1e16, 1.0] * 1000)
    assert coresum.nansum(a) == 2000.0


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_nansum_of_integers_sums_like_sum(dtype):
    info = np.iinfo(dtype)
    a = np.array([info.max] * 1001 + [info.min] * 3, dtype=dtype)
    got = coresum.nansum(a, mode="fast")
    assert type(got) is int and got == 1001 * info.max + 3 * info.min == coresum.sum(a)
    assert coresum.nansum(np.array([], dtype=dtype)) == 0


def test_nansum_iterables_and_errors():
    assert coresum.nansum([1.0, float("nan"), 2.5]) == 3.5
    assert coresum.nansum([1, 2, 3]) == 6
    assert coresum.nansum([float("nan")] * 3) == 0.0
    with pytest.raises(ValueError, match="mode"):
        coresum.nansum(np.ones(3), mode="sloppy")
    with pytest.raises(TypeError, match="str"):
        coresum.nansum("1.0")
    with pytest.raises(TypeError):
        coresum.nansum(np.ones(3, dtype=complex))


def test_buffers_released():
    a = array.array("d", [1.0, math.nan])
    assert coresum.nansum(a) == 1.0
    b = array.array("q", [1, 2])
    assert coresum.checked_sum(b) == 3
    with pytest.raises(OverflowError):
        coresum.checked_sum(array.array("q", [2**63 - 1, 1]))
    a.append(0.0)  # would raise BufferError if an export were still held
    b.append(0)
