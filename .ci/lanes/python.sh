#!/usr/bin/env bash
# The Python package (bindings/python): installed with pip into a fresh virtual environment, then
# its pytest suite (every dtype and layout, asyncio, concurrent.futures, the thread bound, the
# examples; the dask test runs when dask installs).
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c "import ensurepip" 2>/dev/null; then
    apt-get update -qq && apt-get install -y -qq python3-venv python3-dev >/dev/null
fi
cargo clippy -p coresum-python -- -D warnings
venv="$(mktemp -d)/venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip
"$venv/bin/pip" install -q ./bindings/python pytest numpy
"$venv/bin/pip" install -q "dask[array]" || echo "dask not installed: its test is skipped"
cd bindings/python
"$venv/bin/python" -c "import coresum; assert coresum.sum(range(10)) == 45"
# pytest's exit status is the lane's (set -e): any failure, error or collection problem fails CI.
"$venv/bin/python" -m pytest -q tests
