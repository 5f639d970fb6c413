#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: build the kernel, boot it, and show what vaddr_pin does.
#
# The RDMA-on-a-leased-file story (register a leased fsdax file with rxe,
# RDMA WRITE into it, truncate it from another process, watch the region
# be revoked) needs the RDMA work still open in the issue tracker.  Until
# it lands, the demo shows the same story with the debugfs test pinner in
# place of an RDMA memory region, on ext4 over emulated persistent memory
# (-o dax), and says what is still to come.
set -uo pipefail
. "$(dirname "$0")/common.sh"

"$TOP/scripts/install-deps.sh" || exit 1
for step in build-kernel build-selftests; do
	"$TOP/scripts/$step.sh" > "$BUILD/$step.log" 2>&1 || {
		tail -n 40 "$BUILD/$step.log"
		die "$step failed (build/$step.log)"
	}
done
"$TOP/scripts/run-guest.sh" demo || exit 1
res=$RESULTS/demo

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
cat <<'MSG'

Still to come (see `issues`): the RDMA story itself (issue 5): ibv_reg_mr()
of a leased fsdax file, RDMA WRITEs landing in it, lspins showing the
region, a truncate revoking it, F_UNBREAK refusing the truncate.
MSG
python3 "$TOP/scripts/summarize.py" --guest "$res" --expect-kunit vaddr_pin |
	tail -n 1
exit "${PIPESTATUS[0]}"
