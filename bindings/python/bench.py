"""coresum against the founding snippets, numpy.sum and math.fsum, interleaved in one run.

    python bench.py            # 1M list, 1M and 128M int64 / float64 arrays
    python bench.py --quick    # 1M list, 1M and 8M arrays
    python bench.py --reductions [--quick]   # only dot/min/mean/var against numpy's

The reductions report each contender's error in ulps of the exact value: coresum's is correctly
rounded (checked against fractions.Fraction at 1M elements), numpy's dot/mean/var are not.

Each contender runs in turn, round after round, and the minimum time per contender is kept (the
least disturbed run). Ratios are "times faster than coresum's peer" (>1: coresum is faster).
Needs numpy.
"""

import argparse
import asyncio
import math
import sys
import time
from pathlib import Path

import numpy as np

import coresum

sys.path.insert(0, str(Path(__file__).resolve().parent / "examples"))
from founding import sum_asyncio, sum_thread_pool, sum_threads_queue  # noqa: E402


def best_of(contenders, rounds):
    """Minimum seconds per contender, running them interleaved; checks they agree."""
    best = {name: math.inf for name in contenders}
    results = {}
    for _ in range(rounds):
        for name, run in contenders.items():
            start = time.perf_counter()
            results[name] = run()
            best[name] = min(best[name], time.perf_counter() - start)
    return best, results


def report(title, best, results, ours, exact_peers):
    print(f"\n{title}")
    for name, seconds in sorted(best.items(), key=lambda kv: kv[1]):
        ratio = seconds / best[ours]
        same = "" if name not in exact_peers else (
            " same result" if results[name] == results[ours] else " DIFFERENT result"
        )
        print(f"  {name:<28} {seconds * 1e3:10.3f} ms   coresum is {ratio:6.1f}x{same}")


def ulps(x, exact):
    """|x - exact| in units in the last place of `exact` (both floats)."""
    if x == exact:
        return 0.0
    return abs(x - exact) / math.ulp(exact)


def exact_reference(name, a, b):
    """The correctly rounded exact value, through fractions.Fraction (slow: 1M elements only)."""
    from fractions import Fraction

    xs = [Fraction(x) for x in a.tolist()]
    if name == "dot":
        return float(builtin_sum((x * Fraction(y) for x, y in zip(xs, b.tolist())), Fraction(0)))
    if name == "min":
        return float(min(xs))
    mean = builtin_sum(xs, Fraction(0)) / len(xs)
    if name == "mean":
        return float(mean)
    return float(builtin_sum(((x - mean) ** 2 for x in xs), Fraction(0)) / len(xs))


builtin_sum = sum


def bench_reductions(n, rounds):
    """dot, min, mean and var of float64 arrays of `n` elements: coresum's beside numpy's, with
    the error of each in ulps of the exact value."""
    rng = np.random.default_rng(1)
    a = rng.standard_normal(n) * 1e3 + 1e6  # an offset mean: where one-pass rounding shows
    b = rng.standard_normal(n)
    pairs = {
        "dot": (lambda: coresum.dot(a, b), lambda: float(np.dot(a, b))),
        "min": (lambda: coresum.min(a), lambda: float(np.min(a))),
        "mean": (lambda: coresum.mean(a), lambda: float(np.mean(a))),
        "var": (lambda: coresum.var(a), lambda: float(np.var(a))),
    }
    print(f"\nfloat64 reductions, {n:,} elements (error in ulps of the exact value)")
    for name, (ours, numpy_peer) in pairs.items():
        best, results = best_of({"coresum": ours, "numpy": numpy_peer}, rounds)
        exact = results["coresum"]
        if n <= 1_000_000:
            checked = exact_reference(name, a, b)
            assert checked == exact, (name, checked, exact)
        print(
            f"  {name:<5} coresum {best['coresum'] * 1e3:9.3f} ms {ulps(results['coresum'], exact):4.1f} ulp"
            f"   numpy {best['numpy'] * 1e3:9.3f} ms {ulps(results['numpy'], exact):8.1f} ulp"
            f"   coresum is {best['numpy'] / best['coresum']:5.2f}x"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="8M instead of 128M elements")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--reductions", action="store_true", help="only dot/min/mean/var")
    args = parser.parse_args()
    big = 8 << 20 if args.quick else 128 << 20
    print(f"coresum on {coresum.isa()}, {coresum.default_threads()} workers")
    if args.reductions:
        for n in (1_000_000, big):
            bench_reductions(n, args.rounds)
        return

    numbers = list(range(1_000_000))
    best, results = best_of(
        {
            "coresum.sum(list)": lambda: coresum.sum(numbers),
            "founding: ThreadPoolExecutor": lambda: sum_thread_pool(numbers),
            "founding: threading+queue": lambda: sum_threads_queue(numbers),
            "founding: asyncio": lambda: asyncio.run(sum_asyncio(numbers)),
            "builtin sum(list)": lambda: sum(numbers),
        },
        args.rounds,
    )
    report("list(range(1_000_000))", best, results, "coresum.sum(list)", set(results))

    for n in (1_000_000, big):
        ints = np.arange(n, dtype=np.int64)
        best, results = best_of(
            {
                "coresum.sum(int64)": lambda: coresum.sum(ints),
                "numpy.sum(int64)": lambda: int(ints.sum()),
                "founding: ThreadPoolExecutor": (lambda: sum_thread_pool(numbers))
                if n == 1_000_000
                else (lambda: None),
            },
            args.rounds,
        )
        best.pop("founding: ThreadPoolExecutor") if n != 1_000_000 else None
        report(f"int64 array, {n:,} elements", best, results, "coresum.sum(int64)", {"numpy.sum(int64)"})

    for n in (1_000_000, big):
        floats = np.random.default_rng(0).standard_normal(n)
        as_list = floats.tolist() if n == 1_000_000 else None
        contenders = {
            "coresum.sum(float64)": lambda: coresum.sum(floats),
            "coresum fast": lambda: coresum.sum(floats, mode="fast"),
            "numpy.sum(float64)": lambda: float(floats.sum()),
        }
        if as_list is not None:
            contenders["math.fsum(list)"] = lambda: math.fsum(as_list)
        best, results = best_of(contenders, args.rounds if as_list is not None else 2)
        report(f"float64 array, {n:,} elements", best, results, "coresum.sum(float64)", {"math.fsum(list)"})

    one = np.ones(1, dtype=np.int64)
    calls = 100_000
    start = time.perf_counter()
    for _ in range(calls):
        coresum.sum(one)
    print(f"\nper-call overhead, 1-element array: {(time.perf_counter() - start) / calls * 1e6:.2f} us")

    for n in (1_000_000, big):
        bench_reductions(n, args.rounds)


if __name__ == "__main__":
    main()
