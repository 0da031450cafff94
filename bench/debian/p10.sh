#!/bin/bash
# P10 benchmark: the closure of `nginx-light curl ca-certificates python3 jq sudo` into N Debian 12 minbase guests
# with Stork (import-deb + add --publish, served by nginx on 127.0.0.1, `guest add --base dpkg`, scripts allowed)
# against `dpkg -i` of the same .debs inside each of N other minbase guests (chroot). No network beyond loopback.
# Measures: time (one `stork-get install` of all guests vs one `dpkg -i` per guest), disk added per additional guest
# (du over all roots and the store, so hard-linked blocks count once), and Pss_File of the N running nginx masters.
# Usage (as root): bench/debian/p10.sh [--json] [N]      (default N=10; CONFIGURATION=Debug to use a Debug build)
# Needs: mmdebstrap (only if fixtures/cache/minbase has no tarball), nginx, bwrap, chattr, curl; installed if missing.
set -euo pipefail
JSON=0; [ "${1:-}" = --json ] && { JSON=1; shift; }
N=${1:-10}
HERE=$(cd "$(dirname "$0")/../.." && pwd)
CONF=${CONFIGURATION:-Release}
DEBS=$HERE/fixtures/cache/debs
MINBASE=$HERE/fixtures/cache/minbase/bookworm-minbase.tar
ROOTS="nginx-light curl ca-certificates python3 jq sudo"
say() { echo "p10: $*" >&2; }
[ "$(id -u)" = 0 ] || { echo "error: p10.sh needs root (chroot, guest roots owned by root, chattr)" >&2; exit 7; }
[ "$N" -ge 2 ] || { echo "error: N must be at least 2 (disk per additional guest)" >&2; exit 2; }
[ -w /sys/fs/cgroup/cpuacct ] || { echo "error: no writable cgroup v1 cpuacct hierarchy at /sys/fs/cgroup/cpuacct (CPU time of the scripts)" >&2; exit 7; }

missing=()
for pair in "nginx nginx-light" "bwrap bubblewrap" "chattr e2fsprogs" "curl curl" "mmdebstrap mmdebstrap" "bc bc"; do
    cmd=${pair%% *}; [ -x "/usr/sbin/$cmd" ] || command -v "$cmd" >/dev/null 2>&1 || missing+=("${pair#* }")
