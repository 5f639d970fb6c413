# SPDX-License-Identifier: GPL-2.0
# A clean Debian 12 root, as a new machine has it: debootstrap minbase from
# the Debian mirror this machine's apt uses, made once and kept packed in
# $CACHE/clean-root/ (outside the checkout); each user unpacks a fresh copy
# and removes it afterwards.  Used by install-check.sh and
# clean-root-run.sh.  Sourced after common.sh, never run.
#
# The root's /dev is a bind of the host's: its users run in a private
# mount namespace (clean_root_unshare), so that the root's mounts vanish
# with them however they end and no rm -rf of the root, theirs or a later
# one, can reach through a mount left behind into the host.

CLEAN_ROOT_TARBALL=$CACHE/clean-root/bookworm-minbase.tar.gz
# The packages the root's apt fetched, kept so that later runs download
# nothing they already have.
CLEAN_ROOT_DEBS=$CACHE/clean-root/debs

# clean_root_unshare SCRIPT ARGS...: re-run the calling script in a
# private mount namespace unless it already runs in one of ours; returns 1
# where it cannot have one (not root, in a container that forbids it).
clean_root_unshare() {
	[ "${VADDR_PIN_PRIVATE_MNTNS:-}" = 1 ] && return 0
	unshare --mount --propagation private true 2>/dev/null || return 1
	VADDR_PIN_PRIVATE_MNTNS=1 exec unshare --mount --propagation private bash \
		"$@"
}

# clean_root_mounts DIR: the mount points at or under DIR, if any.
clean_root_mounts() {
	awk -v d="$(realpath -m "$1")" \
		'$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo
}

# Debian's suites as apt here has them: "URI SUITE COMPONENT" lines, the
# main archive first (apt-cache policy lists the highest priority first,
# and the main suite is the one without a "-" in its name).
debian_suites() {
	apt-cache policy | awk '
		/^ *[0-9]+ [a-z]+:\/\// { uri = $2; split($3, s, "/"); suite = s[1]; comp = s[2] }
		/release .*o=Debian,/ { if (!seen[uri " " suite]++) print uri, suite, comp }' |
		sort -k2,2 -t' ' | awk '{ print ($2 ~ /-/), $0 }' | sort -s -n -k1,1 | cut -d' ' -f2-
}

# clean_root_tarball: make the packed pristine root unless it exists.
clean_root_tarball() {
	local tmp uri suite rc
	[ -f "$CLEAN_ROOT_TARBALL" ] && { echo "cached: $CLEAN_ROOT_TARBALL"; return 0; }
	[ -n "$(debian_suites)" ] || apt-get update -qq
	read -r uri suite _ < <(debian_suites)
	[ -n "${suite:-}" ] || { echo "apt here has no Debian source"; return 1; }
	command -v debootstrap >/dev/null || { echo "no debootstrap"; return 1; }
	tmp=$BUILD/clean-root.new
	clean_root_leave "$tmp" || return 1
	echo "debootstrap --variant=minbase $suite from $uri"
	timeout 1200 debootstrap --variant=minbase "$suite" "$tmp" "$uri" || {
		clean_root_leave "$tmp"
		return 1
	}
	debian_suites | sed 's/^/deb /' > "$tmp/etc/apt/sources.list"
	cat "$tmp/etc/apt/sources.list"
	mkdir -p "$(dirname "$CLEAN_ROOT_TARBALL")"
	tar -C "$tmp" -czf "$CLEAN_ROOT_TARBALL.tmp" . &&
		mv "$CLEAN_ROOT_TARBALL.tmp" "$CLEAN_ROOT_TARBALL"
	rc=$?
	clean_root_leave "$tmp"
	return $rc
}

# clean_root_enter DIR: a fresh copy of the root at DIR, with /proc, /sys,
# /dev and the host's resolver, ready for in_root.
clean_root_enter() {
	[ "${VADDR_PIN_PRIVATE_MNTNS:-}" = 1 ] ||
		{ echo "clean_root_enter: not in a private mount namespace"; return 1; }
	clean_root_leave "$1" || return 1
	mkdir -p "$1"
	tar -C "$1" -xzf "$CLEAN_ROOT_TARBALL" || return 1
	cp /etc/resolv.conf "$1/etc/resolv.conf" 2>/dev/null
	# What a booted Debian has (systemd-tmpfiles makes it) and debootstrap
	# leaves out; e4defrag finds mount points through it.
	[ -e "$1/etc/mtab" ] || ln -s ../proc/self/mounts "$1/etc/mtab"
	mount -t proc proc "$1/proc" &&
	mount -t sysfs sysfs "$1/sys" &&
	mount --rbind /dev "$1/dev" &&
	mount --make-rslave "$1/dev"
}

# clean_root_leave DIR: unmount and remove the copy at DIR; refuses (and
# says so) while anything is still mounted under it.
clean_root_leave() {
	local m
	[ -d "$1" ] || return 0
	for m in $(clean_root_mounts "$1" | sort -r); do
		umount -l "$m" 2>/dev/null
	done
	if [ -n "$(clean_root_mounts "$1")" ]; then
		echo "vaddr_pin: $1 still has mounts; left in place" >&2
		return 1
	fi
	rm -rf --one-file-system "$1"
}

# clean_root_debs_in DIR / clean_root_debs_out DIR: lend the root at DIR
# the packages fetched before, and keep what it fetched.
clean_root_debs_in() {
	mkdir -p "$CLEAN_ROOT_DEBS"
	find "$CLEAN_ROOT_DEBS" -name '*.deb' -exec cp -t "$1/var/cache/apt/archives" {} +
}

clean_root_debs_out() {
	find "$1/var/cache/apt/archives" -maxdepth 1 -name '*.deb' \
		-exec cp -u -t "$CLEAN_ROOT_DEBS" {} +
}

# in_root DIR CMD: run the shell command CMD as root in DIR, with a clean
# environment.
in_root() {
	chroot "$1" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root TERM=dumb sh -c "$2"
}
