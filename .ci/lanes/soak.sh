#!/usr/bin/env bash
# Soak (tests/soak.rs): 100,000 mixed blocking and asynchronous sums of every type from 8 threads
# (a quarter of them min/max/argmin/argmax, a quarter dot/sum_sq/mean/variance/std_dev:
# tests/soak/reductions.rs), with random cancellation, each checked against an exact reference, the thread count sampled and
# every cancelled sum's data released. Once per seed; set CORESUM_SOAK_SEEDS / CORESUM_SOAK_SUMS to
# go longer.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v cargo >/dev/null; then
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    source "$HOME/.cargo/env"
fi

export CORESUM_SOAK_SUMS="${CORESUM_SOAK_SUMS:-100000}"
cargo test --release --test soak --no-run
for seed in ${CORESUM_SOAK_SEEDS:-1 2 3}; do
    echo "== soak: $CORESUM_SOAK_SUMS sums, seed $seed"
    CORESUM_SOAK_SEED="$seed" cargo test --release --test soak
done
echo "== soak ok"
