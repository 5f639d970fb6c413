# SPDX-License-Identifier: GPL-2.0
# Paths and helpers shared by the vaddr_pin build and test scripts.
# Sourced, never run.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${VADDR_PIN_BUILD:-$TOP/build}
# The unpacked 6.12 source and ccache live outside the checkout so that a
# fresh clone reuses them; everything still works when this is empty.
CACHE=${VADDR_PIN_CACHE:-/var/cache/vaddr_pin}
PRISTINE=$CACHE/linux-source-6.12
TARBALL=/usr/src/linux-source-6.12.tar.xz
KVER=6.12.117
TREE=$BUILD/linux
# Kernels from one tree, each a flavor: x86_64_defconfig + the fragments
# of config/ named in FRAGMENTS, in that order (see configure-kernel.sh).
#   test        build/obj, build/bzImage: the debugging the tests rely on
#   bench       build/obj-bench, build/bzImage-bench: the same without it
#   production  build/obj-production, build/bzImage-production: only what
#               a distribution kernel has for vaddr_pin's users, and the
#               guest's plumbing; no test or debug option
#   users       configuration only (make check): vaddr_pin's users alone
FLAVOR=${VADDR_PIN_FLAVOR:-test}
case $FLAVOR in
test) OBJ=$BUILD/obj KERNEL=$BUILD/bzImage
	FRAGMENTS="vaddr_pin-users guest vaddr_pin" ;;
bench) OBJ=$BUILD/obj-bench KERNEL=$BUILD/bzImage-bench
	FRAGMENTS="vaddr_pin-users guest vaddr_pin vaddr_pin-bench" ;;
production) OBJ=$BUILD/obj-production KERNEL=$BUILD/bzImage-production
	FRAGMENTS="vaddr_pin-users guest" ;;
users) OBJ=$BUILD/obj-users KERNEL=
	FRAGMENTS="vaddr_pin-users" ;;
*) echo "vaddr_pin: unknown VADDR_PIN_FLAVOR '$FLAVOR'" >&2; exit 1 ;;
esac
RESULTS=$BUILD/results
NPROC=$(nproc)

# Directories of the checkout whose files are new kernel files, linked into
# the prepared tree at the same path.
NEW_FILE_DIRS="include mm fs lib drivers Documentation tools/testing/selftests/vaddr_pin tools/vaddr_pin"

die() { echo "vaddr_pin: $*" >&2; exit 1; }
note() { echo "vaddr_pin: $*" >&2; }

kmake() {
	local cc=gcc
	if command -v ccache >/dev/null 2>&1; then
		export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache}
		export CCACHE_BASEDIR=$TOP
		export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
		cc="ccache gcc"
	fi
	make -C "$TREE" O="$OBJ" CC="$cc" KBUILD_BUILD_TIMESTAMP="2026-01-01 00:00 UTC" \
		KBUILD_BUILD_USER=vaddr_pin KBUILD_BUILD_HOST=build "$@"
}

# build/.tree-sums: what the tree's private files held when the project
# last wrote them (prepare-tree, make edit, refresh-patch).  A file that
# no longer matches has edits that only build/linux holds.
record_tree_sums() {	# record_tree_sums FILE...: (re)record these files
	local f
	touch "$BUILD/.tree-sums"
	for f in "$@"; do
		grep -v "  $f\$" "$BUILD/.tree-sums" > "$BUILD/.tree-sums.new" || true
		mv "$BUILD/.tree-sums.new" "$BUILD/.tree-sums"
		[ -f "$TREE/$f" ] && (cd "$TREE" && sha1sum "$f") >> "$BUILD/.tree-sums"
	done
	return 0
}

unrecorded_edits() {	# prints the files of build/linux edited since recorded
	[ -f "$BUILD/.tree-sums" ] || return 0
	(cd "$TREE" && sha1sum --quiet -c "$BUILD/.tree-sums" 2>/dev/null) |
		sed -n 's/: FAILED.*$//p'
	return 0	# sha1sum fails exactly when there is something to say
}

# build_for_guest LOG_PREFIX: install what is needed, build the kernel and
# the guest's programs, logging to build/LOG_PREFIX<step>.log and saying
# how long each step took; on a failure show the log's tail and stop.
build_for_guest() {
	local step t
	t=$(date +%s)
	"$TOP/scripts/install-deps.sh" || exit 1
	note "dependencies: $(( $(date +%s) - t ))s"
	mkdir -p "$BUILD"	# a fresh clone has no build/
	for step in build-kernel build-selftests; do
		t=$(date +%s)
		"$TOP/scripts/$step.sh" > "$BUILD/$1$step.log" 2>&1 || {
			tail -n 40 "$BUILD/$1$step.log"
			die "$step failed (build/$1$step.log)"
		}
		note "$step: $(( $(date +%s) - t ))s"
	done
}

# merged_fragment NAME...: config/NAME.config merged, one line per option
# in the order first named, each as the last fragment naming it sets it.
merged_fragment() {
	local n
	for n in "$@"; do
		[ -f "$TOP/config/$n.config" ] || die "no config/$n.config"
	done
	# Only the bench fragment exists to undo what another one asks for: any
	# other disagreement between fragments is a mistake, and fails.
	(cd "$TOP/config" && awk '
	     /^CONFIG_[A-Za-z0-9_]+=/ { sym = $0; sub(/=.*/, "", sym) }
	     /^# CONFIG_[A-Za-z0-9_]+ is not set$/ { sym = $2 }
	     sym == "" { next }
	     (sym in line) && line[sym] != $0 && FILENAME !~ /-bench\.config$/ {
		printf "config/%s: %s contradicts config/%s: %s\n", FILENAME, $0,
		       from[sym], line[sym] > "/dev/stderr"
		bad = 1
	     }
	     { if (!(sym in line)) order[n++] = sym
	       line[sym] = $0; from[sym] = FILENAME; sym = "" }
	     END { if (bad) exit 1
		   for (i = 0; i < n; i++) print line[order[i]] }' \
		$(printf "%s.config " "$@"))
}
