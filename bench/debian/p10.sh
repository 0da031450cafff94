#!/bin/bash
# P10 benchmark: the closure of `nginx-light curl ca-certificates python3 jq sudo` into N Debian 12 minbase guests
# with Stork (import-deb + add --publish, served by nginx on 127.0.0.1, `guest add --base dpkg`, one install) against
# `dpkg -i` of the same .debs inside each of N other minbase guests (chroot). No network beyond loopback (and
# `apt-get download` of the image's packages into a cache, for the adopt variant).
# Stork variants, each on its own N guests and its own host (store), each against the same dpkg -i guests:
#   scripts  maintainer scripts allowed for the targets role (they run in bwrap)
#   files    Stork's default policy, no scripts: files shared and registered in the guest's dpkg database
#   adopt    the image's own packages (at the image's exact versions) are published too, `stork-get adopt` turns them
#            into Stork packages in every guest, then the set is installed as in `scripts`; skipped, saying so, when
#            `stork-get adopt --help` fails
#   adopt-files  adopt as above, then the set installed as in `files` (no scripts)
# Measures per variant: time (CPU s from a cpuacct cgroup, and wall s) of what the variant does for the guests, disk
# added per additional guest (minus the base image), the whole guest per additional guest (base image included), and
# Pss_File of the N running nginx masters.
# Usage (as root): bench/debian/p10.sh [--json] [--variants scripts,files,adopt,adopt-files] [--fs xfs|btrfs|ext4] [N]
#   (default N=10, all variants, the filesystem of /var/tmp; --fs: a fresh loop-mounted filesystem of that type)
#   AOT=0 to time the JIT build of stork-get instead of the NativeAOT one hosts run.
#   CONFIGURATION=Debug to use a Debug build; LEVEL=N for import-deb's zstd level (the store, not the guests);
#   P10_SMAPS=DIR keeps each master's and worker's /proc/PID/smaps under DIR/VARIANT (which mappings are not shared).
# Needs: mmdebstrap (only if fixtures/cache/minbase has no tarball), nginx, bwrap, chattr, curl; installed if missing.
set -euo pipefail
shopt -s inherit_errexit # a failure inside $(...) stops the run too
JSON=0; N=10; VARIANTS=scripts,files,adopt,adopt-files; FS=
while [ $# -gt 0 ]; do
    case $1 in
        --json) JSON=1; shift ;;
        --variants) [ $# -ge 2 ] || { echo "error: --variants needs a list (scripts,files,adopt,adopt-files)" >&2; exit 2; }
            VARIANTS=$2; shift 2 ;;
        --variants=*) VARIANTS=${1#--variants=}; shift ;;
        --fs) [ $# -ge 2 ] || { echo "error: --fs needs a filesystem type (xfs, btrfs or ext4)" >&2; exit 2; }
            FS=$2; shift 2 ;;
        --fs=*) FS=${1#--fs=}; shift ;;
        [0-9]*) N=$1; shift ;;
        *) echo "error: unknown argument '$1' (usage: p10.sh [--json] [--variants scripts,files,adopt,adopt-files] [--fs xfs|btrfs|ext4] [N])" >&2; exit 2 ;;
    esac
done
case $FS in ''|xfs|btrfs|ext4) ;; *) echo "error: --fs '$FS' is not one of xfs, btrfs, ext4" >&2; exit 2 ;; esac
IFS=, read -r -a variants <<<"$VARIANTS"
[ ${#variants[@]} -gt 0 ] || { echo "error: --variants is empty" >&2; exit 2; }
for v in "${variants[@]}"; do
    case $v in scripts|files|adopt|adopt-files) ;; *) echo "error: unknown variant '$v' (scripts, files, adopt, adopt-files)" >&2; exit 2 ;; esac
