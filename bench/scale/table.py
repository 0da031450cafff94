#!/usr/bin/env python3
"""Prints run.py --json measure lines (files given, or stdin) as one markdown table per size: measures as rows,
labels (e.g. before/after) as columns, each cell 'CPU s / wall s / RSS MB' or 'requests / bytes' for wire lines."""
import json, sys
from collections import defaultdict

rows = [json.loads(l) for f in (sys.argv[1:] or ["-"]) for l in (sys.stdin if f == "-" else open(f)) if l.startswith("{")]
labels = list(dict.fromkeys(r["label"] for r in rows))
for n in sorted({r["n"] for r in rows}):
    cells = defaultdict(dict)
    for r in rows:
        if r["n"] != n: continue
        if "requests" in r: cells[r["measure"]][r["label"]] = f'{r["requests"]} req / {r["bytes"]:,} B'
        else: cells[r["measure"]][r["label"]] = f'{r.get("cpu_s", "-")} / {r["wall_s"]} / {r["rss_mb"]}'
    print(f"\n**N = {n:,}** (CPU s / wall s / peak RSS MB)\n")
    print("| measure | " + " | ".join(labels) + " |")
    print("|---|" + "---|" * len(labels))
    for m, by in cells.items():
        print(f"| {m} | " + " | ".join(by.get(l, "") for l in labels) + " |")
