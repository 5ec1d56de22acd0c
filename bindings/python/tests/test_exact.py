"""coresum.ExactSum: exact, mergeable in any grouping, serialisable, picklable."""

import math
import pickle
import random
from fractions import Fraction

import pytest

import coresum

np = pytest.importorskip("numpy")


def terms(n=5000, seed=7):
    rng = random.Random(seed)
    return [rng.uniform(-1, 1) * 10.0 ** rng.randint(-20, 20) for _ in range(n)]


def test_add_and_value_match_fsum():
    xs = terms()
    acc = coresum.ExactSum()
    for x in xs:
        acc.add(x)
    assert acc.value == math.fsum(xs) == float(acc)


def test_merge_in_any_grouping_gives_the_same_bits():
    xs = terms()
    expected = math.fsum(xs)
    for cut in (1, 17, 1000, 4999):
        left, right = coresum.ExactSum(xs[:cut]), coresum.ExactSum(xs[cut:])
        right.merge(left)
        assert right.value == expected


def test_add_slice_buffers_and_iterables():
    a = np.random.default_rng(8).standard_normal(100_001)
    exact = float(sum((Fraction(float(x)) for x in a), Fraction(0)))
    for data in (a, a.astype(">f8"), a[::-1], list(a)):
        acc = coresum.ExactSum()
        acc.add_slice(data)
        assert acc.value == exact
    f32 = a.astype(np.float32)
    assert coresum.ExactSum(f32).value == math.fsum(float(x) for x in f32)
    f16 = a.astype(np.float16)[::3]
    assert coresum.ExactSum(f16).value == math.fsum(float(x) for x in f16)


def test_ints_are_added_exactly():
    acc = coresum.ExactSum([2**53 + 1])
    acc.add(-(2**53))
    acc.add(0.25)
    assert acc.value == 1.25
    acc.add_slice(np.array([2**62, -(2**62)], dtype=np.int64))
    assert acc.value == 1.25
    with pytest.raises(OverflowError):
        acc.add(2**1100)


def test_bytes_round_trip_and_pickle():
    acc = coresum.ExactSum(terms())
    data = acc.to_bytes()
    assert isinstance(data, bytes)
    assert coresum.ExactSum.from_bytes(data).value == acc.value
    assert pickle.loads(pickle.dumps(acc)).value == acc.value


@pytest.mark.parametrize("bad", [b"", b"CSXS", b"x" * 282])
def test_from_bytes_rejects_garbage(bad):
    with pytest.raises(ValueError, match="ExactSum"):
        coresum.ExactSum.from_bytes(bad)


def test_corrupted_bytes_are_rejected():
    data = bytearray(coresum.ExactSum([1.5]).to_bytes())
    data[10] ^= 1
    with pytest.raises(ValueError, match="checksum"):
        coresum.ExactSum.from_bytes(bytes(data))


def test_specials():
    assert math.isnan(coresum.ExactSum([math.inf, -math.inf]).value)
    assert coresum.ExactSum([1e308, 1e308]).value == math.inf
    assert coresum.ExactSum().value == 0.0
    with pytest.raises(TypeError):
        coresum.ExactSum(["a"])
