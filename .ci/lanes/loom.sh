#!/usr/bin/env bash
# Loom model checks of the pool's protocols (src/pool/loom_tests.rs): submit → complete, cancel
# racing completion, shutdown racing in-flight jobs and sleeping workers, the sleepers/pending
# wake-up. `--cfg loom` swaps the pool's primitives for loom's (src/pool/sync.rs); it rebuilds every
# dependency, so it gets its own target directory. LOOM_MAX_PREEMPTIONS overrides the tests' bounds.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v cargo >/dev/null; then
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    source "$HOME/.cargo/env"
fi
rustup component add clippy >/dev/null 2>&1 || true

export RUSTFLAGS="--cfg loom"
echo "== loom: clippy of the library and its unit tests"
cargo clippy --profile test --lib --target-dir target/loom -- -D warnings
echo "== loom: cargo test --release --lib loom"
cargo test --release --lib --target-dir target/loom loom
echo "== loom ok"
