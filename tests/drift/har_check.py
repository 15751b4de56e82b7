#!/usr/bin/python3
"""har_check.py SCHEMA FILE.har [MIN_ENTRIES]: the file is JSON, valid
against the HAR 1.2 schema, with at least MIN_ENTRIES entries (default 1).
Prints one line saying what is wrong and exits 1, else exits 0."""
import json
import sys

import jsonschema


def main():
    schema_path, har_path = sys.argv[1], sys.argv[2]
    want = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    with open(schema_path) as f:
        schema = json.load(f)
    try:
        with open(har_path) as f:
            har = json.load(f)
    except (OSError, ValueError) as e:
        print(f"{har_path}: not JSON: {e}")
        return 1
    try:
        jsonschema.validate(har, schema)
    except jsonschema.ValidationError as e:
        where = "/".join(str(p) for p in e.absolute_path)
        print(f"{har_path}: not HAR 1.2 at {where or '(root)'}: {e.message}")
        return 1
    n = len(har["log"]["entries"])
    if n < want:
        print(f"{har_path}: {n} entries, expected at least {want}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
