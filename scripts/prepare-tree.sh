#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Prepare build/linux as "pristine 6.12.117 + patches/ + new files".
#
# The pristine source is unpacked once into $CACHE and the tree is a
# hard-linked copy of it, so preparing a tree takes seconds.  Patched files
# are private copies, rewritten only when their patched content changes,
# and new files are symbolic links into the checkout: a rerun after editing
# one patch rebuilds only what that patch touches.  Never edit a file of
# build/linux in place without "make edit F=path" first: an unpatched file
# shares its inode with the cached pristine copy.
set -euo pipefail
. "$(dirname "$0")/common.sh"

unpack_pristine() {
	[ -f "$PRISTINE/.vaddr_pin-pristine" ] && return 0
	[ -f "$TARBALL" ] || die "$TARBALL missing: run scripts/install-deps.sh"
	local t=$(date +%s)
	note "unpacking $TARBALL into $CACHE"
	mkdir -p "$CACHE"
	rm -rf "$PRISTINE" "$PRISTINE.tmp"
	mkdir "$PRISTINE.tmp"
	tar -xf "$TARBALL" -C "$PRISTINE.tmp" --strip-components=1
	grep -q '^SUBLEVEL = 117$' "$PRISTINE.tmp/Makefile" ||
		die "$TARBALL is not $KVER"
	touch "$PRISTINE.tmp/.vaddr_pin-pristine"
	mv "$PRISTINE.tmp" "$PRISTINE"
	note "unpacked in $(( $(date +%s) - t ))s"
}

copy_pristine_tree() {
	[ -f "$TREE/.vaddr_pin-tree" ] && return 0
	note "creating $TREE"
	rm -rf "$TREE" "$BUILD/.patched-files" "$BUILD/.linked-files"
	mkdir -p "$BUILD"
	cp -al "$PRISTINE" "$TREE" 2>/dev/null || {
		rm -rf "$TREE"
		cp -a "$PRISTINE" "$TREE"
	}
	rm -f "$TREE/.vaddr_pin-pristine"
	touch "$TREE/.vaddr_pin-tree"
}

# Replace $TREE/$1 with the content of $2 as a private file.
install_private() {
	rm -f "$TREE/$1"
	mkdir -p "$(dirname "$TREE/$1")"
	cp "$2" "$TREE/$1"
}

restore_pristine() {
	rm -f "$TREE/$1"
	[ -e "$PRISTINE/$1" ] && cp "$PRISTINE/$1" "$TREE/$1"
	return 0
}

series_patches() {
	[ -f "$TOP/patches/series" ] || return 0
	grep -v -e '^#' -e '^[[:space:]]*$' "$TOP/patches/series"
}

patched_files() {
	local p
	for p in $(series_patches); do
		sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$TOP/patches/$p"
	done | sort -u
}

apply_patches() {
	local stage=$BUILD/.stage f p
	rm -rf "$stage"
	mkdir -p "$stage"
	for f in $(patched_files); do
		if [ -e "$PRISTINE/$f" ]; then
			mkdir -p "$(dirname "$stage/$f")"
			cp "$PRISTINE/$f" "$stage/$f"
		fi
	done
	for p in $(series_patches); do
		[ -f "$TOP/patches/$p" ] || die "patches/series names missing $p"
		patch -d "$stage" -p1 -s -N --no-backup-if-mismatch \
			-i "$TOP/patches/$p" || die "patch $p does not apply"
	done
	# Files an earlier preparation patched but no patch touches now.
	if [ -f "$BUILD/.patched-files" ]; then
		for f in $(cat "$BUILD/.patched-files"); do
			[ -e "$stage/$f" ] || { restore_pristine "$f"; record_tree_sums "$f"; }
		done
	fi
	: > "$BUILD/.patched-files.new"
	for f in $(patched_files); do
		echo "$f" >> "$BUILD/.patched-files.new"
		cmp -s "$stage/$f" "$TREE/$f" || install_private "$f" "$stage/$f"
	done
	mv "$BUILD/.patched-files.new" "$BUILD/.patched-files"
	rm -rf "$stage"
}

link_new_files() {
	local f d
	if [ -f "$BUILD/.linked-files" ]; then
		for f in $(cat "$BUILD/.linked-files"); do
			[ -e "$TOP/$f" ] || restore_pristine "$f"
		done
	fi
	: > "$BUILD/.linked-files.new"
	for d in $NEW_FILE_DIRS; do
		[ -d "$TOP/$d" ] || continue
		(cd "$TOP" && find "$d" -type f ! -name '*.o' ! -name '.*' \
			! -path '*/build/*') >> "$BUILD/.linked-files.new"
	done
	for f in $(cat "$BUILD/.linked-files.new"); do
		if [ -e "$PRISTINE/$f" ]; then
			die "$f exists in 6.12: change it with a patch, not a new file"
		fi
		[ "$(readlink "$TREE/$f" 2>/dev/null)" = "$TOP/$f" ] && continue
		mkdir -p "$(dirname "$TREE/$f")"
		ln -sfn "$TOP/$f" "$TREE/$f"
	done
	mv "$BUILD/.linked-files.new" "$BUILD/.linked-files"
}

# Refuse to overwrite edits that only build/linux holds.
check_edits() {
	local edited
	[ -f "$TREE/.vaddr_pin-tree" ] || return 0
	edited=$(unrecorded_edits)
	[ -z "$edited" ] && return 0
	[ -n "${VADDR_PIN_DISCARD_EDITS:-}" ] && return 0
	die "build/linux has edits that are in no patch: $(echo $edited)
  turn them into patches (make refresh-patch P=...), or drop them
  (VADDR_PIN_DISCARD_EDITS=1 make tree)"
}

unpack_pristine
check_edits
copy_pristine_tree
apply_patches
record_tree_sums $(cat "$BUILD/.patched-files")
link_new_files
