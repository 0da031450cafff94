#!/bin/bash
# Where the maintainer scripts' CPU goes in one P10 guest: the same .debs p10.sh installs (those the minbase image
# does not have) are unpacked with `dpkg --unpack` in one minbase guest (chroot), every postinst in the guest is
# wrapped to log its own and its children's CPU seconds (`times`), then `dpkg --configure -a` configures them and runs
# the triggers, as Stork's scripts phase would. The scripts are the same on the Stork side (it runs them in bwrap).
# Usage (as root): bench/debian/script-cpu.sh      Prints "CPU_SECONDS PACKAGE postinst ARGS" lines, most first.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/../.." && pwd)
DEBS=$HERE/fixtures/cache/debs
MINBASE=$HERE/fixtures/cache/minbase/bookworm-minbase.tar
[ "$(id -u)" = 0 ] || { echo "error: script-cpu.sh needs root (chroot)" >&2; exit 7; }
[ -f "$MINBASE" ] || { echo "error: $MINBASE is missing: run bench/debian/p10.sh once (it makes it)" >&2; exit 7; }
ls "$DEBS"/*.deb >/dev/null 2>&1 || { echo "error: no .debs in $DEBS: run bench/debian/p10.sh once (it caches them)" >&2; exit 7; }
T=$(mktemp -d -p /var/tmp stork-script-cpu.XXXXXX)
trap 'rm -rf "$T"' EXIT
g=$T/g
mkdir -p "$g"
tar -C "$g" -xf "$MINBASE"
debs=()
for d in "$DEBS"/*.deb; do
    pkg=$(dpkg-deb -f "$d" Package)
    chroot "$g" dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null | grep -q ' installed$' || debs+=("$d")
done
mkdir -p "$g/tmp/debs"
cp "${debs[@]}" "$g/tmp/debs/"
printf '#!/bin/sh\nexit 101\n' >"$g/usr/sbin/policy-rc.d"; chmod 755 "$g/usr/sbin/policy-rc.d"
# Unpack only (preinsts run here); --force-depends: configuring comes next, all at once.
chroot "$g" sh -c 'dpkg --unpack --force-depends /tmp/debs/*.deb' >"$T/unpack.log" 2>&1 || { tail -20 "$T/unpack.log" >&2; exit 7; }
# The real script keeps its name in another directory, with its debconf config and templates beside it (debconf
# finds them from the script's own path).
mkdir -p "$g/var/lib/stork-real"
for s in "$g"/var/lib/dpkg/info/*.postinst; do
    name=$(basename "$s" .postinst)
    mv "$s" "$g/var/lib/stork-real/"
    for extra in config templates; do
        [ ! -f "$g/var/lib/dpkg/info/$name.$extra" ] || cp "$g/var/lib/dpkg/info/$name.$extra" "$g/var/lib/stork-real/"
    done
    cat >"$s" <<EOF
#!/bin/sh
/var/lib/stork-real/$name.postinst "\$@"
rc=\$?
# times runs in this shell (a pipe or \$(...) would fork a subshell that has no children's times); line 2 is the children's.
times >/tmp/script-cpu.times
echo "\$(sed -n 2p /tmp/script-cpu.times) $name postinst \$*" >> /tmp/script-cpu.log
exit \$rc
EOF
    chmod 755 "$s"
done
chroot "$g" dpkg --configure -a >"$T/configure.log" 2>&1 || { grep -B5 -i error "$T/configure.log" | head -60 >&2; exit 7; }
# "0m1.230s 0m0.450s NAME postinst ARGS" -> "1.68 NAME postinst ARGS"
awk '{ split($1, u, /[ms]/); split($2, s, /[ms]/); cpu = u[1] * 60 + u[2] + s[1] * 60 + s[2];
       $1 = ""; $2 = ""; sub(/^  /, ""); printf "%.2f %s\n", cpu, $0; total += cpu }
     END { printf "%.2f total (%d runs)\n", total, NR }' "$g/tmp/script-cpu.log" | sort -rn
