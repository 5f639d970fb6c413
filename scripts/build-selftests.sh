#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the user-space tests that run in the guest, against the prepared
# tree's exported headers, into build/selftests/.
set -euo pipefail
. "$(dirname "$0")/common.sh"

[ -f "$OBJ/.config" ] || die "no configured kernel: make kernel"
kmake -s headers
hdr=$OBJ/usr/include
st=$TREE/tools/testing/selftests
mkdir -p "$BUILD/selftests/mm"

# The 6.12 tree's own GUP tests guard that nothing changed for other
# callers.  local_config.h is what check_config.sh writes without liburing.
echo "/* no liburing */" > "$BUILD/selftests/mm/local_config.h"
cflags=(-Wall -O2 -I "$TREE" -isystem "$hdr" -isystem "$TREE/tools/include/uapi"
	-I "$BUILD/selftests/mm" -U_FORTIFY_SOURCE -no-pie)
for t in gup_test gup_longterm; do
	out=$BUILD/selftests/mm/$t
	if [ ! -x "$out" ] || [ -n "$(find "$st/mm/$t.c" "$st/mm/vm_util.c" "$hdr" -newer "$out" -print -quit)" ]; then
		# Relative source names: gup_longterm makes its "local
		# tmpfile" from __FILE__, in the directory it runs in.
		(cd "$st/mm" && gcc "${cflags[@]}" -o "$out" "$t.c" vm_util.c \
			thp_settings.c -lrt -lpthread -lm)
	fi
done

# The project's selftests (kselftest harness), one program per .c file.
mkdir -p "$BUILD/selftests/vaddr_pin"
for src in "$TREE"/tools/testing/selftests/vaddr_pin/*.c; do
	[ -e "$src" ] || continue
	out=$BUILD/selftests/vaddr_pin/$(basename "$src" .c)
	libs=(-lpthread)
	grep -q 'rdma_loop.h"' "$src" && libs+=(-libverbs)
	gcc -Wall -Werror -O2 -isystem "$hdr" -o "$out" "$src" "${libs[@]}"
done

# The project's tools (tools/vaddr_pin/), one program per .c file.
mkdir -p "$BUILD/tools"
# Those that speak RDMA use rdma_loop.h, and libibverbs.
for src in "$TOP"/tools/vaddr_pin/*.c; do
	[ -e "$src" ] || continue
	libs=()
	grep -q 'rdma_loop.h"' "$src" && libs=(-libverbs)
	gcc -Wall -Werror -O2 -isystem "$hdr" \
		-o "$BUILD/tools/$(basename "$src" .c)" "$src" "${libs[@]}"
done
