#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot build/bzImage (build/bzImage-bench with VADDR_PIN_FLAVOR=bench)
# under QEMU (TCG) with the host's root over 9p and run one job of
# scripts/guest-init.sh in it:
#
#   run-guest.sh check      KUnit at boot, then every guest test
#   run-guest.sh kunit      KUnit only
#   run-guest.sh selftest   guest tests only (kunit.enable=0)
#   run-guest.sh shell      an interactive shell on this terminal
#   run-guest.sh run vp_script=FILE   run FILE (a path the guest sees)
#
# The checkout is shared read-only as well and mounted at /run/top in the
# guest, so it may live anywhere on the host, /tmp included (the guest
# mounts its own tmpfs there).
# Results come back through a writable 9p share, build/results/JOB/, never
# through the console: tap (one "ok NAME" / "not ok NAME" line per test),
# logs/NAME.log, kunit/*.ktap, and done once the guest finished.  The
# console goes to build/results/JOB/console.log.
# VADDR_PIN_GUEST_MEM sets the guest's memory (2G by default),
# VADDR_PIN_GUEST_MEMMAP its emulated persistent memory, one memmap=
# region a word (512M!1G by default: /dev/pmem0), VADDR_PIN_GUEST_DISKS
# raw image files to attach as /dev/vda, /dev/vdb..., and VADDR_PIN_KERNEL
# the kernel to boot instead of the flavor's, VADDR_PIN_GUEST_RESULTS the
# results directory instead of build/results/JOB (two guests of one job).
set -euo pipefail
. "$(dirname "$0")/common.sh"

job=${1:?job}
shift
timeout_s=${VADDR_PIN_GUEST_TIMEOUT:-2400}
res=${VADDR_PIN_GUEST_RESULTS:-$RESULTS/$job}
kernel=${VADDR_PIN_KERNEL:-$KERNEL}
[ -e "$kernel" ] || die "no kernel at ${KERNEL#"$TOP"/}: make kernel"

rm -rf "$res"
mkdir -p "$res"
cmdline="console=ttyS0 root=root rootfstype=9p"
cmdline+=" rootflags=trans=virtio,version=9p2000.L,msize=262144"
# cache=loose: the guest caches what it reads of the host's root, which
# nothing changes during a run; without it every exec goes over 9p.
[ -n "${VADDR_PIN_GUEST_ROOT_CACHE:-}" ] &&
	cmdline+=",cache=$VADDR_PIN_GUEST_ROOT_CACHE"
cmdline+=" ro"
# 512 MiB of emulated persistent memory: mkfs.xfs wants 300 MiB or more.
cmdline+=" init=$TOP/scripts/guest-init.sh"
for m in ${VADDR_PIN_GUEST_MEMMAP:-512M!1G}; do
	cmdline+=" memmap=$m"
done
cmdline+=" panic=-1 loglevel=5 vp_top=$TOP vp_job=$job"
# 4-level paging: TCG's "-cpu max" offers LA57, and on 6.12 identify_cpu()
# clears the boot CPU's feature bits with interrupts on, so an interrupt in
# that window sees pgtable_l5_enabled() false and KASAN reports a
# wild-memory-access on a direct-map address (seen once in CI at boot, in
# handle_edge_irq). Nothing here needs 5-level paging.
cmdline+=" no5lvl"
case $job in
check|kunit|demo) cmdline+=" kunit.enable=1 kunit.filter_glob=vaddr_pin*" ;;
*) cmdline+=" kunit.enable=0" ;;
esac
cmdline+=" $*"

qemu=(qemu-system-x86_64 -M pc -accel tcg -cpu max -smp 2 -m "${VADDR_PIN_GUEST_MEM:-2G}"
	-bios /usr/share/qemu/qboot.rom -kernel "$kernel" -append "$cmdline"
	-nodefaults -no-reboot -display none
	-fsdev "local,id=root,path=/,security_model=none,readonly=on,multidevs=remap"
	-device virtio-9p-pci,fsdev=root,mount_tag=root
	-fsdev "local,id=top,path=$TOP,security_model=none,readonly=on"
	-device virtio-9p-pci,fsdev=top,mount_tag=top
	-fsdev "local,id=res,path=$res,security_model=none"
	-device virtio-9p-pci,fsdev=res,mount_tag=results)
for d in ${VADDR_PIN_GUEST_DISKS:-}; do
	qemu+=(-drive "file=$d,if=virtio,format=raw,cache=unsafe")
done

if [ "$job" = shell ]; then
	exec "${qemu[@]}" -serial mon:stdio
fi

note "booting the guest for '$job' (timeout ${timeout_s}s)"
start=$(date +%s)
rc=0
timeout --foreground -k 10 "$timeout_s" "${qemu[@]}" \
	-serial "file:$res/console.log" </dev/null || rc=$?
note "guest '$job' ran $(( $(date +%s) - start ))s"
if [ ! -f "$res/done" ]; then
	note "guest '$job' did not finish (qemu exit $rc); console tail:"
	tail -n 40 "$res/console.log" >&2 || true
	exit 1
fi
