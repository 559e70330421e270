#!/usr/bin/env python3
"""Writes seed corpora for the fuzz targets from the conformance cases and the credential test
data, in the input layouts documented in src/fuzzing.rs.

    python3 fuzz/seed_corpora.py [CONFORMANCE_CASES_DIR] [OUT_DIR]

Defaults: ../shared/conformance/cases and fuzz/seeds. The committed corpora under
fuzz/corpus/<target> are these seeds plus what the fuzzers found, minimized with
`cargo fuzz cmin` (see fuzz/README.md).
"""
import hashlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
cases_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "conformance", "cases")
out_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "fuzz", "seeds")


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except (FileNotFoundError, IsADirectoryError):
        return None


def put(target, data):
    d = os.path.join(out_dir, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


for case in sorted(os.listdir(cases_dir)):
    c = os.path.join(cases_dir, case)
    with open(os.path.join(c, "expect.json"), encoding="utf-8") as f:
        names = [l["name"] for l in json.load(f)["lookups"]]
    for n in names:
        put("reference", n.encode())
    main = read(os.path.join(c, "registries.conf"))
    d = os.path.join(c, "registries.conf.d")
    drop_ins = [read(os.path.join(d, n)) for n in sorted(os.listdir(d))] if os.path.isdir(d) else []
    drop_ins = [x for x in drop_ins if x is not None]
    user = read(os.path.join(c, "user-aliases.conf"))
    parts = [main or b"", drop_ins[0] if drop_ins else b""]
    if user is not None:
        parts.append(user)
    put("config", b"\0".join(parts))
    names_bytes = "\n".join(names).encode()
    for conf in ([main] if main else []) + drop_ins:
        put("resolve", conf + b"\0" + names_bytes)

creds = os.path.join(ROOT, "tests", "data", "credentials")
for n in sorted(os.listdir(creds)):
    data = read(os.path.join(creds, n))
    if data is not None:
        put("credentials", (b"\1" if n.endswith(".dockercfg") else b"\0") + data)
put("credentials", b'\0{"auths": {"quay.io": {"auth": "dXNlcjpwYXNz"}, "*.example.com:5000/team": {"username": "u", "password": "p"}}}')
put("credentials", b'\1{"https://index.docker.io/v1/": {"auth": "dXNlcjpwYXNz", "email": "a@b"}}')

for t in sorted(os.listdir(out_dir)):
    print(t, len(os.listdir(os.path.join(out_dir, t))))
