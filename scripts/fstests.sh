#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make fstests: the filesystem maintainers' regression suite on the series
# and on stock 6.12.117, compared test by test.
#
#   1. fstests from ../shared/vendor (its build dependencies from Debian),
#      built under build/fstests/xfstests;
#   2. the test kernel (build/bzImage: lockdep, KASAN), and stock 6.12.117
#      (the pristine source, no patches/) built with the test kernel's
#      .config into $CACHE/obj-stock (/var/cache/vaddr_pin);
#   3. one guest boot per kernel (scripts/guest-fstests.sh), both at once,
#      running the selection on ext4 and xfs (two virtio disks) and on
#      ext4 -o dax and xfs -o dax (two memmap= pmem regions), each failure
#      run twice;
#   4. scripts/fstests_compare.py: the table and the new failures.
#
# A configuration's results are kept once it ran to its end, and a later
# run boots a kernel only for the configurations it lacks: stock's in
# $CACHE/fstests-baseline/KEY/ (KEY names the stock .config, the fstests
# release, the selection and the guest script), the series' in
# build/fstests/series/KEY2/ (KEY2 adds the series' sources).  A run that
# stops (a timeout, ^C) keeps the configurations it finished.
#
# VADDR_PIN_FSTESTS="generic/001 xfs/002" runs those tests instead of the
# selection, VADDR_PIN_FSTESTS_CONFIGS="xfs ext4-dax" only those
# configurations (all four by default).
set -uo pipefail
. "$(dirname "$0")/common.sh"

FST=$BUILD/fstests
VENDOR=$(realpath -m "$TOP/../shared/vendor")
FST_TARBALL=$(ls "$VENDOR"/fstests-*.tar.gz 2>/dev/null | tail -n 1)
CONFIGS=${VADDR_PIN_FSTESTS_CONFIGS:-ext4 xfs ext4-dax xfs-dax}
# The tests: scripts/fstests.list, a dozen of the groups of the paths the
# series changes; the README ("fstests") says why so few.
LIST=$TOP/scripts/fstests.list
# Stock's objects and results outlive the checkout, as the ccache does.
STOCK_OBJ=$CACHE/obj-stock
# Guest: two virtio disks for ext4 and xfs, two pmem regions (above the
# PCI hole of 8 GiB of RAM) for the -dax configurations.
GUEST_MEM=8G
GUEST_MEMMAP="1536M!4G 1536M!6G"
DISK_SIZE=8G

step() {	# step NAME COMMAND...: run, logged to build/fstests/NAME.log
	local name=$1 t
	shift
	t=$(date +%s)
	"$@" > "$FST/$name.log" 2>&1 || {
		tail -n 30 "$FST/$name.log"
		die "fstests: $name failed (build/fstests/$name.log)"
	}
	note "fstests: $name: $(( $(date +%s) - t ))s"
}

build_fstests() {
	local name
	name=$(basename "$FST_TARBALL" .tar.gz)
	[ -f "$FST/xfstests/.built-$name" ] && [ -f "$FST/xfstests.tar" ] &&
		return 0
	rm -rf "$FST/xfstests" "$FST/xfstests.tmp" "$FST/xfstests.tar"
	mkdir -p "$FST/xfstests.tmp"
	tar -xzf "$FST_TARBALL" -C "$FST/xfstests.tmp" --strip-components=1 &&
		make -C "$FST/xfstests.tmp" -j"$NPROC" &&
		touch "$FST/xfstests.tmp/.built-$name" &&
		mv "$FST/xfstests.tmp" "$FST/xfstests" &&
		# What the guest unpacks (scripts/guest-fstests.sh).
		tar -cf "$FST/xfstests.tar" -C "$FST/xfstests" .
}

# Stock 6.12.117: the pristine tree itself (an O= build writes nothing into
# it), the test kernel's .config, olddefconfig dropping what the series
# adds.
build_stock() {
	mkdir -p "$STOCK_OBJ"
	if ! cmp -s "$BUILD/obj/.config" "$STOCK_OBJ/.config.series"; then
		cp "$BUILD/obj/.config" "$STOCK_OBJ/.config" &&
			TREE=$PRISTINE OBJ=$STOCK_OBJ kmake -s olddefconfig &&
			cp "$BUILD/obj/.config" "$STOCK_OBJ/.config.series" || return 1
	fi
	TREE=$PRISTINE OBJ=$STOCK_OBJ kmake -j"$NPROC" bzImage
}

# The selection: scripts/fstests.list without its comments, or
# $VADDR_PIN_FSTESTS.
selection() {
	if [ -n "${VADDR_PIN_FSTESTS:-}" ]; then
		printf '%s\n' $VADDR_PIN_FSTESTS
		return
	fi
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' -e 's/[[:space:]]//g' "$LIST"
}

# fstests asks for these users (README: "Setup Environment"); the guest
# shares the host's /etc.
add_users() {
	local u
	getent group fsgqa >/dev/null || groupadd fsgqa || return 1
	for u in fsgqa fsgqa2 123456-fsgqa; do
		getent passwd "$u" >/dev/null ||
			useradd -M -g fsgqa "$u" || return 1
	done
}

