#!/bin/sh
# Hostile-guest soak (root): the raced suites with many more cycles. Results of past runs: tests/soak/RESULTS.md.
#   SUITE=lib (default): tests/Stork.Client.Tests/Hostile/HostileGuestTests in one process. Per cycle: 8 raced
#     commands with openat2 and 8 with the fallback walk, 5 commands with FIFOs racing, 8 install cycles of a guest
#     whose files another guest's writer loops open(O_WRONLY) over. CYCLES=300: 4,800 raced commands, 1,500 with
#     FIFOs, 2,400 writer cycles (about 11,000 changes in all).
#   SUITE=cli: tests/Stork.Integration.Tests/Hostile/HostileCliTests, real stork-get processes against nginx;
#     8 raced commands per cycle and resolver (plus one raced guest remove).
# Runs at nice 10; the counts are printed at the end (and the full log is in /tmp/stork-hostile-soak.log).
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
cycles=${CYCLES:-300}
suite=${SUITE:-lib}
cd "$here"
case $suite in
  lib) project=tests/Stork.Client.Tests; filter=Stork.Client.Tests.Hostile.HostileGuestTests ;;
  cli) project=tests/Stork.Integration.Tests; filter=Stork.Integration.Tests.Hostile.HostileCliTests.Raced ;;
  *) echo "error: SUITE must be lib or cli, not '$suite'" >&2; exit 2 ;;
esac
status=0
STORK_HOSTILE_CYCLES=$cycles nice -n 10 dotnet test "$project" -c Release --filter "FullyQualifiedName~$filter" \
    --logger "console;verbosity=detailed" > /tmp/stork-hostile-soak.log 2>&1 || status=$?
grep -E "^\s*(Passed|Failed) |raced commands|install cycles|commands with FIFOs|HUNG|Total tests|Passed!|Failed!" /tmp/stork-hostile-soak.log || true
exit $status
