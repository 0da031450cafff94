#!/usr/bin/env bash
# Benchmarks stork-solve against libsolv on the same universe and jobs, in one run.
# usage: bench/resolver/run.sh [UNIVERSE.jsonl[.zst]] [JOBS.jsonl]   (defaults: the Debian bookworm data set)
# env:   STORK_SOLVE_BUILD=aot|jit   (default aot: NativeAOT publish, as shipped; jit: plain Release build)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
data="$root/fixtures/debian-bookworm"
universe="${1:-$data/debian-bookworm-main.universe.jsonl.zst}"
jobs="${2:-$data/debian-bookworm-main.jobs.jsonl}"
out="${TMPDIR:-/tmp}/stork-resolver-bench"
mkdir -p "$out"

if ! /usr/bin/python3 -c 'import solv' 2>/dev/null; then
    echo "libsolv's Python binding is missing; installing python3-solv" >&2
    apt-get install -y python3-solv >&2
fi

echo "building stork-solve (${STORK_SOLVE_BUILD:-aot}) ..." >&2
if [ "${STORK_SOLVE_BUILD:-aot}" = "aot" ]; then
    dotnet publish "$root/resolver/Stork.Solve" -c Release -r linux-x64 -o "$out/stork-solve" -v quiet -nologo >&2
else
    dotnet build "$root/resolver/Stork.Solve" -c Release -o "$out/stork-solve" -v quiet -nologo >&2
fi
solve="$out/stork-solve/stork-solve"

echo "running stork-solve ..." >&2
"$solve" --universe "$universe" --jobs "$jobs" --repeat 3 > "$out/stork.jsonl"
"$solve" --universe "$universe" --jobs /dev/null --all-installable >> "$out/stork.jsonl"

echo "running libsolv ..." >&2
/usr/bin/python3 "$here/libsolv_bench.py" "$universe" "$jobs" --all > "$out/libsolv.jsonl"

echo "libsolv $(dpkg-query -W -f='${Version}' libsolv1 2>/dev/null), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
echo
/usr/bin/python3 "$here/compare.py" "$out/stork.jsonl" "$out/libsolv.jsonl"
