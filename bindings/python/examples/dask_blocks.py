"""Exact sums across a dask.array: each block becomes an ExactSum state, states are merged.

The states are exact, so the result has the same bits for any chunking, any order of merging and
any cluster (the bytes from ``to_bytes`` cross process and machine boundaries).
"""

import dask
import dask.array as da
import numpy as np

import coresum


def block_state(block):
    return coresum.ExactSum(block).to_bytes()


def merge_states(states):
    total = coresum.ExactSum()
    for state in states:
        total.merge(coresum.ExactSum.from_bytes(state))
    return total.value


def exact_sum(array):
    """The correctly rounded sum of every element of a dask array."""
    states = [dask.delayed(block_state)(b) for b in array.to_delayed().ravel()]
    return dask.delayed(merge_states)(states).compute()


if __name__ == "__main__":
    data = np.random.default_rng(0).standard_normal(1_000_000) * 1e10
    for chunks in (1_000_000, 100_000, 33_333):
        print(chunks, exact_sum(da.from_array(data, chunks=chunks)))
