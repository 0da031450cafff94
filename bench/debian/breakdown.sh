#!/bin/bash
# What P10's "disk added per guest" consists of, and what Stork spends per guest with and without maintainer scripts.
# The closure of `nginx-light curl ca-certificates python3 jq sudo` (the P10 set) is imported and served as p10.sh does
# (serve.sh), then installed with one stork-get host into three Debian 12 minbase guests, one `install` each:
#   g1 first (pays the download and the store once per host: not a per-guest cost), then
#   g2 with maintainer scripts allowed, and g3 with none allowed (files only), each timed in a cpuacct cgroup.
# Then every file of g2 with link count 1 that the install added (a path that is new, or whose inode changed) is
# grouped: .pyc, /etc/ssl/certs and the CA bundle, dpkg's database, other files under /etc, and the rest; files of
# Stork's packages that are copies (link count 1) are listed with why, and compared with the store's copy.
# Usage (as root): bench/debian/breakdown.sh     (CONFIGURATION=Debug to use a Debug build, LEVEL=N for import-deb)
set -euo pipefail
HERE=$(cd "$(dirname "$0")/../.." && pwd)
CONF=${CONFIGURATION:-Release}
LEVEL=${LEVEL:-9}
DEBS=$HERE/fixtures/cache/debs
MINBASE=$HERE/fixtures/cache/minbase/bookworm-minbase.tar
ROOTS="nginx-light curl ca-certificates python3 jq sudo"
say() { echo "breakdown: $*" >&2; }
[ "$(id -u)" = 0 ] || { echo "error: breakdown.sh needs root (guest roots owned by root, chattr, bwrap)" >&2; exit 7; }
[ -w /sys/fs/cgroup/cpuacct ] || { echo "error: no writable cgroup v1 cpuacct hierarchy at /sys/fs/cgroup/cpuacct (CPU time of the scripts)" >&2; exit 7; }
[ -f "$MINBASE" ] || { echo "error: no minbase image at $MINBASE (bench/debian/p10.sh makes it with mmdebstrap)" >&2; exit 7; }
for p in client/Stork.Get.Cli repo-tools/Stork.Publish.Cli; do
    dotnet build "$HERE/$p" -c "$CONF" -v q -nologo >/dev/null || { echo "error: dotnet build $p failed" >&2; exit 7; }
