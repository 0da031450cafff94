#!/usr/bin/env python3
"""Host store benchmark (not part of CI). Usage, as root:
    bench/store/run.py [--json] [--reps 3] [--rate 10m] [--jit] [--timings]
stork-get is measured as hosts run it: a NativeAOT build, published here first (--jit uses the Release JIT build).
Repackages Debian binutils, make, file, cpp and their libraries (debs-to-stork.sh), publishes them, serves them
with nginx (limit_rate on /targets/), and measures stork-get side by side with plain copies in one run:
  P1 disk added per additional guest vs a full copy      P2 Pss_File of 10 processes running cc1 from 10 guests
  P3 origin bytes for 10 guests / package bytes          P4 install into 10 guests vs 10 x (download + tar -x)
  P8 first install vs tar --zstd -xf; additional guest vs first
"""
import argparse, json, os, resource, shutil, signal, socket, statistics, subprocess, sys, tempfile, time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CONF = os.environ.get("CONFIGURATION", "Release")
GET = ["dotnet", f"{ROOT}/client/Stork.Get.Cli/bin/{CONF}/net10.0/stork-get.dll"]
PUB = ["dotnet", f"{ROOT}/repo-tools/Stork.Publish.Cli/bin/{CONF}/net10.0/stork-publish.dll"]
AOT_DIR = "/tmp/stork-bench-aot"
CC1 = "usr/lib/gcc/x86_64-linux-gnu/12/cc1"
LIBDIR = "usr/lib/x86_64-linux-gnu"

def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stdout}\n{r.stderr}")
    return r

def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime

# CPU seconds (user + sys of the processes run, and theirs) of each timed() call, newest last: on a shared, loaded
# machine these are the stable numbers, wall times are not.
CPU = []

def timed(fn):
    # Flush other runs' dirty pages first: stork-get makes store files durable (syncfs), which would otherwise also
    # pay for writing back the previous measurement's data (e.g. the tar baseline's 10 copies, never synced).
    os.sync()
    c = children_cpu(); t = time.perf_counter(); fn(); wall = time.perf_counter() - t
    CPU.append(children_cpu() - c)
    return wall

def du(*paths):
    # du counts each hard-linked inode once per invocation: exactly "disk used by these trees together".
    return int(run(["du", "-s", "-c", "-B1", *paths]).stdout.strip().splitlines()[-1].split()[0])

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

# Debian packages this benchmark runs (command -> package); installed when missing (as root), else one line says which.
TOOLS = {"nginx": "nginx-light", "mkfs.xfs": "xfsprogs", "zstd": "zstd", "tar": "tar", "curl": "curl", "dpkg-deb": "dpkg"}

def ensure_tools():
    missing = sorted({pkg for cmd, pkg in TOOLS.items() if shutil.which(cmd) is None and not os.path.exists(f"/usr/sbin/{cmd}")})
    if not missing:
        return
    if os.geteuid() != 0:
        sys.exit(f"bench/store: missing tools; as root run: apt-get install -y {' '.join(missing)}")
    print(f"bench/store: installing {' '.join(missing)}", file=sys.stderr)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if subprocess.run(["apt-get", "install", "-y", "-qq", *missing], env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True)
        run(["apt-get", "install", "-y", "-qq", *missing], env=env)

