#!/bin/bash
# CPU seconds of `guest add --base dpkg` and of `stork-get adopt` per Debian minbase guest, with the NativeAOT client
# (what hosts run): the P10 adopt-files variant's registration part (p10.sh), guest by guest, so the first guest
# (store ingest of the image's packages) and the further ones (store hits) show apart.
# Usage (as root): bench/debian/adopt-cpu.sh [N]   (default N=3 guests)
#   STORK_GET=PATH uses that stork-get binary instead of publishing one (dotnet publish -r linux-x64, NativeAOT).
#   ADOPT_KEEP=1 keeps the work directory; ADOPT_STRACE=1 adds `strace -c -f` of each adopt (syscall counts, not timed).
# Prints one line per guest and command: "gI add|adopt USER+SYS_S" plus STORK_TIMINGS=1 phase lines (timing: ...).
set -euo pipefail
shopt -s inherit_errexit
N=${1:-3}
[ "$N" -ge 1 ] 2>/dev/null || { echo "error: N must be a number of at least 1" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "error: adopt-cpu.sh needs root (guest roots owned by root, chattr)" >&2; exit 7; }
HERE=$(cd "$(dirname "$0")/../.." && pwd)
DEBS=$HERE/fixtures/cache/debs
IMAGE_DEBS=$HERE/fixtures/cache/image-debs
MINBASE=$HERE/fixtures/cache/minbase/bookworm-minbase.tar
ROOTS="nginx-light curl ca-certificates python3 jq sudo"
say() { echo "adopt-cpu: $*" >&2; }
[ -f "$MINBASE" ] || { echo "error: $MINBASE is missing (bench/debian/p10.sh makes it once with mmdebstrap)" >&2; exit 7; }
for cmd in nginx chattr curl; do
    [ -x "/usr/sbin/$cmd" ] || command -v "$cmd" >/dev/null 2>&1 || { echo "error: $cmd is missing (./test.sh installs it)" >&2; exit 7; }
done
[ -x /usr/bin/time ] || { echo "error: /usr/bin/time is missing (apt-get install time)" >&2; exit 7; }
dotnet build "$HERE/repo-tools/Stork.Publish.Cli" -c Release -v q -nologo >/dev/null || { echo "error: dotnet build stork-publish failed" >&2; exit 7; }
PUB="dotnet $HERE/repo-tools/Stork.Publish.Cli/bin/Release/net10.0/stork-publish.dll"

T=$(mktemp -d -p /var/tmp stork-adopt-cpu.XXXXXX)
stop_pids() { for pid in $(cat "$1" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done; }
cleanup() {
    stop_pids "$T/pids"
    if [ "${ADOPT_KEEP:-0}" = 1 ]; then say "kept $T"; return; fi
    find "$T" -xdev -type f -exec chattr -i {} + 2>/dev/null || true
    rm -rf "$T"
}
trap cleanup EXIT
touch "$T/pids"
if [ -n "${STORK_GET:-}" ]; then
    GET=$STORK_GET
else
    say "dotnet publish stork-get (NativeAOT)"
    dotnet publish "$HERE/client/Stork.Get.Cli" -c Release -r linux-x64 -o "$T/aot" -v q -nologo >"$T/publish.log" 2>&1 \
        || { tail -20 "$T/publish.log" >&2; echo "error: dotnet publish of stork-get failed" >&2; exit 7; }
    GET=$T/aot/stork-get
fi
[ -x "$GET" ] || { echo "error: $GET is not an executable stork-get" >&2; exit 7; }

# shellcheck source=bench/debian/serve.sh
. "$HERE/bench/debian/serve.sh"
serve_p10
publish_image # the image's own packages, as p10.sh publishes them (serve.sh; not timed)

H=$T/host
$GET --home "$H" init --repo "http://127.0.0.1:$port/" --root "$T/repo/public/metadata/1.root.json" >/dev/null
for i in $(seq "$N"); do mkdir -p "$T/g$i"; tar -C "$T/g$i" -xf "$MINBASE"; done
cpu() { # LABEL CMD...: runs CMD with STORK_TIMINGS=1, prints "LABEL CPU_S" and its phase lines
    local out=$T/out.$RANDOM
    STORK_TIMINGS=1 /usr/bin/time -f "%U %S" -o "$out.time" "${@:2}" >"$out" 2>"$out.err" \
        || { tail -20 "$out" "$out.err" >&2; echo "error: $1 failed" >&2; exit 7; }
    echo "$1 $(awk '{ printf "%.3f", $1 + $2 }' "$out.time")"
    grep '^timing:' "$out.err" | sed 's/^/  /' || true
}
for i in $(seq "$N"); do
    cpu "g$i add" "$GET" --home "$H" guest add "g$i" --root "$T/g$i" --base dpkg
    cpu "g$i adopt" "$GET" --home "$H" adopt -g "g$i"
    if [ "${ADOPT_STRACE:-0}" = 1 ] && [ "$i" = "$N" ]; then # a repeat on a fresh guest, under strace (not timed)
        mkdir -p "$T/s"; tar -C "$T/s" -xf "$MINBASE"
        $GET --home "$H" guest add s --root "$T/s" --base dpkg >/dev/null
        strace -c -f -o "$T/strace.txt" "$GET" --home "$H" adopt -g s >/dev/null
        head -30 "$T/strace.txt"
    fi
done