# run_kernel NAME BZIMAGE DIR: the configurations DIR has no results for,
# on one kernel; those that ran to their end are kept in DIR.  Its guest
# has its own disks and results (build/results/fstests-NAME/).
run_kernel() {
	local cfg t todo='' rc=0 res=$RESULTS/fstests-$1 disks=$FST/disks/$1
	for cfg in $CONFIGS; do
		[ -f "$3/$cfg.done" ] || todo+=" $cfg"
	done
	todo=${todo# }
	if [ -z "$todo" ]; then
		note "fstests: $1's results from ${3#"$TOP"/}"
		return 0
	fi
	# Nothing of an earlier guest may be taken for this one's.
	rm -rf "$res"
	mkdir -p "$FST/disks" "$3"
	for t in test scratch; do
		rm -f "$disks-$t.img"
		truncate -s "$DISK_SIZE" "$disks-$t.img" || return 1
	done
	t=$(date +%s)
	note "fstests: booting $1 for $todo ($(wc -l < "$FST/list") tests)"
	# Stopped, keep what finished all the same, and let nothing stop that.
	trap 'trap "" INT TERM; keep_finished "$res" "$3" "$todo";
		rm -f "$disks-test.img" "$disks-scratch.img"; exit 143' TERM
	# cache=loose: generic/009 took 128 s instead of 329 s.
	VADDR_PIN_KERNEL=$2 VADDR_PIN_GUEST_MEM=$GUEST_MEM \
		VADDR_PIN_GUEST_RESULTS=$res \
		VADDR_PIN_GUEST_ROOT_CACHE=loose \
		VADDR_PIN_GUEST_MEMMAP=$GUEST_MEMMAP \
		VADDR_PIN_GUEST_DISKS="$disks-test.img $disks-scratch.img" \
		VADDR_PIN_GUEST_TIMEOUT=${VADDR_PIN_FSTESTS_TIMEOUT:-86400} \
		"$TOP/scripts/run-guest.sh" fstests \
		"vp_fst_configs=${todo// /,}" "vp_fst_list=$FST/list" || rc=$?
	trap "" INT TERM
	keep_finished "$res" "$3" "$todo"
	rm -f "$disks-test.img" "$disks-scratch.img"
	note "fstests: $1 ran $(( $(date +%s) - t ))s"
	for cfg in $todo; do
		[ -f "$3/$cfg.done" ] || return 1
	done
	return $rc
}

# keep_finished RESULTS DIR CONFIGS: of CONFIGS, those the guest whose
# RESULTS these are ran to their end with whole reports, into DIR, each
# copied aside first and its .done moved in last; and the guest's console.
keep_finished() {
	local from=$1/fstests cfg tmp
	cp "$1/console.log" "$2/console.${3// /+}.log" 2>/dev/null
	for cfg in $3; do
		[ -f "$from/$cfg.done" ] || continue
		python3 "$TOP/scripts/fstests_compare.py" --complete "$from" \
			"$cfg" || { note "fstests: $cfg: reports missing or cut"; continue; }
		tmp=$2/.tmp-$cfg
		rm -rf "$tmp" && mkdir -p "$tmp" &&
			cp -a "$from/$cfg" "$from/$cfg.log" "$tmp/" &&
			{ [ ! -d "$from/$cfg-again" ] || cp -a "$from/$cfg-again" "$tmp/"; } &&
			rm -rf "${2:?}/$cfg" "$2/$cfg-again" "$2/$cfg.log" &&
			mv "$tmp"/* "$2/" && rmdir "$tmp" &&
			cp "$from/$cfg.done" "$2/" ||
			note "fstests: $cfg: could not keep its results"
	done
}

# The series' sources: what prepare-tree.sh puts into the kernel tree.
series_sources() {
	local files
	files=$(cd "$TOP" && git ls-files -co --exclude-standard -- patches \
		$NEW_FILE_DIRS) || die "fstests: git cannot list the sources"
	(cd "$TOP" && grep -v -e '^tools/' -e '^Documentation/' <<<"$files" |
		sort | tr '\n' '\0' | xargs -0 sha256sum) ||
		die "fstests: cannot read the sources"
}

[ -n "$FST_TARBALL" ] || die "no fstests tarball in $VENDOR"
# The keys name the test kernel's configuration (build/obj).
[ "$FLAVOR" = test ] || die "fstests: runs on the test kernel only"
mkdir -p "$FST"
# One run at a time: both would boot, and write the same results.
exec 9> "$FST/.lock"
flock -n 9 || die "fstests: another make fstests is running"
t0=$(date +%s)
"$TOP/scripts/install-deps.sh" fstests || exit 1
step build-fstests build_fstests
build_for_guest "fstests-"
step build-stock build_stock
step users add_users
selection > "$FST/list"
[ -s "$FST/list" ] || die "fstests: no test selected"

key=$( { cat "$STOCK_OBJ/.config" "$FST/list" \
	"$TOP/scripts/guest-fstests.sh"; echo "$FST_TARBALL"; } |
	sha256sum | cut -c1-16)
base=$CACHE/fstests-baseline/$key
series=$FST/series/$( { echo "$key"; cat "$BUILD/obj/.config";
	series_sources; } | sha256sum | cut -c1-16)
# Both kernels at once, each in its own process group (set -m): a guest
# running fstests keeps about one of the machine's CPUs busy.  Stopped,
# the run stops both, which keep what they finished.
runs=()
trap 'trap "" INT TERM; for r in "${runs[@]}"; do kill -TERM -- "-$r"; done;
	wait; exit 143' INT TERM
set -m
run_kernel stock "$STOCK_OBJ/arch/x86/boot/bzImage" "$base" &
stock_run=$!
runs+=("$stock_run")
run_kernel series "$KERNEL" "$series" &
series_run=$!
runs+=("$series_run")
set +m
wait $stock_run
stock_rc=$?
wait $series_run
series_rc=$?
trap - INT TERM
[ $stock_rc = 0 ] || die "fstests: the stock kernel's run did not finish"
[ $series_rc = 0 ] || die "fstests: the series' run did not finish"
note "fstests: $(( $(date +%s) - t0 ))s in all"
# shellcheck disable=SC2086 # one word per configuration
python3 "$TOP/scripts/fstests_compare.py" "$base" "$series" $CONFIGS
