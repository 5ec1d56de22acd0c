#!/usr/bin/env python3
"""The Python peers of benches/compare.rs: numpy's np.sum and math.fsum, over the same bytes;
and numpy's np.dot, np.min, np.mean and np.var beside coresum's dot, min, mean and var (issue 11).

Usage: scripts/compare_py.py  (after `cargo bench --bench compare -- measure`; scripts/compare.sh
runs both). Reads target/compare/rust.json for the rows and the rounds to measure, regenerates
the very same data (`pseudo_random`'s xorshift64* sequence and the `float_values` drawn from it,
crates/bench-support/src/data.rs), checks that numpy's integer sums equal coresum's, and writes
target/compare/python.json. Without numpy it writes a note saying so instead.

The reductions run on the f64 rows' data up to 8 MiB (and on values in 1e12 + [0, 1), where a
mean far from zero makes numpy's variance lose most of its digits), through the coresum Python package (bindings/python;
`pip install ./bindings/python`) where it is installed, numpy's peers alone otherwise. Each result's
error is given in ulps of the exact value (big integers and fractions.Fraction): at most 0.5 means
correctly rounded, which coresum's must be and numpy's dot, mean and var are not.
"""
import json, math, os, platform, statistics, sys, time
from fractions import Fraction

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "target", "compare")
M64 = (1 << 64) - 1
SEED = 0x9E3779B97F4A7C15
MULTIPLIER = 0x2545F4914F6CDD1D
DTYPES = {"u8": "uint8", "i8": "int8", "u16": "uint16", "i16": "int16",
          "u32": "uint32", "i32": "int32", "u64": "uint64", "i64": "int64"}


def write(report):
    with open(os.path.join(OUT, "python.json"), "w") as f:
        json.dump(report, f, indent=1)


try:
    import numpy as np
except ImportError:
    os.makedirs(OUT, exist_ok=True)
    write({"skipped": "numpy is not installed (pip install numpy)"})
    print("compare_py: numpy missing, Python peers skipped")
    sys.exit(0)


def step(s):
    s ^= s >> 12
    s ^= (s << 25) & M64
    return s ^ (s >> 27)


def jump(columns, states):
    """Applies the GF(2)-linear map whose images of the 64 unit vectors are `columns` to every
    state, eight bits at a time through 256-entry tables."""
    out = np.zeros_like(states)
    index = np.arange(256, dtype=np.uint64)
    as_bytes = states.view(np.uint8).reshape(-1, 8)  # little-endian: byte b holds bits 8b..8b+7
    for b in range(8):
        table = np.zeros(256, dtype=np.uint64)
        for j in range(8):
            table ^= np.where((index >> np.uint64(j)) & np.uint64(1), columns[8 * b + j], np.uint64(0))
        out ^= table[as_bytes[:, b]]
    return out


def pseudo_random(n):
    """coresum_bench_support::data::pseudo_random(n). xorshift is linear over GF(2): the states from k to
    2k are the states from 0 to k advanced k steps, one table-driven map per doubling."""
    first = min(n, 4096)
    states = np.empty(n, dtype=np.uint64)
    s = SEED
    for i in range(first):
        s = step(s)
        states[i] = s
    # The map "advance `first` (4096 = 2^12) steps", as its images of the unit vectors: one step,
    # squared twelve times.
    columns = np.array([step(1 << i) for i in range(64)], dtype=np.uint64)
    for _ in range(12):
        columns = jump(columns, columns)
    filled = first
    while filled < n:
        count = min(filled, n - filled)
        for start in range(0, count, 1 << 22):  # bounded temporaries
            end = min(count, start + (1 << 22))
            states[filled + start : filled + end] = jump(columns, states[start:end])
        columns = jump(columns, columns.copy())  # advance 2 × filled steps
        filled += count
    np.multiply(states, np.uint64(MULTIPLIER), out=states)  # wraps modulo 2^64
    return states


