#!/usr/bin/env python3
"""Validate memory files against mnem's JSON Schemas (draft 2020-12).

Usage: validate.py FILE...   (or '-' for JSON lines on standard input)
Prints one line per invalid memory and exits 1 if any is invalid. Needs the
`jsonschema` package (pip install jsonschema).
"""
import json
import pathlib
import sys

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

here = pathlib.Path(__file__).resolve().parent
resources = []
for path in sorted(here.glob("*.schema.json")):
    doc = json.loads(path.read_text())
    resources.append((doc["$id"], Resource.from_contents(doc)))
registry = Registry().with_resources(resources)
validators = {
    kind: Draft202012Validator(json.loads((here / f"{kind}.schema.json").read_text()), registry=registry)
    for kind in ["memory", "trajectory", "workflow", "summary", "insight"]
}


def check(label, doc):
    kind = doc.get("kind") if isinstance(doc, dict) else None
    errors = list(validators["memory"].iter_errors(doc))
    if kind in validators:
        errors += list(validators[kind].iter_errors(doc))
    for error in errors[:3]:
        where = "/".join(str(p) for p in error.absolute_path)
        print(f"{label}: {where or '(root)'}: {error.message[:200]}")
    return not errors


ok = True
count = 0
for arg in sys.argv[1:]:
    if arg == "-":
        for n, line in enumerate(sys.stdin, 1):
            if line.strip():
                count += 1
                ok &= check(f"<stdin>:{n}", json.loads(line))
    else:
        count += 1
        ok &= check(arg, json.loads(pathlib.Path(arg).read_text()))
print(f"{count} checked, {'all valid' if ok else 'some invalid'}", file=sys.stderr)
sys.exit(0 if ok else 1)
