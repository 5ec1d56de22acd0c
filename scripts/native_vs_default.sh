#!/usr/bin/env bash
# The default build (run-time dispatch, no RUSTFLAGS) against a `-C target-cpu=native` build of
# coresum itself, alternating the two binaries in one invocation so that both see the same machine
# state. Each line: `coresum bench` (best of its runs) on one thread, in-cache sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p coresum-cli --bin coresum
CARGO_TARGET_DIR=target/native RUSTFLAGS="-C target-cpu=native" cargo build --release -q -p coresum-cli --bin coresum
for dtype in u8 i8 u16 i16 u32 i32 u64 i64; do
    for size in 16K 256K; do
        for round in 1 2 3; do
            for build in default native; do
                bin=target/release/coresum
                [ "$build" = native ] && bin=target/native/release/coresum
                gbps=$("$bin" bench --dtype "$dtype" --size "$size" --threads 1 | awk '$1 == 1 {print $3}')
                echo "$dtype $size $build $round $gbps"
            done
        done
    done
done | python3 -c '
import sys, collections
best = collections.defaultdict(float)
for line in sys.stdin:
    dtype, size, build, _, gbps = line.split()
    best[(dtype, size, build)] = max(best[(dtype, size, build)], float(gbps))
print("| type | size | default GB/s | native GB/s | default / native |")
print("|---|---|---|---|---|")
for (dtype, size, build), v in best.items():
    if build == "default":
        n = best[(dtype, size, "native")]
        print(f"| {dtype} | {size} | {v:.1f} | {n:.1f} | {v / n:.2f} |")
'
