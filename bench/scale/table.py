#!/usr/bin/env python3
"""Prints run.py --json measure lines (files given, or stdin) as one markdown table per size: measures as rows,
labels (e.g. before/after) as columns, each cell 'CPU s / wall s / RSS MB' or 'requests / bytes' for wire lines.
A measure run several times (the same label, size and measure in several lines) shows the median of each figure
and the number of runs."""
import json, statistics, sys
from collections import defaultdict

rows = [json.loads(l) for f in (sys.argv[1:] or ["-"]) for l in (sys.stdin if f == "-" else open(f)) if l.startswith("{")]
labels = list(dict.fromkeys(r["label"] for r in rows))
med = lambda xs: round(statistics.median(xs), 3)
for n in sorted({r["n"] for r in rows}):
    runs = defaultdict(lambda: defaultdict(list))
    for r in rows:
        if r["n"] == n: runs[r["measure"]][r["label"]].append(r)
    print(f"\n**N = {n:,}** (CPU s / wall s / peak RSS MB; medians, ×runs when more than one)\n")
    print("| measure | " + " | ".join(labels) + " |")
    print("|---|" + "---|" * len(labels))
    for m, by in runs.items():
        cells = []
        for l in labels:
            rs = by.get(l, [])
            if not rs: cells.append(""); continue
            times = f" (×{len(rs)})" if len(rs) > 1 else ""
            if "requests" in rs[0]:
                cells.append(f'{med([r["requests"] for r in rs]):g} req / {int(med([r["bytes"] for r in rs])):,} B')
            else:
                cpu = med([r["cpu_s"] for r in rs]) if all("cpu_s" in r for r in rs) else "-"
                cells.append(f'{cpu} / {med([r["wall_s"] for r in rs])} / {med([r["rss_mb"] for r in rs])}{times}')
        print(f"| {m} | " + " | ".join(cells) + " |")
