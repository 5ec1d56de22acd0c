#!/usr/bin/env bash
# `coresum-mpi sum` against `coresum sum` on the same files, under `mpirun -n 1..4`: the same text
# line, the same JSON object (timings aside) plus "ranks", and the CLI's error contract (one line
# on stderr, exit status 2). Usage: cli.sh TARGET_DIR (holding release builds of both binaries).
# Closes with `P passed, F failed`; exits 1 on any failure.
set -uo pipefail
bin=${1:?usage: cli.sh TARGET_DIR}/release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# -q: no banner of mpirun's own when a rank exits with status 2.
mpirun=(mpirun --allow-run-as-root --oversubscribe -q)
passed=0 failed=0
check() { # description, then a command that must succeed
    local what=$1
    shift
    if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $what"; fi
}

# .npy files of every dtype and awkward lengths (fewer elements than ranks, ragged 128-byte
# blocks), big-endian ones, float specials, and a raw file at an odd offset.
python3 - "$work" <<'PY'
import random, struct, sys
out = sys.argv[1]
random.seed(15)

def npy(name, descr, fmt, values):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%d,), }" % (descr, len(values))
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    with open(f"{out}/{name}.npy", "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(struct.pack(fmt[0] + fmt[1:] * len(values), *values) if values else b"")

ints = {"i1": (-128, 127), "i2": (-2**15, 2**15 - 1), "i4": (-2**31, 2**31 - 1),
        "i8": (-2**63, 2**63 - 1), "u1": (0, 255), "u2": (0, 2**16 - 1),
        "u4": (0, 2**32 - 1), "u8": (0, 2**64 - 1)}
codes = {"i1": "b", "i2": "h", "i4": "i", "i8": "q", "u1": "B", "u2": "H", "u4": "I",
         "u8": "Q", "f2": "e", "f4": "f", "f8": "d"}
for t, n in [("i1", 3), ("f8", 1), ("f4", 0), ("u8", 2)]:
    npy(f"{t}-{n}", "<" + t, "<" + codes[t], [1] * n)
for n in [100_003]:
    for t, (lo, hi) in ints.items():
        npy(f"{t}-{n}", "<" + t, "<" + codes[t], [random.randint(lo, hi) for _ in range(n)])
    for t in ["f2", "f4", "f8"]:
        top = 10 if t == "f2" else 60
        values = [random.choice([-1, 1]) * random.random() * 2.0 ** random.randint(-top, top)
                  for _ in range(n)]
        npy(f"{t}-{n}", "<" + t, "<" + codes[t], values)
npy("be-f8", ">f8", ">d", [random.uniform(-1e6, 1e6) for _ in range(1001)])
npy("be-i4", ">i4", ">i", [random.randint(-2**31, 2**31 - 1) for _ in range(1001)])
npy("inf-nan", "<f8", "<d", [1.0] * 50 + [float("inf")] + [2.0] * 50 + [float("-inf")])
npy("negzero", "<f4", "<f", [-0.0, -0.0])
npy("big", "<f8", "<d", [1e308, 1e308] + [0.5] * 40 + [-1e308, -1e308])
with open(f"{out}/raw.bin", "wb") as f:
    f.write(b"\x00" * 3 + struct.pack("<1000h", *[random.randint(-2**15, 2**15 - 1) for _ in range(1000)]))
with open(f"{out}/bad.npy", "wb") as f:
    f.write(b"\x93NUMPY\x01\x00\x10\x00{'descr': '<i4'")
PY

strip() { python3 -c 'import json,sys; o=json.load(sys.stdin); [o.pop(k) for k in ("seconds","bytes_per_second","threads")]; print(json.dumps(o, sort_keys=True))'; }

# Every file as text under 2 and 4 ranks; a few as JSON under 1..4; the errors under 1 and 3.
compare() { # ranks, --json or "", then the file and its options
    local n=$1 json=$2 want got
    shift 2
    # shellcheck disable=SC2086 # $json is empty or one word
    want=$("$bin/coresum" sum "$@" $json | $filter)
    # shellcheck disable=SC2086
    got=$("${mpirun[@]}" -n "$n" "$bin/coresum-mpi" sum "$@" $json | $filter)
    [[ -n $json ]] && want=$(echo "$want" | python3 -c 'import json,sys; o=json.load(sys.stdin); o["ranks"]='"$n"'; print(json.dumps(o, sort_keys=True))')
    check "$n ranks, $* $json: '$got' != '$want'" test "$got" == "$want"
}
raw=("$work/raw.bin" --dtype i16 --offset 3)
for n in 2 4; do
    filter=cat
    for file in "$work"/*.npy; do
        [[ $file == */bad.npy ]] || compare "$n" "" "$file"
    done
    compare "$n" "" "${raw[@]}"
done
# The JSON object without its timings and thread count (the ranks' cores, not the default pool's).
filter=strip
for n in 1 2 3 4; do
    for file in "$work/f8-100003.npy" "$work/u1-100003.npy" "$work/be-i4.npy"; do
        compare "$n" --json "$file"
    done
done
for n in 1 3; do
    for args in "$work/missing.npy" "$work/bad.npy" "$work" "$work/raw.bin" "$work/raw.bin --dtype i16" \
        "$work/i1-3.npy --threads 2" "$work/i1-3.npy --bogus"; do
        # shellcheck disable=SC2086
        "${mpirun[@]}" -n "$n" "$bin/coresum-mpi" sum $args >"$work/out" 2>"$work/err"
        status=$?
        lines=$(grep -vc '^\s*$' "$work/err")
        [[ $args == *--bogus ]] && lines=1 # clap's message spans several lines, as in `coresum`
        check "$n ranks, $args: status $status, $lines stderr lines: $(head -c 300 "$work/err")" \
            test "$status" -eq 2 -a "$lines" -eq 1 -a ! -s "$work/out"
    done
done
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
