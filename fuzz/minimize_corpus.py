#!/usr/bin/env python3
"""Picks at most CAP inputs of a corpus by greedy set cover of their edge features, so the
committed corpus stays small (CI replays it in a debug build).

    # per-file features from libFuzzer (edges only: -use_counters=0)
    mkdir -p /tmp/empty
    $FUZZ_BIN/<target> -merge=1 -use_counters=0 -merge_control_file=/tmp/ctl-<target> /tmp/empty <dirs...>
    python3 fuzz/minimize_corpus.py /tmp/ctl-<target> fuzz/corpus/<target> 150

Prints how many edge features the chosen inputs keep.
"""
import sys, os, shutil
ctl, out, cap = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = open(ctl).read().split('\n')
n = int(lines[0]); files = lines[2:2+n]
ft = {}
for l in lines[2+n:]:
    p = l.split()
    if p and p[0] == 'FT':
        ft[int(p[1])] = set(map(int, p[2:]))
uncovered = set().union(*ft.values())
total = len(uncovered)
chosen = []
while uncovered and len(chosen) < cap:
    best = max(ft, key=lambda i: (len(ft[i] & uncovered), -os.path.getsize(files[i])))
    gain = ft[best] & uncovered
    if not gain: break
    chosen.append(best); uncovered -= gain
if os.path.exists(out): shutil.rmtree(out)
os.makedirs(out)
for i in chosen:
    shutil.copy(files[i], os.path.join(out, os.path.basename(files[i])))
print(f"{os.path.basename(out)}: {len(chosen)} files keep {total-len(uncovered)}/{total} edge features ({100*(total-len(uncovered))/total:.1f}%), {sum(os.path.getsize(files[i]) for i in chosen)} bytes")
