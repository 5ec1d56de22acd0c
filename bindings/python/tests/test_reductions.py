"""dot, min, max, argmin, argmax, mean, var, std, norm2 against exact references (Python ints,
Fraction) and numpy where numpy is exact (the extremes and their indices)."""

import array
import math
import warnings
from fractions import Fraction

import pytest

import coresum

np = pytest.importorskip("numpy")

INT_DTYPES = ["i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8"]
FLOAT_DTYPES = ["f2", "f4", "f8"]
ALL_DTYPES = INT_DTYPES + FLOAT_DTYPES


def values(a):
    """The elements of `a` in numpy's flat order, exactly (ints, or Fractions of floats)."""
    if a.dtype.kind == "f":
        return [Fraction(float(x)) for x in a.ravel().tolist()]
    return [int(x) for x in a.ravel().tolist()]


def exact_var(a, ddof):
    xs = values(a)
    m = exact_total(xs) / len(xs)
    return float(exact_total((x - m) ** 2 for x in xs) / (len(xs) - ddof))


def exact_total(xs):
    total = Fraction(0)
    for x in xs:
        total += x
    return total


def exact_mean(a):
    xs = values(a)
    return float(exact_total(xs) / len(xs))


def exact_dot(a, b):
    total = exact_total(Fraction(x) * y for x, y in zip(values(a), values(b)))
    return int(total) if a.dtype.kind in "iu" else float(total)


def sample(dtype, n, seed=1, order="="):
    """Random values spanning the dtype (ints: the full range; floats: several magnitudes)."""
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    if dt.kind == "f":
        a = (rng.standard_normal(n) * 10.0 ** rng.integers(-3, 4, n)).astype(dt)
    else:
        info = np.iinfo(dt)
        a = rng.integers(info.min, info.max, size=n, dtype=dt, endpoint=True)
    return a.astype(dt.newbyteorder(order))