def floats(n, whole_range):
    """coresum_bench_support::data::float_values (crates/bench-support/src/data.rs)."""
    r = pseudo_random(n)
    high = (r >> np.uint64(32)).astype(np.uint64)
    exponent = high % np.uint64(2047) if whole_range else np.uint64(1023 - 32) + high % np.uint64(65)
    bits = (r & np.uint64(1 << 63)) | (exponent << np.uint64(52)) | (r & np.uint64((1 << 52) - 1))
    return bits.view(np.float64)


def interleaved(peers, rounds, sample, settle):
    """The same procedure as benches/compare.rs: calibrated batches, round-robin, medians."""
    names = list(peers)
    calls = {}
    for name in names:
        n = 1
        while True:
            t0 = time.perf_counter()
            for _ in range(n):
                result = peers[name]()
            t = time.perf_counter() - t0
            if t >= sample / 4 or n >= 1 << 20:
                calls[name] = max(1, math.ceil(n * sample / max(t, 1e-9)))
                break
            n *= 8
    times = {name: [] for name in names}
    results = {}
    for r in range(rounds):
        for k in range(len(names)):
            name = names[(k + r) % len(names)]
            time.sleep(settle)
            f, n = peers[name], calls[name]
            t0 = time.perf_counter()
            for _ in range(n):
                result = f()
            times[name].append((time.perf_counter() - t0) / n)
            results[name] = result
    return {n: statistics.median_low(t) for n, t in times.items()}, results


REDUCTION_BYTES = 8 << 20  # the largest reduction row: the exact references take seconds here


