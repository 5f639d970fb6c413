#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install from Debian what the build and the guest tests need, once
# (install-deps.sh fstests: and what make fstests needs).
# Says which packages it installs; when apt fails, shows apt's own error
# and exits non-zero.  Nothing to do (every package installed): silent.
# The kernel source is the exact version the patches are for ($KVER of
# common.sh): Debian's security suite keeps the older 6.12 updates, so a
# newer linux-source-6.12 on the machine is replaced by that one.
set -uo pipefail
. "$(dirname "$0")/common.sh"

# Kernel build: the 6.12 source, toolchain, libc headers for the host
# programs, patch/xz/git to prepare and check the tree, sparse, ccache.
# Guest: QEMU with qboot, busybox, the filesystems' tools, RDMA user space.
# groff and man-db: lspins.8 is rendered by a static check; Sphinx builds
# the rst.
PKGS="linux-source-6.12 xz-utils patch git bc flex bison libelf-dev
      libssl-dev libc6-dev gcc make perl python3 cpio kmod sparse ccache
      qemu-system-x86 qemu-system-data busybox-static e2fsprogs xfsprogs
      iproute2 util-linux coreutils debootstrap rdma-core ibverbs-providers
      libibverbs-dev ibverbs-utils groff-base man-db python3-sphinx"
# install-deps.sh fstests: also what fstests needs to build and run (its
# README's list for Debian, less the other filesystems' tools and git).
[ "${1:-}" = fstests ] && PKGS+=" acl attr automake dbench dump fio gawk
      indent libacl1-dev libaio-dev libcap-dev libgdbm-dev libgdbm-compat-dev
      libtool libtool-bin liburing-dev psmisc quota sed sqlite3 uuid-dev
      uuid-runtime xfsdump xfslibs-dev"

installed() {	# installed PKG: dpkg has PKG installed (unknown is not)
	local want=.
	[ "$1" = linux-source-6.12 ] && want="^$KVER-"
	dpkg-query -W -f='${db:Status-Status} ${Version}\n' "$1" 2>/dev/null |
		awk -v want="$want" '$1 == "installed" && $2 ~ want { ok = 1 }
			END { exit !ok }'
}

missing=()
for p in $PKGS; do
	installed "$p" || missing+=("$p")
done
[ ${#missing[@]} = 0 ] && exit 0

fail() {	# fail WHAT LOG: say what failed, with the end of apt's output
	echo "install-deps: $1 failed; apt said:" >&2
	tail -n 25 "$2" | sed 's/^/  /' >&2
	rm -f "$2"
	exit 1
}

[ "$(id -u)" = 0 ] || {
	echo "install-deps: run as root to install: ${missing[*]}" >&2
	exit 1
}
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# An index that cannot be fetched (a third-party source offline) makes
# apt-get update fail although Debian's own lists came in: show it, go on,
# and let apt-get install say whether the packages can be had.
if ! apt-get update > "$log" 2>&1; then
	echo "install-deps: apt-get update reported errors (going on):" >&2
	grep -E '^(E|W):' "$log" | sed 's/^/  /' >&2
fi
# linux-source-6.12 at exactly $KVER, whichever version apt would pick.
pkgs=()
for p in "${missing[@]}"; do
	if [ "$p" = linux-source-6.12 ]; then
		v=$(apt-cache madison "$p" | awk -v k="$KVER-" \
			'index($3, k) == 1 { print $3; exit }')
		[ -n "$v" ] || {
			echo "install-deps: apt offers no $p $KVER; it has:" >&2
			apt-cache madison "$p" | sed 's/^/  /' >&2
			rm -f "$log"
			exit 1
		}
		p="$p=$v"
	fi
	pkgs+=("$p")
done
# Wait for a boot-time apt (unattended-upgrades) rather than fail on its lock.
apt-get install -y --no-install-recommends --allow-downgrades \
	-o DPkg::Lock::Timeout=600 "${pkgs[@]}" > "$log" 2>&1 ||
	fail "apt-get install" "$log"
rm -f "$log"
for p in "${missing[@]}"; do
	installed "$p" || { echo "install-deps: $p is still not installed" >&2; exit 1; }
done
echo "install-deps: done" >&2
