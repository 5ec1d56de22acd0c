#!/usr/bin/env bash
# Miri over the library's unit tests: the portable integer and float kernels (every element offset
# within 16 bytes and every tail length, src/tail_tests.rs), the dot kernels the same way and
# mean/variance on small cases (src/reduction_tests.rs), the extremes (src/extreme.rs), the chunk
# plan, the exact accumulator, and the pool's job life cycle on tiny sums (submit, complete,
# cancel by drop, panics, shutdown with jobs queued; src/pool/mod.rs). Strict provenance: no integer-to-pointer casts anywhere.
# Isolation is off because building a pool reads the affinity mask and sysfs cache sizes.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v rustup >/dev/null; then
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    source "$HOME/.cargo/env"
fi
if ! rustup toolchain install nightly --profile minimal --component miri,rust-src; then
    echo "== miri: SKIPPED, the nightly toolchain with miri could not be installed"
    exit 0
fi
cargo +nightly miri setup

echo "== cargo +nightly miri test --lib (strict provenance)"
MIRIFLAGS="-Zmiri-disable-isolation -Zmiri-strict-provenance" cargo +nightly miri test --lib -p coresum
echo "== miri ok"
