#!/bin/sh
# Installs Stork's systemd units. Hosts:      sh systemd/install-units.sh agent   (or: apply-timer)
#                                 Publisher:  sh systemd/install-units.sh timestamp /srv/stork/repo
# Binaries are expected in /usr/local/bin (the NativeAOT builds); UNIT_DIR, BIN_DIR and ENV_FILE override the places.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
unit_dir=${UNIT_DIR:-/etc/systemd/system}
bin_dir=${BIN_DIR:-/usr/local/bin}
env_file=${ENV_FILE:-/etc/default/stork-timestamp}
install_unit() {
    sed "s|/usr/local/bin/|$bin_dir/|g; s|/etc/default/stork-timestamp|$env_file|g" "$here/$1" > "$unit_dir/$1.tmp"
    chmod 0644 "$unit_dir/$1.tmp"
    mv "$unit_dir/$1.tmp" "$unit_dir/$1"
    echo "installed $unit_dir/$1"
}
case "${1:-}" in
    agent) install_unit stork-agent.service; enable=stork-agent.service ;;
    apply-timer) install_unit stork-apply.service; install_unit stork-apply.timer; enable=stork-apply.timer ;;
    timestamp)
        repo=${2:?usage: install-units.sh timestamp REPO_DIR}
        [ -f "$repo/stork-repo.json" ] || { echo "error: $repo is not a repository (no stork-repo.json)" >&2; exit 2; }
        repo=$(cd "$repo" && pwd)
        echo "STORK_REPO=$repo" > "$env_file"
        install_unit stork-timestamp.service; install_unit stork-timestamp.timer; enable=stork-timestamp.timer ;;
    *) echo "usage: install-units.sh agent | apply-timer | timestamp REPO_DIR" >&2; exit 2 ;;
esac
if [ -z "${UNIT_DIR:-}" ] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    systemctl enable --now "$enable"
    echo "enabled and started $enable"
else
    echo "now: systemctl daemon-reload && systemctl enable --now $enable"
fi
