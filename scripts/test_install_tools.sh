#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make install-tools into a scratch DESTDIR, a static check of make check:
# lspins and lspins.8 land where util-linux puts lslocks, with its modes,
# lspins runs, the manual renders without a groff warning, has lslocks.8's
# sections, an OPTIONS item for every option of --help and an OUTPUT item
# for every column lspins prints, and lspins on a kernel without
# /proc/self/file_pins (here: a tmpfs over /proc, in a private mount
# namespace; root only) says so and exits 1.  Prints nothing when all holds, else
# what did not.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

make -s -C "$TOP" install-tools DESTDIR="$dest" PREFIX=/usr/local \
	> "$dest/make.log" 2>&1 || { echo "make install-tools failed:"; cat "$dest/make.log"; exit 0; }
bin=$dest/usr/local/bin/lspins
man=$dest/usr/local/share/man/man8/lspins.8
[ -x "$bin" ] || echo "no executable $bin"
[ -f "$man" ] || { echo "no manual at $man"; exit 0; }

help=$("$bin" --help) || echo "lspins --help exited $?"
[ "$(stat -c %a "$bin")" = 755 ] || echo "$bin: mode $(stat -c %a "$bin")"
[ "$(stat -c %a "$man")" = 644 ] || echo "$man: mode $(stat -c %a "$man")"

# groff's own warnings (-ww: all of them), then man-db's rendering.
warn=$(groff -ww -man -Tutf8 "$man" 2>&1 >/dev/null)
[ -z "$warn" ] || echo "groff -ww: $warn"
page=$(MANWIDTH=80 man --warnings=w -l "$man" 2>"$dest/man.err")
[ -s "$dest/man.err" ] && echo "man -l: $(cat "$dest/man.err")"
for s in NAME SYNOPSIS DESCRIPTION OPTIONS OUTPUT "EXIT STATUS" EXAMPLES \
	"SEE ALSO"; do
	grep -q "^$s\$" <<<"$page" || echo "lspins.8 has no $s section"
done
section() {	# section NAME: the rendered page's section NAME
	sed -n "/^$1\$/,/^[A-Z]/p" <<<"$page"
}
# Every option of --help, both spellings, has its item under OPTIONS.
options=$(section OPTIONS)
while read -r short long; do
	grep -q -- "^       $short, $long\b" <<<"$options" ||
		echo "lspins.8's OPTIONS has no item '$short, $long'"
done < <(sed -n 's/^ *\(-[A-Za-z]\), \(--[a-z-]*\).*/\1 \2/p' <<<"$help")
[ -n "$(sed -n 's/^ *\(-[A-Za-z]\), \(--[a-z-]*\).*/\1/p' <<<"$help")" ] ||
	echo "lspins --help lists no option: $help"

# A kernel with vaddr_pin and nothing pinned: a tmpfs /proc with an empty
# /proc/self/file_pins and no process.  The header's columns are lspins'
# own, each described under OUTPUT.
out=$(unshare -m sh -c 'mount -t tmpfs none /proc && mkdir /proc/self &&
	: > /proc/self/file_pins && exec "$0"' "$bin" 2>&1)
rc=$?
[ "$rc" = 0 ] || echo "lspins with nothing pinned exited $rc: $out"
[ "$(wc -l <<<"$out")" = 1 ] || echo "lspins with nothing pinned printed more than its header: $out"
read -ra columns <<<"$out"
[ "${#columns[@]}" -ge 7 ] || echo "lspins' header has ${#columns[@]} columns: $out"
output=$(section OUTPUT)
for c in "${columns[@]}"; do
	grep -Eq "^       $c( |\$)" <<<"$output" ||
		echo "lspins.8's OUTPUT does not describe $c"
done

# A kernel without vaddr_pin: no /proc/self/file_pins.
out=$(unshare -m sh -c 'mount -t tmpfs none /proc && exec "$0"' "$bin" 2>&1)
rc=$?
[ "$rc" = 1 ] || echo "lspins without /proc/self/file_pins exited $rc, not 1: $out"
grep -q 'this kernel does not list pins' <<<"$out" ||
	echo "lspins without /proc/self/file_pins did not say so: $out"
exit 0
