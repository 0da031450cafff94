#!/bin/sh
# Walks the key-management, offline-root, delegation and hash-bin commands of stork-publish end to end
# and checks their exit codes. Usage: sh tests/Stork.Publishing.Tests/Publishing/cli-keys-smoke.sh (from the repo root,
# after 'dotnet build repo-tools/Stork.Publish.Cli'). STORK_PUBLISH=/path/to/native/stork-publish tests an AOT build.
set -eu
sp() { if [ -n "${STORK_PUBLISH:-}" ]; then "$STORK_PUBLISH" "$@"; else dotnet repo-tools/Stork.Publish.Cli/bin/Debug/net10.0/stork-publish.dll "$@"; fi; }
expect() { want=$1; shift; set +e; sp "$@" >"$w/out" 2>&1; got=$?; set -e
  if [ "$got" != "$want" ]; then echo "FAIL: stork-publish $* exited $got, expected $want"; cat "$w/out"; exit 1; fi
  echo "ok ($got): stork-publish $*"; }
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT

sp init "$w/repo" >/dev/null 2>&1
sp build fixtures/packages/hello-1.0.0 --output "$w/built" >/dev/null
sp build fixtures/packages/greet-data-1.0.0 --output "$w/built" >/dev/null

# Keys and thresholds, online.
expect 0 key add "$w/repo" --role timestamp
expect 0 threshold "$w/repo" --role timestamp --value 2
expect 7 threshold "$w/repo" --role timestamp --value 3
expect 2 threshold "$w/repo" --role timestamp
expect 0 verify "$w/repo"

# Offline root: move the root key away, stage a rotation, export, sign elsewhere, import.
mkdir "$w/offline"
mv "$w/repo/keys/root.key.json" "$w/offline/root.key.json"
expect 0 key new --out "$w/offline/root2.key.json"
expect 7 key add "$w/repo" --role snapshot
expect 0 key rotate "$w/repo" --role root --key "$w/offline/root2.pub.json" --offline
expect 0 root export "$w/repo" --out "$w/next-root.json"
expect 3 root import "$w/repo" "$w/next-root.json"
expect 0 sign "$w/next-root.json" --key "$w/offline/root.key.json"
expect 3 root import "$w/repo" "$w/next-root.json"
expect 0 sign "$w/next-root.json" --key "$w/offline/root2.key.json"
expect 0 root import "$w/repo" "$w/next-root.json"
test -f "$w/repo/public/metadata/4.root.json"
expect 0 verify "$w/repo"

# Delegation to a maintainer who keeps their own key.
expect 0 key new --out "$w/alice.key.json"
expect 0 delegate "$w/repo" alice --key "$w/alice.key.json" --threshold 1 --paths 'packages/hello/*'
expect 7 add "$w/repo" "$w/built"/greet-data_*.stork --role alice --key "$w/alice.key.json"
expect 0 add "$w/repo" "$w/built"/hello_*.stork --role alice --key "$w/alice.key.json"
test -f "$w/repo/public/metadata/2.alice.json"
expect 0 verify "$w/repo"
grep -q "in 2 roles" "$w/out"

# Hash bins.
expect 0 add "$w/repo" "$w/built"/greet-data_*.stork --publish
expect 0 bins "$w/repo" --count 16
expect 7 bins "$w/repo" --count 16
expect 2 bins "$w/repo"
expect 0 verify "$w/repo"
grep -q "in 18 roles" "$w/out"
echo "all CLI checks passed"
