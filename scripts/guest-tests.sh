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

# run_ktap NAME TIMEOUT CMD...: CMD prints KTAP (a kselftest harness
# program); each of its tests is a test of ours, "NAME.CASE".  A program
# that fails without saying which test failed, or stops before its plan is
# done, is one more failed test.
run_ktap() {
	name=$1 limit=$2
	shift 2
	echo "# running $name" >&2
	log=$out/logs/$name.log
	timeout -k 5 "$limit" "$@" >"$log" 2>&1
	rc=$?
	echo "exit status $rc" >> "$log"
	sed -n -E -e "/^(not )?ok [0-9]+ [^#]*# SKIP/{s/^(not )?ok [0-9]+ ([^ #]+).*/not ok $name.\\2 (skipped)/p;d}" \
		-e "s/^(not ok|ok) [0-9]+ ([^ #]+).*/\\1 $name.\\2/p" "$log" > "$log.tap"
	plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$log" | head -n 1)
	ran=$(wc -l < "$log.tap")
	cat "$log.tap" >> "$out/tap"
	if [ "$ran" -lt "${plan:-1}" ] ||
	   { [ $rc != 0 ] && ! grep -q '^not ok' "$log.tap"; }; then
		echo "not ok $name (exit $rc, $ran of ${plan:-?} tests reported)" >> "$out/tap"
	fi
	rm -f "$log.tap"
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

# mount_fs FS DIR [SIZE]: a fresh file system of kind FS at DIR.  ext4 and
# xfs sit on loop files of SIZE in the guest's tmpfs (256M and 320M by
# default); the -dax kinds on /dev/pmem0.  ext4's with 2 MiB stripes, so
# that large extents are aligned and faults map 2 MiB entries; xfs's without
# (its stripe alignment would undo the fragmentation xfs_fsr needs).  With
# VP_XFS_EXCHANGE set, the xfs kinds have exchange-range, which xfsprogs
# 6.1's mkfs cannot turn on: its incompat bit (0x40) is set with xfs_db.
mount_fs() {
	mkdir -p "$2"
	case $1 in
	tmpfs)	mount -t tmpfs tmpfs "$2" ;;
	ext4)	truncate -s "${3:-256M}" "/tmp/$1.img" &&
		mkfs.ext4 -q -F -b 4096 "/tmp/$1.img" &&
		mount -o loop "/tmp/$1.img" "$2" ;;
	xfs)	truncate -s "${3:-320M}" "/tmp/$1.img" &&
		mkfs.xfs -q -f "/tmp/$1.img" && xfs_exchange_bit "/tmp/$1.img" &&
		mount -o loop "/tmp/$1.img" "$2" ;;
	ext4-dax) mkfs.ext4 -q -F -b 4096 -E stride=512,stripe_width=512 \
			/dev/pmem0 && mount -o dax /dev/pmem0 "$2" ;;
	xfs-dax) mkfs.xfs -q -f /dev/pmem0 && xfs_exchange_bit /dev/pmem0 &&
		mount -o dax /dev/pmem0 "$2" ;;
	esac
}

xfs_exchange_bit() {
	[ -n "${VP_XFS_EXCHANGE:-}" ] || return 0
	f=$(xfs_db -c 'sb 0' -c 'print features_incompat' "$1" | sed 's/.*= //') &&
	xfs_db -x -c 'sb 0' -c "write -d features_incompat $((f | 0x40))" "$1" \
		>/dev/null
}

umount_fs() {
	umount "$2"
	rm -f "/tmp/$1.img"
}

# The layout changes (layout_break variants) a file system does not have.
unsupported_changes() {
	case $1 in
	tmpfs)	echo collapse_range insert_range zero_range clone_range \
			dedupe_range ficlone ;;
	ext4*)	echo clone_range dedupe_range ficlone ;;
	esac
}

# The layout_paths tests and variants a file system does not have (a test
# that skips counts as failed).  Not run: data journalling and the boot
# loader swap on ext4 -o dax; the 2 MiB entry on xfs -o dax (no stripes).
layout_paths_off() {
	xfs_only="-V xfs_fsr -V exchange_range -T xfs_rt_punch_breaks_the_allocation_unit -T xfs_shift_breaks_the_unit_before_it"
	ext4_only="-V e4defrag -V move_ext -V swap_boot -V journal_data -T refused_move_ext_revokes_nothing"
	reflink="-T clone_from_it_fails_with_etxtbsy -T dedupe_from_it_fails"
	dax_only="-T fsdax_pin_never_holds_a_hole -T fsdax_pmd_entry_breaks_whole"
	xfs_dax_only="-T fsdax_cow_preallocation_moves_no_pinned_block"
	tmpfs_only="-T sealed_memfd_holder_revokes_nothing"
	cache_only="-T truncate_waiting_for_a_writer_breaks_what_it_added"
	case $1 in
	tmpfs)	echo $xfs_only $ext4_only $reflink $dax_only $xfs_dax_only ;;
	ext4)	echo $xfs_only $reflink $dax_only $xfs_dax_only \
		$tmpfs_only ;;
	xfs)	echo $ext4_only $dax_only $xfs_dax_only \
		$tmpfs_only ;;
	ext4-dax) echo $xfs_only $ext4_only $reflink $cache_only $xfs_dax_only \
		$tmpfs_only ;;
	xfs-dax) echo $ext4_only $tmpfs_only -V exchange_range \
		-T xfs_rt_punch_breaks_the_allocation_unit $cache_only \
		-T fsdax_pmd_entry_breaks_whole ;;
	esac
	# The backstop fired on purpose once is enough: on ext4.
	[ "$1" = ext4 ] || echo "-T backstop_reports_a_skipped_break"
}

