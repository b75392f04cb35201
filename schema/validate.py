#!/usr/bin/env python3
"""Validate memory files against mnem's JSON Schemas (draft 2020-12).

Usage: validate.py FILE...   (or '-' for JSON lines on standard input)
Prints one line per invalid memory and exits 1 if any is invalid. Besides the
schemas it checks the id as mnem derives it (the first 40 hex digits of SHA-256
over the compact canonical JSON without `id` and `source.capturedAt`), so a
memory edited by hand is caught, and that a file under memories/ sits at the
path its kind and id name. Needs the `jsonschema` package (pip install jsonschema).
"""
import hashlib
import json
import pathlib
import re
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


def canonical(value):
    """mnem's compact canonical form: keys sorted, no spaces, integral numbers as integers."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + canonical(value[k]) for k in sorted(value)) + "}"
    if isinstance(value, list):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def content_id(doc):
    """The id mnem derives from a memory's content."""
    body = {k: v for k, v in doc.items() if k != "id"}
    if isinstance(body.get("source"), dict):
        body["source"] = {k: v for k, v in body["source"].items() if k != "capturedAt"}
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()[:40]


memory_path = re.compile(r"(?:^|/)memories/([a-z]+)/([0-9a-f]{2})/([0-9a-f]{40})\.json$")


def check(label, doc):
    kind = doc.get("kind") if isinstance(doc, dict) else None
    errors = list(validators["memory"].iter_errors(doc))
    if kind in validators:
        errors += list(validators[kind].iter_errors(doc))
    for error in errors[:3]:
        where = "/".join(str(p) for p in error.absolute_path)
        print(f"{label}: {where or '(root)'}: {error.message[:200]}")
    if errors or not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
        return not errors
    expected = content_id(doc)
    if doc["id"] != expected:
        print(f"{label}: id: {doc['id']} does not match the content (expected {expected}; edited by hand? 'mnem doctor --fix' makes it a new memory)")
        return False
    found = memory_path.search(label)
    if found and found.groups() != (kind, expected[:2], expected):
        print(f"{label}: path: a {kind} memory with id {expected} belongs at memories/{kind}/{expected[:2]}/{expected}.json")
        return False
    return True


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
