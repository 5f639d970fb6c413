#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test guest (from scripts/guest-init.sh): collects the
# KUnit results and runs the user-space tests, writing one line per test to
# $VP_RESULTS/tap ("ok NAME" or "not ok NAME") and each test's output to
# $VP_RESULTS/logs/NAME.log.
job=$1
top=$VP_TOP
out=$VP_RESULTS
bin=$top/build/selftests
mkdir -p "$out/logs" "$out/kunit"
: > "$out/tap"

# run_test NAME TIMEOUT CMD...: a test passes when CMD exits 0.
run_test() {
	name=$1 limit=$2
	shift 2
	echo "# running $name" >&2
	if timeout -k 5 "$limit" "$@" >"$out/logs/$name.log" 2>&1; then
		echo "ok $name" >> "$out/tap"
	else
		echo "exit status $?" >> "$out/logs/$name.log"
		echo "not ok $name" >> "$out/tap"
	fi
}

collect_kunit() {
	for d in /sys/kernel/debug/kunit/*; do
		[ -f "$d/results" ] || continue
		cp "$d/results" "$out/kunit/$(basename "$d").ktap"
	done
}

# A scratch ext4 on a ramdisk-backed loop file, for page-cache files.
setup_ext4() {
	mkdir -p /tmp/ext4
	truncate -s 64M /tmp/ext4.img &&
	mkfs.ext4 -q -F /tmp/ext4.img &&
	mount -o loop /tmp/ext4.img /tmp/ext4
}

run_mm_gup_tests() {
	echo 16 > /proc/sys/vm/nr_hugepages
	run_test mm_gup_test_u 600 "$bin/mm/gup_test" -u
	run_test mm_gup_test_a 600 "$bin/mm/gup_test" -a
	run_test mm_gup_test_L 600 "$bin/mm/gup_test" -L
	run_test mm_gup_longterm_tmpfs 600 sh -c "cd /tmp && exec $bin/mm/gup_longterm"
	if setup_ext4; then
		run_test mm_gup_longterm_ext4 600 \
			sh -c "cd /tmp/ext4 && exec $bin/mm/gup_longterm"
		umount /tmp/ext4
	else
		echo "not ok mm_gup_longterm_ext4 (no ext4 scratch)" >> "$out/tap"
	fi
}

run_env_checks() {
	run_test guest_fsdax 300 sh "$top/scripts/guest-env-check.sh" fsdax
	run_test guest_rxe 300 sh "$top/scripts/guest-env-check.sh" rxe
}

case "$job" in
check) collect_kunit; run_env_checks; run_mm_gup_tests ;;
kunit) collect_kunit ;;
run) run_test script 1200 sh -x "$vp_script" ;;
selftest) run_env_checks; run_mm_gup_tests ;;
*) echo "unknown job $job" >&2 ;;
esac
