#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make stress: build the test kernel (lockdep, KASAN, DEBUG_VM and
# CONFIG_DEBUG_VADDR_PIN), boot it and run the stress of
# tools/testing/selftests/vaddr_pin/pin_stress.c for
# VADDR_PIN_STRESS_SECONDS (1200 by default); make check runs the same for
# 100 s.  Ends with the "vaddr_pin: N passed, N failed" line, which counts
# the run and the scan of the guest's kernel log.
set -uo pipefail
. "$(dirname "$0")/common.sh"

seconds=${VADDR_PIN_STRESS_SECONDS:-1200}
build_for_guest ""
VADDR_PIN_GUEST_TIMEOUT=$(( seconds + 1200 )) \
	"$TOP/scripts/run-guest.sh" stress "vp_stress_seconds=$seconds" || true
grep "^# " "$RESULTS"/stress/logs/pin_stress.*.log 2>/dev/null
exec python3 "$TOP/scripts/summarize.py" ${VERBOSE:+-v} --guest "$RESULTS/stress"