done
HERE=$(cd "$(dirname "$0")/../.." && pwd)
CONF=${CONFIGURATION:-Release}
DEBS=$HERE/fixtures/cache/debs
IMAGE_DEBS=$HERE/fixtures/cache/image-debs
MINBASE=$HERE/fixtures/cache/minbase/bookworm-minbase.tar
ROOTS="nginx-light curl ca-certificates python3 jq sudo"
say() { echo "p10: $*" >&2; }
[ "$(id -u)" = 0 ] || { echo "error: p10.sh needs root (chroot, guest roots owned by root, chattr)" >&2; exit 7; }
[ "$N" -ge 2 ] 2>/dev/null || { echo "error: N must be a number of at least 2 (disk per additional guest)" >&2; exit 2; }
[ -w /sys/fs/cgroup/cpuacct ] || { echo "error: no writable cgroup v1 cpuacct hierarchy at /sys/fs/cgroup/cpuacct (CPU time of the scripts)" >&2; exit 7; }
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
say "load average at start: $load_start"

missing=()
for pair in "nginx nginx-light" "bwrap bubblewrap" "chattr e2fsprogs" "curl curl" "mmdebstrap mmdebstrap" "bc bc"; do
    cmd=${pair%% *}; [ -x "/usr/sbin/$cmd" ] || command -v "$cmd" >/dev/null 2>&1 || missing+=("${pair#* }")
