#!/usr/bin/env python3
"""refresh with nothing new, search and install, three runs each, against the pristine repositories run.py --pristine keeps, for one
stork-get build (cheaper than run.py when only the lookups changed). Usage:
    bench/scale/lookup.py STORK-GET LABEL 10000,60000,250000 >> lines.jsonl     (then table.py; wall_s is not measured)
A host is refreshed once per size; each run copies that host (its state and index cache) and measures `refresh`,
`search scale-N/2` and `install scale-N/3` into a new guest, as run.py does."""
import json, os, shutil, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as R

get, label, sizes = sys.argv[1], sys.argv[2], [int(x) for x in sys.argv[3].split(",")]
os.environ["STORK_NO_IMMUTABLE"] = "1"
for n in sizes:
    ngx = R.Nginx(f"{R.WORK}/pristine-{n}/public")
    base = f"{R.WORK}/lookup-{label}-{n}"
    try:
        shutil.rmtree(base, ignore_errors=True)
        R.sh([get, "--home", base, "init", "--repo", ngx.url, "--root", f"{R.WORK}/pristine-{n}/public/metadata/1.root.json"])
        R.sh([get, "--home", base, "refresh"])
        for k in range(3):
            home = f"{base}-{k}"
            shutil.rmtree(home, ignore_errors=True); R.sh(["cp", "-a", base, home])
            def emit(measure, cmd):
                rss, cpu, _ = R.rss_of(cmd)
                print(json.dumps({"measure": measure, "n": n, "label": label, "wall_s": 0, "cpu_s": round(cpu, 3), "rss_mb": round(rss, 1)}), flush=True)
            emit("refresh-noop", [get, "--home", home, "refresh"])
            emit("search", [get, "--home", home, "search", f"scale-{n // 2:06d}"])
            os.makedirs(f"{home}/guest"); R.sh([get, "--home", home, "guest", "add", "g1", "--root", f"{home}/guest"])
            emit("install", [get, "--home", home, "install", "--guest", "g1", f"scale-{n // 3:06d}"])
            shutil.rmtree(home, ignore_errors=True)
    finally:
        ngx.close(); shutil.rmtree(base, ignore_errors=True)
