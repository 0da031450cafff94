#!/bin/sh
# Crash soak: kill -9 stork-get at random moments of install / upgrade / remove / gc, then recover and verify.
# Usage: bench/store/crash-soak.sh [ITERATIONS=200]   (as root; needs nginx-light, a built solution and fixtures)
# Two kinds of kill: STORK_CRASH_AFTER=N (SIGKILL at the Nth crash point, deterministic) and a real `kill -9`
# after a random delay. After each one: `stork-get recover`, `stork-get verify` must exit 0, the edited config
# must be intact and no .stork-* temporaries may remain in a guest.
set -eu
ITER=${1:-200}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CONF=${CONFIGURATION:-Debug}
GET="dotnet $ROOT/client/Stork.Get.Cli/bin/$CONF/net10.0/stork-get.dll"
PUB="dotnet $ROOT/repo-tools/Stork.Publish.Cli/bin/$CONF/net10.0/stork-publish.dll"
WORK=$(mktemp -d /tmp/stork-soak-XXXXXX)
chmod 755 "$WORK"   # nginx workers read the repository as an unprivileged user
PORT=$((20000 + $$ % 10000))
cleanup() { [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true; chattr -R -f -i "$WORK" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

[ -d "$ROOT/fixtures/build/src" ] || sh "$ROOT/fixtures/make-fixtures.sh" >/dev/null
$PUB init "$WORK/repo" >/dev/null 2>&1
for src in "$ROOT"/fixtures/build/src/*; do $PUB build "$src" --output "$WORK/built" >/dev/null; done
$PUB add "$WORK/repo" "$WORK"/built/*.stork --publish >/dev/null
cat > "$WORK/nginx.conf" <<NGINX
daemon on; pid $WORK/nginx.pid; error_log $WORK/error.log;
events {}
http { access_log $WORK/access.log; server { listen 127.0.0.1:$PORT; root $WORK/repo/public; } }
NGINX
nginx -c "$WORK/nginx.conf"
H="--home $WORK/home"
$GET $H init --repo "http://127.0.0.1:$PORT/" --root "$WORK/repo/public/metadata/1.root.json" >/dev/null
for g in a b c; do
  $GET $H guest add $g --root "$WORK/guests/$g" >/dev/null
  $GET $H install --guest $g greet-data >/dev/null
  echo "greeting=Soak" > "$WORK/guests/$g/etc/greet.conf"
done

crashed=0
i=0
while [ $i -lt "$ITER" ]; do
  i=$((i + 1))
  g=$(echo a b c | tr ' ' '\n' | shuf -n 1)
  case $(shuf -i 0-3 -n 1) in
    0) set -- install --guest $g hello=1.0.0 ;;
    1) set -- install --guest $g hello=2.0.0-beta.1 ;;
    2) set -- remove --guest $g hello ;;
    3) set -- gc --keep-generations 2 ;;
  esac
  if [ $((i % 2)) -eq 0 ]; then
    STORK_CRASH_AFTER=$(shuf -i 1-25 -n 1) $GET $H "$@" >/dev/null 2>&1 && rc=0 || rc=$?
  else
    $GET $H "$@" >/dev/null 2>&1 & pid=$!
    sleep "0.$(shuf -i 0-9 -n 1)$(shuf -i 0-9 -n 1)"
    kill -9 $pid 2>/dev/null || true
    wait $pid 2>/dev/null && rc=0 || rc=$?
  fi
  [ $rc -eq 137 ] && crashed=$((crashed + 1))
  $GET $H recover >/dev/null
  if ! $GET $H verify >"$WORK/verify.out" 2>&1; then echo "FAIL at iteration $i ($*):"; cat "$WORK/verify.out"; exit 1; fi
  for g in a b c; do
    [ "$(cat "$WORK/guests/$g/etc/greet.conf")" = "greeting=Soak" ] || { echo "FAIL: edited config of $g lost at iteration $i"; exit 1; }
    if find "$WORK/guests/$g" -name '.stork-*' | grep -q .; then echo "FAIL: temporaries left in $g at iteration $i"; exit 1; fi
  done
  [ $((i % 20)) -eq 0 ] && echo "$i iterations, $crashed killed, verify clean"
done
echo "OK: $ITER iterations, $crashed killed mid-operation, every recovery verified clean"
