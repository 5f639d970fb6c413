#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Static checks, one test each, into build/results/static/{tap,logs/}:
#   checkpatch --strict   every new kernel file and every patch (xfs
#                         patches: but for two checks of xfs style)
#   kernel-doc -Wall      every new file with kernel-doc comments: none;
#                         every patched upstream file: no new warning
#   sparse (C=2)          every new .c file built into the kernel: no
#                         warnings; every patched upstream .c file: no
#                         warning that config/sparse-baseline.txt lacks
#   fstests-compare       make fstests' comparison on made-up reports
#   config                each flavor's configuration (no compile): every
#                         option its fragments ask for sticks; the users'
#                         set alone (no test or debug option) has VADDR_PIN
set -uo pipefail
. "$(dirname "$0")/common.sh"

out=$RESULTS/static
rm -rf "$out"
mkdir -p "$out/logs"
: > "$out/tap"

record() {	# record NAME LOGFILE: pass when the log is empty
	local name=$1 log=$2 slug=${1//\//_}
	mv "$log" "$out/logs/$slug.log"
	if [ -s "$out/logs/$slug.log" ]; then
		echo "not ok $slug" >> "$out/tap"
	else
		echo "ok $slug" >> "$out/tap"
	fi
}

new_kernel_files() {
	(cd "$TOP" && git ls-files -co --exclude-standard -- $NEW_FILE_DIRS) |
		grep -v '^tools/' | sort -u
}

patched_c_files() {
	sed -n 's|^+++ b/\([^[:space:]]*\.c\)$|\1|p' "$TOP"/patches/*.patch 2>/dev/null |
		sort -u
}

checkpatch() {	# checkpatch ARGS...; prints only what is wrong
	(cd "$TREE" && perl scripts/checkpatch.pl --strict --color=never \
		--summary-file --show-types "$@" 2>&1) |
		grep -v -e 'total: 0 errors, 0 warnings, 0 checks' \
			-e 'has no obvious style problems' -e '^$' \
			-e '^NOTE: For some of the reported defects' \
			-e '^NOTE: Ignored message types'
}

log=$(mktemp)
for f in $(new_kernel_files); do
	case $f in *.c|*.h|*.rst|Kconfig*|*/Kconfig*|Makefile|*/Makefile) ;; *) continue ;; esac
	checkpatch -f "$TOP/$f" > "$log"
	record "checkpatch:$f" "$log"
	log=$(mktemp)
	if grep -q '^/\*\*' "$TOP/$f"; then
		perl "$TREE/scripts/kernel-doc" -none -Wall "$TOP/$f" > "$log" 2>&1
		record "kernel-doc:$f" "$log"
		log=$(mktemp)
	fi
