#!/usr/bin/env bash
# CI lane: build the cargo-fuzz targets (fuzz/) and run each for a short time on a copy of its
# committed seed corpus; any crash, panic, sanitizer report or timeout fails the lane.
#
#   .ci/lanes/fuzz.sh                  # 22 s per target (the four share the old 3 × 30 s)
#   FUZZ_SECONDS=1800 .ci/lanes/fuzz.sh   # the longer run of fuzz/README.md
#
# Installs what it needs (nightly, cargo-fuzz); skips, saying so, only if that installation fails.
# Crash inputs are kept under fuzz/artifacts/<target>/ (ignored by git) for CI to upload.
set -euo pipefail
cd "$(dirname "$0")/../.."

SECONDS_PER_TARGET="${FUZZ_SECONDS:-22}"
CARGO_FUZZ_VERSION="0.13.2"
TARGETS=(npy_header sum_bytes sum_pool reductions)

skip() {
    echo "== fuzz lane SKIPPED: $*" >&2
    exit 0
}

if ! command -v cargo >/dev/null; then
    if [ -f "$HOME/.cargo/env" ]; then
        source "$HOME/.cargo/env"
    else
        curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal ||
            skip "could not install rustup"
        source "$HOME/.cargo/env"
    fi
fi

echo "== fuzz: nightly toolchain and cargo-fuzz $CARGO_FUZZ_VERSION"
if ! cargo +nightly --version >/dev/null 2>&1; then
    rustup toolchain install nightly --profile minimal || skip "could not install the nightly toolchain"
fi
if ! cargo fuzz --version 2>/dev/null | grep -qF "$CARGO_FUZZ_VERSION"; then
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked ||
        skip "could not install cargo-fuzz $CARGO_FUZZ_VERSION"
fi

echo "== fuzz: cargo +nightly fuzz build (release, debug assertions, AddressSanitizer)"
cargo +nightly fuzz build

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=()
for target in "${TARGETS[@]}"; do
    echo "== fuzz: $target for ${SECONDS_PER_TARGET}s"
    # A copy, so that what the run finds never lands in the committed corpus.
    mkdir -p "$work/$target"
    cp fuzz/corpus/"$target"/* "$work/$target/"
    # -timeout: seconds one input may take (the slowest, sum_pool's, take milliseconds).
    if ! cargo +nightly fuzz run "$target" "$work/$target" -- \
        -max_total_time="$SECONDS_PER_TARGET" -timeout=20 -print_final_stats=1 2>"$work/$target.log"; then
        # The panic or sanitizer report, then libFuzzer's summary and the input.
        grep -A 4 -E 'panicked at|ERROR: (AddressSanitizer|libFuzzer)' "$work/$target.log" | head -n 40 >&2 || true
        tail -n 12 "$work/$target.log" >&2
        failed+=("$target")
    else
        grep -E '^#[0-9]+[[:space:]]+DONE' "$work/$target.log" || true
    fi
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "== fuzz: FAILED: ${failed[*]}" >&2
    for target in "${failed[@]}"; do
        for input in fuzz/artifacts/"$target"/*; do
            [ -f "$input" ] || continue
            echo "-- $input ($(wc -c <"$input") bytes); replay: cargo +nightly fuzz run $target $input" >&2
            od -A d -t x1 "$input" | head -n 16 >&2
        done
    done
    exit 1
fi
echo "== fuzz: ok"