def build_tools():
    # The benchmark builds what it runs: the Release CLIs (stork-publish always, stork-get for --jit).
    for project in ("repo-tools/Stork.Publish.Cli", "client/Stork.Get.Cli"):
        run(["dotnet", "build", f"{ROOT}/{project}", "-c", CONF, "-nologo", "-v", "quiet"])

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--rate", default="10m", help="nginx limit_rate for package blobs (per connection)")
    ap.add_argument("--guests", type=int, default=10)
    ap.add_argument("--debs", default="/tmp/stork-bench-debs")
    ap.add_argument("--jit", action="store_true", help="measure the JIT build instead of NativeAOT")
    ap.add_argument("--timings", action="store_true", help="print stork-get's phase timings (STORK_TIMINGS) of the last P8 first and next installs")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench/store: run as root (chroot, loop mounts and the immutable flag need it)")
    ensure_tools()
    build_tools()
    global GET
    if not a.jit:
        run(["dotnet", "publish", f"{ROOT}/client/Stork.Get.Cli", "-c", "Release", "-r", "linux-x64", "-o", AOT_DIR])
        GET = [f"{AOT_DIR}/stork-get"]
    N = a.guests
    log = (lambda *x: print(*x, file=sys.stderr)) if a.json else print

    if not os.path.isdir(os.path.join(a.debs, "built")) or not os.listdir(os.path.join(a.debs, "built")):
        log("repackaging Debian programs ...")
        run(["sh", f"{ROOT}/bench/store/debs-to-stork.sh", a.debs])
    blobs = sorted(os.path.join(a.debs, "built", f) for f in os.listdir(os.path.join(a.debs, "built")) if f.endswith(".stork"))
    names = [os.path.basename(b).split("_")[0] for b in blobs]
    package_bytes = sum(os.path.getsize(b) for b in blobs)

    work = tempfile.mkdtemp(prefix="stork-bench-")
    os.chmod(work, 0o755)
    nginx = None
    mounts = []
    try:
        repo = f"{work}/repo"
        run(PUB + ["init", repo])
        run(PUB + ["add", repo, *blobs, "--publish"])
        public = f"{repo}/public"
        port = free_port()
        conf = f"""daemon off; master_process off; worker_processes 1; pid {work}/nginx.pid; error_log {work}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{ log_format b '$request_method $uri $status $body_bytes_sent'; access_log {work}/access.log b;
  default_type application/octet-stream; sendfile on;
  server {{ listen 127.0.0.1:{port}; root {public}; location /targets/ {{ limit_rate {a.rate}; }} }} }}"""
        open(f"{work}/nginx.conf", "w").write(conf)
        nginx = subprocess.Popen(["nginx", "-c", f"{work}/nginx.conf", "-p", work], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        url = f"http://127.0.0.1:{port}/"
        targets = []
        for d, _, files in os.walk(f"{public}/targets"):
            targets += [os.path.relpath(os.path.join(d, f), public) for f in files]

        def new_host(name, base=work, mode="hardlink", guests=N, prefix="g"):
            home = f"{base}/{name}"
            run(GET + ["--home", home, "init", "--repo", url, "--root", f"{public}/metadata/1.root.json"])
            roots = []
            for i in range(1, guests + 1):
                root = f"{base}/{name}-guests/{prefix}{i:02}"
                run(GET + ["--home", home, "guest", "add", f"{prefix}{i:02}", "--root", root, "--link-mode", mode])
                roots.append(root)
            return home, roots

        def install(home, guests, timings=None):
            args = GET + ["--home", home, "install"]
            for g in guests: args += ["--guest", g]
            r = run(args + names, env=dict(os.environ, STORK_TIMINGS="1") if timings else None)
            if timings:
                log(f"phase timings, {timings}:")
                for line in r.stderr.splitlines():
                    if line.startswith("timing:"): log("  " + line)

        def access_bytes():
            total = 0
            for line in open(f"{work}/access.log"):
                p = line.split()
                if len(p) == 4 and p[1].startswith("/targets/") and p[2] == "200": total += int(p[3])
            return total

        # ---- P4 + P3: 10 guests from a rate-limited origin vs 10 independent download + extract ----
        p4_ours, p4_base, p3 = [], [], []
        for rep in range(a.reps):
            home, roots = new_host(f"p4-{rep}")
            before = access_bytes()
            p4_ours.append(timed(lambda: install(home, [f"g{i:02}" for i in range(1, N + 1)])))
            p3.append((access_bytes() - before) / package_bytes)
            base = f"{work}/p4-base-{rep}"
            def baseline():
                for i in range(1, N + 1):
                    d = f"{base}/g{i:02}"; os.makedirs(d)
                    for t in targets:
                        subprocess.run(f"curl -sf {url}{t} | tar --zstd -xf - -C {d}", shell=True, check=True)
            p4_base.append(timed(baseline))
            log(f"P4 rep {rep}: stork {p4_ours[-1]:.2f}s, baseline {p4_base[-1]:.2f}s")
        home, roots = f"{work}/p4-0", [f"{work}/p4-0-guests/g{i:02}" for i in range(1, N + 1)]
        copies = [f"{work}/p4-base-0/g{i:02}" for i in range(1, N + 1)]

        # ---- P1: disk added by the Nth guest vs a full copy ----
        added = du(home, *roots) - du(home, *roots[:-1])
        full = du(copies[0])

        # ---- P2: Pss_File of N processes running cc1 from N guests ----
        def pss(guest_roots):
            procs = []
            for r in guest_roots:
                env = dict(os.environ, LD_LIBRARY_PATH=f"{r}/{LIBDIR}")
                procs.append(subprocess.Popen([f"{r}/{CC1}", "-E", "-quiet", "-"], stdin=subprocess.PIPE,
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env))
            time.sleep(2.0)
            total = 0
            for p in procs:
                for line in open(f"/proc/{p.pid}/smaps_rollup"):
                    if line.startswith("Pss_File:"): total += int(line.split()[1]) * 1024
            for p in procs: p.kill(); p.wait()
            return total
        pss_link = statistics.median(pss(roots) for _ in range(3))
        pss_copy = statistics.median(pss(copies) for _ in range(3))
        pss_reflink = None
        img = f"{work}/xfs.img"; mnt = f"{work}/xfs"
        os.makedirs(mnt)
        run(["truncate", "-s", "1G", img])
        if subprocess.run(["mkfs.xfs", "-q", "-m", "reflink=1", img], capture_output=True).returncode == 0 and \
           subprocess.run(["mount", "-o", "loop", img, mnt], capture_output=True).returncode == 0:
            mounts.append(mnt)
            rhome, rroots = new_host("reflink", base=mnt, mode="reflink")
            install(rhome, [f"g{i:02}" for i in range(1, N + 1)])
            pss_reflink = statistics.median(pss(rroots) for _ in range(3))
        else:
            log("reflink: no xfs loop mount here; P2 reflink skipped")

        # ---- P8: first install (blobs cached) vs tar --zstd -xf; each additional guest vs the first ----
        # P8b: one more `stork-get install` process for one more guest (what an operator types).
        # P8m: the marginal cost of a guest inside one multi-guest install: (t(1 + K guests) - t(1 guest)) / K,
        #      i.e. without the per-process work (start, refresh, solve) that a batch pays once.
        K = 5
        p8_first, p8_tar, p8_next, p8_marginal = [], [], [], []
        c8_first, c8_tar, c8_next, c8_marginal = [], [], [], []
        for rep in range(a.reps):
            h, _ = new_host(f"p8-{rep}", guests=K + 4)  # g01 first, g02 next, g03 + g04.. for the marginal cost
            shutil.copytree(f"{home}/cache/blobs", f"{h}/cache/blobs", dirs_exist_ok=True)
            run(GET + ["--home", h, "refresh"])
            last = a.timings and rep == a.reps - 1
            p8_first.append(timed(lambda: install(h, ["g01"], "first install" if last else None))); c8_first.append(CPU[-1])
            p8_next.append(timed(lambda: install(h, ["g02"], "one more guest" if last else None))); c8_next.append(CPU[-1])
            one = timed(lambda: install(h, ["g03"])); c_one = CPU[-1]
            many = timed(lambda: install(h, [f"g{i:02}" for i in range(4, 4 + K + 1)])); c_many = CPU[-1]
            p8_marginal.append(max(0.0, (many - one) / K)); c8_marginal.append(max(0.0, (c_many - c_one) / K))
            d = f"{work}/p8-tar-{rep}"; os.makedirs(d)
            p8_tar.append(timed(lambda: [run(["tar", "--zstd", "-xf", b, "-C", d]) for b in blobs])); c8_tar.append(CPU[-1])
            log(f"P8 rep {rep}: first {p8_first[-1]:.3f}s, next {p8_next[-1]:.3f}s, marginal {p8_marginal[-1]:.3f}s, tar {p8_tar[-1]:.3f}s; "
                f"CPU first {c8_first[-1]:.3f}s, next {c8_next[-1]:.3f}s, marginal {c8_marginal[-1]:.3f}s, tar {c8_tar[-1]:.3f}s")
        startup = statistics.median(timed(lambda: run(GET + ["--help"])) for _ in range(3))

        m = statistics.median
        rows = [
            ("P1", "disk added by guest #%d vs a full copy" % N, added, full, added / full, "bytes", "<= 0.0072"),
            ("P2", f"Pss_File, {N} x cc1 from {N} guests: hardlink vs copy", pss_link, pss_copy, pss_link / pss_copy, "bytes", "<= 0.122"),
        ]
        if pss_reflink is not None:
            rows.append(("P2r", f"Pss_File, {N} x cc1: reflink vs copy", pss_reflink, pss_copy, pss_reflink / pss_copy, "bytes", "(page cache is per inode)"))
        rows += [
            ("P3", f"origin bytes for {N} guests vs package bytes", m(p3) * package_bytes, package_bytes, m(p3), "bytes", "= 1.0"),
            ("P4", f"install into {N} guests vs {N} x (curl | tar --zstd -x), origin limit_rate {a.rate}", m(p4_ours), m(p4_base), m(p4_ours) / m(p4_base), "s", "<= 0.1 (>= 10x)"),
            ("P8", "first install (blobs cached) vs tar --zstd -xf of the same blobs", m(p8_first), m(p8_tar), m(p8_first) / m(p8_tar), "s", "<= 1.2"),
            ("P8b", "one more guest (its own stork-get process) vs the first install", m(p8_next), m(p8_first), m(p8_next) / m(p8_first), "s", "<= 0.1"),
            ("P8m", f"marginal guest inside one install of {K + 1} guests vs the first install", m(p8_marginal), m(p8_first), m(p8_marginal) / m(p8_first), "s", "<= 0.1"),
            ("P8c", "CPU s (user+sys): first install vs tar --zstd -xf", m(c8_first), m(c8_tar), m(c8_first) / m(c8_tar), "cpu s", "(one core each)"),
            ("P8bc", "CPU s: one more guest (own process) vs the first install", m(c8_next), m(c8_first), m(c8_next) / m(c8_first), "cpu s", "<= 0.1"),
            ("P8mc", f"CPU s: marginal guest inside one install of {K + 1} guests vs the first install", m(c8_marginal), m(c8_first), m(c8_marginal) / m(c8_first), "cpu s", "<= 0.1"),
            ("--", "stork-get process start (--help), included in P4/P8/P8b", startup, None, None, "s", ""),
        ]
        if a.json:
            for r in rows:
                print(json.dumps({"measure": r[0], "what": r[1], "ours": r[2], "baseline": r[3], "ratio": r[4], "unit": r[5], "goal": r[6]}))
        else:
            print(f"\n{len(blobs)} packages, {package_bytes} blob bytes, {full} bytes installed per full copy; medians of {a.reps} runs")
            print(f"{'measure':8}{'ours':>16}{'baseline':>16}{'ratio':>10}  {'goal':18}what")
            for r in rows:
                fmt = (lambda v: "" if v is None else (f"{v:,.0f}" if r[5] == "bytes" else f"{v:.3f}"))
                print(f"{r[0]:8}{fmt(r[2]):>16}{fmt(r[3]):>16}{'' if r[4] is None else f'{r[4]:.4f}':>10}  {r[6]:18}{r[1]} ({r[5]})")
    finally:
        if nginx: nginx.send_signal(signal.SIGTERM); nginx.wait()
        subprocess.run(["chattr", "-R", "-f", "-i", work], capture_output=True)
        for mnt in mounts: subprocess.run(["umount", mnt])
        shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    main()
