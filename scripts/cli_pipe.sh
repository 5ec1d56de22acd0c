#!/usr/bin/env bash
# `coresum sum -` from a pipe against `cat FILE > /dev/null` (the read alone) and `cat FILE | cat`
# (the pipe alone), interleaved in one invocation, minimum of N runs each.
# Usage: scripts/cli_pipe.sh [MiB] [runs] (defaults 512 and 9); the file is random i32.
set -euo pipefail
cd "$(dirname "$0")/.."
mib=${1:-512}
runs=${2:-9}
file=${TMPDIR:-/tmp}/coresum-pipe-${mib}m.bin
cargo build --release -q -p coresum-cli
bin=$PWD/target/release/coresum
[ -f "$file" ] || head -c "$((mib << 20))" /dev/urandom > "$file"
cat "$file" > /dev/null # into the page cache
"$bin" info | grep -E '^(cpu features|isa in use|allowed cores)'

micros() { local s e; s=$(date +%s%N); eval "$1"; e=$(date +%s%N); echo $(((e - s) / 1000)); }
declare -A best
commands=(
    "cat $file > /dev/null"
    "cat $file | cat > /dev/null"
    "cat $file | $bin sum - --dtype i32 > /dev/null"
)
for _ in $(seq "$runs"); do
    for i in "${!commands[@]}"; do
        t=$(micros "${commands[$i]}")
        if [ -z "${best[$i]:-}" ] || [ "$t" -lt "${best[$i]}" ]; then best[$i]=$t; fi
    done
done
bytes=$(stat -c %s "$file")
for i in "${!commands[@]}"; do
    awk -v b="$bytes" -v t="${best[$i]}" -v r="${best[0]}" -v c="${commands[$i]}" \
        'BEGIN { printf "%6.2f GB/s  %.2fx read  %s\n", b / t / 1e3, r / t, c }'
done