# writeback_pins FS DIR: stress writable pins of FS's page cache, and pin
# more than the dirty limits; then unmount, check the file system, remount
# and compare the file.
writeback_pins() {
	# xfs keeps no private state in a one-block folio: nothing to strip;
	# ext4 makes no large folios (6.12).
	case $1 in
	ext4)	only="-t leased_pinned_folios_keep_their_buffers
		      -t write_pin_is_dirtied_before_it_is_untied" ;;
	xfs)	only="-t part_of_a_large_folio_is_charged_for_what_it_keeps" ;;
	esac
	# shellcheck disable=SC2086 # one word per option
	VP_TEST_DIR=$2 VP_TEST_FS=$1 run_ktap "writeback_pins.$1" 600 \
		"$bin/vaddr_pin/writeback_pins" -t stress \
		-t idle_pinned_cache_is_not_rewritten \
		-t pins_are_not_throttled -t only_write_pins_stay_dirty \
		-t many_pins_of_few_pages_count_once \
		-t cgroup_writer_passes_pinned_cache \
		-t stable_pages_are_not_pinned_for_write \
		-t pinned_range_is_on_written_blocks \
		-t freeze_writes_nothing_until_thawed $only
	umount "$2"
	case $1 in
	ext4)	run_test "writeback_pins.$1.fsck" 300 e2fsck -fn "/tmp/$1.img" ;;
	xfs)	run_test "writeback_pins.$1.fsck" 300 xfs_repair -n "/tmp/$1.img" ;;
	esac
	mount -o loop "/tmp/$1.img" "$2"
	VP_TEST_DIR=$2 run_ktap "writeback_pins_verify.$1" 120 \
		"$bin/vaddr_pin/writeback_pins" -t verify
}

# writable_pins FS DIR: the page cache FS may or may not keep pinned for
# write; on ext4, that of a second ext4 mounted -o data=journal.
writable_pins() {
	wp=$bin/vaddr_pin/writable_pins
	case $1 in
	xfs)	VP_TEST_DIR=$2 run_ktap writable_pins.xfs 300 "$wp" \
			-t shared_range_is_refused_for_write \
			-t unshared_range_can_be_pinned_for_write ;;
	xfs-dax) VP_TEST_DIR=$2 run_ktap writable_pins.xfs-dax 300 "$wp" \
			-t shared_range_is_copied_by_the_pin ;;
	ext4)	mkdir -p /tmp/vp-ext4-journal
		if truncate -s 64M /tmp/ext4-journal.img &&
		   mkfs.ext4 -q -F /tmp/ext4-journal.img &&
		   mount -o loop,data=journal /tmp/ext4-journal.img \
			/tmp/vp-ext4-journal; then
			VP_TEST_DIR=/tmp/vp-ext4-journal \
				run_ktap writable_pins.ext4-journal 300 "$wp" \
				-t journalled_data_is_refused
			umount /tmp/vp-ext4-journal
		else
			echo "not ok writable_pins.ext4-journal (no mount)" >> "$out/tap"
		fi
		rm -f /tmp/ext4-journal.img ;;
	esac
}

# hostile_user FS DIR: uid 65534 against root's file on FS; on ext4-dax,
# whose holes are the zero page, two million pages of holes refused.
hostile_user() {
	VP_TEST_DIR=$2 VP_TEST_FS=$1 run_ktap "hostile_user.$1" 300 \
		"$bin/vaddr_pin/hostile_user" -f others_file
	[ "$1" = ext4-dax ] && VP_TEST_DIR=$2 run_ktap hostile_user.zero_page 900 \
		"$bin/vaddr_pin/hostile_user" -t holes_refused_two_million_times
}

