"""Checks that template.yaml's MemorySize is the size the newest Lambda size
benchmark recommends (docs/lambda-size-after.json once it exists, else
docs/lambda-size-before.json), and that the results file is complete.

    python benches/lambda_size/check_memory_size.py
"""
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def template_memory_size(path):
    with open(path) as f:
        sizes = re.findall(r"^\s+MemorySize:\s*(\d+)\s*$", f.read(), re.M)
    if len(sizes) != 1:
        sys.exit(f"{path}: expected one MemorySize, found {sizes}")
    return int(sizes[0])


def main():
    docs = os.path.join(ROOT, "docs")
    results = next((os.path.join(docs, f"lambda-size-{label}.json") for label in ("after", "before")
                    if os.path.exists(os.path.join(docs, f"lambda-size-{label}.json"))), None)
    if results is None:
        sys.exit("no docs/lambda-size-*.json: run benches/lambda_size/run.sh first")
    with open(results) as f:
        data = json.load(f)
    rec = data.get("recommendation")
    if not rec:
        sys.exit(f"{results} has no recommendation (the Rust function was not measured)")
    measured = {r["memory_mb"] for r in data["implementations"]["rust"]["sizes"]}
    if rec["memory_mb"] not in measured:
        sys.exit(f"{results}: recommended {rec['memory_mb']} MB was not among the measured sizes {sorted(measured)}")
    template = template_memory_size(os.path.join(ROOT, "template.yaml"))
    name = os.path.relpath(results, ROOT)
    if template != rec["memory_mb"]:
        sys.exit(f"template.yaml MemorySize {template} != {rec['memory_mb']} recommended by {name} ({rec['reason']})")
    print(f"template.yaml MemorySize {template} = the size {name} recommends ({rec['reason']})")


if __name__ == "__main__":
    main()
