#!/usr/bin/env bash
# The test command (README.md and .ci/run both use it): installs what the tests need, then runs every test.
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# Debian packages the tests use, as "command package" pairs: nginx serves repositories, xfsprogs and btrfs-progs
# make loop-mounted images for the reflink test, e2fsprogs small ext4 images for the disk-full tests, gcc compiles
# the hostile-guest helper (tests/hostile/racer.c), systemd-analyze checks the shipped units (systemd/), mmdebstrap
# makes the Debian 12 minbase guest image (once, cached in fixtures/cache/minbase), bwrap runs maintainer scripts,
# openssl makes the test CA of the Debian https test.
# busybox-static comes in later via apt-get download.
needs=(
    "nginx nginx-light"
    "mkfs.xfs xfsprogs"
    "mkfs.btrfs btrfs-progs"
    "mkfs.ext4 e2fsprogs"
    "chattr e2fsprogs"
    "gcc gcc"
    "curl curl"
    "systemd-analyze systemd"
    "mmdebstrap mmdebstrap"
    "bwrap bubblewrap"
    "openssl openssl"
)
missing=()
for pair in "${needs[@]}"; do
    cmd=${pair%% *} pkg=${pair#* }
    [ -x "/usr/sbin/$cmd" ] || [ -x "/sbin/$cmd" ] || command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    if [ "$(id -u)" != 0 ]; then
        echo "test.sh: missing ${missing[*]}; as root run: apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    echo "test.sh: installing ${missing[*]}" >&2
    apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; }
fi


# Independent TUF implementations for the interop tests (tuf-js 4.1 runs on Node 20).
[ -d tests/interop/node_modules/tuf-js ] || npm ci --prefix tests/interop --no-audit --no-fund >/dev/null

sh fixtures/make-fixtures.sh >/dev/null

dotnet build Stork.sln -c Debug -nologo -v quiet
# The layout gate (issue 16): .editorconfig's whitespace rules; `dotnet format whitespace Stork.sln` fixes a failure.
format_status=0
dotnet format whitespace Stork.sln --verify-no-changes -v q || { format_status=$?; echo "test.sh: formatting differs from .editorconfig; run: dotnet format whitespace Stork.sln" >&2; }
log=$(mktemp)
status=0
dotnet test Stork.sln -c Debug --no-build -nologo "$@" 2>&1 | tee "$log" || status=$?
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
rm -f "$log"
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$status" != 0 ] || status=$format_status
exit $status
