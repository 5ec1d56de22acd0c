#!/usr/bin/env bash
# The release test suite once per kernel path the CPU has, forced with CORESUM_ISA: the pool,
# the CLI and the dispatched sums then run that path (the property tests cover every path in
# each run anyway). The available paths are those `coresum info` reports in use when asked for.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v cargo >/dev/null; then
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    source "$HOME/.cargo/env"
fi

cargo build --release -p coresum-cli --bin coresum
# --skip-default: leave out the path a plain run dispatches to (CI has just run the suite on it).
default=""
if [ "${1:-}" = "--skip-default" ]; then
    default="$(target/release/coresum info 2>/dev/null | sed -n 's/^isa in use: *\([a-z0-9]*\) .*/\1/p')"
fi
paths=()
for isa in scalar sse2 avx2 avx512 neon; do
    info="$(CORESUM_ISA="$isa" target/release/coresum info 2>/dev/null)"
    if grep -q "^isa in use: *$isa " <<<"$info" && [ "$isa" != "$default" ]; then
        paths+=("$isa")
    fi
done
if [ "${#paths[@]}" -eq 0 ]; then
    echo "== no path reported in use, not even scalar: coresum info changed?" >&2
    exit 1
fi
echo "== paths on this machine: ${paths[*]}"
for isa in "${paths[@]}"; do
    echo "== CORESUM_ISA=$isa cargo test --release"
    CORESUM_ISA="$isa" cargo test --release
done
echo "== isa paths ok"
