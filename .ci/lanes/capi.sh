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
if ! command -v cc >/dev/null || ! command -v gfortran >/dev/null || ! command -v pkg-config >/dev/null; then
    (apt-get update -qq && apt-get install -y -qq gcc gfortran pkg-config >/dev/null) ||
        echo "== capi: could not install gcc/gfortran with apt"
fi

echo "== capi: cargo test -p coresum-capi (header freshness, ABI tests)"
# Debug: cbindgen and its parser are test-only and need no optimising.
cargo test -p coresum-capi
cargo build --release -p coresum-capi --lib
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

echo "== capi: examples/c/sum.c through pkg-config (installed to a scratch prefix)"
prefix="$out/prefix"
install -Dm644 "$inc/coresum.h" "$prefix/include/coresum.h"
install -Dm755 "$lib/libcoresum_capi.so" "$prefix/lib/libcoresum_capi.so"
sed "s|@PREFIX@|$prefix|" bindings/c/coresum.pc.in | install -Dm644 /dev/stdin "$prefix/lib/pkgconfig/coresum.pc"
# shellcheck disable=SC2046 # pkg-config's flags split on purpose
cc -std=c11 examples/c/sum.c $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs coresum) -o "$out/sum-pc"
LD_LIBRARY_PATH="$prefix/lib" "$out/sum-pc" >/dev/null

if command -v gfortran >/dev/null; then
    echo "== capi: examples/fortran/sum.f90 (iso_c_binding)"
    gfortran examples/fortran/sum.f90 -L"$lib" -lcoresum_capi -o "$out/sum-fortran"
    LD_LIBRARY_PATH="$lib" "$out/sum-fortran"
else
    echo "== capi: gfortran not available, Fortran example skipped"
fi
echo "== capi ok"
