#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what the build and the guest tests need from Debian, once.
set -euo pipefail

PKGS="linux-source-6.12 bc flex bison libelf-dev libssl-dev sparse ccache
      gcc make perl python3 cpio kmod qemu-system-x86 qemu-system-data
      busybox-static e2fsprogs xfsprogs iproute2 util-linux coreutils
      rdma-core ibverbs-providers libibverbs-dev ibverbs-utils"

missing=$(dpkg-query -W -f='${Package} ${Status}\n' $PKGS 2>/dev/null |
	  awk '$NF != "installed" {print $1}')
# dpkg-query says nothing at all about packages it has never heard of.
for p in $PKGS; do
	dpkg-query -W "$p" >/dev/null 2>&1 || missing="$missing $p"
done
missing=$(echo $missing | tr ' ' '\n' | sort -u | tr '\n' ' ')
[ -z "${missing// /}" ] && exit 0

[ "$(id -u)" = 0 ] || { echo "install-deps: need root for: $missing" >&2; exit 1; }
echo "install-deps: installing $missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
