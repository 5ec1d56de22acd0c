"""coresum.sum on buffers and iterables, against exact references (Python ints, Fraction)."""

import array
import math
import random
import sys
from fractions import Fraction

import pytest

import coresum

np = pytest.importorskip("numpy")

INT_DTYPES = ["i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8"]
FLOAT_DTYPES = ["f2", "f4", "f8"]


def exact_int(a):
    return builtins_sum(int(x) for x in a.ravel().tolist())


def exact_float(a):
    return float(builtins_sum((Fraction(float(x)) for x in a.ravel().tolist()), Fraction(0)))


builtins_sum = __builtins__["sum"] if isinstance(__builtins__, dict) else __builtins__.sum


def random_ints(dtype, n, seed=1):
    info = np.iinfo(dtype)
    rng = np.random.default_rng(seed)
    return rng.integers(info.min, info.max, size=n, dtype=dtype, endpoint=True)


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("n", [0, 1, 7, 1000, 300_001])
def test_int_dtypes_both_orders(dtype, order, n):
    a = random_ints(dtype, n).astype(np.dtype(dtype).newbyteorder(order))
    got = coresum.sum(a)
    assert type(got) is int
    assert got == exact_int(a)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("n", [0, 1, 1000, 200_003])
def test_float_dtypes_both_orders_exact(dtype, order, n):
    rng = np.random.default_rng(2)
    a = (rng.standard_normal(n) * 10.0 ** rng.integers(-3, 4, n)).astype(dtype)
    a = a.astype(np.dtype(dtype).newbyteorder(order))
    got = coresum.sum(a)
    assert type(got) is float
    assert got == exact_float(a)
    if dtype == "f8":
        assert got == math.fsum(a.tolist())


def test_int64_never_wraps():
    assert coresum.sum(np.full(10, 2**63 - 1, np.int64)) == 10 * (2**63 - 1)
    assert coresum.sum(np.full(10, -(2**63), np.int64)) == 10 * -(2**63)
    assert coresum.sum(np.full(1 << 20, 2**64 - 1, np.uint64)) == (1 << 20) * (2**64 - 1)


def test_float_cancellation_and_specials():
    assert coresum.sum(np.array([1e308, 1e308, -1e308, 1e-300])) == 1e308
    assert coresum.sum(np.array([1e16, 1.0, -1e16])) == 1.0
    assert math.isnan(coresum.sum(np.array([1.0, np.nan])))
    assert coresum.sum(np.array([np.inf, 1.0])) == math.inf
    assert math.isnan(coresum.sum(np.array([np.inf, -np.inf])))
    assert math.copysign(1.0, coresum.sum(np.array([-0.0, -0.0]))) == -1.0


@pytest.mark.parametrize("mode", ["compensated", "fast"])
def test_other_modes_are_close(mode):
    a = np.random.default_rng(3).standard_normal(100_000)
    assert coresum.sum(a, mode=mode) == pytest.approx(math.fsum(a.tolist()), rel=1e-12, abs=1e-9)


def test_mode_ignored_for_ints():
    a = np.arange(1000, dtype=np.int32)
    assert coresum.sum(a, mode="fast") == 499500


@pytest.mark.parametrize(
    "view",
    [
        lambda a: a[::3],
        lambda a: a[::-1],
        lambda a: a[::-2],
        lambda a: a.reshape(30, 40).T,
        lambda a: a.reshape(30, 40)[:, 5:17],
        lambda a: a.reshape(30, 40)[::-1, ::2],
        lambda a: a.reshape(2, 3, 4, 50)[:, ::-1, 1:3, ::7],
        lambda a: np.asfortranarray(a.reshape(30, 40)),
        lambda a: a[:0],
        lambda a: a.reshape(30, 40)[:, :0],
        lambda a: a[5:6].reshape(()),
    ],
)
@pytest.mark.parametrize("dtype", ["i2", "u8", "f4", "f8", ">i4", ">f8", "f2"])
def test_layouts(view, dtype):
    a = view(random_ints("i2", 1200, seed=4).astype(dtype))
    expected = exact_float(a) if a.dtype.kind == "f" else exact_int(a)
    assert coresum.sum(a) == expected


