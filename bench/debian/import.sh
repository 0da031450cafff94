#!/bin/sh
# Import benchmark: `stork-publish import-deb` of a set of .debs against `dpkg-deb -x` of the same files.
# Usage: bench/debian/import.sh DEB_DIR [LEVEL...]   (default levels: 3 9 19). Prints one line per run and the ratio.
# Build first: dotnet build repo-tools/Stork.Publish.Cli -c Release
set -eu
DEBS=$1; shift
LEVELS=${*:-3 9 19}
HERE=$(cd "$(dirname "$0")/../.." && pwd)
PUB="dotnet $HERE/repo-tools/Stork.Publish.Cli/bin/${CONFIGURATION:-Release}/net10.0/stork-publish.dll"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
n=$(ls "$DEBS"/*.deb | wc -l)
now() { date +%s.%N; }
s=$(now); for d in "$DEBS"/*.deb; do mkdir -p "$T/x"; dpkg-deb -x "$d" "$T/x"; done; e=$(now)
base=$(echo "$e - $s" | bc); echo "dpkg-deb -x, $n debs, sequential: ${base}s"
s=$(now); ls "$DEBS"/*.deb | xargs -P "$(nproc)" -I{} sh -c 'd=$(mktemp -d -p '"$T"'); dpkg-deb -x {} $d'; e=$(now)
basep=$(echo "$e - $s" | bc); echo "dpkg-deb -x, $n debs, $(nproc) parallel: ${basep}s"
for l in $LEVELS; do
  rm -rf "$T/out"; s=$(now); $PUB import-deb "$DEBS"/*.deb --output "$T/out" --level "$l" >/dev/null 2>&1; e=$(now)
  t=$(echo "$e - $s" | bc); size=$(du -sb "$T/out" | cut -f1)
  echo "import-deb level $l, -j $(nproc): ${t}s, $size bytes; ratio to parallel dpkg-deb -x: $(echo "scale=1; $t / $basep" | bc)x"
done
