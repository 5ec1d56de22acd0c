#!/usr/bin/env bash
# Data as users hold it (issue 12): the layout and column-sum tests and doc tests with the optional `ndarray` and
# `arrow` features, and clippy over those features (the main run builds the default features only).
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v cargo >/dev/null; then
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    source "$HOME/.cargo/env"
fi

cargo clippy -p coresum --all-targets --features ndarray,arrow -- -D warnings
cargo test --release -p coresum --features ndarray,arrow --test layout --test columns
cargo test --release -p coresum --features ndarray,arrow --doc -- ndarray arrow
echo "== layout ok"
