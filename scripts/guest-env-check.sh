#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in the guest: the environment later tests rely on is really there.
#   guest-env-check.sh fsdax   /dev/pmem0 takes ext4 and xfs with -o dax
#   guest-env-check.sh rxe     rxe0 on dummy0 shows up in libibverbs
set -e
case $1 in
fsdax)
	[ -b /dev/pmem0 ]
	mkdir -p /tmp/dax
	for fs in ext4 xfs; do
		if [ $fs = ext4 ]; then
			mkfs.ext4 -q -F -b 4096 /dev/pmem0
		else
			mkfs.xfs -q -f /dev/pmem0
		fi
		mount -o dax /dev/pmem0 /tmp/dax
		# -o dax=always must have stuck: the mount says so.
		grep -E "^/dev/pmem0 /tmp/dax $fs .*dax" /proc/mounts
		echo data > /tmp/dax/f
		umount /tmp/dax
	done
	;;
rxe)
	ip link add dummy0 type dummy 2>/dev/null || true
	ip link set dummy0 up
	rdma link add rxe0 type rxe netdev dummy0
	rdma link show rxe0/1
	ibv_devices | grep -w rxe0
	rdma link delete rxe0
	;;
*)
	exit 2
	;;
esac
