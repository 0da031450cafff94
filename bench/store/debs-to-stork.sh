#!/bin/sh
# Repackages real Debian programs as Stork packages: apt-get download, dpkg-deb -x, stork-build.json, stork-publish build.
# Usage: bench/store/debs-to-stork.sh OUT_DIR   -> OUT_DIR/src/<name>/ and OUT_DIR/built/*.stork
# Debian versions become SemVer (first three numbers); absolute symlinks become relative (dropped if they escape).
set -eu
OUT=$1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CONF=${CONFIGURATION:-Release}
PUB="dotnet $ROOT/repo-tools/Stork.Publish.Cli/bin/$CONF/net10.0/stork-publish.dll"
PACKAGES="binutils binutils-common libbinutils binutils-x86-64-linux-gnu libctf0 libctf-nobfd0 libgprofng0 libjansson4
make file libmagic1 libmagic-mgc cpp cpp-12 libisl23 libmpc3 libmpfr6"
mkdir -p "$OUT/debs" "$OUT/src" "$OUT/built"
(cd "$OUT/debs" && for p in $PACKAGES; do ls ${p}_*.deb >/dev/null 2>&1 || apt-get download -q "$p" >/dev/null; done)
for deb in "$OUT"/debs/*.deb; do
  name=$(dpkg-deb -f "$deb" Package)
  version=$(dpkg-deb -f "$deb" Version | sed 's/^[0-9]*://' | grep -o '[0-9]\+' | head -3 | paste -sd. -)
  case $version in *.*.*) ;; *.*) version=$version.0 ;; *) version=$version.0.0 ;; esac
  dir="$OUT/src/$name"
  rm -rf "$dir"; mkdir -p "$dir/root"
  dpkg-deb -x "$deb" "$dir/root"
  # Absolute symlinks -> relative; anything escaping the package root is dropped.
  find "$dir/root" -type l | while read -r link; do
    target=$(readlink "$link")
    case $target in
      /*) rel=$(realpath -m --relative-to="$(dirname "$link")" "$dir/root$target"); rm "$link"; ln -s "$rel" "$link" ;;
    esac
  done
  conffiles=$(dpkg-deb -I "$deb" conffiles 2>/dev/null | sed 's|^/||' | awk 'NF' | sed 's/.*/"&"/' | paste -sd, - || true)
  mv "$dir/root"/* "$dir/" 2>/dev/null || true; rmdir "$dir/root" 2>/dev/null || rm -rf "$dir/root"
  printf '{ "name": "%s", "version": "%s", "summary": "Debian %s repackaged for the store benchmark", "config": [%s] }\n' \
    "$name" "$version" "$name" "$conffiles" > "$dir/stork-build.json"
  $PUB build "$dir" --output "$OUT/built" >/dev/null
done
ls "$OUT/built"
