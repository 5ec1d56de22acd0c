#!/usr/bin/env python3
"""The Python peers of benches/compare.rs: numpy's np.sum and math.fsum, over the same bytes.

Usage: scripts/compare_py.py  (after `cargo bench --bench compare -- measure`; scripts/compare.sh
runs both). Reads target/compare/rust.json for the rows and the rounds to measure, regenerates
the very same data (`pseudo_random`'s xorshift64* sequence and the `float_values` drawn from it,
crates/bench-support/src/data.rs), checks that numpy's integer sums equal coresum's, and writes
target/compare/python.json. Without numpy it writes a note saying so instead.
"""
import json, math, os, platform, statistics, sys, time

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
    write(
        {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "load_after": " ".join(open("/proc/loadavg").read().split()[:3]),
            "integers": integers,
            "floats": results_out,
        }
    )
    print(f"compare_py: wrote {os.path.join(OUT, 'python.json')}")


main()
