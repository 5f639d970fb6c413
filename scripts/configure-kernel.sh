#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# configure-kernel.sh [OBJDIR]: write the .config of the flavor
# VADDR_PIN_FLAVOR (test by default; see common.sh) into OBJDIR (the
# flavor's build directory by default):
#
#   x86_64_defconfig, then the flavor's fragments of config/ merged in
#   order, then olddefconfig.  Fragments that disagree on an option fail
#   (common.sh's merged_fragment), except the bench fragment, which
#   exists to undo the test fragment's debugging.
#
# Fails, naming each option, when one that the merged fragments ask for
# did not end up so: a dependency missing, or fragments at odds through
# a dependency.  merge_config.sh would only warn.  OBJDIR/.vaddr_pin-
# fragment keeps what was asked, for build-kernel.sh to tell whether to
# configure again.  Configuration only: nothing is compiled.
set -euo pipefail
. "$(dirname "$0")/common.sh"

OBJ=$(realpath -m "${1:-$OBJ}")
mkdir -p "$OBJ"
want=$OBJ/.vaddr_pin-fragment.want
# shellcheck disable=SC2086 # one word per fragment
merged_fragment $FRAGMENTS > "$want"

note "configuring the $FLAVOR kernel: x86_64_defconfig +" \
	"$(printf 'config/%s.config ' $FRAGMENTS)"
rm -f "$OBJ/.config"
kmake -s x86_64_defconfig >/dev/null
"$TREE/scripts/kconfig/merge_config.sh" -m -O "$OBJ" "$OBJ/.config" \
	"$want" >/dev/null
kmake -s olddefconfig >/dev/null

bad=0
while read -r line; do
	case "$line" in
	CONFIG_*=*) sym=${line%%=*} ;;
	"# CONFIG_"*" is not set") sym=${line#\# }; sym=${sym%% *} ;;
	*) continue ;;
	esac
	got=$(grep -E "^($sym=|# $sym is not set)" "$OBJ/.config" || true)
	# An option that is off may also be absent (its menu is off).
	if [ "$got" != "$line" ] &&
	   ! { [ -z "$got" ] && [ "$line" = "# $sym is not set" ]; }; then
		note "config ($FLAVOR): wanted '$line', got '${got:-unset}'"
		bad=1
	fi
done < "$want"
[ $bad = 0 ] || die "the $FLAVOR configuration does not apply cleanly"
cp "$want" "$OBJ/.vaddr_pin-fragment"
