#!/usr/bin/python3
"""Validate lsbimg --json output against docs/json.schema.json.

json_check.py DEF [FILE]  validates FILE (default stdin), one JSON document per line,
                          against the schema's $defs/DEF.
json_check.py --doc DOC   fails unless every key the schema names appears in DOC as `key`.
"""
import json
import os
import re
import sys

import jsonschema

SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs",
                      "json.schema.json")


def keys(node, out):
    if isinstance(node, dict):
        for k, v in node.get("properties", {}).items():
            out.add(k)
            keys(v, out)
        for v in node.values():
            keys(v, out)
    elif isinstance(node, list):
        for v in node:
            keys(v, out)
    return out


def main():
    schema = json.load(open(SCHEMA))
    jsonschema.Draft202012Validator.check_schema(schema)
    if sys.argv[1] == "--doc":
        doc = open(sys.argv[2]).read()
        missing = sorted(k for k in keys(schema, set()) if f"`{k}`" not in doc)
        if missing:
            sys.exit(f"{sys.argv[2]} does not describe: {', '.join(missing)}")
        return
    name = sys.argv[1]
    if name not in schema["$defs"]:
        sys.exit(f"no $defs/{name} in {SCHEMA}")
    root = dict(schema, **{"$ref": f"#/$defs/{name}"})
    validator = jsonschema.Draft202012Validator(root)
    text = open(sys.argv[2], "rb").read() if len(sys.argv) > 2 else sys.stdin.buffer.read()
    lines = [l for l in text.split(b"\n") if l]
    if not lines:
        sys.exit(f"{name}: no JSON output")
    for i, line in enumerate(lines, 1):
        doc = json.loads(line)   # rejects invalid UTF-8 too
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        for e in errors:
            print(f"{name} line {i}: /{'/'.join(map(str, e.path))}: {e.message}", file=sys.stderr)
        if errors:
            sys.exit(1)


main()
