#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The fstests job of the guest (scripts/guest-tests.sh fstests), booted by
# scripts/fstests.sh.  From the kernel's command line:
#
#   vp_fst_configs  the configurations to run, comma-separated, of ext4,
#                   xfs, ext4-dax and xfs-dax
#   vp_fst_list     the tests to run, one "dir/NNN" a line (a host path,
#                   which the guest sees as well)
#
# ext4 and xfs run on /dev/vda (TEST_DEV) and /dev/vdb (SCRATCH_DEV), the
# -dax ones on /dev/pmem0 and /dev/pmem1 mounted with -o dax.  Each runs
# ./check once over the list's generic tests and those of its filesystem,
# then once more over those that failed: results/CONFIG/result.xml and
# results/CONFIG-again/result.xml (xunit) and ./check's output,
# CONFIG.log, under the job's results share; then CONFIG.done.
set -u
out=$VP_RESULTS/fstests
mkdir -p "$out"

# The host's root is read-only here: fstests writes into its own tree and
# into /var/tmp.  One tar file: a copy of the tree's 5000 files over 9p
# takes minutes under TCG.
mkdir -p /tmp/xfstests
tar -xf "$VP_TOP/build/fstests/xfstests.tar" -C /tmp/xfstests || exit 1
mount -t tmpfs tmpfs /var/tmp
mkdir -p /tmp/test /tmp/scratch

run_check() {	# run_check CONFIG SECTION LIST: ./check over LIST's tests
	# No test named: ./check would run the whole auto group.
	grep -q '[^[:space:]]' "$3" 2>/dev/null || return 0
	# shellcheck disable=SC2046 # one word per test
	./check -R xunit -x dangerous $(cat "$3") > "$out/$2.log" 2>&1
	mkdir -p "$out/$2"
	cp results/result.xml "$out/$2/" 2>/dev/null
	# What a failure left to read, small files only.
	find results -name '*.out.bad' -o -name '*.dmesg' |
		while read -r f; do cp "$f" "$out/$2/"; done
	rm -rf results
}

for cfg in $(echo "${vp_fst_configs:-}" | tr , ' '); do
	case $cfg in
	ext4|xfs) test_dev=/dev/vda scratch_dev=/dev/vdb opts= ;;
	ext4-dax|xfs-dax) test_dev=/dev/pmem0 scratch_dev=/dev/pmem1
		opts="-o dax" ;;
	*) echo "guest-fstests: unknown configuration $cfg" >&2; continue ;;
	esac
	fs=${cfg%-dax}
	echo "# fstests on $cfg: $(date +%s)"
	case $fs in
	ext4) mkfs.ext4 -q -F -b 4096 "$test_dev" ;;
	xfs) mkfs.xfs -q -f "$test_dev" ;;
	esac || { echo "guest-fstests: mkfs $test_dev failed" >&2; continue; }
	cat > /tmp/xfstests/local.config <<EOF
export FSTYP=$fs
export TEST_DEV=$test_dev
export TEST_DIR=/tmp/test
export SCRATCH_DEV=$scratch_dev
export SCRATCH_MNT=/tmp/scratch
export MOUNT_OPTIONS="$opts"
export TEST_FS_MOUNT_OPTS="$opts"
EOF
	cd /tmp/xfstests || exit 1
	grep -E "^(generic|$fs)/" "$vp_fst_list" > /tmp/list
	run_check "$cfg" "$cfg" /tmp/list
	# The failures once more, to tell a flaky test from a broken one.
	python3 "$VP_TOP/scripts/fstests_compare.py" --failed \
		"$out/$cfg/result.xml" > /tmp/again
	run_check "$cfg" "$cfg-again" /tmp/again
	umount /tmp/test /tmp/scratch 2>/dev/null
	cd /tmp || exit 1
	# The host keeps this configuration's results (scripts/fstests.sh).
	touch "$out/$cfg.done"
	echo "# fstests on $cfg done: $(date +%s)"
done
