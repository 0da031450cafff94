#!/usr/bin/env bash
# The main job end to end on the embedded default: build the tools, publish a demo repository from fixtures/,
# serve it with 'stork-publish serve', create three guest roots, install a package with dependencies into all
# three, and print what was shared. Everything lands in ./.demo (removed and remade on each run).
set -euo pipefail
cd "$(dirname "$0")"
start=$(date +%s.%N)
port=${STORK_DEMO_PORT:-8765}
demo=$PWD/.demo

# A previous run left store files immutable (chattr +i, shared by hard links with its guests): stop its server if
# it still runs, lift the flag on its files only, then remove it. Nothing outside .demo is touched.
if [ -d "$demo" ]; then
    echo "== removing the previous run's .demo"
    old=$(cat "$demo/server.pid" 2>/dev/null || true)
    # Only if that pid is still our server (pids are reused).
    if [ -n "$old" ] && grep -qs stork-publish "/proc/$old/cmdline"; then kill "$old" 2>/dev/null || true; fi
    if command -v chattr >/dev/null 2>&1; then
        find "$demo" -xdev -type f -exec chattr -i {} + 2>/dev/null || true
    fi
    rm -rf "$demo"
fi
mkdir -p "$demo"

echo "== building stork-publish and stork-get (Release)"
dotnet build client/Stork.Get.Cli -c Release -nologo -v quiet >/dev/null
dotnet build repo-tools/Stork.Publish.Cli -c Release -nologo -v quiet >/dev/null
publish() { dotnet repo-tools/Stork.Publish.Cli/bin/Release/net10.0/stork-publish.dll "$@"; }
get() { dotnet client/Stork.Get.Cli/bin/Release/net10.0/stork-get.dll --home "$demo/host" "$@"; }

echo "== preparing fixtures (real busybox from Debian's busybox-static)"
sh fixtures/make-fixtures.sh >/dev/null

echo "== publishing a signed repository"
publish init "$demo/repo" 2>/dev/null
for src in fixtures/build/src/*/; do publish build "$src" --output "$demo/built"; done
publish add "$demo/repo" "$demo"/built/*.stork --publish
publish verify "$demo/repo"

echo "== serving it with the embedded server on 127.0.0.1:$port"
# Started directly (not through the shell function) so that $! is the server itself.
dotnet repo-tools/Stork.Publish.Cli/bin/Release/net10.0/stork-publish.dll serve "$demo/repo" --port "$port" --quiet &
server=$!
echo "$server" > "$demo/server.pid"
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$port/metadata/timestamp.json" >/dev/null 2>&1 && break; sleep 0.1; done

echo "== host: pin trust, add three guests, install 'hello' (pulls busybox and greet-data)"
get init --repo "http://127.0.0.1:$port/" --root "$demo/repo/public/metadata/1.root.json"
# gamma is laid out like a Debian 12 container root (merged /usr: bin, sbin, lib, lib64 are symlinks into usr/):
# busybox's bin/busybox lands in its usr/bin, resolved inside the guest root.
mkdir -p "$demo/guests/gamma/usr/bin" "$demo/guests/gamma/usr/sbin" "$demo/guests/gamma/usr/lib" "$demo/guests/gamma/usr/lib64"
for d in bin sbin lib lib64; do ln -s "usr/$d" "$demo/guests/gamma/$d"; done
for g in alpha beta gamma; do get guest add "$g" --root "$demo/guests/$g"; done
get install --guest alpha --guest beta --guest gamma hello
get list --guest beta

echo "== running the installed program inside a guest"
if [ "$(id -u)" = 0 ]; then
    chroot "$demo/guests/alpha" /usr/bin/hello
    printf '  in the merged-/usr guest gamma (bin -> %s): ' "$(readlink "$demo/guests/gamma/bin")"
    chroot "$demo/guests/gamma" /bin/hello
else echo "(skipped: chroot needs root)"; fi

echo "== what was shared"
shared=$(du -sb "$demo/host/state/store" "$demo"/guests/* | awk '{s+=$1} END {print s}')
copies=$(du -sbl "$demo"/guests/* | awk '{s+=$1} END {print s}')
store=$(du -sb "$demo/host/state/store" | awk '{print $1}')
blobs=$(find "$demo/host/cache/blobs" -type f -name '[0-9a-f]*' ! -name '*.lock' | wc -l)
printf '  3 guests as separate copies:  %10d bytes\n' "$copies"
printf '  store + 3 guests with Stork:  %10d bytes  (store %d)\n' "$shared" "$store"
awk -v a="$shared" -v b="$copies" 'BEGIN { printf "  ratio:                        %10.3f\n", a / b }'
printf '  blobs downloaded:             %10d (one per package, for all guests)\n' "$blobs"
awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { printf "  demo time:                    %10.1f s\n", a - b }'
