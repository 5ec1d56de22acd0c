#!/usr/bin/env bash
# The C ABI (bindings/c): its Rust tests (including the header's freshness against cbindgen), then
# the C test program and examples/c/sum.c built with the system cc against the shared and the
# static library and run, and the Fortran example if gfortran is (or can be) installed.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v cargo >/dev/null; then
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    source "$HOME/.cargo/env"
fi
if ! command -v cc >/dev/null || ! command -v gfortran >/dev/null; then
    (apt-get update -qq && apt-get install -y -qq gcc gfortran >/dev/null) ||
        echo "== capi: could not install gcc/gfortran with apt"
fi

echo "== capi: cargo test -p coresum-capi (header freshness, ABI tests)"
cargo test --release -p coresum-capi
cargo build --release -p coresum-capi
lib=target/release
inc=bindings/c/include
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# What a Rust staticlib needs from the system, as rustc reports it for this target.
static_libs="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"

cflags=(-std=c11 -O2 -Wall -Wextra -Werror -I"$inc")
for prog in bindings/c/tests/c/coresum_test.c examples/c/sum.c; do
    name=$(basename "$prog" .c)
    echo "== capi: $prog against the shared library"
    cc "${cflags[@]}" "$prog" -L"$lib" -lcoresum_capi -lm -lpthread -o "$out/$name-shared"
    LD_LIBRARY_PATH="$lib" "$out/$name-shared"
    echo "== capi: $prog against the static library"
    # shellcheck disable=SC2086 # the library list splits on purpose
    cc "${cflags[@]}" "$prog" "$lib/libcoresum_capi.a" $static_libs -o "$out/$name-static"
    "$out/$name-static"
done

if command -v gfortran >/dev/null; then
    echo "== capi: examples/fortran/sum.f90 (iso_c_binding)"
    gfortran examples/fortran/sum.f90 -L"$lib" -lcoresum_capi -o "$out/sum-fortran"
    LD_LIBRARY_PATH="$lib" "$out/sum-fortran"
else
    echo "== capi: gfortran not available, Fortran example skipped"
fi
echo "== capi ok"
