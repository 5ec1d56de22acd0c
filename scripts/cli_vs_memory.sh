#!/usr/bin/env bash
# `coresum sum` on a large .npy file already in the page cache, against the in-memory pool sum of
# the same number of bytes (`coresum bench`) and against numpy.sum over the same file loaded by
# numpy; all in one invocation. Usage: scripts/cli_vs_memory.sh [GiB] (default 4).
set -euo pipefail
cd "$(dirname "$0")/.."
gib=${1:-4}
file=${TMPDIR:-/tmp}/coresum-${gib}g-i32.npy
cargo build --release -q
bin=target/release/coresum

python3 - "$file" "$gib" <<'PY'
import sys, numpy as np
path, gib = sys.argv[1], int(sys.argv[2])
n = gib * (1 << 30) // 4
rng = np.random.default_rng(7)
a = np.empty(n, dtype=np.int32)
step = 1 << 26
for i in range(0, n, step):
    a[i:i + step] = rng.integers(-2**31, 2**31, size=min(step, n - i), dtype=np.int32)
np.save(path, a)
PY
cat "$file" > /dev/null   # into the page cache

echo "== coresum sum (mapped file, best of 5)"
best=0
for _ in 1 2 3 4 5; do
    bps=$("$bin" sum "$file" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["bytes_per_second"])')
    best=$(python3 -c "print(max($best, $bps))")
done
echo "coresum sum: $(python3 -c "print(f'{$best/1e9:.2f}')") GB/s"
"$bin" sum "$file" --json

echo "== coresum bench (in memory, same size, all cores)"
"$bin" bench --dtype i32 --size "${gib}G" --threads "$(nproc)"

echo "== numpy.sum (file loaded by numpy, best of 3)"
python3 - "$file" <<'PY'
import sys, time, numpy as np
a = np.load(sys.argv[1])
best = min((lambda t: (a.sum(), time.perf_counter() - t)[1])(time.perf_counter()) for _ in range(3))
print(f"numpy.sum: {a.nbytes / best / 1e9:.2f} GB/s, sum = {int(a.sum(dtype=np.int64))}")
PY
rm -f "$file"
