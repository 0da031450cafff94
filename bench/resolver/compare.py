#!/usr/bin/python3
"""Prints the stork-solve vs libsolv comparison table from the two JSON-lines outputs (Markdown)."""
import json
import math
import sys


def read(path):
    head, jobs, summary = None, {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            record = json.loads(line)
            if "id" in record:
                jobs[record["id"]] = record
            elif "installability_ms" in record:
                summary = record
            else:
                head = record
    return head, jobs, summary


def main():
    ours_head, ours, ours_all = read(sys.argv[1])
    theirs_head, theirs, theirs_all = read(sys.argv[2])
    print("| job | stork ms | libsolv ms | ratio | stork size | libsolv size | size diff | verdict |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    ratios, first_ratios, agree = [], [], 0
    for job_id, mine in ours.items():
        other = theirs[job_id]
        ratio = mine["solve_ms"] / other["solve_ms"] if other["solve_ms"] > 0 else float("nan")
        ratios.append(ratio)
        first_ratios.append(mine.get("first_solve_ms", mine["solve_ms"]) / other["solve_ms"])
        same = mine["solvable"] == other["solvable"]
        agree += same
        my_size = len(mine["solution"]) if mine["solvable"] else None
        their_size = other["size"]
        diff = f"{(my_size - their_size) / their_size * 100:+.1f}%" if my_size and their_size else "-"
        first = f" (first {mine['first_solve_ms']:.2f})" if "first_solve_ms" in mine else ""
        print(f"| {job_id} | {mine['solve_ms']:.2f}{first} | {other['solve_ms']:.2f} | {ratio:.2f} | "
              f"{my_size if my_size is not None else '-'} | {their_size if their_size is not None else '-'} | {diff} | "
              f"{'agree' if same else 'DIFFER'} |")
    geomean = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    print()
    print(f"- verdict agreement: {agree}/{len(ours)}")
    first_geomean = math.exp(sum(math.log(r) for r in first_ratios) / len(first_ratios))
    print(f"- geometric mean solve-time ratio (stork / libsolv, medians of 3): {geomean:.2f}")
    print(f"- the same with stork's first (cold) run, which also builds its lazy index: {first_geomean:.2f}")
    print(f"- universe load: stork {ours_head['universe_load_ms']:.0f} ms, libsolv {theirs_head['universe_load_ms']:.0f} ms "
          f"(libsolv's includes Python JSON parsing and building the pool with its whatprovides index)")
    if ours_all and theirs_all:
        print(f"- installability of every package alone ({ours_all['packages']} jobs): stork {ours_all['installability_ms'] / 1000:.2f} s "
              f"({ours_all['uninstallable']} uninstallable), libsolv {theirs_all['installability_ms'] / 1000:.2f} s "
              f"({theirs_all['uninstallable']} uninstallable)")


if __name__ == "__main__":
    main()
