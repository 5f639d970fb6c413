#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Edit an existing 6.12 file in the prepared tree and turn the edit back
# into a patch under patches/.
#
#   patch-edit.sh edit FILE...            make FILEs in build/linux private
#                                         copies, safe to edit in place
#   patch-edit.sh refresh PATCH [FILE...] rewrite patches/PATCH from the
#                                         edited files (a new PATCH is
#                                         appended to patches/series)
#
# A refreshed patch is the difference between "pristine + the patches
# before it in the series" and "build/linux less the patches after it",
# for the files it touches plus the FILEs named.  An edit that overlaps a
# later patch's hunks cannot be taken apart that way: make it in the later
# patch.
set -euo pipefail
. "$(dirname "$0")/common.sh"

usage() { sed -n '4,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

# The part of patch $1 that changes file $2.
filter_patch() {
	awk -v f="$2" '/^diff --git / { keep = ($3 == "a/" f) } keep' "$1"
}

patch_files() {
	sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$1" | sort -u
}

series() { grep -v -e '^#' -e '^[[:space:]]*$' "$TOP/patches/series" 2>/dev/null || true; }

cmd_edit() {
	local f tmp
	[ -f "$TREE/.vaddr_pin-tree" ] || die "no prepared tree: make tree"
	for f in "$@"; do
		[ -f "$TREE/$f" ] || die "$f: no such file in build/linux"
		[ -L "$TREE/$f" ] && die "$f is a project file: edit it in the checkout"
		tmp=$(mktemp "$TREE/$f.XXXXXX")
		cp "$TREE/$f" "$tmp"
		mv "$tmp" "$TREE/$f"
		# Recorded as it is now: later edits are then known.
		grep -q "  $f\$" "$BUILD/.tree-sums" 2>/dev/null || record_tree_sums "$f"
		echo "$TREE/$f"
	done
}

cmd_refresh() {
	local name=${1:?patch name}; shift
	local pfile files f p after=0 out
	name=$(basename "$name")
	pfile=$TOP/patches/$name
	files=$( { [ -f "$pfile" ] && patch_files "$pfile"; printf '%s\n' "$@"; } |
		sed '/^$/d' | sort -u)
	[ -n "$files" ] || die "no files to put into $name"

	# base: pristine + the patches before $name.  want: build/linux with
	# the patches after $name taken out again (patch -R).
	stage=$(mktemp -d)  # global: the EXIT trap reads it
	mkdir -p "$stage/base" "$stage/want"
	for f in $files; do
		if [ -e "$PRISTINE/$f" ]; then
			mkdir -p "$(dirname "$stage/base/$f")"
			cp "$PRISTINE/$f" "$stage/base/$f"
		fi
		mkdir -p "$(dirname "$stage/want/$f")"
		cp "$TREE/$f" "$stage/want/$f"
	done
	local later=""
	for p in $(series); do
		if [ "$p" = "$name" ]; then after=1; continue; fi
		if [ $after = 1 ]; then
			later="$p $later"
			continue
		fi
		# Whole patches onto a partial stage: hunks for files the
		# stage lacks fail harmlessly.
		patch -d "$stage/base" -p1 -s -N --no-backup-if-mismatch -f \
			-i "$TOP/patches/$p" >/dev/null 2>&1 || true
	done
	for p in $later; do	# newest first
		for f in $files; do
			patch_files "$TOP/patches/$p" | grep -qx "$f" || continue
			filter_patch "$TOP/patches/$p" "$f" |
				patch -d "$stage/want" -p1 -R -s --no-backup-if-mismatch \
					-r - >/dev/null ||
				die "$p (later in the series) does not come off $f: edit it there"
		done
	done

	out=$(mktemp)
	if [ -f "$pfile" ]; then
		sed -n '1,/^---$/p' "$pfile" > "$out"
	else
		cat > "$out" <<-HDR
		From: vaddr_pin developers <vaddr-pin@example.org>
		Subject: [PATCH] ${SUBJECT:-subsystem: imperative summary}

		${BODY:-Say why.}

		Signed-off-by: vaddr_pin developers <vaddr-pin@example.org>
		---
		HDR
	fi
	for f in $files; do
		local a=a/$f old=$stage/base/$f
		if [ ! -e "$old" ]; then a=/dev/null; old=/dev/null; fi
		echo "diff --git a/$f b/$f" >> "$out"
		diff -u --label "$a" --label "b/$f" "$old" "$stage/want/$f" >> "$out" &&
			die "$f: no change against the base of $name"
	done
	mv "$out" "$pfile"
	series | grep -qx "$name" || echo "$name" >> "$TOP/patches/series"
	# The edits are in a patch now.
	record_tree_sums $files
	echo "$pfile"
}

case "${1:-}" in
edit) shift; cmd_edit "$@" ;;
refresh) shift; cmd_refresh "$@" ;;
*) usage ;;
esac
