#!/usr/bin/env python3
"""Turns criterion results (target/criterion) of benches/kernels.rs into ratio tables.

Usage: scripts/bench_table.py [target/criterion] [--native other/criterion]

Prints, per element type and size, GB/s of coresum, the std native loop and the read ceiling,
measured in the same run, and the ratios the issues ask for. With --native, also the ratio of this
run's coresum to a `-C target-cpu=native` build's coresum (a second run, saved elsewhere).
"""
import json, os, sys

def load(root):
    out = {}
    for dirpath, _, files in os.walk(root):
        if "benchmark.json" not in files or not dirpath.endswith("/new"):
            continue
        meta = json.load(open(os.path.join(dirpath, "benchmark.json")))
        est = json.load(open(os.path.join(dirpath, "estimates.json")))
        name = meta["function_id"] + ("/" + meta["value_str"] if meta.get("value_str") else "")
        nbytes = meta["throughput"]["Bytes"]
        # Median time per iteration in ns -> GB/s.
        out[(meta["group_id"], name)] = nbytes / est["median"]["point_estimate"]
    return out

args = sys.argv[1:]
native_root = None
if "--native" in args:
    i = args.index("--native"); native_root = args[i + 1]; del args[i:i + 2]
root = args[0] if args else "target/criterion"
r = load(root)
n = load(native_root) if native_root else {}
groups = sorted({g for g, _ in r}, key=lambda g: (g.split("/")[0], int(''.join(c for c in g.split("/")[1] if c.isdigit())) * (1024 if "MiB" in g else 1)))
head = "| type/size | coresum GB/s | misaligned GB/s | std native GB/s | ceiling GB/s | ×std | ×ceiling | misaligned ×ceiling |"
if n: head += " ×native build |"
print(head)
print("|" + "---|" * (head.count("|") - 1))
for g in groups:
    c, m, s, cl = (r.get((g, k)) for k in ("coresum", "coresum-misaligned", "std-native", "ceiling"))
    row = f"| {g} | {c:.1f} | {m:.1f} | {s:.1f} | {cl:.1f} | {c/s:.2f} | {c/cl:.2f} | {m/cl:.2f} |"
    if n:
        nc = n.get((g, "coresum"))
        row += f" {c/nc:.2f} |" if nc else " – |"
    print(row)
isas = sorted({k.split("/", 1)[1] for _, k in r if k.startswith("coresum/")})
if isas:
    print()
    print("| type/size | " + " | ".join(f"{i} GB/s" for i in isas) + " |")
    print("|---|" + "---|" * len(isas))
    for g in groups:
        vals = [r.get((g, "coresum/" + i)) for i in isas]
        if any(vals):
            print(f"| {g} | " + " | ".join(f"{v:.1f}" if v else "–" for v in vals) + " |")
