#!/usr/bin/env python3
"""Scale benchmark (not part of CI; CPU-heavy). Usage:
    bench/scale/run.py [--sizes 10000,60000] [--json] [--label after]
                       [--pub DLL|EXE] [--get DLL|EXE] [--bulk-pub DLL|EXE] [--bulk-max N] [--bulk-args files|folder] [--pristine]
                       [--incr-runs K]
Generates N small valid packages (bench/scale/Program.cs, checked against `stork-publish build`), publishes them
over 256 hash bins and measures, per N, with wall time, CPU seconds and peak RSS of each process:
  bulk      add of all N packages + publish                P7        add + publish of one more package
  tsrefresh timestamp --refresh                            refresh-full   first refresh of a new host (bytes, requests)
  refresh-noop   refresh with nothing new                  refresh-incr   refresh after one package was published
  search    search for one package                         install   install of one package into one guest
Repositories are served by nginx with SERVING.md's metadata config (gzip_static). --pub/--get measure other builds
(e.g. the code before a change); a repository bigger than --bulk-max is built with --bulk-pub instead and bulk is
not measured for it.
"""
import argparse, json, os, shutil, socket, subprocess, sys, time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WORK = "/tmp/stork-scale"
GEN = f"{ROOT}/bench/scale/bin/Release/net10.0/stork-bench-scale"

