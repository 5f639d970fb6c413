#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Configure (x86_64_defconfig + config/vaddr_pin.config) and build the
# test kernel; leave it at build/bzImage.  With VADDR_PIN_FLAVOR=bench,
# config/vaddr_pin-bench.config overrides the test configuration and the
# kernel is build/bzImage-bench.  Incremental after the first run.
set -euo pipefail
. "$(dirname "$0")/common.sh"

# The fragment this flavor asks for, each option set once.
fragment() {
	local base=$TOP/config/vaddr_pin.config over
	if [ "$FLAVOR" = test ]; then
		cat "$base"
		return
	fi
	over=$TOP/config/vaddr_pin-$FLAVOR.config
	# The base options that the override does not mention, then it.
	grep -v -F -f <(sed -n -E 's/^(# )?(CONFIG_[A-Z0-9_]+)[= ].*/\2/p' "$over" |
		sed -E 's/.*/&=\n& is not set/') "$base"
	cat "$over"
}
mkdir -p "$OBJ"
FRAGMENT=$OBJ/.vaddr_pin-fragment.want
fragment > "$FRAGMENT"

configure() {
	mkdir -p "$OBJ"
	note "configuring the $FLAVOR kernel: x86_64_defconfig + config/vaddr_pin*.config"
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
	[ $bad = 0 ] || die "the $FLAVOR configuration does not apply cleanly"
	cp "$FRAGMENT" "$OBJ/.vaddr_pin-fragment"
}

"$TOP/scripts/prepare-tree.sh"
if [ ! -f "$OBJ/.config" ] || ! cmp -s "$FRAGMENT" "$OBJ/.vaddr_pin-fragment"; then
	configure
fi
note "building bzImage ($NPROC jobs)"
kmake -j"$NPROC" bzImage "$@"
ln -sfn "${OBJ#"$BUILD"/}/arch/x86/boot/bzImage" "$KERNEL"
note "kernel at ${KERNEL#"$TOP"/}"