def test_zero_d_and_empty():
    assert coresum.sum(np.array(5, dtype=np.int64)) == 5
    assert coresum.sum(np.array(2.5)) == 2.5
    assert coresum.sum(np.array([], dtype=np.int8)) == 0
    assert coresum.sum(np.array([], dtype=np.float64)) == 0.0
    assert coresum.sum(np.zeros((3, 0, 2), dtype=np.uint16)) == 0


def test_misaligned_buffer():
    raw = np.zeros(8 * 1001, dtype=np.uint8)
    a = np.frombuffer(raw.data, dtype=np.int64, count=1000, offset=1)
    a_view = a.view()
    raw[1:] = 1
    assert coresum.sum(a_view) == exact_int(a_view)


def test_bool_counts_as_int():
    a = np.array([True, False, True, True])
    assert coresum.sum(a) == 3
    assert coresum.sum([True, True, 3]) == 5


def test_other_buffers():
    assert coresum.sum(b"\xff\x01") == 256
    assert coresum.sum(bytearray(range(10))) == 45
    assert coresum.sum(array.array("q", [-5, 2**62, 2**62])) == 2**63 - 5
    assert coresum.sum(array.array("d", [0.1] * 10)) == math.fsum([0.1] * 10)
    assert coresum.sum(memoryview(array.array("H", [1, 2, 3]))) == 6
    assert coresum.sum(memoryview(b"\x01\x02\x03\x04").cast("I")) == int.from_bytes(
        b"\x01\x02\x03\x04", sys.byteorder
    )


def test_iterables():
    assert coresum.sum(range(10)) == 45
    assert coresum.sum(list(range(1_000_000))) == 499_999_500_000
    assert coresum.sum(x for x in [1, 2, 3]) == 6
    big = [2**100, -(2**99), 7, 2**64, -1]
    assert coresum.sum(big) == builtins_sum(big)
    assert coresum.sum([2**63 - 1] * 5) == 5 * (2**63 - 1)
    floats = [random.Random(5).uniform(-1e10, 1e10) for _ in range(1000)]
    assert coresum.sum(floats) == math.fsum(floats)
    assert coresum.sum([]) == 0
    assert type(coresum.sum([])) is int
    assert coresum.sum([np.int64(3), np.uint8(4)]) == 7


def test_mixed_ints_and_floats_are_exact():
    mixed = [2**53 + 1, 0.5, -(2**53)]
    got = coresum.sum(mixed)
    assert type(got) is float
    assert got == float(Fraction(2**53 + 1) + Fraction(0.5) - 2**53) == 1.5
    huge = [3**600, 1.0, -(3**600)]
    assert coresum.sum(huge) == 1.0
    with pytest.raises(OverflowError):
        coresum.sum([2**1100, 1.0])


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.array([1, "a"], dtype=object), "object"),
        (np.array([1 + 2j]), "complex"),
        (np.array(["ab"]), "format"),
        ("123", "str"),
        ([1, 2, "3"], "str"),
        ([1, None], "NoneType"),
        ([1j], "complex"),
        (5, "int"),
        (None, "NoneType"),
    ],
)
def test_unsupported_input_is_a_type_error(bad, message):
    with pytest.raises(TypeError, match=message):
        coresum.sum(bad)


def test_bad_arguments():
    with pytest.raises(ValueError, match="mode"):
        coresum.sum([1], mode="approximate")
    with pytest.raises(ValueError, match="threads"):
        coresum.sum([1], threads=0)
    with pytest.raises(ValueError, match="threads"):
        coresum.sum([1], threads=-3)


def test_threads_k_is_cached_and_exact():
    a = random_ints("i8", 3_000_000, seed=6)
    assert coresum.sum(a, threads=1) == coresum.sum(a, threads=3) == exact_int(a)


def test_exceptions_from_iterators_propagate():
    def broken():
        yield 1
        raise KeyError("boom")

    with pytest.raises(KeyError):
        coresum.sum(broken())
