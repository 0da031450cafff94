#!/bin/sh
# kill -9 soak through the stork-get CLI (issue 13): install, upgrade, rollback, repair, remove and gc on three
# guests, each run killed with SIGKILL at a random crash point (STORK_CRASH_AFTER), then recover + verify, checking
# config edits, staging leftovers and the immutable flag of every store file. CI runs the same test with 25 kills.
#
#   sh bench/soak/kill9-soak.sh [KILLS] [SEED]      (as root; default 200 kills)
set -eu
cd "$(dirname "$0")/../.."
KILLS=${1:-200}
SEED=${2:-$(date +%s)}
sh fixtures/make-fixtures.sh >/dev/null
dotnet build tests/Stork.Integration.Tests -v q -nologo
STORK_SOAK_KILLS=$KILLS STORK_CRASH_SEED=$SEED dotnet test tests/Stork.Integration.Tests --no-build \
  --filter "FullyQualifiedName~KillSoakTests" --logger "console;verbosity=detailed" | grep -E "kill -9 soak|Passed|Failed|error" || true