def sh(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"failed ({r.returncode}): {' '.join(cmd[:6])} ...\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    return r

def measured(cmd, env=None):
    """Runs cmd; returns (wall s, cpu s, peak RSS MB, stdout) from the process's own rusage."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    out, err = p.communicate()
    wall = time.perf_counter() - t
    # communicate() reaped it already; children rusage is cumulative, so take the difference.
    return wall, p.returncode, out, err

class Meter:
    def __init__(self):
        import resource
        self.r = resource
    def run(self, cmd, env=None):
        before = self.r.getrusage(self.r.RUSAGE_CHILDREN)
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        out, err = p.communicate()
        wall = time.perf_counter() - t
        after = self.r.getrusage(self.r.RUSAGE_CHILDREN)
        if p.returncode != 0:
            sys.exit(f"failed ({p.returncode}): {' '.join(cmd[:6])} ...\n{out[-2000:]}\n{err[-2000:]}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        # ru_maxrss of RUSAGE_CHILDREN is the largest child so far: run each measure in a fresh helper to isolate it.
        return wall, cpu, out

def rss_of(cmd, env=None):
    """(peak RSS MB, CPU seconds user+sys, stdout) of one run, measured by /usr/bin/time in its own process.
    CPU seconds are the figure to compare on a shared machine: wall time includes waiting for other processes."""
    r = subprocess.run(["/usr/bin/time", "-f", "RSSKB=%M CPU=%U+%S", *cmd], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        sys.exit(f"failed ({r.returncode}): {' '.join(cmd[:6])} ...\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    line = [l for l in r.stderr.splitlines() if l.startswith("RSSKB=")][-1].split()
    user, system = line[1][4:].split("+")
    return int(line[0][6:]) / 1024, float(user) + float(system), r.stdout

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def serving_metadata_block():
    """The metadata location of format-spec/SERVING.md's origin config (between the scale-bench markers)."""
    text = open(f"{ROOT}/format-spec/SERVING.md").read()
    a = text.index("# scale-bench: metadata begin"); b = text.index("# scale-bench: metadata end")
    return text[a:b].split("\n", 1)[1]

class Nginx:
    def __init__(self, root):
        self.dir = f"{WORK}/nginx-{os.getpid()}"
        shutil.rmtree(self.dir, ignore_errors=True); os.makedirs(self.dir)
        self.port = free_port()
        conf = f"""daemon off; master_process off; worker_processes 1;
error_log {self.dir}/error.log warn; pid {self.dir}/nginx.pid;
events {{ worker_connections 256; }}
http {{
  log_format b '$request_method $uri $status $body_bytes_sent';
  access_log {self.dir}/access.log b;
  client_body_temp_path {self.dir}/cb; proxy_temp_path {self.dir}/px; fastcgi_temp_path {self.dir}/fc;
  uwsgi_temp_path {self.dir}/uw; scgi_temp_path {self.dir}/sc;
  types {{ application/json json; }} default_type application/octet-stream; sendfile on;
  server {{ listen 127.0.0.1:{self.port}; root {root};
{serving_metadata_block()}
  }}
}}"""
        open(f"{self.dir}/nginx.conf", "w").write(conf)
        self.p = subprocess.Popen(["/usr/sbin/nginx", "-c", f"{self.dir}/nginx.conf", "-p", self.dir, "-e", f"{self.dir}/error.log"])
        for _ in range(100):
            try: socket.create_connection(("127.0.0.1", self.port)).close(); break
            except OSError: time.sleep(0.05)
        self.url = f"http://127.0.0.1:{self.port}/"
    def log(self):
        p = f"{self.dir}/access.log"
        return [l.split() for l in open(p)] if os.path.exists(p) else []
    def close(self):
        self.p.terminate(); self.p.wait()

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,60000")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--label", default="after")
    ap.add_argument("--pub", default=f"{ROOT}/repo-tools/Stork.Publish.Cli/bin/Release/net10.0/stork-publish.dll")
    ap.add_argument("--get", default=f"{ROOT}/client/Stork.Get.Cli/bin/Release/net10.0/stork-get.dll")
    ap.add_argument("--bulk-pub", default=None, help="publisher that builds repositories above --bulk-max")
    ap.add_argument("--bulk-max", type=int, default=10**9)
    ap.add_argument("--bulk-args", choices=["files", "folder"], default="folder", help="how bulk add names the packages")
    ap.add_argument("--skip-host", action="store_true")
    ap.add_argument("--incr-runs", type=int, default=1, help="incremental refreshes in a row (one more package published before each)")
    ap.add_argument("--pristine", action="store_true",
                    help="keep a copy of each freshly published repository and start from it when there is one (bulk not measured then)")
    a = ap.parse_args()
    log = (lambda *x: print(*x, file=sys.stderr, flush=True)) if a.json else (lambda *x: print(*x, flush=True))
    # A .dll runs on the dotnet host (JIT); anything else is an executable (e.g. a NativeAOT build).
    runner = lambda path: ["dotnet", path] if path.endswith(".dll") else [path]
    PUB = runner(a.pub); GET = runner(a.get)
    # Store files are not made immutable, so a benchmark host can be deleted afterwards.
    os.environ["STORK_NO_IMMUTABLE"] = "1"
    BULK = runner(a.bulk_pub or a.pub)
    os.makedirs(WORK, exist_ok=True)
    if not os.path.exists(GEN):
        sh(["dotnet", "build", f"{ROOT}/bench/scale", "-c", "Release", "-v", "q", "-nologo"])
    # The generator's tar must be exactly what `stork-publish build` writes for the same source.
    check = f"{WORK}/check-{a.label}-{os.getpid()}"
    shutil.rmtree(check, ignore_errors=True)
    sh([GEN, "source", f"{check}/src", "19"]); sh([*PUB, "build", f"{check}/src", "-o", f"{check}/out"])
    sh([GEN, "check", f"{check}/out/scale-000019_1.0.0.stork", "19"])
    shutil.rmtree(check, ignore_errors=True)

    results = []
    def emit(measure, n, **values):
        rec = {"measure": measure, "n": n, "label": a.label, **values}
        results.append(rec)
        if a.json: print(json.dumps(rec), flush=True)
        log(f"  {measure:14} n={n:<7} " + "  ".join(f"{k}={v}" for k, v in values.items()))

    def timed(measure, n, cmd, **extra):
        t = time.perf_counter()
        rss, cpu, out = rss_of(cmd)
        wall = time.perf_counter() - t
        emit(measure, n, wall_s=round(wall, 3), cpu_s=round(cpu, 3), rss_mb=round(rss, 1), **extra)
        return out

    for n in [int(x) for x in a.sizes.split(",")]:
        pkgs = f"{WORK}/pkgs-{n}"
        if not os.path.isdir(pkgs) or len(os.listdir(pkgs)) != n:
            shutil.rmtree(pkgs, ignore_errors=True)
            log(f"generating {n} packages ..."); sh([GEN, "gen", pkgs, str(n)])
        extra = f"{WORK}/extra-{n}-{a.label}"
        shutil.rmtree(extra, ignore_errors=True); sh([GEN, "gen", extra, str(2 + a.incr_runs), "--first", str(n)])
        extras = sorted(os.path.join(extra, f) for f in os.listdir(extra))
        repo = f"{WORK}/repo-{n}-{a.label}"
        shutil.rmtree(repo, ignore_errors=True)
        builder = PUB if n <= a.bulk_max else BULK
        pristine = f"{WORK}/pristine-{n}"
        if a.pristine and os.path.isdir(pristine):
            log(f"  starting from {pristine} (bulk not measured)")
            sh(["cp", "-a", pristine, repo])
        else:
            sh([*builder, "init", repo]); sh([*builder, "bins", repo, "--count", "256"])
        files = sorted(os.path.join(pkgs, f) for f in os.listdir(pkgs))
        names = [pkgs] if a.bulk_args == "folder" or n > a.bulk_max else files
        if a.pristine and os.path.isdir(pristine):
            pass
        elif n <= a.bulk_max:
            t = time.perf_counter()
            rss1, cpu1, _ = rss_of([*PUB, "add", repo, *names])
            rss2, cpu2, _ = rss_of([*PUB, "publish", repo])
            emit("bulk", n, wall_s=round(time.perf_counter() - t, 2), cpu_s=round(cpu1 + cpu2, 2), add_cpu_s=round(cpu1, 2), rss_mb=round(max(rss1, rss2), 1),
                 add_rss_mb=round(rss1, 1), publish_rss_mb=round(rss2, 1))
        else:
            log(f"  building the {n} repository with {BULK[-1]} (bulk not measured)")
            sh([*BULK, "add", repo, pkgs]); sh([*BULK, "publish", repo])
        if a.pristine and not os.path.isdir(pristine):
            sh(["cp", "-a", repo, pristine])
        timed("P7", n, [*PUB, "add", repo, extras[0], "--publish"])
        timed("tsrefresh", n, [*PUB, "timestamp", repo, "--refresh"])
        if a.skip_host: continue

        ngx = Nginx(f"{repo}/public")
        try:
            home = f"{WORK}/host-{n}-{a.label}-{os.getpid()}"
            shutil.rmtree(home, ignore_errors=True)
            sh([*GET, "--home", home, "init", "--repo", ngx.url, "--root", f"{repo}/public/metadata/1.root.json"])
            def refresh(measure):
                before = len(ngx.log())
                out = timed(measure, n, [*GET, "--home", home, "--json", "refresh"])
                lines = ngx.log()[before:]
                emit(measure + "-wire", n, requests=len(lines), bytes=sum(int(l[3]) for l in lines))
            refresh("refresh-full")
            refresh("refresh-noop")
            for extra_package in extras[1:1 + a.incr_runs]:
                sh([*PUB, "add", repo, extra_package, "--publish"])
                refresh("refresh-incr")
            timed("search", n, [*GET, "--home", home, "search", f"scale-{n // 2:06d}"])
            guest = f"{home}/guest"; os.makedirs(guest, exist_ok=True)
            sh([*GET, "--home", home, "guest", "add", "g1", "--root", guest])
            timed("install", n, [*GET, "--home", home, "install", "--guest", "g1", f"scale-{n // 3:06d}"])
        finally:
            ngx.close()
            shutil.rmtree(home, ignore_errors=True)
    if not a.json:
        print(json.dumps(results, indent=1))

if __name__ == "__main__":
    main()
