#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: install, build, run every test, print
# "vaddr_pin: N passed, N failed" last and exit non-zero on any failure.
#   check.sh            static checks + the install step in a clean
#                       Debian root + KUnit + guest tests (one boot)
#   check.sh static     static checks only
#   check.sh kunit      KUnit only
#   check.sh selftest   guest tests only, KUnit disabled
set -uo pipefail
. "$(dirname "$0")/common.sh"

what=${1:-all}
t0=$(date +%s)
phase() { note "[$(( $(date +%s) - t0 ))s] $*"; }

# A step that cannot even run is one failed test, so the verdict line
# still comes last.
fail_step() {
	stop_install_check
	note "$1 failed"
	[ -f "$2" ] && tail -n 40 "$2" >&2
	echo "vaddr_pin: 0 passed, 1 failed"
	exit 1
}

mkdir -p "$BUILD"
phase "dependencies"
"$TOP/scripts/install-deps.sh" || fail_step "installing dependencies" /dev/null
# The install step again, from nothing, in a clean Debian root: mostly
# downloads and unpacking, so it runs beside the kernel build.
# In its own process group (a background job ignores Ctrl-C), stopped
# with everything it started if check.sh ends first.
install_check=
stop_install_check() {
	[ -n "$install_check" ] || return 0
	kill -TERM -- "-$install_check" 2>/dev/null ||
		kill -TERM "$install_check" 2>/dev/null
	wait "$install_check" 2>/dev/null
	install_check=
}
trap stop_install_check EXIT
trap 'exit 130' INT TERM
if [ "$what" = all ]; then
	setsid -w "$TOP/scripts/install-check.sh" > "$BUILD/install-check.log" 2>&1 &
	install_check=$!
fi
phase "kernel"
"$TOP/scripts/build-kernel.sh" > "$BUILD/kernel-build.log" 2>&1 ||
	fail_step "building the kernel" "$BUILD/kernel-build.log"
phase "user-space tests"
"$TOP/scripts/build-selftests.sh" > "$BUILD/selftests-build.log" 2>&1 ||
	fail_step "building the user-space tests" "$BUILD/selftests-build.log"

args=()
if [ "$what" = all ] || [ "$what" = static ]; then
	phase "static checks"
	"$TOP/scripts/static-checks.sh"
	args+=(--static "$RESULTS/static")
fi
case $what in
all) job=check ;;
kunit|selftest) job=$what ;;
*) job= ;;
esac
if [ -n "$job" ]; then
	phase "guest: $job"
	# Every guest test on five file systems: about 45 minutes under TCG.
	VADDR_PIN_GUEST_TIMEOUT=${VADDR_PIN_GUEST_TIMEOUT:-4200} \
		"$TOP/scripts/run-guest.sh" "$job" || true
	args+=(--guest "$RESULTS/$job")
	[ "$job" = selftest ] || args+=(--expect-kunit vaddr_pin)
fi
if [ -n "$install_check" ]; then
	# Its verdicts are in its tap; a run that died leaves none (a failure).
	wait "$install_check"
	rc=$?
	install_check=
	if [ $rc != 0 ] && ! grep -qs '^not ok' "$RESULTS/install/tap"; then
		mkdir -p "$RESULTS/install"
		echo "not ok install:check-ran (exit $rc, build/install-check.log)" \
			>> "$RESULTS/install/tap"
	fi
	args+=(--static "$RESULTS/install")
fi
phase "done"
exec python3 "$TOP/scripts/summarize.py" ${VERBOSE:+-v} "${args[@]}"
