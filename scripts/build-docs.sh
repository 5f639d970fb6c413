#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the project's documentation with Sphinx and the kernel's own
# configuration (Documentation/conf.py, its kernel-doc extension), into
# build/docs/html/, and list the warnings that come from the project's
# files into build/docs/warnings.  Only our pages are built: a tree with
# Documentation/core-api/vaddr_pin.rst under an index, so that it takes
# seconds, not the half hour of make htmldocs.
# Exits 1 if Sphinx failed; the warnings are for the caller to judge.
set -uo pipefail
. "$(dirname "$0")/common.sh"

docs=$BUILD/docs
[ -f "$TREE/Documentation/conf.py" ] || die "no prepared tree: make tree"
rm -rf "$docs"
mkdir -p "$docs/src/core-api"
cp "$TOP/Documentation/core-api/vaddr_pin.rst" "$docs/src/core-api/"
cat > "$docs/src/index.rst" <<'RST'
vaddr_pin
=========

.. toctree::

   core-api/vaddr_pin
RST
# Sphinx reads conf.py from -c with that directory as its cwd, which is
# how the kernel's conf finds its extensions (Documentation/sphinx).
PYTHONDONTWRITEBYTECODE=1 sphinx-build -b html -q -c "$TREE/Documentation" \
	-d "$docs/doctrees" \
	-D kerneldoc_srctree="$TREE" -D kerneldoc_bin="$TREE/scripts/kernel-doc" \
	-D version=6.12 -D release="$KVER" \
	"$docs/src" "$docs/html" > "$docs/sphinx.log" 2>&1
rc=$?
# Warnings name the rst, or the C file a kernel-doc comment came from;
# docutils' severe problems come out as CRITICAL.
{ echo core-api/vaddr_pin; cd "$TOP" &&
	git ls-files -co --exclude-standard -- $NEW_FILE_DIRS |
	grep -v '^tools/'; } > "$docs/ours"
grep -F -f "$docs/ours" "$docs/sphinx.log" |
	grep -E '(WARNING|ERROR|CRITICAL|SEVERE):' > "$docs/warnings"
# Patch 0003 links the page from the core-api index.
grep -qx '   vaddr_pin' "$TREE/Documentation/core-api/index.rst" ||
	echo "Documentation/core-api/index.rst does not list vaddr_pin" \
		>> "$docs/warnings"
exit $rc
