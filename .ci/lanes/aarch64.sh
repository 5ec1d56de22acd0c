#!/usr/bin/env bash
# NEON that has actually run: the library's tests cross-compiled for aarch64-unknown-linux-gnu and
# run under qemu-user (Debian's cross gcc links them and g++ builds fork_union, a dev-dependency;
# qemu-aarch64 runs them with the arm64 sysroot). On the loaded 2-core VM: 4.5 minutes with the
# packages and target/aarch64 warm (the tests about 70 s of it), up to ~9 cold.
# qemu emulates one CPU with NEON (no SVE dispatch here), so `isa in use` is neon: the integer and
# float kernels of src/arch/aarch64 run against the exact references of the tests. Own target
# directory, so the host build stays warm.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v cargo >/dev/null; then
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    source "$HOME/.cargo/env"
fi
if ! command -v aarch64-linux-gnu-g++ >/dev/null || ! command -v qemu-aarch64 >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev-arm64-cross \
        qemu-user >/dev/null
fi
rustup target add aarch64-unknown-linux-gnu >/dev/null 2>&1 || true

export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu"
echo "== aarch64 under qemu: cargo test --release --lib --test exact_int --test exact_float --test error_free --test pool"
cargo test --release -p coresum --target aarch64-unknown-linux-gnu --target-dir target/aarch64 \
    --lib --test exact_int --test exact_float --test error_free --test pool
echo "== aarch64 ok"