done
# Upstream files the patches change: no kernel-doc warning they did not
# already have (compared without line numbers).
kdoc_warnings() {
	perl "$TREE/scripts/kernel-doc" -none -Wall "$1" 2>&1 |
		sed -E 's/^[^:]*:[0-9]+: //' | sort -u
}
for f in $(sed -n 's|^+++ b/\([^[:space:]]*\.[ch]\)$|\1|p' "$TOP"/patches/*.patch | sort -u); do
	grep -q '^/\*\*' "$TREE/$f" || continue
	if [ -e "$PRISTINE/$f" ]; then
		comm -13 <(kdoc_warnings "$PRISTINE/$f") <(kdoc_warnings "$TREE/$f") > "$log"
	else
		kdoc_warnings "$TREE/$f" > "$log"
	fi
	record "kernel-doc:$f" "$log"
	log=$(mktemp)
done
# xfs has a style of its own (the function name opens its line, one
# parameter per line), which --strict takes for open-ended lines.
XFS_STYLE=OPEN_ENDED_LINE,PARENTHESIS_ALIGNMENT
for p in $(grep -v -e '^#' -e '^$' "$TOP/patches/series"); do
	case $p in
	*-xfs-*) checkpatch --ignore "$XFS_STYLE" "$TOP/patches/$p" > "$log" ;;
	# It narrows a VM_BUG_ON of 6.12 that it keeps, which is not new.
	0017-*) checkpatch --ignore AVOID_BUG "$TOP/patches/$p" > "$log" ;;
	*)	checkpatch "$TOP/patches/$p" > "$log" ;;
	esac
	record "checkpatch:patches/$p" "$log"
	log=$(mktemp)
done

# Configurations: .config generation only, in build/config-check/.
# Options a kernel for vaddr_pin's users must have, and must not have.
USERS_HAVE="CONFIG_VADDR_PIN CONFIG_INFINIBAND_USER_MEM CONFIG_RDMA_RXE CONFIG_FS_DAX"
# Every option the test fragment turns on is a test or debug option.
USERS_LACK=$(sed -n 's/^\(CONFIG_[A-Za-z0-9_]*\)=y$/\1/p' "$TOP/config/vaddr_pin.config")
for flavor in test bench production users; do
	dir=$BUILD/config-check/$flavor
	VADDR_PIN_FLAVOR=$flavor "$TOP/scripts/configure-kernel.sh" "$dir" \
		> "$log.out" 2>&1 || cat "$log.out" > "$log"
	case $flavor in production|users)
		for sym in $USERS_HAVE; do
			grep -qx "$sym=y" "$dir/.config" ||
				echo "$flavor: $sym is not y" >> "$log"
		done
		for sym in $USERS_LACK; do
			! grep -q "^$sym=" "$dir/.config" ||
				echo "$flavor: $sym is set" >> "$log"
		done ;;
	esac
	rm -f "$log.out"
	record "config:$flavor" "$log"
	log=$(mktemp)
done

# sparse: C=2 rechecks the named objects whether or not they are stale.
objs=""
for f in $(new_kernel_files | grep '\.c$') $(patched_c_files); do
	grep -q "^CONFIG_" "$OBJ/.config" 2>/dev/null || break
	[ -f "$OBJ/${f%.c}.o" ] && objs="$objs ${f%.c}.o"
done
if [ -n "$objs" ]; then
	kmake C=2 $objs > "$out/sparse.log" 2>&1 || true
	for o in $objs; do
		f=${o%.o}.c
		grep -E "^([^:]*/)?$f:[0-9]+:[0-9]+: (warning|error):" "$out/sparse.log" |
			sed -E "s|^([^:]*/)?($f):[0-9]+:[0-9]+:|\2:|" |
			sort -u > "$log.all"
		if patched_c_files | grep -qx "$f"; then
			grep -vxF -f "$TOP/config/sparse-baseline.txt" "$log.all" > "$log"
		else
			mv "$log.all" "$log"
		fi
		rm -f "$log.all"
		record "sparse:$f" "$log"
		log=$(mktemp)
	done
	# Warnings in the project's headers, from whichever file included them.
	for f in $(new_kernel_files | grep '\.h$'); do
		grep -E "^([^:]*/)?$f:[0-9]+:[0-9]+: (warning|error):" \
			"$out/sparse.log" > "$log"
		record "sparse:$f" "$log"
		log=$(mktemp)
	done
fi

# make fstests' comparison (scripts/fstests_compare.py) on made-up reports.
python3 "$TOP/scripts/test_fstests_compare.py" > "$log" 2>&1
record "fstests-compare" "$log"
log=$(mktemp)

# make check's verdict (scripts/summarize.py) shows a failed case's lines.
python3 "$TOP/scripts/test_summarize.py" > "$log" 2>&1
record "summarize" "$log"
log=$(mktemp)

# make install-tools: lspins and its manual (scripts/test_install_tools.sh).
"$TOP/scripts/test_install_tools.sh" > "$log" 2>&1
record "install-tools" "$log"
log=$(mktemp)

# The rst and the kernel-doc it pulls in, built by Sphinx with the kernel's
# conf (scripts/build-docs.sh): no warning may come from our files.
if "$TOP/scripts/build-docs.sh" > "$log" 2>&1; then
	cat "$BUILD/docs/warnings" >> "$log"
else
	echo "sphinx-build failed:" >> "$log"
	tail -n 20 "$BUILD/docs/sphinx.log" >> "$log"
fi
record "sphinx" "$log"
log=$(mktemp)

# MAINTAINERS (patch 0003) names every file the project adds.
# shellcheck disable=SC2046 # one word per file
python3 "$TOP/scripts/test_maintainers.py" "$TREE/MAINTAINERS" \
	$(cd "$TOP" && git ls-files -co --exclude-standard -- $NEW_FILE_DIRS) \
	> "$log" 2>&1
record "maintainers" "$log"
