#!/usr/bin/env bash
# The test command (README.md and .ci/run both use it): installs what the tests need, then runs every test.
set -euo pipefail
cd "$(dirname "$0")"

need_root() { [ "$(id -u)" = 0 ] || { echo "test.sh: '$1' is missing; install it (as root: apt-get install -y $2)" >&2; exit 1; }; }

# nginx serves the published repository in the integration tests; busybox-static comes in via apt-get download.
if [ ! -x /usr/sbin/nginx ] && ! command -v nginx >/dev/null 2>&1; then
    need_root nginx nginx-light
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null
fi

# gcc compiles the hostile-guest helper (tests/hostile/racer.c) at test time.
command -v gcc >/dev/null 2>&1 || { need_root gcc gcc; apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc >/dev/null; }

# Independent TUF implementations for the interop tests (tuf-js 4.1 runs on Node 20).
[ -d tests/interop/node_modules/tuf-js ] || npm ci --prefix tests/interop --no-audit --no-fund >/dev/null

sh fixtures/make-fixtures.sh >/dev/null

dotnet build Stork.sln -c Debug -nologo -v quiet
log=$(mktemp)
status=0
dotnet test Stork.sln -c Debug --no-build -nologo "$@" 2>&1 | tee "$log" || status=$?
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
rm -f "$log"
echo "tests: $passed passed, $failed failed"
exit $status
