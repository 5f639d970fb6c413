#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The measurements of make bench, in the guest of the benchmark kernel.
# Sourced by scripts/guest-tests.sh (job "bench"), whose run_test and
# mount_fs it uses.  Each tool prints "bench NAME key=value..." lines;
# they are gathered in $out/bench for scripts/bench.py, with "file" in a
# name replaced by the file system the file was on.
tools=$top/build/tools
reps=${vp_reps:-7}
: > "$out/bench"

# measure LABEL TIMEOUT CMD...: run CMD as test bench.LABEL.N, keep its lines.
measure() {
	label=$1 limit=$2
	shift 2
	n=$(grep -c "^ok bench\\.$label\\." "$out/tap")
	run_test "bench.$label.$n" "$limit" "$@"
	sed -n "/^bench /{s/\\.file\\([. ]\\)/.$label\\1/;p}" \
		"$out/logs/bench.$label.$n.log" >> "$out/bench"
}

# pin + unpin 256 MiB: anonymous, then leased files against the same raw
# pin (tmpfs) and against anonymous memory (fsdax, which it cannot pin).
for pages in 1 64 512; do
	measure anon 900 "$tools/pin_time" anon 256 $pages "$reps"
done
mount_fs tmpfs /tmp/bench-tmpfs
mount_fs ext4-dax /tmp/bench-ext4-dax
for pages in 1 64 512; do
	measure tmpfs 900 "$tools/pin_time" file /tmp/bench-tmpfs/f 256 \
		$pages "$reps" same
	measure ext4-dax 900 "$tools/pin_time" file /tmp/bench-ext4-dax/f \
		256 $pages "$reps" anon
done

# Breaks on tmpfs, where the file system's own work is least.
for n in 1 100 10000 100000; do
	measure tmpfs 900 "$tools/break_time" others /tmp/bench-tmpfs $n \
		$((reps * 2 + 1))
done
for k in 1 100 10000; do
	measure tmpfs 900 "$tools/break_time" revoke /tmp/bench-tmpfs $k \
		"$reps"
done
# One pin of each of many leases of the file: one walk of each, not L^2.
for l in 10 100 1000; do
	measure tmpfs 900 "$tools/break_time" leases /tmp/bench-tmpfs $l \
		"$reps"
done
measure tmpfs 900 "$tools/record_bytes" /tmp/bench-tmpfs 10000 1 512
# The fast path of every truncate: a file that never had a lease.
measure tmpfs 900 "$tools/truncate_time" /tmp/bench-tmpfs 2000 "$reps"
for pages in 1 64; do
	measure tmpfs 900 "$tools/pin_time" threads /tmp/bench-tmpfs/f 256 \
		$pages "$reps"
done

# ibv_reg_mr + ibv_dereg_mr of 256 MiB on rxe0: a leased file against
# anonymous memory, on each kind of file.
ip link add dummy0 type dummy 2>/dev/null
ip link set dummy0 up
rdma link add rxe0 type rxe netdev dummy0
measure tmpfs 900 "$tools/mr_time" /tmp/bench-tmpfs 256 "$reps"
measure ext4-dax 900 "$tools/mr_time" /tmp/bench-ext4-dax 256 "$reps"
umount_fs tmpfs /tmp/bench-tmpfs
umount_fs ext4-dax /tmp/bench-ext4-dax
# In the page cache, twice: with the file written back before each
# registration (-c), as the flusher may have done since the last one, so
# that each registration has the filesystem make every page writable again;
# and with writeback held off, so that the pages stay dirty and writable.
vm=/proc/sys/vm
saved=$(cat $vm/dirty_background_ratio $vm/dirty_ratio \
	$vm/dirty_writeback_centisecs)
for fs in ext4 xfs; do
	mount_fs $fs /tmp/bench-$fs 384M
	[ $fs = ext4 ] && measure ext4 900 "$tools/truncate_time" \
		/tmp/bench-ext4 2000 "$reps"
	measure $fs-clean 900 "$tools/mr_time" -c /tmp/bench-$fs 256 "$reps"
	echo 90 > $vm/dirty_background_ratio
	echo 95 > $vm/dirty_ratio
	echo 0 > $vm/dirty_writeback_centisecs
	measure $fs-dirty 900 "$tools/mr_time" /tmp/bench-$fs 256 "$reps"
	set -- $saved
	echo "$1" > $vm/dirty_background_ratio
	echo "$2" > $vm/dirty_ratio
	echo "$3" > $vm/dirty_writeback_centisecs
	umount_fs $fs /tmp/bench-$fs
done
rdma link delete rxe0