def exact_moments(a, b):
    """The exact dot(a, b), min(a), mean(a) and population variance of a, as Fractions: the
    values as integers in units of 2^-1074, summed exactly."""
    scale = 1 << 1074
    x = [n * (scale // d) for n, d in map(float.as_integer_ratio, a.tolist())]
    y = [n * (scale // d) for n, d in map(float.as_integer_ratio, b.tolist())]
    n = len(x)
    total, squares = sum(x), sum(v * v for v in x)
    return {
        "dot": Fraction(sum(p * q for p, q in zip(x, y)), scale * scale),
        "min": Fraction(min(x), scale),
        "mean": Fraction(total, n * scale),
        "var": Fraction(n * squares - total * total, n * n * scale * scale),
    }


def ulps(x, exact):
    """|x - exact| in units in the last place at `exact` (a Fraction); inf for a non-finite x."""
    if not math.isfinite(x):
        return math.inf
    return float(abs(Fraction(x) - exact) / Fraction(math.ulp(float(exact))))


def reductions(rust, rounds, sample, settle):
    """dot, min, mean and var: numpy's beside coresum's on the same arrays, timed interleaved,
    each result's error in ulps of the exact value."""
    try:
        import coresum
    except ImportError:
        coresum = None
        print("compare_py: the coresum Python package is not installed (pip install ./bindings/python): numpy only")
    sizes = sorted({row["bytes"] for row in rust["floats"] if row["set"] == "f64" and row["bytes"] <= REDUCTION_BYTES})
    rows = []
    for nbytes in sizes:
        n = nbytes // 8
        both = floats(2 * n, False)
        base, b = both[:n], both[n:]
        # Uniform in [0, 1) far from zero: numpy's var takes its rounded mean, whose error
        # (about an ulp of 1e12) shifts every deviation alike.
        offset = 1e12 + (pseudo_random(n) >> np.uint64(11)).astype(np.float64) / 2.0**53
        for kind, a in (("f64", base), ("1e12+[0,1)", offset)):
            exact = exact_moments(a, b)
            calls = {
                "dot": (lambda: float(np.dot(a, b)), lambda: coresum.dot(a, b)),
                "min": (lambda: float(np.min(a)), lambda: coresum.min(a)),
                "mean": (lambda: float(np.mean(a)), lambda: coresum.mean(a)),
                "var": (lambda: float(np.var(a)), lambda: coresum.var(a)),
            }
            for op, (numpy_call, coresum_call) in calls.items():
                peers = {"numpy": numpy_call}
                if coresum is not None:
                    peers["coresum"] = coresum_call
                seconds, results = interleaved(peers, rounds(nbytes), sample, settle)
                error = {name: ulps(float(value), exact[op]) for name, value in results.items()}
                if error.get("coresum", 0) > 0.5:
                    sys.exit(f"compare_py: {kind}/{nbytes} {op}: coresum {results['coresum']!r} is {error['coresum']} ulp off")
                rows.append(
                    {
                        "set": kind,
                        "bytes": nbytes,
                        "op": op,
                        "seconds": seconds,
                        "results": {k: repr(float(v)) for k, v in results.items()},
                        "exact": repr(float(exact[op])),
                        "ulps": {k: round(v, 3) for k, v in error.items()},
                    }
                )
    print("\n| data | bytes | op | numpy µs | coresum µs | coresum / numpy speed | numpy ulps | coresum ulps |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for row in rows:
        t, e = row["seconds"], row["ulps"]
        ours = f"{t['coresum'] * 1e6:.1f}" if "coresum" in t else "—"
        ratio = f"{t['numpy'] / t['coresum']:.2f}×" if "coresum" in t else "—"
        print(f"| {row['set']} | {row['bytes']} | {row['op']} | {t['numpy'] * 1e6:.1f} | {ours} | {ratio} "
              f"| {e['numpy']:.3g} | {e.get('coresum', '—')} |")
    return {"coresum_package": coresum is not None, "rows": rows}


def main():
    with open(os.path.join(OUT, "rust.json")) as f:
        rust = json.load(f)
    settings = rust["settings"]
    sample, settle = settings["sample_ms"] / 1000, settings["settle_ms"] / 1000

    def rounds(nbytes):
        return min(settings["rounds"], 5) if nbytes >= 256 << 20 else settings["rounds"]

    t0 = time.perf_counter()
    largest = max(row["bytes"] for row in rust["integers"])
    words = pseudo_random(largest // 8)
    print(f"compare_py: {largest >> 20} MiB generated in {time.perf_counter() - t0:.1f} s")
    integers = []
    for row in rust["integers"]:
        nbytes = row["bytes"]
        data = words[: nbytes // 8].view(DTYPES[row["type"]])
        seconds, results = interleaved({"numpy": lambda: data.sum()}, rounds(nbytes), sample, settle)
        total = int(results["numpy"]) & M64
        if total != row["sum_low64"]:
            sys.exit(f"compare_py: {row['type']}/{nbytes}: numpy {total:#x} != coresum {row['sum_low64']:#x}")
        integers.append({"type": row["type"], "bytes": nbytes, "seconds": seconds["numpy"]})
    del words

    results_out = []
    for row in rust["floats"]:
        nbytes, kind = row["bytes"], row["set"]
        if kind == "f32":
            data = floats(nbytes // 4, False).astype(np.float32)
        else:
            data = floats(nbytes // 8, kind == "f64-wide")
        values = data.tolist()
        peers, errors = {"numpy": lambda: data.sum()}, {}
        try:
            math.fsum(values)
            peers["fsum"] = lambda: math.fsum(values)
        except OverflowError as e:  # its partials overflow where the sum does (f64-wide)
            errors["fsum"] = f"OverflowError: {e}"
        with np.errstate(all="ignore"):
            seconds, results = interleaved(peers, rounds(nbytes), sample, settle)
        exact = float(row["results"]["exact"])
        if "fsum" in results and results["fsum"] != exact:
            sys.exit(f"compare_py: {kind}/{nbytes}: fsum {results['fsum']!r} != coresum Exact {exact!r}")
        results_out.append(
            {
                "set": kind,
                "bytes": nbytes,
                "seconds": seconds,
                "results": {k: repr(float(v)) for k, v in results.items()},  # JSON has no inf
                "errors": errors,
            }
        )
    reduction_rows = reductions(rust, rounds, sample, settle)
    write(
        {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "load_after": " ".join(open("/proc/loadavg").read().split()[:3]),
            "integers": integers,
            "floats": results_out,
            "reductions": reduction_rows,
        }
    )
    print(f"compare_py: wrote {os.path.join(OUT, 'python.json')}")


main()
