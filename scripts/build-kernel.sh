#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Configure (scripts/configure-kernel.sh) and build the kernel of the
# flavor VADDR_PIN_FLAVOR (test by default: build/bzImage; see common.sh).
# Incremental after the first run; configures again only when the merged
# fragments of config/ changed.
set -euo pipefail
. "$(dirname "$0")/common.sh"

[ -n "$KERNEL" ] || die "the $FLAVOR flavor is a configuration, not a kernel"
"$TOP/scripts/prepare-tree.sh"
mkdir -p "$OBJ"
# shellcheck disable=SC2086 # one word per fragment
if [ ! -f "$OBJ/.config" ] ||
   ! cmp -s <(merged_fragment $FRAGMENTS) "$OBJ/.vaddr_pin-fragment"; then
	"$TOP/scripts/configure-kernel.sh"
fi
note "building bzImage ($NPROC jobs)"
kmake -j"$NPROC" bzImage "$@"
ln -sfn "${OBJ#"$BUILD"/}/arch/x86/boot/bzImage" "$KERNEL"
note "kernel at ${KERNEL#"$TOP"/}"
