#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# install-check.sh [INSTALL_SCRIPT]: the project's install step, tried
# from nothing.  In a clean Debian 12 root (scripts/clean-root.sh:
# debootstrap minbase from the Debian mirror this machine's apt uses) run
# scripts/install-deps.sh, or INSTALL_SCRIPT, as make check and make demo
# run it on a new machine, and check that it exits 0 and that every tool
# the build and the guest need then works in that root.  One test each,
# into build/results/install/ (tap, logs/):
#
#   install:debootstrap-root     the clean root could be made (or was cached)
#   install:install-deps         the install step exited 0 there
#   install:usable:WHAT          WHAT works in the root afterwards
#
# Where no clean root can be had (no network for debootstrap, not root, no
# mount namespaces), install:debootstrap-root is skipped, with the reason,
# and nothing else runs.  Exits 1 if a test failed.
set -uo pipefail
. "$(dirname "$0")/common.sh"
. "$TOP/scripts/clean-root.sh"

skip() {	# skip REASON: no clean root here, so no install test
	mkdir -p "$RESULTS/install"
	echo "ok install:debootstrap-root # SKIP $*" > "$RESULTS/install/tap"
	exit 0
}
clean_root_unshare "$0" "$@" || skip "no private mount namespace"

script=$(realpath "${1:-$TOP/scripts/install-deps.sh}")
out=$RESULTS/install
root=$BUILD/install-root
rm -rf "$out"
mkdir -p "$out/logs"
: > "$out/tap"

result() {	# result NAME RC: one test, its log in logs/NAME.log
	if [ "$2" = 0 ]; then
		echo "ok $1" >> "$out/tap"
	else
		echo "not ok $1" >> "$out/tap"
	fi
}

trap 'clean_root_leave "$root"' EXIT
trap 'exit 1' INT TERM
log=$out/logs/install:debootstrap-root.log
clean_root_tarball > "$log" 2>&1 || skip "no clean root: $(tail -n 1 "$log")"
clean_root_enter "$root" >> "$log" 2>&1
rc=$?
result install:debootstrap-root $rc
[ $rc = 0 ] || exit 1
# The install step as a checkout has it: the script and what it sources.
mkdir -p "$root/run/project/scripts"
cp "$script" "$root/run/project/scripts/install-deps.sh"
cp "$TOP/scripts/common.sh" "$root/run/project/scripts/"
clean_root_debs_in "$root"

log=$out/logs/install:install-deps.log
in_root "$root" "timeout 1800 bash /run/project/scripts/install-deps.sh" \
	> "$log" 2>&1 < /dev/null
rc=$?
echo "exit status $rc" >> "$log"
result install:install-deps $rc
clean_root_debs_out "$root"

# What must work afterwards: the build's tools, its libraries' headers
# (compiled and linked against), the guest's programs, the 6.12.117 source.
cat > "$root/run/project/libs.c" <<'EOF'
#include <gelf.h>
#include <openssl/evp.h>
#include <infiniband/verbs.h>
int main(void)
{
	struct ibv_device **devs;
	int n;

	if (elf_version(EV_CURRENT) == EV_NONE || !EVP_sha256())
		return 1;
	/* No RDMA device here: the list is NULL, but libibverbs loaded. */
	devs = ibv_get_device_list(&n);
	if (devs)
		ibv_free_device_list(devs);
	return 0;
}
EOF
while read -r what cmd; do
	log=$out/logs/install:usable:$what.log
	in_root "$root" "$cmd" > "$log" 2>&1 < /dev/null
	rc=$?
	echo "exit status $rc" >> "$log"
	result "install:usable:$what" $rc
done <<EOF
gcc-libelf-openssl-ibverbs gcc -Wall -o /tmp/libs /run/project/libs.c -lelf -lcrypto -libverbs && /tmp/libs
make make --version
bc echo 6*7 | bc | grep -qx 42
flex flex --version
bison bison --version
perl perl -e 'exit 0'
python3 python3 -c 'import sys; sys.exit(0)'
cpio cpio --version
kmod depmod --version
patch patch --version
xz xz --version
git git --version
sparse sparse --version
ccache ccache --version
qemu qemu-system-x86_64 --version && test -f /usr/share/qemu/qboot.rom
busybox busybox poweroff --help 2>&1 | grep -q Usage
e2fsprogs mkfs.ext4 -V && e2fsck -V
xfsprogs mkfs.xfs -V && xfs_repair -V && xfs_io -V
iproute2 ip -V && rdma -V
util-linux setpriv --version && fallocate --version && lscpu --version
man-groff groff -v && man -l --version
sphinx sphinx-build --version
ibverbs command -v ibv_devices ibv_rc_pingpong && test -e /usr/lib/x86_64-linux-gnu/libibverbs/librxe-rdmav34.so
linux-source-$KVER dpkg-query -W -f='\${Version}' linux-source-6.12 | grep -q '^$KVER-' && test -s /usr/src/linux-source-6.12.tar.xz
EOF
! grep -q '^not ok' "$out/tap"