# interface_fuzz FS DIR: random lease, pinner and file_pins calls on a file
# of FS, bounded by VP_FUZZ_CALLS per process and VP_FUZZ_SECONDS.
interface_fuzz() {
	case $1 in tmpfs|ext4|ext4-dax) ;; *) return ;; esac
	VP_TEST_DIR=$2 VP_FUZZ_SECONDS=${VP_FUZZ_SECONDS:-60} \
		run_ktap "interface_fuzz.$1" 900 "$bin/vaddr_pin/interface_fuzz"
}

# The project's own selftests: those about files once per file system,
# the others once.
PER_FS_TESTS="layout_lease file_pins pins_listing lspins_tool"
# Those run below, or by run_rdma and run_stress, with their own settings.
OWN_RUN_TESTS="lease_revoke layout_break layout_paths writeback_pins busy_file
	writable_pins rdma_mr hostile_user interface_fuzz pin_stress fail_points"
run_vaddr_pin_selftests() {
	for t in "$bin"/vaddr_pin/*; do
		case " $(echo $PER_FS_TESTS $OWN_RUN_TESTS) " in *" $(basename "$t") "*) continue ;; esac
		[ -x "$t" ] && run_ktap "$(basename "$t")" 600 "$t"
	done
	for fs in tmpfs ext4 xfs ext4-dax xfs-dax; do
		dir=/tmp/vp-$fs
		if ! mount_fs $fs $dir >"$out/logs/mount-$fs.log" 2>&1; then
			echo "not ok vaddr_pin.mount-$fs" >> "$out/tap"
			continue
		fi
		# First, on a fresh file system: the defragmenter tests need
		# files the allocator leaves in many extents.
		# shellcheck disable=SC2086 # one word per option
		VP_TEST_DIR=$dir VP_TEST_FS=$fs run_ktap "layout_paths.$fs" 900 \
			"$bin/vaddr_pin/layout_paths" $(layout_paths_off $fs)
		for t in $PER_FS_TESTS; do
			VP_TEST_DIR=$dir VP_TEST_FS=$fs \
				run_ktap "$t.$fs" 600 "$bin/vaddr_pin/$t"
		done
		# tmpfs and fsdax hold no swap file.
		case $fs in tmpfs|*-dax) noswap="-T swapon_fails_while_the_file_is_pinned" ;;
		*) noswap= ;; esac
		# shellcheck disable=SC2086 # one word per option
		VP_TEST_DIR=$dir run_ktap "busy_file.$fs" 300 \
			"$bin/vaddr_pin/busy_file" $noswap
		skip=$(for v in $(unsupported_changes $fs); do echo "-V $v"; done)
		# shellcheck disable=SC2086 # one word per option
		VP_TEST_DIR=$dir VP_TEST_FS=$fs run_ktap "layout_break.$fs" 900 \
			"$bin/vaddr_pin/layout_break" $skip
		# Read-only pins of page cache, which need no lease: not fsdax.
		case $fs in *-dax) ;; *)
			VP_TEST_DIR=$dir run_ktap "lease_revoke.$fs" 600 \
				"$bin/vaddr_pin/lease_revoke" ;;
		esac
		writable_pins $fs $dir
		case $fs in
		ext4|xfs) writeback_pins $fs $dir ;;
		*-dax)	VP_TEST_DIR=$dir run_ktap "writeback_pins.$fs" 300 \
				"$bin/vaddr_pin/writeback_pins" \
				-t fsdax_pinned_range_is_flushed_by_fsync ;;
		esac
		hostile_user $fs $dir
		interface_fuzz $fs $dir
		# The failure points KUnit cannot reach: ext4's ->pin_for_write.
		[ $fs = ext4 ] && VP_TEST_DIR=$dir run_ktap fail_points 300 \
			"$bin/vaddr_pin/fail_points"
		umount_fs $fs $dir
	done
}

rxe_up() {
	ip link add dummy0 type dummy 2>/dev/null
	ip link set dummy0 up
	rdma link add rxe0 type rxe netdev dummy0 2>/dev/null
}

# run_rdma [all]: on rxe0, with a file on ext4 -o dax and one in ext4's
# page cache, the RDMA story (tools/vaddr_pin/rdma_demo.c); with "all" the
# RDMA selftests as well, on those two and on xfs's page cache, which also
# use siw0 (a driver that cannot revoke).
run_rdma() {
	rdma_fs="ext4-dax ext4"
	[ "${1:-}" = all ] && rdma_fs="$rdma_fs xfs"
	rxe_up
	[ "${1:-}" = all ] && rdma link add siw0 type siw netdev dummy0
	for fs in $rdma_fs; do
		mount_fs $fs /tmp/demo-$fs >"$out/logs/mount-demo-$fs.log" 2>&1
	done
	run_test rdma_demo 300 "$top/build/tools/rdma_demo" /tmp/demo-ext4-dax \
		/tmp/demo-ext4
	if [ "${1:-}" = all ]; then
		for fs in $rdma_fs; do
			# The defragmenters: xfs_fsr on xfs, e4defrag on ext4.
			defrag="-T defragmenter_revokes_mrs_and_keeps_their_writes"
			[ $fs = ext4-dax ] || defrag=
			# shellcheck disable=SC2086 # one word per option
			VP_TEST_DIR=/tmp/demo-$fs VP_TEST_FS=$fs \
				run_ktap "rdma_mr.$fs" 600 "$bin/vaddr_pin/rdma_mr" \
				$defrag
		done
		run_ktap hostile_user.memlock 300 "$bin/vaddr_pin/hostile_user" \
			-t memlock_holds_for_every_pinning_path
		rdma link delete siw0
	fi
	for fs in $rdma_fs; do
		umount_fs $fs /tmp/demo-$fs
	done
	rdma link delete rxe0
}

# run_stress SECONDS: tools/testing/selftests/vaddr_pin/pin_stress.c with
# MRs on rxe0, half the time on ext4, ext4 on fsdax and tmpfs at once, half
# on xfs and xfs on fsdax with exchange-range (one pmem device, so two
# rounds).
run_stress() {
	rxe_up
	stress_round pin_stress.ext4 $(( $1 / 2 )) ext4 ext4-dax tmpfs
	VP_XFS_EXCHANGE=1 stress_round pin_stress.xfs $(( $1 / 2 )) xfs xfs-dax
	rdma link delete rxe0
}

# stress_round NAME SECONDS FS...
stress_round() {
	name=$1 seconds=$2
	shift 2
	dirs=
	for fs; do
		mount_fs $fs /tmp/stress-$fs >"$out/logs/mount-stress-$fs.log" 2>&1 ||
			echo "not ok $name.mount-$fs" >> "$out/tap"
		dirs="$dirs /tmp/stress-$fs"
	done
	VP_STRESS_DIRS=$dirs VP_STRESS_SECONDS=$seconds run_ktap $name \
		$(( seconds + 600 )) "$bin/vaddr_pin/pin_stress"
	for fs; do
		umount_fs $fs /tmp/stress-$fs
	done
}

run_env_checks() {
	run_test guest_fsdax 300 sh "$top/scripts/guest-env-check.sh" fsdax
	run_test guest_rxe 300 sh "$top/scripts/guest-env-check.sh" rxe
}

# The backstop of CONFIG_DEBUG_VADDR_PIN: no page left a file under a pin
# without a break, except where layout_paths skipped the breaks on purpose.
check_backstop() {
	counts=/sys/kernel/debug/vaddr_pin_counts
	missed=$(awk '$1 == "missed_breaks" { print $2 }' $counts)
	skipped=$(awk '$1 == "skipped_breaks" { print $2 }' $counts)
	if [ -n "$missed" ] && [ "$missed" = "$skipped" ]; then
		echo "ok backstop_quiet" >> "$out/tap"
	else
		echo "not ok backstop_quiet (${missed:-?} missed, ${skipped:-?} on purpose)" >> "$out/tap"
	fi
}

case "$job" in
check) collect_kunit; run_env_checks; run_rdma all; run_vaddr_pin_selftests
	run_mm_gup_tests; run_stress "${vp_stress_seconds:-100}"
	check_backstop ;;
stress) run_stress "${vp_stress_seconds:-1200}"; check_backstop ;;
kunit) collect_kunit ;;
demo)	collect_kunit
	run_rdma
	mount_fs ext4-dax /tmp/demo >"$out/logs/mount-demo.log" 2>&1
	for t in layout_lease file_pins pins_listing lspins_tool; do
		VP_TEST_DIR=/tmp/demo VP_TEST_FS=ext4-dax \
			run_ktap "$t" 300 "$bin/vaddr_pin/$t"
	done
	skip=$(for v in $(unsupported_changes ext4-dax) collapse_range \
		insert_range zero_range dedupe_range; do echo "-V $v"; done)
	# shellcheck disable=SC2086 # one word per option
	VP_TEST_DIR=/tmp/demo VP_TEST_FS=ext4-dax run_ktap layout_break 300 \
		"$bin/vaddr_pin/layout_break" $skip
	umount_fs ext4-dax /tmp/demo ;;
rdma-demo) run_rdma ;;	# make demo on the production kernel
run) run_test script 1200 sh -x "$vp_script" ;;
fstests) sh "$top/scripts/guest-fstests.sh" ;;	# make fstests
bench) . "$top/scripts/guest-bench.sh" ;;
selftest) run_env_checks; run_rdma all; run_vaddr_pin_selftests
	run_mm_gup_tests; run_stress "${vp_stress_seconds:-100}"
	check_backstop ;;
*) echo "unknown job $job" >&2 ;;
esac