done
[ ${#missing[@]} -eq 0 ] || { say "installing ${missing[*]}"; apt-get install -y -qq "${missing[@]}" >/dev/null; }
for p in client/Stork.Get.Cli repo-tools/Stork.Publish.Cli; do
    dotnet build "$HERE/$p" -c "$CONF" -v q -nologo >/dev/null || { echo "error: dotnet build $p failed" >&2; exit 7; }
done
GET="dotnet $HERE/client/Stork.Get.Cli/bin/$CONF/net10.0/stork-get.dll"
PUB="dotnet $HERE/repo-tools/Stork.Publish.Cli/bin/$CONF/net10.0/stork-publish.dll"
if [ ! -f "$MINBASE" ]; then
    say "making the minbase image (once) with mmdebstrap"
    mkdir -p "$(dirname "$MINBASE")"
    mmdebstrap --variant=minbase --mode=root --format=tar --quiet bookworm "$MINBASE.partial.tar"
    mv "$MINBASE.partial.tar" "$MINBASE"
fi
ls /var/lib/apt/lists/*Packages* >/dev/null 2>&1 || apt-get update -qq

T=$(mktemp -d -p /var/tmp stork-p10.XXXXXX)
cleanup() {
    for pid in $(cat "$T"/pids 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
    for pid in $(cat "$T"/pids 2>/dev/null); do while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done; done
    # Store files are immutable and hard-linked into the Stork guests: lift the flag of files under $T only.
    find "$T" -xdev -type f -exec chattr -i {} + 2>/dev/null || true
    rm -rf "$T"
}
trap cleanup EXIT
touch "$T/pids"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { # URL: poll until it answers, for at most 60 s
    for _ in $(seq 300); do curl -sf -o /dev/null "$1" && return 0; sleep 0.2; done
    echo "error: $1 did not answer within 60 s" >&2; exit 7
}
du_b() { du -s -B1 -c "$@" | tail -1 | cut -f1; } # blocks in bytes, each inode once across all arguments
# FILE CMD...: appends "WALL_SECONDS CPU_SECONDS" of CMD and everything it starts. CPU comes from a cpuacct cgroup
# of its own, not from wait4's rusage: bwrap's PID namespace hides the CPU of the scripts it runs from its parent.
timed() {
    local cg=/sys/fs/cgroup/cpuacct/stork-p10-$$-$RANDOM rc=0 s e
    mkdir "$cg"
    s=$(date +%s.%N)
    if (echo "$BASHPID" >"$cg/tasks"; exec "${@:2}"); then rc=0; else rc=$?; fi
    e=$(date +%s.%N)
    echo "$(echo "$e - $s" | bc) $(awk '{ printf "%.2f", $1 / 1e9 }' "$cg/cpuacct.usage")" >>"$1"
    rmdir "$cg" 2>/dev/null || true
    return $rc
}

say "import-deb --from-apt + add --publish"
$PUB init "$T/repo" >/dev/null 2>&1
# shellcheck disable=SC2086
$PUB import-deb --from-apt $ROOTS --cache "$DEBS" --output "$T/imported" >/dev/null 2>"$T/import.err" \
    || { cat "$T/import.err" >&2; exit 7; }
$PUB add "$T/repo" "$T"/imported/*.stork --publish >/dev/null
port=$(free_port)
mkdir -p "$T/nginx"
cat >"$T/nginx/nginx.conf" <<EOF
daemon off; master_process off; worker_processes 1; error_log $T/nginx/error.log warn; pid $T/nginx/nginx.pid;
events { worker_connections 256; }
http { access_log off; client_body_temp_path $T/nginx/cb; proxy_temp_path $T/nginx/p; fastcgi_temp_path $T/nginx/f;
  uwsgi_temp_path $T/nginx/u; scgi_temp_path $T/nginx/s; default_type application/octet-stream; sendfile on;
  server { listen 127.0.0.1:$port; root $T/repo/public; } }
EOF
nginx -c "$T/nginx/nginx.conf" -e "$T/nginx/error.log" & echo $! >>"$T/pids"
wait_http "http://127.0.0.1:$port/metadata/timestamp.json"

say "extracting $((2 * N)) minbase guests"
for i in $(seq "$N"); do
    for side in stork dpkg; do mkdir -p "$T/$side/g$i"; tar -C "$T/$side/g$i" -xf "$MINBASE"; done
done
base=$(du_b "$T/stork/g1")

H="$T/host"
$GET --home "$H" init --repo "http://127.0.0.1:$port/" --root "$T/repo/public/metadata/1.root.json" >/dev/null
python3 - "$H/config/stork.json" <<'EOF'
import json, sys
p = sys.argv[1]; c = json.load(open(p)); c["scripts"] = {"allowed_roles": ["targets"]}; json.dump(c, open(p, "w"))
EOF

say "Stork: guest add --base dpkg x$N + one install"
guests=()
for i in $(seq "$N"); do guests+=(--guest "g$i"); done
timed "$T/time.stork" sh -c "for i in \$(seq $N); do $GET --home '$H' guest add g\$i --root '$T/stork/g'\$i --base dpkg >/dev/null || exit 1; done
  $GET --home '$H' install ${guests[*]} $ROOTS >'$T/install.out'" || { cat "$T/install.out" >&2; exit 7; }

# The baseline installs what Stork installed: the closure's .debs of packages the image does not have.
debs=()
for d in "$DEBS"/*.deb; do
    pkg=$(dpkg-deb -f "$d" Package)
    chroot "$T/dpkg/g1" dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null | grep -q ' installed$' || debs+=("$d")
done
# dpkg -i cannot unpack a package before its Pre-Depends are configured (python3-minimal needs python3.11-minimal), so,
# as apt would, the .debs go in layers: each layer's Pre-Depends within the set are in earlier layers.
declare -A pkg_of pre_of layer_of
for d in "${debs[@]}"; do pkg_of[$d]=$(dpkg-deb -f "$d" Package); done
for d in "${debs[@]}"; do
    pre_of[$d]=$(dpkg-deb -f "$d" Pre-Depends | tr ',|' '\n\n' | sed 's/^ *//; s/[ (:].*//')
done
level=0; left=${#debs[@]}
while [ "$left" -gt 0 ]; do
    assigned=()
    for d in "${debs[@]}"; do
        [ -z "${layer_of[$d]:-}" ] || continue
        ok=1
        for dep in ${pre_of[$d]}; do
            for e in "${debs[@]}"; do
                [ "${pkg_of[$e]}" = "$dep" ] && [ "${layer_of[$e]:-x}" = x ] && ok=0
            done
        done
        [ $ok = 1 ] && assigned+=("$d")
    done
    [ ${#assigned[@]} -gt 0 ] || { echo "error: Pre-Depends cycle among the .debs" >&2; exit 7; }
    for d in "${assigned[@]}"; do layer_of[$d]=$level; left=$((left - 1)); done
    level=$((level + 1))
done
say "dpkg -i of ${#debs[@]} .debs ($level layers by Pre-Depends) in each of $N guests"
for i in $(seq "$N"); do
    g="$T/dpkg/g$i"
    mkdir -p "$g/tmp/p10"; cp "${debs[@]}" "$g/tmp/p10/"
    # As Stork does while scripts run: no service may start (nginx's postinst would start it on port 80).
    printf '#!/bin/sh\nexit 101\n' >"$g/usr/sbin/policy-rc.d"; chmod 755 "$g/usr/sbin/policy-rc.d"
    cmd=""
    for l in $(seq 0 $((level - 1))); do
        cmd="$cmd dpkg -i"
        for d in "${debs[@]}"; do [ "${layer_of[$d]}" = "$l" ] && cmd="$cmd /tmp/p10/$(basename "$d")"; done
        cmd="$cmd &&"
    done
    timed "$T/time.dpkg" chroot "$g" sh -c "$cmd dpkg --audit" >"$T/dpkg-$i.log" 2>&1 \
        || { tail -20 "$T/dpkg-$i.log" >&2; echo "error: dpkg -i failed in guest $i" >&2; exit 7; }
    rm -rf "$g/tmp/p10" "$g/usr/sbin/policy-rc.d"
done

sum_time() { awk -v c="$2" '{ s += (c == "wall" ? $1 : $2) } END { printf "%.1f", s }' "$1"; }
wall_s=$(sum_time "$T/time.stork" wall); cpu_s=$(sum_time "$T/time.stork" cpu)
wall_d=$(sum_time "$T/time.dpkg" wall); cpu_d=$(sum_time "$T/time.dpkg" cpu)

# Disk: (everything with N guests - everything with 1 guest) / (N - 1), minus the base image each guest has anyway.
others_s=(); others_d=()
for i in $(seq 2 "$N"); do others_s+=("$T/stork/g$i"); others_d+=("$T/dpkg/g$i"); done
one_s=$(du_b "$H/state/store" "$T/stork/g1"); all_s=$(du_b "$H/state/store" "$T/stork/g1" "${others_s[@]}")
one_d=$(du_b "$T/dpkg/g1"); all_d=$(du_b "$T/dpkg/g1" "${others_d[@]}")
disk_s=$(( (all_s - one_s) / (N - 1) - base )); disk_d=$(( (all_d - one_d) / (N - 1) - base ))

say "starting $((2 * N)) nginx masters (worker_processes 1, default site on a loopback port)"
for side in stork dpkg; do
    for i in $(seq "$N"); do
        g="$T/$side/g$i"; p=$(free_port)
        sed -i "s/listen 80 default_server;/listen 127.0.0.1:$p default_server;/; /listen \[::\]:80 default_server;/d" \
            "$g/etc/nginx/sites-available/default"
        sed -i 's/^worker_processes .*/worker_processes 1;/' "$g/etc/nginx/nginx.conf"
        chroot "$g" /usr/sbin/nginx
        wait_http "http://127.0.0.1:$p/"
        cat "$g/run/nginx.pid" >>"$T/pids"; echo "$(cat "$g/run/nginx.pid")" >"$T/master.$side.$i"
    done
done
pss() { # SIDE: Pss_File of its N masters, kB
    local s=0 pid
    for i in $(seq "$N"); do
        pid=$(cat "$T/master.$1.$i")
        s=$((s + $(awk '/^Pss_File:/ { print $2 }' "/proc/$pid/smaps_rollup")))
    done
    echo "$s"
}
pss_s=$(pss stork); pss_d=$(pss dpkg)

ratio() { echo "scale=4; $1 / $2" | bc | sed 's/^\./0./'; }
row() { # MEASURE OURS BASELINE
    if [ "$JSON" = 1 ]; then
        printf '{"measure":"%s","ours":%s,"baseline":%s,"ratio":%s}\n' "$1" "$2" "$3" "$(ratio "$2" "$3")"
    else
        printf '%-34s %14s %14s %8s\n' "$1" "$2" "$3" "$(ratio "$2" "$3")"
    fi
}
[ "$JSON" = 1 ] || printf '%-34s %14s %14s %8s\n' "measure ($N guests, ${#debs[@]} packages)" "stork" "dpkg -i" "ratio"
row time_wall_s "$wall_s" "$wall_d"
row time_cpu_s "$cpu_s" "$cpu_d"
row disk_per_added_guest_bytes "$disk_s" "$disk_d"
row pss_file_nginx_masters_kb "$pss_s" "$pss_d"
