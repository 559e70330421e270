#!/usr/bin/env python3
"""Count the crate's public API from rustdoc JSON.

Usage: RUSTC_BOOTSTRAP=1 cargo rustdoc --lib [--no-default-features|--all-features] -- \
         -Z unstable-options --output-format json
       python3 tools/api/count.py target/doc/shortnames.json [--list]

Also lists the counted items whose documentation has no example (a fenced code block), and
exits 1 when there is one.

Counts the items a user can name by path: modules, and the structs, enums, traits,
functions, type aliases, constants and statics reachable from the crate root through public
modules and re-exports (methods, fields and variants are not counted; an item re-exported
in several places is counted once).
"""
import json, sys

doc = json.load(open(sys.argv[1]))
index = doc["index"]
root = doc["root"]
KINDS = {"module", "struct", "enum", "trait", "function", "type_alias", "constant", "static", "macro", "union"}

def kind(item):
    inner = item["inner"]
    return next(iter(inner)) if isinstance(inner, dict) else inner

seen = {}
modules = []

def walk(mid, path):
    item = index[str(mid)]
    for child in item["inner"]["module"]["items"]:
        c = index.get(str(child))
        if c is None:
            continue
        k = kind(c)
        if k == "use":
            u = c["inner"]["use"]
            target = u.get("id")
            if target is None or str(target) not in index:
                continue
            t = index[str(target)]
            tk = kind(t)
            name = u["name"]
            if u.get("is_glob"):
                if tk == "module":
                    walk(target, path)
                continue
            if tk == "module":
                if target not in seen:
                    seen[target] = (path + [name], tk)
                    modules.append(path + [name])
                    walk(target, path + [name])
            elif tk in KINDS and target not in seen:
                seen[target] = (path + [name], tk)
            continue
        if k == "module":
            if child not in seen:
                seen[child] = (path + [c["name"]], k)
                modules.append(path + [c["name"]])
                walk(child, path + [c["name"]])
        elif k in KINDS and child not in seen:
            seen[child] = (path + [c["name"]], k)

walk(root, [])
items = sorted("::".join(p) + f" ({k})" for p, k in seen.values())
if "--list" in sys.argv:
    print("\n".join(items))
print(f"{len(seen)} items, {len(modules)} public modules: {', '.join('::'.join(m) for m in modules)}")
no_example = sorted(
    "::".join(p) for iid, (p, k) in seen.items()
    if k != "module" and "```" not in (index[str(iid)].get("docs") or "")
)
if no_example:
    print(f"{len(no_example)} without an example: {', '.join(no_example)}")
    sys.exit(1)
