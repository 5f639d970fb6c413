#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: build the benchmark kernel (config/vaddr_pin-bench.config
# over the test configuration), boot it, run the measurements of
# scripts/guest-bench.sh and print their table (scripts/bench.py), which
# is also left in build/results/bench/table.md.
#
# VADDR_PIN_BENCH_REPS (7 by default) sets the repetitions of each timing.
set -uo pipefail
export VADDR_PIN_FLAVOR=bench
. "$(dirname "$0")/common.sh"

build_for_guest bench-
# slab_nomerge: the records' slab cache must be its own, to be measured.
# 4 GiB: in 2 GiB, reclaim woke the flushers and wrote back the page cache
# that the "kept dirty" rows keep dirty.
VADDR_PIN_GUEST_MEM=4G "$TOP/scripts/run-guest.sh" bench slab_nomerge \
	"vp_reps=${VADDR_PIN_BENCH_REPS:-7}" || exit 1
res=$RESULTS/bench

failed=$(grep '^not ok' "$res/tap")
[ -z "$failed" ] || note "measurements that failed (build/results/bench/logs):
$failed"
{
	echo "Host: $(lscpu | sed -n 's/^Model name: *//p' | head -n 1)," \
		"$(nproc) cores, Linux $(uname -r)"
	echo "Guest: $(qemu-system-x86_64 --version | head -n 1 |
		sed 's/ *(.*//'), TCG, 2 vCPUs, 4 GiB;" \
		"Linux $KVER + patches/, config/vaddr_pin-bench.config"
	echo "Medians of ${VADDR_PIN_BENCH_REPS:-7} runs ($(( ${VADDR_PIN_BENCH_REPS:-7} * 2 + 1 )) for a break of 1 pin among n)"
	echo
	python3 "$TOP/scripts/bench.py" "$res"
} > "$res/table.md"
rc=$?
cat "$res/table.md"
[ -z "$failed" ] && exit $rc
exit 1
