#!/bin/sh
# Hostile-guest soak: the raced suite of tests/Stork.Client.Tests/Hostile with many more cycles.
# 8 raced commands per cycle and resolver: CYCLES=1250 (the default) runs 10,000 raced commands with openat2 and
# 10,000 with the fallback walk, plus 10,000 install cycles against the O_WRONLY writer. Run as root.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
cycles=${CYCLES:-1250}
cd "$here"
STORK_HOSTILE_CYCLES=$cycles dotnet test tests/Stork.Client.Tests -c Release \
    --filter "FullyQualifiedName~Stork.Client.Tests.Hostile.HostileGuestTests" \
    --logger "console;verbosity=detailed" 2>&1 | tee /tmp/stork-hostile-soak.log | grep -E "Passed|Failed|raced commands|install cycles|commands with FIFOs"