done
[ ${#missing[@]} -eq 0 ] || { say "installing ${missing[*]}"; apt-get install -y -qq "${missing[@]}" >/dev/null; }
for p in client/Stork.Get.Cli repo-tools/Stork.Publish.Cli; do
    dotnet build "$HERE/$p" -c "$CONF" -v q -nologo >/dev/null || { echo "error: dotnet build $p failed" >&2; exit 7; }
done
# stork-get as hosts run it: the NativeAOT binary (it starts in ~20 ms, the JIT build in 150-300 ms, and every
# `guest add` is a process). AOT=0 times the JIT build instead.
if [ "${AOT:-1}" = 1 ]; then
    AOT_DIR=$HERE/client/Stork.Get.Cli/bin/$CONF/aot
    dotnet publish "$HERE/client/Stork.Get.Cli" -c "$CONF" -r linux-x64 -o "$AOT_DIR" -v q -nologo >/dev/null \
        || { echo "error: dotnet publish (NativeAOT) of client/Stork.Get.Cli failed" >&2; exit 7; }
    GET="$AOT_DIR/stork-get"
else
    GET="dotnet $HERE/client/Stork.Get.Cli/bin/$CONF/net10.0/stork-get.dll"
fi
PUB="dotnet $HERE/repo-tools/Stork.Publish.Cli/bin/$CONF/net10.0/stork-publish.dll"
# The adopt variant needs `stork-get adopt`; without it the variant is skipped, never replaced by something else.
run=()
for v in "${variants[@]}"; do
    if [[ $v == adopt* ]] && ! $GET adopt --help >/dev/null 2>&1; then
        say "$v: skipped: \`stork-get adopt --help\` failed, this stork-get has no adopt command"
        continue
    fi
    run+=("$v")
done
[ ${#run[@]} -gt 0 ] || { echo "error: no variant left to run (--variants $VARIANTS)" >&2; exit 7; }
if [ ! -f "$MINBASE" ]; then
    say "making the minbase image (once) with mmdebstrap"
    mkdir -p "$(dirname "$MINBASE")"
    mmdebstrap --variant=minbase --mode=root --format=tar --quiet bookworm "$MINBASE.partial.tar"
    mv "$MINBASE.partial.tar" "$MINBASE"
fi
ls /var/lib/apt/lists/*Packages* >/dev/null 2>&1 || apt-get update -qq

T=$(mktemp -d -p /var/tmp stork-p10.XXXXXX)
stop_pids() { # FILE: stops the processes it lists and waits until they are gone
    for pid in $(cat "$1" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
    for pid in $(cat "$1" 2>/dev/null); do while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done; done
}
remove_tree() { # DIR under $T: store files are immutable and hard-linked into the Stork guests; lift the flag there only
    find "$1" -xdev -type f -exec chattr -i {} + 2>/dev/null || true
    rm -rf "$1"
}
cleanup() {
    stop_pids "$T/masters"; stop_pids "$T/pids"
    if [ -n "$FS" ]; then find "$T" -xdev -type f -exec chattr -i {} + 2>/dev/null || true; umount "$T" || true; rm -f "$T.img"; rmdir "$T" 2>/dev/null || true
    else remove_tree "$T"; fi
}
trap cleanup EXIT
# --fs TYPE: everything (repository, stores, all guests on both sides) on a fresh loop-mounted filesystem of that type,
# so the disk rows are measured there (on xfs and btrfs a small directory takes no data block; on ext4 it takes 4 KiB).
if [ -n "$FS" ]; then
    command -v "mkfs.$FS" >/dev/null || { echo "error: --fs $FS needs mkfs.$FS (apt-get install xfsprogs/btrfs-progs)" >&2; exit 7; }
    truncate -s 24G "$T.img"
    "mkfs.$FS" -q "$T.img" >/dev/null 2>&1 || "mkfs.$FS" -F -q "$T.img" >/dev/null
    mount -o loop "$T.img" "$T" || { echo "error: cannot loop-mount a $FS image at $T" >&2; exit 7; }
    say "working on a loop-mounted $FS ($T.img)"
fi
touch "$T/pids" "$T/masters"
# shellcheck source=bench/debian/serve.sh
. "$HERE/bench/debian/serve.sh" # import, publish and serve the P10 set (as breakdown.sh)
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
sum_time() { awk -v c="$2" '{ s += (c == "wall" ? $1 : $2) } END { printf "%.1f", s }' "$1"; }
extract_guests() { # DIR: N minbase roots DIR/g1..gN (not timed); base = the blocks of one fresh root
    for i in $(seq "$N"); do mkdir -p "$1/g$i"; tar -C "$1/g$i" -xf "$MINBASE"; done
    [ -n "${base:-}" ] || base=$(du_b "$1/g1")
}
# DIR [STORE]: "ADDED WHOLE": the bytes each guest after the first adds, (everything with N guests - everything with
# the first) / (N - 1), counting the store and all roots at once (a hard-linked inode counts once); ADDED is that
# minus the base image every guest has anyway, WHOLE is the whole guest.
disk_per_guest() {
    local others=() one all i
    for i in $(seq 2 "$N"); do others+=("$1/g$i"); done
    one=$(du_b ${2:+"$2"} "$1/g1"); all=$(du_b ${2:+"$2"} "$1/g1" "${others[@]}")
    echo "$(( (all - one) / (N - 1) - base )) $(( (all - one) / (N - 1) ))"
}
# DIR: starts nginx in each guest of DIR with one minimal config of ours (/etc/nginx/p10.conf: worker_processes 1, one
# server answering 200 on its own loopback port, the echo module loaded as libnginx-mod-http-echo's postinst would
# enable it), waits until it answers, and, once all N run, prints the sum of the masters' Pss_File (kB). Every side
# runs the same config, so the masters do the same work and touch the same code: only how their files are shared
# differs (a guest without nginx-common's postinst has no enabled default site anyway).
start_nginx_pss() {
    local i g p pid s=0
    # From a cold page cache on every side: how many pages a fault maps around it depends on how the file entered the
    # cache (large folios from read-ahead, when Stork hashed or wrote it, against pages that tar wrote), so a warm
    # cache would compare cache histories, not sharing. Cold, each dpkg master reads its own copy as the first Stork
    # master reads the shared one, and the masters' Rss agree.
    sync; echo 1 >/proc/sys/vm/drop_caches
    for i in $(seq "$N"); do
        g="$1/g$i"; p=$(free_port)
        cat >"$g/etc/nginx/p10.conf" <<EOF
user www-data; worker_processes 1; pid /run/nginx-p10.pid; error_log /tmp/nginx-p10-error.log;
load_module /usr/lib/nginx/modules/ngx_http_echo_module.so;
events { worker_connections 64; }
http { access_log off; client_body_temp_path /tmp/p10-cb; proxy_temp_path /tmp/p10-p; fastcgi_temp_path /tmp/p10-f;
  uwsgi_temp_path /tmp/p10-u; scgi_temp_path /tmp/p10-s;
  server { listen 127.0.0.1:$p; location / { return 200 "p10\n"; } } }
EOF
        chroot "$g" /usr/sbin/nginx -c /etc/nginx/p10.conf -e /tmp/nginx-p10-error.log
        pid=$(cat "$g/run/nginx-p10.pid")
        echo "$pid" >>"$T/masters"
        wait_http "http://127.0.0.1:$p/"
        # The files the first master maps, as paths in its guest: compared across variants at the end.
        [ "$i" != 1 ] || awk '$6 ~ /^\// { print $6 }' "/proc/$pid/maps" | sed "s|^$g/|/|" | sort -u >"$T/maps.${1##*/}"
    done
    # Read only once all N masters run: a page's Pss is divided among the processes mapping it at the time of reading,
    # so a master read before the others start would count shared pages as its own.
    for pid in $(cat "$T/masters"); do
        s=$((s + $(awk '/^Pss_File:/ { print $2 }' "/proc/$pid/smaps_rollup")))
        # P10_SMAPS=DIR keeps every master's smaps (and its worker's), to see which mappings are not shared.
        [ -z "${P10_SMAPS:-}" ] || { mkdir -p "$P10_SMAPS/${1##*/}"; cp "/proc/$pid/smaps" "$P10_SMAPS/${1##*/}/master-$pid"
            awk '$6 ~ /^\// { print $6 }' "/proc/$pid/maps" | sort -u | xargs stat -c '%i %h %s %n' >"$P10_SMAPS/${1##*/}/inodes-$pid"
            for w in $(cat "/proc/$pid/task/$pid/children" 2>/dev/null); do cp "/proc/$w/smaps" "$P10_SMAPS/${1##*/}/worker-$w"; done; }
    done
    echo "$s"
}

serve_p10
declare -A cpu wall disk whole pss install_cpu install_disk
# The image's own packages, into the same repository (not timed: publisher side; serve.sh).
[[ " ${run[*]} " != *" adopt"* ]] || publish_image

guests=()
for i in $(seq "$N"); do guests+=(--guest "g$i"); done
for v in "${run[@]}"; do
    D="$T/$v"; H="$D/host"
    say "$v: extracting $N minbase guests"
    extract_guests "$D"
    $GET --home "$H" init --repo "http://127.0.0.1:$port/" --root "$T/repo/public/metadata/1.root.json" >/dev/null
    if [[ $v != *files ]]; then # files and adopt-files keep the default policy: no maintainer scripts
        python3 - "$H/config/stork.json" <<'EOF'
import json, sys
p = sys.argv[1]; c = json.load(open(p)); c["scripts"] = {"allowed_roles": ["targets"]}; json.dump(c, open(p, "w"))
EOF
    fi
    adopt=""
    [[ $v != adopt* ]] || adopt="$GET --home '$H' adopt ${guests[*]//--guest/-g} >'$D/adopt.out' 2>&1 || exit 1"
    say "$v: guest add --base dpkg x$N${adopt:+, adopt} + one install"
    # Timed in two parts (both count in time_*): the guests' registration (and adoption), then the install alone.
    timed "$D/time" sh -c "for i in \$(seq $N); do $GET --home '$H' guest add g\$i --root '$D/g'\$i --base dpkg >/dev/null || exit 1; done
      ${adopt:-:}" \
        || { cat "$D/adopt.out" 2>/dev/null | tail -20 >&2; echo "error: the $v variant failed" >&2; exit 7; }
    # For the adopt variants, the disk the install alone adds per guest: counted after adoption, subtracted after the install.
    [[ $v != adopt* ]] || before_install=$(disk_per_guest "$D" "$H/state/store")
    timed "$D/time.install" $GET --home "$H" install ${guests[*]} $ROOTS >"$D/install.out" 2>&1 \
        || { tail -20 "$D/install.out" >&2; echo "error: the $v variant failed" >&2; exit 7; }
    [[ $v != adopt* ]] || say "$v: $(tail -1 "$D/adopt.out")"
    install_cpu[$v]=$(sum_time "$D/time.install" cpu)
    cat "$D/time.install" >>"$D/time"
    wall[$v]=$(sum_time "$D/time" wall); cpu[$v]=$(sum_time "$D/time" cpu)
    dw=$(disk_per_guest "$D" "$H/state/store"); disk[$v]=${dw% *}; whole[$v]=${dw#* }
    [[ $v != adopt* ]] || install_disk[$v]=$(( ${dw% *} - ${before_install% *} ))
    say "$v: starting $N nginx masters"
    pss[$v]=$(start_nginx_pss "$D")
    stop_pids "$T/masters"; : >"$T/masters"
    remove_tree "$D"
done

# The baseline installs what Stork installed: the closure's .debs of packages the image does not have.
say "dpkg: extracting $N minbase guests"
extract_guests "$T/dpkg"
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
say "dpkg: dpkg -i of ${#debs[@]} .debs ($level layers by Pre-Depends) in each of $N guests"
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
wall_d=$(sum_time "$T/time.dpkg" wall); cpu_d=$(sum_time "$T/time.dpkg" cpu)
dw=$(disk_per_guest "$T/dpkg"); disk_d=${dw% *}; whole_d=${dw#* }
say "dpkg: starting $N nginx masters"
pss_d=$(start_nginx_pss "$T/dpkg")
stop_pids "$T/masters"; : >"$T/masters"
for v in "${run[@]}"; do # the Pss rows compare like with like only if the masters map the same files
    if [ ! -s "$T/maps.dpkg" ] || ! cmp -s "$T/maps.$v" "$T/maps.dpkg"; then
        say "$v: warning: its nginx master maps other files than the dpkg guests' ($(diff "$T/maps.$v" "$T/maps.dpkg" | grep '^[<>]' | tr '\n' ' '))"
    fi
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
say "load average at end: $load_end"

ratio() { echo "scale=4; $1 / $2" | bc | sed 's/^\./0./; s/^-\./-0./'; }
row() { # MEASURE OURS BASELINE
    if [ "$JSON" = 1 ]; then
        printf '{"measure":"%s","ours":%s,"baseline":%s,"ratio":%s}\n' "$1" "$2" "$3" "$(ratio "$2" "$3")"
    else
        printf '%-44s %14s %14s %8s\n' "$1" "$2" "$3" "$(ratio "$2" "$3")"
    fi
}
[ "$JSON" = 1 ] || printf '%-44s %14s %14s %8s\n' "measure ($N guests, ${#debs[@]} packages)" "stork" "dpkg -i" "ratio"
for v in "${run[@]}"; do
    row "$v.time_wall_s" "${wall[$v]}" "$wall_d"
    row "$v.time_cpu_s" "${cpu[$v]}" "$cpu_d"
    [[ $v != adopt* ]] || row "$v.install_only_cpu_s" "${install_cpu[$v]}" "$cpu_d"
    row "$v.disk_per_added_guest_bytes" "${disk[$v]}" "$disk_d"
    [[ $v != adopt* ]] || row "$v.install_only_disk_per_added_guest_bytes" "${install_disk[$v]}" "$disk_d"
    row "$v.whole_guest_per_added_guest_bytes" "${whole[$v]}" "$whole_d"
    row "$v.pss_file_nginx_masters_kb" "${pss[$v]}" "$pss_d"
done
[ "$JSON" = 1 ] || echo "load average (1, 5, 15 min): $load_start at start, $load_end at end"
