#!/usr/bin/env python3
"""Runs llvm-mca on the innermost vector loop of each matching function of a rustc `--emit asm` file.

For every function whose demangled name matches one of the regexes, takes its innermost loop with
the most vector-load bytes and prints uops and simulated cycles per 64 bytes of input on Sapphire
Rapids, Zen 4 and (ymm-only loops) Zen 3. Needs `llvm-mca-19` and `llvm-cxxfilt-19` (Debian
`llvm-19`). Bytes per iteration count the vector memory operands (`vpmovzx`/`vpmovsx` load a
fraction of the register). See docs/PERFORMANCE.md, "Intel Xeon (AVX-512) host".

usage: scripts/mca_loops.py FILE.s REGEX [REGEX...]"""
import re, subprocess, sys
path, pats = sys.argv[1], [re.compile(p) for p in sys.argv[2:]]
lines = open(path).read().split('\n')
funcs, cur, body = {}, None, []
for l in lines:
    m = re.match(r'^(_\S+):\s*$', l)
    if m and not m.group(1).startswith('.L'):
        cur, body = m.group(1), []
        funcs[cur] = body
        continue
    if cur is not None:
        if l.startswith('.Lfunc_end'):
            cur = None
        else:
            body.append(l)
names = subprocess.run(['llvm-cxxfilt-19'], input='\n'.join(funcs), capture_output=True, text=True).stdout.split('\n')
def loops(body):
    labels = {}
    for i, l in enumerate(body):
        m = re.match(r'^(\.LBB\S+):', l)
        if m: labels[m.group(1)] = i
    out = []
    for i, l in enumerate(body):
        m = re.match(r'^\s+j\w+\s+(\.LBB\S+)', l)
        if m and m.group(1) in labels and labels[m.group(1)] < i:
            seg = body[labels[m.group(1)] + 1:i + 1]
            if any(re.match(r'^\.LBB', s) for s in seg):
                continue  # not innermost
            ins = [s for s in seg if s.strip() and not s.strip().startswith(('.', '#'))]
            out.append(ins)
    return out
def width(i):
    if '(' not in i or not re.search(r'[xyz]mm', i): return 0
    w = 64 if 'zmm' in i else 32 if 'ymm' in i else 16
    m = re.search(r'vpmov[sz]x([bwd])([wdq])', i)
    if m: w = w * ' bw d   q'.index(m.group(1)) // ' bw d   q'.index(m.group(2))
    if re.match(r'\s*vmovdq\w*\s+%', i): return 0  # store
    return w
cpus = ['sapphirerapids', 'znver4', 'znver3']
for sym, name in zip(funcs, names):
    if not any(p.search(name) for p in pats): continue
    ls = [l for l in loops(funcs[sym]) if sum(width(i) for i in l)]
    if not ls: continue
    loop = max(ls, key=lambda l: sum(width(i) for i in l))
    nbytes = sum(width(i) for i in loop)
    row = [name, f'{nbytes}B/iter']
    for cpu in cpus:
        if cpu == 'znver3' and any('zmm' in i for i in loop):
            row.append('-'); continue
        r = subprocess.run(['llvm-mca-19', f'-mcpu={cpu}', '-iterations=200'], input='\n'.join(loop), capture_output=True, text=True).stdout
        cyc = int(re.search(r'Total Cycles:\s+(\d+)', r).group(1)) / 200
        uops = int(re.search(r'Total uOps:\s+(\d+)', r).group(1)) / 200
        row.append(f'{cpu}: {uops*64/nbytes:.2f} uops, {cyc*64/nbytes:.2f} cyc /64B')
    print(' | '.join(row))
