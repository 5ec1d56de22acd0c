"""The examples run, and the dask reduction is exact and independent of the chunking."""

import math
import pathlib
import runpy
import subprocess
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize("name", ["founding", "thread_pool", "threads_queue", "asyncio_sum"])
def test_example_runs(name):
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py")], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert "499999500000" in out.stdout


def test_dask_blocks_exact_for_any_chunking():
    da = pytest.importorskip("dask.array")
    np = pytest.importorskip("numpy")
    example = runpy.run_path(str(EXAMPLES / "dask_blocks.py"))
    rng = np.random.default_rng(1)
    data = rng.standard_normal(200_000) * 10.0 ** rng.integers(-20, 20, 200_000)
    expected = math.fsum(data.tolist())
    for chunks in (200_000, 50_000, 7_777, 1_000):
        assert example["exact_sum"](da.from_array(data, chunks=chunks)) == expected
