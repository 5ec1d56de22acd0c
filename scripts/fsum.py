#!/usr/bin/env python3
"""Python's math.fsum (Shewchuk, correctly rounded) over the 1 Mi values of benches/floats.rs's
`f64/1Mi` group (same xorshift64* generator), for the ratio against coresum's Exact mode.

Usage: scripts/fsum.py  — prints the sum (compare with the bench's stderr line) and the best
time of 7 runs in ns per element and GB/s.
"""
import math, struct, time

M64 = (1 << 64) - 1

def values(n, whole_range=False):
    state = 0x9E3779B97F4A7C15
    out = []
    for _ in range(n):
        state ^= state >> 12
        state ^= (state << 25) & M64
        state ^= state >> 27
        r = (state * 0x2545F4914F6CDD1D) & M64
        exponent = (r >> 32) % 2047 if whole_range else 1023 - 32 + (r >> 32) % 65
        bits = (r & (1 << 63)) | (exponent << 52) | (r & ((1 << 52) - 1))
        out.append(struct.unpack("<d", struct.pack("<Q", bits))[0])
    return out

n = 1 << 20
data = values(n)
best = min(
    (lambda t0: (math.fsum(data), time.perf_counter() - t0)[1])(time.perf_counter())
    for _ in range(7)
)
print(f"fsum = {math.fsum(data)!r}")
print(f"best of 7: {best * 1e3:.2f} ms, {best / n * 1e9:.2f} ns/element, {8 * n / best / 1e9:.2f} GB/s")