done
GET="dotnet $HERE/client/Stork.Get.Cli/bin/$CONF/net10.0/stork-get.dll"
PUB="dotnet $HERE/repo-tools/Stork.Publish.Cli/bin/$CONF/net10.0/stork-publish.dll"
ls /var/lib/apt/lists/*Packages* >/dev/null 2>&1 || apt-get update -qq

T=$(mktemp -d -p /var/tmp stork-breakdown.XXXXXX)
cleanup() {
    for pid in $(cat "$T"/pids 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
    for pid in $(cat "$T"/pids 2>/dev/null); do while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done; done
    find "$T" -xdev -type f -exec chattr -i {} + 2>/dev/null || true # store files are immutable (only under $T)
    rm -rf "$T"
}
trap cleanup EXIT
touch "$T/pids"
# shellcheck source=bench/debian/serve.sh
. "$HERE/bench/debian/serve.sh" # import, publish and serve the P10 set (as p10.sh)
# FILE CMD...: appends the CPU seconds of CMD and everything it starts (a cgroup: bwrap's PID namespace hides its
# children's CPU from wait4).
timed() {
    local cg=/sys/fs/cgroup/cpuacct/stork-breakdown-$$-$RANDOM rc=0
    mkdir "$cg"
    if (echo "$BASHPID" >"$cg/tasks"; "${@:2}"); then rc=0; else rc=$?; fi # a subshell: CMD may be a function
    awk '{ printf "%.2f\n", $1 / 1e9 }' "$cg/cpuacct.usage" >>"$1"
    rmdir "$cg" 2>/dev/null || true
    return $rc
}
scripts_allowed() { # ROLES_JSON
    python3 - "$H/config/stork.json" "$1" <<'EOF'
import json, sys
p = sys.argv[1]; c = json.load(open(p)); c["scripts"] = {"allowed_roles": json.loads(sys.argv[2])}; json.dump(c, open(p, "w"))
EOF
}

serve_p10

H="$T/host"
$GET --home "$H" init --repo "http://127.0.0.1:$port/" --root "$T/repo/public/metadata/1.root.json" >/dev/null
scripts_allowed '["targets"]'
for i in 1 2 3; do
    mkdir -p "$T/g$i"; tar -C "$T/g$i" -xf "$MINBASE"
    $GET --home "$H" guest add "g$i" --root "$T/g$i" --base dpkg >/dev/null
done
# shellcheck disable=SC2086
install_into() { $GET --home "$H" install --guest "$1" $ROOTS >"$T/install.$1.out" 2>&1 || { cat "$T/install.$1.out" >&2; exit 7; }; }
say "install into g1 (download and store, once per host)"
timed "$T/cpu.g1" install_into g1
find "$T/g2" -xdev -printf '%i %p\n' >"$T/before.g2"
say "install into g2 (scripts allowed)"
timed "$T/cpu.g2" install_into g2
scripts_allowed '[]'
say "install into g3 (no scripts)"
timed "$T/cpu.g3" install_into g3
find "$T/g2" -xdev -printf '%n %i %s %b %y %m %u %p\n' >"$T/after.g2"

printf 'CPU seconds (cpuacct, the install command and everything it started):\n'
printf '  %-52s %8s\n' "g1: first guest (download, store, scripts)" "$(cat "$T/cpu.g1")"
printf '  %-52s %8s\n' "g2: additional guest, maintainer scripts run" "$(cat "$T/cpu.g2")"
printf '  %-52s %8s\n' "g3: additional guest, no scripts (files only)" "$(cat "$T/cpu.g3")"

python3 - "$T/g2" "$T/before.g2" "$T/after.g2" "$H/state/store" <<'EOF'
import hashlib, os, sys
root, before_file, after_file, store = sys.argv[1:5]
before = {}
for line in open(before_file, encoding="utf-8", errors="surrogateescape"):
    ino, path = line.rstrip("\n").split(" ", 1)
    before[path] = ino
# Paths of Stork's packages in the guest: info/NAME.list of the paragraphs marked Stork-Managed in dpkg's status.
ours, conffiles = set(), set()
for para in open(os.path.join(root, "var/lib/dpkg/status"), encoding="utf-8").read().split("\n\n"):
    fields = dict(l.split(": ", 1) for l in para.splitlines() if ": " in l and not l.startswith(" "))
    if fields.get("Stork-Managed") == "yes":
        conffiles.update(l.split()[0] for l in para.splitlines() if l.startswith(" /"))
        for p in open(os.path.join(root, "var/lib/dpkg/info", fields["Package"] + ".list"), encoding="utf-8"):
            ours.add(p.rstrip("\n"))
groups = {}
copies, others = [], []
symlinks = 0
for line in open(after_file, encoding="utf-8", errors="surrogateescape"):
    nlink, ino, size, blocks, kind, mode, user, path = line.rstrip("\n").split(" ", 7)
    if before.get(path) == ino:
        continue
    if kind == "l":
        symlinks += 1
        continue
    if kind != "f" or nlink != "1":
        continue
    rel = "/" + os.path.relpath(path, root)
    if rel.endswith(".pyc"): g = ".pyc (py3compile in postinst)"
    elif rel == "/etc/ssl/certs/ca-certificates.crt": g = "CA bundle /etc/ssl/certs/ca-certificates.crt"
    elif rel.startswith("/etc/ssl/certs/"): g = "/etc/ssl/certs (other files)"
    elif rel.startswith("/var/lib/dpkg/"): g = "dpkg database (status, info/*.list, md5sums, scripts)"
    elif rel in ours: g = "package files copied by Stork"
    elif rel.startswith("/etc/"): g = "/etc, written by scripts"
    else: g = "other files written by scripts"
    n, b = groups.get(g, (0, 0))
    groups[g] = (n + 1, b + int(blocks) * 512)
    if g.startswith("other") or g.startswith("/etc, written"):
        others.append((int(blocks) * 512, rel))
    if rel in ours:
        copies.append((int(blocks) * 512, rel, mode, user))
total = sum(b for _, b in groups.values())
print(f"\nFiles with link count 1 that the install added to g2 ({symlinks} new symlinks not counted):")
print(f"  {'group':<56} {'files':>6} {'disk bytes':>12} {'share':>6}")
for g, (n, b) in sorted(groups.items(), key=lambda x: -x[1][1]):
    print(f"  {g:<56} {n:>6} {b:>12} {100 * b / max(total, 1):>5.1f}%")
print(f"  {'all':<56} {sum(n for n, _ in groups.values()):>6} {total:>12}")
print("\nFiles scripts wrote outside dpkg's database, the .pyc and /etc/ssl/certs (largest first):")
for b, rel in sorted(others, reverse=True)[:15]:
    print(f"  {b:>10} {rel}")
# Why each copy is a copy: config files (the guest may edit them), an owner other than root or a set-id bit (one inode
# cannot carry different owners per guest), or content a script changed (then it differs from the store).
def why(rel, mode, user):
    if rel in conffiles: return "config file"
    if user != "root": return "owner " + user
    if int(mode, 8) & 0o6000: return "set-id bit"
    return "none of these: could it be linked?"
print("\nPackage files that are copies in g2 (largest first):")
print(f"  {'disk bytes':>10} {'mode':>5} {'why':<36} path")
shown = sorted(copies, reverse=True)[:20]
shown += [c for c in copies if c not in shown and why(c[1], c[2], c[3]).startswith("none")]
for b, rel, mode, user in shown:
    print(f"  {b:>10} {mode:>5} {why(rel, mode, user):<36} {rel}")
if len(copies) > len(shown):
    print(f"  ... {len(copies) - len(shown)} more (counted in 'by reason')")
reasons = {}
for b, rel, mode, user in copies:
    r = why(rel, mode, user).split(" ")[0]
    n, t = reasons.get(r, (0, 0)); reasons[r] = (n + 1, t + b)
print("  by reason: " + ", ".join(f"{r}: {n} files, {t} bytes" for r, (n, t) in sorted(reasons.items())))
EOF
