#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make install-tools into a scratch DESTDIR, a static check of make check:
# lspins and lspins.8 land where util-linux puts lslocks, lspins runs, the
# manual renders without a groff warning, has lslocks.8's sections and
# names every option and column lspins has, and lspins on a kernel without
# /proc/self/file_pins (here: a tmpfs over /proc, in a private mount
# namespace) says so and exits 1.  Prints nothing when all holds, else
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

# groff's own warnings (-ww: all of them), then man-db's rendering.
warn=$(groff -ww -man -Tutf8 "$man" 2>&1 >/dev/null)
[ -z "$warn" ] || echo "groff -ww: $warn"
page=$(MANWIDTH=80 man --warnings=w -l "$man" 2>"$dest/man.err")
[ -s "$dest/man.err" ] && echo "man -l: $(cat "$dest/man.err")"
for s in NAME SYNOPSIS DESCRIPTION OPTIONS OUTPUT "EXIT STATUS" EXAMPLES \
	"SEE ALSO"; do
	grep -q "^$s\$" <<<"$page" || echo "lspins.8 has no $s section"
done
# Every long option of --help and every column of the table is documented.
for o in $(grep -o -- '--[a-z-]*' <<<"$help" | sort -u); do
	grep -q -- "$o" <<<"$page" || echo "lspins.8 does not name $o"
done
for c in COMMAND PID OWNER PATH PAGES LEASE STATE; do
	grep -q "^       $c" <<<"$page" || echo "lspins.8 does not describe $c"
done

# A kernel without vaddr_pin: no /proc/self/file_pins.
out=$(unshare -m sh -c 'mount -t tmpfs none /proc && exec "$0"' "$bin" 2>&1)
rc=$?
[ "$rc" = 1 ] || echo "lspins without /proc/self/file_pins exited $rc, not 1: $out"
grep -q 'this kernel does not list pins' <<<"$out" ||
	echo "lspins without /proc/self/file_pins did not say so: $out"
exit 0
