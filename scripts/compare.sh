#!/usr/bin/env bash
# Every peer side by side, in one invocation, on this machine: regenerates the section between the
# `compare.sh` markers in docs/PERFORMANCE.md and docs/img/compare-*.svg.
#
#   scripts/compare.sh           # the full report (about 8 minutes on 2 cores)
#   scripts/compare.sh --quick   # a smoke run: fewer rounds, sizes up to 4 MiB (about a minute)
#
# Rust peers (coresum, std, rayon, fork_union, OpenMP via gcc, xsum, accurate) are measured
# interleaved by benches/compare.rs; numpy and math.fsum by scripts/compare_py.py over the same
# bytes. A missing peer (no gcc -fopenmp, no numpy) is noted in the report, not fatal.
# COMPARE_THREADS=1,2,4 overrides the thread counts of the scaling table (default: 1, 2, 4, …
# and every allowed core).
set -euo pipefail
cd "$(dirname "$0")/.."
quick=()
case "${1:-}" in
    --quick) quick=(--quick) ;;
    "") ;;
    *) echo "usage: scripts/compare.sh [--quick]" >&2; exit 2 ;;
esac
start=$(date +%s)
cargo bench --bench compare --no-run -q
cargo bench --bench compare -q -- measure "${quick[@]}"
# numpy from a virtual environment kept in target/compare/venv (created on the first run, as
# .ci/lanes/python.sh does), so that the Python columns fill whatever the system Python lacks;
# without the venv module, the system Python (the report notes numpy missing).
python_peers() {
    local venv=target/compare/venv python=python3
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv" > /dev/null 2>&1 || rm -rf "$venv"
    if [ -x "$venv/bin/python" ]; then
        python="$venv/bin/python"
        "$python" -c "import numpy" 2> /dev/null || "$python" -m pip install -q numpy \
            || echo "compare.sh: pip install numpy failed: numpy peers skipped" >&2
    else
        echo "compare.sh: no venv module (apt-get install python3-venv): system python3" >&2
    fi
    "$python" scripts/compare_py.py
}
if command -v python3 > /dev/null; then
    python_peers
else
    rm -f target/compare/python.json   # the report notes the missing peers
fi
cargo bench --bench compare -q -- render
echo "compare.sh: $(( $(date +%s) - start )) s"
