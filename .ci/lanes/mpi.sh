#!/usr/bin/env bash
# MPI (crates/mpi): installs Open MPI and libclang (rsmpi's bindgen step), lints coresum-mpi, runs
# its unit and doc tests, the MPI test program under `mpirun -n 1..4` (exact sums against the
# one-process sum for random splits, empty ranks, NaN/Inf, every dtype), and `coresum-mpi sum`
# against `coresum sum` on the same files (tests/cli.sh). As root: --allow-run-as-root.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v mpirun >/dev/null || ! dpkg -s libopenmpi-dev libclang-dev pkg-config >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libopenmpi-dev openmpi-bin libclang-dev \
        pkg-config python3 >/dev/null
fi
if ! command -v cargo >/dev/null; then
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    source "$HOME/.cargo/env"
fi

echo "== mpi: clippy"
cargo clippy -p coresum-mpi --all-targets -- -D warnings
echo "== mpi: unit and doc tests, and the MPI test program as one rank"
cargo test --release -p coresum-mpi
test_program=$(cargo test --release -p coresum-mpi --test mpi --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "mpi" and m.get("executable"):
        print(m["executable"])')
for n in 2 3 4; do
    echo "== mpi: the MPI test program, $n ranks"
    mpirun --allow-run-as-root --oversubscribe -n "$n" "$test_program"
done
echo "== mpi: coresum-mpi sum against coresum sum"
cargo build --release -p coresum-mpi -p coresum-cli --bins
bash crates/mpi/tests/cli.sh target
echo "== mpi ok"
