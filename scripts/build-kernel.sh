#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Configure (x86_64_defconfig + config/vaddr_pin.config) and build the one
# test kernel; leave it at build/bzImage.  Incremental after the first run.
set -euo pipefail
. "$(dirname "$0")/common.sh"

FRAGMENT=$TOP/config/vaddr_pin.config

configure() {
	mkdir -p "$OBJ"
	note "configuring: x86_64_defconfig + config/vaddr_pin.config"
	kmake -s x86_64_defconfig >/dev/null
	"$TREE/scripts/kconfig/merge_config.sh" -m -O "$OBJ" "$OBJ/.config" \
		"$FRAGMENT" >/dev/null
	kmake -s olddefconfig >/dev/null
	# merge_config.sh only warns when an option does not stick; a
	# missing dependency must stop the build instead.
	local line sym want got bad=0
	while read -r line; do
		case "$line" in
		CONFIG_*=*) sym=${line%%=*}; want=$line ;;
		"# CONFIG_"*" is not set") sym=${line#\# }; sym=${sym%% *}; want=$line ;;
		*) continue ;;
		esac
		got=$(grep -E "^($sym=|# $sym is not set)" "$OBJ/.config" || true)
		if [ "$got" != "$want" ] &&
		   ! { [ -z "$got" ] && [ "$want" = "# $sym is not set" ]; }; then
			note "config: wanted '$want', got '${got:-unset}'"
			bad=1
		fi
	done < "$FRAGMENT"
	[ $bad = 0 ] || die "config/vaddr_pin.config does not apply cleanly"
	cp "$FRAGMENT" "$OBJ/.vaddr_pin-fragment"
}

"$TOP/scripts/prepare-tree.sh"
if [ ! -f "$OBJ/.config" ] || ! cmp -s "$FRAGMENT" "$OBJ/.vaddr_pin-fragment"; then
	configure
fi
note "building bzImage ($NPROC jobs)"
kmake -j"$NPROC" bzImage "$@"
ln -sfn obj/arch/x86/boot/bzImage "$BUILD/bzImage"
note "kernel at build/bzImage"
