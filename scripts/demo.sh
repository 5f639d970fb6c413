#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: build the kernel, boot it, and show what vaddr_pin does.
#
# The RDMA-on-a-leased-file story (register a leased fsdax file with rxe,
# RDMA WRITE into it, truncate it from another process, watch the region
# be revoked) needs the layout leases and the RDMA work still open in the
# issue tracker.  Until they land, the demo shows the core pinning API
# running in the booted kernel and says what is still to come.
set -uo pipefail
. "$(dirname "$0")/common.sh"

"$TOP/scripts/install-deps.sh" || exit 1
"$TOP/scripts/build-kernel.sh" > "$BUILD/kernel-build.log" 2>&1 || {
	tail -n 40 "$BUILD/kernel-build.log"
	die "kernel build failed (build/kernel-build.log)"
}
"$TOP/scripts/run-guest.sh" kunit || exit 1

ktap=$RESULTS/kunit/kunit/vaddr_pin.ktap
[ -f "$ktap" ] || die "the guest reported no vaddr_pin results"
echo
echo "== vaddr_pin demo =="
echo "Booted $(strings "$BUILD/bzImage" | grep -m1 -o '6\.12\.117[^ ]*') under QEMU."
echo "The core API pinned and unpinned user memory in that kernel:"
awk '/^    (not )?ok [0-9]+ / {
	ok = ($1 == "ok"); name = ok ? $3 : $4
	gsub(/_/, " ", name)
	printf "  %-8s %s\n", ok ? "ok" : "FAILED", name
	bad += !ok
} END { exit bad != 0 }' "$ktap"
rc=$?
cat <<'MSG'

Still to come (see `issues`): layout leases on files (issue 3), the
/proc/<pid>/file_pins listing and lspins (issue 4), and the RDMA story
itself (issue 5): ibv_reg_mr() of a leased fsdax file, RDMA WRITEs landing
in it, a truncate revoking the region, F_UNBREAK refusing the truncate.
MSG
exit $rc
