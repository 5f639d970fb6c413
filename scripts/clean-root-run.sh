#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# clean-root-run.sh TARGET: make TARGET (check, demo, bench, ...) as on a
# new Debian 12 machine of this kind, nothing installed and nothing
# cached: in a fresh copy of scripts/clean-root.sh's root, with only make
# and git added (what such a machine comes with), from a clone of this
# checkout's HEAD, as root, with the project's cache inside the root.
# Prints its output (also in build/clean-root-TARGET.log) with the wall
# time of the whole; exits with make's status.  Used to measure the cold
# times in README.md: it builds the kernel from scratch, so it takes as
# long.
set -uo pipefail
. "$(dirname "$0")/common.sh"
. "$TOP/scripts/clean-root.sh"
clean_root_unshare "$0" "$@" || die "no private mount namespace (run as root)"

target=${1:?target}
root=$BUILD/clean-root-$target
log=$BUILD/clean-root-$target.log
trap 'clean_root_leave "$root"' EXIT
trap 'exit 1' INT TERM
clean_root_tarball > "$log" 2>&1 && clean_root_enter "$root" >> "$log" 2>&1 ||
	{ cat "$log"; die "cannot make the clean root"; }
mkdir -p "$root/work"
git clone -q "$TOP" "$root/work/vaddr_pin" || die "git clone failed"
cat > "$root/work/run.sh" <<EOT
apt-get update -qq && apt-get install -y -qq make git > /dev/null || exit 1
cd /work/vaddr_pin || exit 1
start=\$(date +%s)
make $target
rc=\$?
echo "vaddr_pin: make $target from nothing: exit \$rc, \$(( \$(date +%s) - start ))s"
exit \$rc
EOT
note "in a clean root: make $target"
in_root "$root" "bash /work/run.sh" 2>&1 < /dev/null | tee -a "$log"
exit "${PIPESTATUS[0]}"
