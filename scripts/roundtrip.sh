#!/usr/bin/env bash
# The round-trip bench (benches/roundtrip.rs), one pool per process: fork_union's threads spin
# and would distort coresum's figures (and the reverse) if they shared the cores in one run.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --bench roundtrip --no-run
for f in coresum-broadcast coresum-broadcast-n-1 coresum-sum-1KiB coresum-await-1KiB fork_union-for_threads \
    executor-floor; do
    cargo bench --bench roundtrip -- --exact "round-trip/$f" 2>/dev/null | grep -A1 "^round-trip"
done
