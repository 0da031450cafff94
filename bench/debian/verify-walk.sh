#!/bin/bash
# `stork-get verify -g G` of one Debian 12 minbase guest holding the P10 set (the closure of `nginx-light curl
# ca-certificates python3 jq sudo`, maintainer scripts run), timed with each stork-get given (builds of different
# commits against the same host state), REPS times each: CPU seconds (user + sys) and wall seconds, medians.
# Usage (as root): bench/debian/verify-walk.sh [--reps N] STORK_GET_DLL...     (the setup uses this tree's Release CLIs)
# Needs: nginx, bwrap, curl, mmdebstrap (only if fixtures/cache/minbase has no tarball); the .debs cached in fixtures/cache/debs.
set -euo pipefail
REPS=3; [ "${1:-}" = --reps ] && { REPS=$2; shift 2; }
[ $# -ge 1 ] || { echo "error: name at least one stork-get.dll to time" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "error: verify-walk.sh needs root (guest roots owned by root, chattr)" >&2; exit 7; }
HERE=$(cd "$(dirname "$0")/../.." && pwd)
DEBS=$HERE/fixtures/cache/debs
MINBASE=$HERE/fixtures/cache/minbase/bookworm-minbase.tar
ROOTS="nginx-light curl ca-certificates python3 jq sudo"
[ -f "$MINBASE" ] || { echo "error: no minbase image at $MINBASE (run the Debian integration tests or bench/debian/p10.sh once)" >&2; exit 7; }
for p in client/Stork.Get.Cli repo-tools/Stork.Publish.Cli; do
    dotnet build "$HERE/$p" -c Release -v q -nologo >/dev/null || { echo "error: dotnet build $p failed" >&2; exit 7; }
done
GET="dotnet $HERE/client/Stork.Get.Cli/bin/Release/net10.0/stork-get.dll"
PUB="dotnet $HERE/repo-tools/Stork.Publish.Cli/bin/Release/net10.0/stork-publish.dll"
T=$(mktemp -d -p /var/tmp stork-verifywalk.XXXXXX)
cleanup() {
    [ -f "$T/nginx.pid" ] && kill "$(cat "$T/nginx.pid")" 2>/dev/null || true
    find "$T" -xdev -type f -exec chattr -i {} + 2>/dev/null || true
    rm -rf "$T"
}
trap cleanup EXIT
say() { echo "verify-walk: $*" >&2; }

say "import-deb + add --publish, one guest with the P10 set"
$PUB init "$T/repo" >/dev/null 2>&1
# shellcheck disable=SC2086
$PUB import-deb --from-apt $ROOTS --cache "$DEBS" --output "$T/imported" >/dev/null 2>"$T/import.err" || { cat "$T/import.err" >&2; exit 7; }
$PUB add "$T/repo" "$T"/imported/*.stork --publish >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$T/nginx.conf" <<EOF
daemon off; master_process off; worker_processes 1; error_log $T/error.log warn; pid $T/nginx.pid;
events { worker_connections 64; }
http { access_log off; client_body_temp_path $T/cb; proxy_temp_path $T/p; fastcgi_temp_path $T/f; uwsgi_temp_path $T/u;
  scgi_temp_path $T/s; default_type application/octet-stream; server { listen 127.0.0.1:$port; root $T/repo/public; } }
EOF
nginx -c "$T/nginx.conf" -e "$T/error.log" &
for _ in $(seq 300); do curl -sf -o /dev/null "http://127.0.0.1:$port/metadata/timestamp.json" && break; sleep 0.2; done
mkdir -p "$T/g1"; tar -C "$T/g1" -xf "$MINBASE"
H="$T/host"
$GET --home "$H" init --repo "http://127.0.0.1:$port/" --root "$T/repo/public/metadata/1.root.json" >/dev/null
python3 - "$H/config/stork.json" <<'EOF'
import json, sys
p = sys.argv[1]; c = json.load(open(p)); c["scripts"] = {"allowed_roles": ["targets"]}; json.dump(c, open(p, "w"))
EOF
$GET --home "$H" guest add g1 --root "$T/g1" --base dpkg >/dev/null
# shellcheck disable=SC2086
$GET --home "$H" install --guest g1 $ROOTS >"$T/install.out" 2>&1 || { tail -20 "$T/install.out" >&2; exit 7; }
files=$(find "$T/g1" -xdev | wc -l)
rc=0; $GET --home "$H" verify -g g1 >"$T/verify.out" 2>&1 || rc=$?
say "guest: $files names in the root; verify (this tree) exit $rc"
[ "$rc" = 0 ] || tail -5 "$T/verify.out" >&2

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# Interleaved (one run of each build per round), so a change in the machine's load falls on every build alike.
for rep in $(seq "$REPS"); do
    i=0
    for dll in "$@"; do
        i=$((i + 1))
        /usr/bin/time -f '%U %S %e' -o "$T/one" dotnet "$dll" --home "$H" verify -g g1 >/dev/null 2>&1 || true
        awk '{ printf "%.2f %.2f\n", $1 + $2, $3 }' "$T/one" >>"$T/times.$i"
    done
done
printf '%-70s %8s %8s\n' "stork-get (verify -g g1, median of $REPS)" "CPU s" "wall s"
i=0
for dll in "$@"; do
    i=$((i + 1))
    printf '%-70s %8s %8s\n' "$dll" "$(cut -d' ' -f1 "$T/times.$i" | median)" "$(cut -d' ' -f2 "$T/times.$i" | median)"
done
