#!/usr/bin/python3
"""Solve the same universe and jobs with libsolv (python3-solv), for comparison with stork-solve.

usage: libsolv_bench.py UNIVERSE.jsonl[.zst] JOBS.jsonl [--all] [--solutions DIR]
Prints one JSON line for loading, one per job ({"id", "solvable", "size", "solve_ms"} with the median of 3 runs),
and with --all one line for the installability of every package, each as its own job.
"""
import json
import statistics
import subprocess
import sys
import time

import solv

# NuGet interval notation on R.0.0 versions -> libsolv relation flags.
def relations(rng):
    low_inclusive = rng[0] == "["
    high_inclusive = rng[-1] == "]"
    body = rng[1:-1]
    if "," not in body:
        return [(solv.REL_EQ, body.strip())]
    low, high = (part.strip() for part in body.split(",", 1))
    result = []
    if low:
        result.append((solv.REL_GT | (solv.REL_EQ if low_inclusive else 0), low))
    if high:
        result.append((solv.REL_LT | (solv.REL_EQ if high_inclusive else 0), high))
    return result


class Universe:
    def __init__(self, path):
        started = time.perf_counter()
        if path.endswith(".zst"):
            text = subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout.decode()
        else:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        self.pool = solv.Pool()
        self.pool.setdisttype(solv.Pool.DISTTYPE_DEB)
        self.pool.setarch("amd64")
        repo = self.pool.add_repo("universe")
        self.dep_cache = {}
        self.solvables = []
        for line in text.splitlines():
            if not line.strip():
                continue
            package = json.loads(line)
            s = repo.add_solvable()
            s.name = package["name"]
            s.evr = package["version"]
            s.arch = "amd64"
            name_id = self.pool.str2id(package["name"])
            s.add_deparray(solv.SOLVABLE_PROVIDES, self.pool.rel2id(name_id, self.pool.str2id(package["version"]), solv.REL_EQ))
            for provide in package.get("provides", []):
                parts = provide.split(" ")
                if len(parts) == 1:
                    s.add_deparray(solv.SOLVABLE_PROVIDES, self.pool.str2id(parts[0]))
                else:
                    s.add_deparray(solv.SOLVABLE_PROVIDES,
                                   self.pool.rel2id(self.pool.str2id(parts[0]), self.pool.str2id(parts[1]), solv.REL_EQ))
            for clause in package.get("depends", []):
                dep = self.dep(clause[0])
                for alternative in clause[1:]:
                    dep = self.pool.rel2id(dep, self.dep(alternative), solv.REL_OR)
                s.add_deparray(solv.SOLVABLE_REQUIRES, dep)
            for conflict in package.get("conflicts", []):
                s.add_deparray(solv.SOLVABLE_CONFLICTS, self.dep(conflict))
            self.solvables.append(s)
        repo.internalize()
        self.pool.createwhatprovides()
        self.load_ms = (time.perf_counter() - started) * 1000

    def dep(self, text):
        cached = self.dep_cache.get(text)
        if cached is not None:
            return cached
        parts = text.split(" ", 1)
        name_id = self.pool.str2id(parts[0])
        dep = name_id
        if len(parts) == 2:
            rels = [self.pool.rel2id(name_id, self.pool.str2id(v), flags) for flags, v in relations(parts[1])]
            dep = rels[0] if len(rels) == 1 else self.pool.rel2id(rels[0], rels[1], solv.REL_WITH)
        self.dep_cache[text] = dep
        return dep

    def install_job(self, item):
        """An install item: packages with exactly that name (not providers), in range when one is given."""
        return self.pool.Job(solv.Job.SOLVER_INSTALL | solv.Job.SOLVER_SOLVABLE_NAME, self.dep(item))

    def solve(self, jobs):
        solver = self.pool.Solver()
        started = time.perf_counter()
        problems = solver.solve(jobs)
        elapsed = (time.perf_counter() - started) * 1000
        if problems:
            return False, None, elapsed
        return True, solver.transaction().newsolvables(), elapsed


def main():
    args = sys.argv[1:]
    run_all = "--all" in args
    args = [a for a in args if not a.startswith("--")]
    universe = Universe(args[0])
    print(json.dumps({"universe_load_ms": round(universe.load_ms, 3), "packages": len(universe.solvables)}), flush=True)
    with open(args[1], encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            job = json.loads(line)
            jobs = [universe.install_job(item) for item in job["install"]]
            runs = [universe.solve(jobs) for _ in range(3)]
            solvable, solution, _ = runs[0]
            print(json.dumps({
                "id": job["id"],
                "solvable": solvable,
                "size": len(solution) if solution is not None else None,
                "solution": sorted(f"{s.name} {s.evr}" for s in solution) if solution is not None else [],
                "solve_ms": round(statistics.median(r[2] for r in runs), 3),
            }), flush=True)
    if run_all:
        started = time.perf_counter()
        uninstallable = 0
        for s in universe.solvables:
            solver = universe.pool.Solver()
            if solver.solve([universe.pool.Job(solv.Job.SOLVER_INSTALL | solv.Job.SOLVER_SOLVABLE, s.id)]):
                uninstallable += 1
        print(json.dumps({"installability_ms": round((time.perf_counter() - started) * 1000, 1),
                          "packages": len(universe.solvables), "uninstallable": uninstallable}), flush=True)


if __name__ == "__main__":
    main()