LAYOUTS = {
    "contiguous": lambda a: a,
    "strided": lambda a: a[::3],
    "reversed": lambda a: a[::-1],
    "fortran-2d": lambda a: np.asfortranarray(a[: len(a) // 4 * 4].reshape(-1, 4)),
    "transposed": lambda a: a[: len(a) // 4 * 4].reshape(4, -1).T,
    "misaligned": lambda a: np.frombuffer(b"\0" + a.tobytes(), dtype=a.dtype, offset=1),
}


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_extremes_match_numpy(dtype, order, layout):
    base = sample(dtype, 4001, order=order)
    base[1234] = base[77]  # a tie: the first index wins
    a = LAYOUTS[layout](base)
    for name in ["min", "max", "argmin", "argmax"]:
        got = getattr(coresum, name)(a)
        want = getattr(np, name)(a)
        assert type(got) is (float if name in ("min", "max") and a.dtype.kind == "f" else int)
        assert got == want, (name, layout)


@pytest.mark.parametrize("n", [1, 2, 33, 1000, 300_001])
def test_extremes_every_position_and_size(n):
    a = np.arange(n, dtype=np.int32)
    for pos in {0, n // 2, n - 1}:
        b = a.copy()
        b[pos] = -1
        assert coresum.argmin(b) == pos and coresum.min(b) == -1
        b[pos] = n
        assert coresum.argmax(b) == pos and coresum.max(b) == n


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_nan_rules_like_numpy(dtype):
    a = np.array([1.0, -np.inf, np.nan, 5.0, np.nan, np.inf], dtype=dtype)
    assert math.isnan(coresum.min(a)) and math.isnan(coresum.max(a))
    assert coresum.argmin(a) == np.argmin(a) == 2
    assert coresum.argmax(a) == np.argmax(a) == 2
    b = np.array([0.0, -np.inf, 3.0, np.inf, -np.inf], dtype=dtype)
    assert coresum.min(b) == -math.inf and coresum.argmin(b) == 1
    assert coresum.max(b) == math.inf and coresum.argmax(b) == 3


def test_extremes_of_empty_input_raise_like_numpy():
    for name in ["min", "max", "argmin", "argmax"]:
        for empty in [np.array([], dtype=np.float64), [], np.zeros((3, 0), np.int8)]:
            with pytest.raises(ValueError, match="empty|zero-size"):
                getattr(coresum, name)(empty)


def test_extremes_zero_d_bool_and_iterables():
    assert coresum.min(np.array(7, np.int16)) == 7
    assert coresum.argmax(np.array(7.5)) == 0
    assert coresum.max(np.array([False, True])) == 1
    assert coresum.min([3, -2**63, 2**63 - 1]) == -2**63
    assert coresum.max((x * 0.5 for x in range(5))) == 2.0
    assert coresum.argmin(array.array("d", [2.0, -1.0, -1.0])) == 1
    assert coresum.max(b"\x01\xff\x03") == 255


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("n", [0, 1, 3, 1000, 4099])
def test_dot_exact(dtype, order, n):
    a, b = sample(dtype, n, 1, order), sample(dtype, n, 2, order)
    got = coresum.dot(a, b)
    assert got == exact_dot(a, b)
    assert type(got) is (float if a.dtype.kind == "f" else int)


@pytest.mark.parametrize("dtype", ["i8", "u8"])
def test_dot_int64_never_wraps(dtype):
    info = np.iinfo(dtype)
    for x in [info.min, info.max]:
        a = np.full(1000, x, dtype=dtype)
        assert coresum.dot(a, a) == 1000 * int(x) ** 2
    mixed = np.array([info.min, info.max, info.min, 1], dtype=dtype)
    assert coresum.dot(mixed, mixed[::-1]) == exact_dot(mixed, mixed[::-1])


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_dot_pairs_in_flat_order(layout):
    a = LAYOUTS[layout](sample("f8", 4000, 3))
    b = LAYOUTS[layout](sample("f8", 4000, 4))
    assert coresum.dot(a, b) == exact_dot(a, b)
    assert coresum.dot(a, np.ascontiguousarray(b)) == exact_dot(a, b)


def test_dot_modes_and_cancellation():
    a = np.array([1e308, 1.0, -1e308], dtype=np.float64)
    b = np.array([10.0, 1.0, 10.0], dtype=np.float64)
    assert coresum.dot(a, b) == 1.0  # np.dot gives inf - inf = nan
    for mode in ["compensated", "fast"]:
        x = sample("f8", 1000, 5)
        assert math.isclose(coresum.dot(x, x, mode=mode), exact_dot(x, x), rel_tol=1e-12)
    with pytest.raises(ValueError, match="mode"):
        coresum.dot(a, b, mode="sloppy")


def test_dot_errors():
    with pytest.raises(ValueError, match="same size"):
        coresum.dot(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="same size"):
        coresum.dot([1, 2], [1])
    with pytest.raises(TypeError, match="same element type"):
        coresum.dot(np.ones(3, np.int32), np.ones(3, np.int64))
    with pytest.raises(TypeError):
        coresum.dot(np.ones(3, np.complex128), np.ones(3, np.complex128))
    assert coresum.dot([1, 2, 3], [4, 5, 6]) == 32
    assert coresum.dot([], []) == 0


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("n", [1, 2, 1000, 3001])
def test_mean_var_std_norm2_correctly_rounded(dtype, order, n):
    a = sample(dtype, n, 6, order)
    assert coresum.mean(a) == exact_mean(a)
    for ddof in [0, 1]:
        if n > ddof:
            v = exact_var(a, ddof)
            assert coresum.var(a, ddof) == v
            assert coresum.std(a, ddof=ddof) == math.sqrt(v)
    squares = exact_total(Fraction(x) ** 2 for x in values(a))
    assert coresum.norm2(a) == math.sqrt(float(squares))


def test_moments_beat_numpy_rounding():
    a = np.array([1e16, 1.0, -1e16, 3.0])  # exact mean 1.0
    assert coresum.mean(a) == 1.0
    big = np.array([2**62 + 1, 2**62 + 3], dtype=np.int64)
    assert coresum.var(big) == 1.0 and coresum.std(big, ddof=1) == math.sqrt(2.0)
    assert coresum.var([1e9 + 1.0, 1e9 + 3.0], ddof=1) == 2.0
    assert coresum.norm2([3.0, 4.0]) == 5.0
    assert coresum.norm2(np.array([1e300, 1e300])) == 1e300 * math.sqrt(2.0)
    assert coresum.norm2([]) == 0.0
    u = np.array([2**64 - 1, 0], dtype=np.uint64)
    assert coresum.var(u) == float(Fraction((2**64 - 1) ** 2, 4))


def test_moments_special_values():
    assert math.isnan(coresum.mean([1.0, math.nan]))
    assert coresum.mean([1.0, math.inf]) == math.inf
    assert math.isnan(coresum.var([1.0, math.inf]))
    assert math.isnan(coresum.norm2([math.inf, math.nan]))
    assert coresum.norm2([math.inf, -1.0]) == math.inf


def test_empty_moments_are_nan_with_a_warning_like_numpy():
    with pytest.warns(RuntimeWarning, match="Mean of empty slice"):
        assert math.isnan(coresum.mean(np.array([])))
    with pytest.warns(RuntimeWarning, match="Degrees of freedom"):
        assert math.isnan(coresum.var([5], ddof=1))
    with pytest.warns(RuntimeWarning, match="Degrees of freedom"):
        assert math.isnan(coresum.std([], ddof=0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert coresum.var([5], ddof=0) == 0.0
    with pytest.raises(ValueError, match="ddof"):
        coresum.var([1, 2], ddof=-1)


def test_iterables_convert_like_numpy_asarray():
    assert coresum.mean(range(1, 5)) == 2.5
    assert coresum.var([1, 2.0, 3]) == np.var([1, 2.0, 3])
    assert coresum.argmax([True, 2, 1]) == 1
    with pytest.raises(OverflowError, match="64 bits"):
        coresum.min([2**64])
    with pytest.raises(TypeError):
        coresum.max([1, None])
    with pytest.raises(TypeError, match="str"):
        coresum.min("abc")
    with pytest.raises(TypeError, match="cannot reduce"):
        coresum.mean(5)
    with pytest.raises(TypeError):
        coresum.mean(np.array(["a"]))
    with pytest.raises(TypeError):
        coresum.argmin(np.array([1, None], dtype=object))


def test_pool_methods(pool):
    a = sample("i8", 300_001, 7)
    assert pool.min(a) == a.min() and pool.max(a) == a.max()
    assert pool.argmin(a) == a.argmin() and pool.argmax(a) == a.argmax()
    assert coresum.argmax(a, threads=3) == a.argmax()
    with pytest.raises(ValueError, match="zero-size"):
        pool.max([])
    pool.close()
    with pytest.raises(ValueError, match="closed"):
        pool.min(a)


def test_buffers_released_after_reductions():
    a = array.array("d", [3.0, 1.0, 2.0])
    for f in [coresum.min, coresum.argmax, coresum.mean, coresum.var, coresum.norm2]:
        f(a)
    coresum.dot(a, a)
    a.append(0.0)  # would raise BufferError if an export were still held
    assert coresum.min(a) == 0.0
