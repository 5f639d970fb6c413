#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# PID 1 of the test guest.  The root file system is the host's, read-only
# over 9p; the kernel passes vp_job (and vp_top, the checkout's host path,
# used only to find this script) in the environment.  Everything the guest writes goes to tmpfs or to the
# results share.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp
bb=/bin/busybox

# Over 9p, /proc, /sys and /dev are the host's directories, and look like
# mount points: mount the guest's own on top, unconditionally.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null  # unless DEVTMPFS_MOUNT did
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t debugfs debugfs /sys/kernel/debug
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mkdir -p /run/results /run/top
mount -t 9p -o trans=virtio,version=9p2000.L results /run/results
mount -t 9p -o trans=virtio,version=9p2000.L,ro top /run/top
hostname vaddr-pin-guest 2>/dev/null
ip link set lo up 2>/dev/null

# The checkout, wherever the host keeps it.
vp_top=/run/top
export VP_TOP=$vp_top VP_RESULTS=/run/results
cd /tmp
case "$vp_job" in
shell)
	echo "vaddr_pin guest: exit the shell to power off"
	setsid sh -c 'exec sh -l </dev/ttyS0 >/dev/ttyS0 2>&1'
	;;
*)
	sh "$vp_top/scripts/guest-tests.sh" "$vp_job" \
		>"$VP_RESULTS/guest-tests.log" 2>&1
	;;
esac
# The whole kernel log, whatever reached the console.
dmesg > "$VP_RESULTS/dmesg.log" 2>&1
sync
touch "$VP_RESULTS/done"
sync
umount /run/results 2>/dev/null
$bb poweroff -f
