#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: build the kernel, boot it, and show what vaddr_pin does.
#
# The story: tools/vaddr_pin/rdma_demo registers a file on emulated
# persistent memory (ext4 -o dax) and one in ext4's page cache with rxe
# (soft-RoCE), RDMA WRITEs into them, has another process truncate the
# dax file over the region, and shows the region revoked, then refused
# the truncate under F_UNBREAK.  After it, the tests behind each piece,
# on ext4 -o dax.
#
# VADDR_PIN_FLAVOR=production (make demo-production): the story alone, on
# a kernel configured as a distribution would (x86_64_defconfig, the
# users' options of config/vaddr_pin-users.config and the guest's
# plumbing; no test or debug option, so none of the tests behind it).
set -uo pipefail
. "$(dirname "$0")/common.sh"

job=demo
[ "$FLAVOR" = production ] && job=rdma-demo
build_for_guest "$FLAVOR-"
"$TOP/scripts/run-guest.sh" $job || exit 1
res=$RESULTS/$job

# show TITLE: the results of one group, one line each, underscores as spaces.
show() {
	echo
	echo "$1"
	awk '{ ok = ($1 == "ok"); name = ok ? $2 : $3
	       sub(/^[^.]*\.[^.]*\./, "", name); gsub(/_/, " ", name)
	       printf "  %-7s %s\n", ok ? "ok" : "FAILED", name }'
}

echo
echo "== vaddr_pin demo: $(uname -m) guest, Linux 6.12.117 + patches/ =="
echo
sed '/^exit status/d' "$res/logs/rdma_demo.log"
grep -q '^ok rdma_demo$' "$res/tap" || echo "rdma_demo FAILED"
if [ $job = rdma-demo ]; then
	echo
	echo "(kernel: $FLAVOR, $(grep -c '=y$' "$OBJ/.config") options =y;" \
		"$(grep -E '^CONFIG_(VADDR_PIN|INFINIBAND_USER_MEM|RDMA_RXE)=' "$OBJ/.config" | tr '\n' ' '))"
	python3 "$TOP/scripts/summarize.py" --guest "$res" | tail -n 1
	exit "${PIPESTATUS[0]}"
fi
echo
echo "== behind it =="
awk '/^    (not )?ok [0-9]+ / { print ($1 == "ok" ? "ok" : "not ok"), "k.k." ($1 == "ok" ? $3 : $4) }' \
	"$res/kunit/vaddr_pin.ktap" | show "Pinning user memory through struct vaddr_pin (KUnit):"
grep ' layout_lease\.' "$res/tap" |
	show "Layout leases, fcntl(F_SETLEASE, F_RDLCK | F_LAYOUT), on ext4 -o dax:"
grep ' file_pins\.' "$res/tap" |
	show "The pinning rule on ext4 -o dax: no layout lease, no long-term pin (EPERM):"
grep -e ' pins_listing\.' -e ' lspins_tool\.' "$res/tap" |
	show "Auditing on ext4 -o dax: /proc/<pid>/file_pins and lspins:"
sed -n '/lspins --pid/,/^#/{/^#/d;p}' "$res/logs/lspins_tool.log" | head -n 6
grep ' layout_break\.' "$res/tap" |
	show "Truncating or punching a hole over a pin on ext4 -o dax: revoke and signal, or ETXTBSY:"
python3 "$TOP/scripts/summarize.py" --guest "$res" --expect-kunit vaddr_pin |
	tail -n 1
exit "${PIPESTATUS[0]}"
