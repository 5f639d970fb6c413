#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# clean-root-run.sh TARGET: make TARGET (check, demo, bench, ...) as on a
# new Debian 12 machine, nothing installed and nothing cached: in a fresh
# copy of scripts/clean-root.sh's root, from a clone of this checkout's
# HEAD, as root, with the project's cache inside the root.  That root has
# no make (minbase): it runs the script the Makefile target runs.  Prints
# its output (also in build/clean-root-TARGET.log) and the wall time of
# each phase; exits with its status.  Used to measure the cold times in
# README.md; builds the kernel from scratch, so it takes as long.
set -uo pipefail
. "$(dirname "$0")/common.sh"
. "$TOP/scripts/clean-root.sh"

target=${1:?target}
script=$(sed -n "/^$target:/,/^\$/s|^\t@\(.*\)\$(S)/\([a-z-]*\.sh\).*|\1scripts/\2|p" "$TOP/Makefile" | head -n 1)
[ -n "$script" ] || die "no make target '$target' that runs a script"
root=$BUILD/clean-root-$target
trap 'clean_root_leave "$root"' EXIT
trap 'exit 1' INT TERM
clean_root_tarball >/dev/null && clean_root_enter "$root" ||
	die "cannot make the clean root"
mkdir -p "$root/work"
git clone -q "$TOP" "$root/work/vaddr_pin" || die "git clone failed"
cat > "$root/work/run.sh" <<EOT
cd /work/vaddr_pin || exit 1
start=\$(date +%s)
VADDR_PIN_CACHE=/var/cache/vaddr_pin $script
rc=\$?
echo "vaddr_pin: make $target from nothing: exit \$rc, \$(( \$(date +%s) - start ))s"
exit \$rc
EOT
note "in a clean root: $script (make $target)"
in_root "$root" "bash /work/run.sh" 2>&1 | tee "$BUILD/clean-root-$target.log"
exit "${PIPESTATUS[0]}"
