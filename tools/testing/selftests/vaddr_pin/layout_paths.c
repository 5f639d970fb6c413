// SPDX-License-Identifier: GPL-2.0
/*
 * Every other path that changes the blocks under a pin breaks it, at the
 * filesystem's depth: real tools (xfs_fsr, e4defrag), XFS_IOC_EXCHANGE_RANGE,
 * EXT4_IOC_MOVE_EXT, a change of data journalling, a truncate that only
 * notify_change() sees (overlayfs on its upper file), the allocation
 * unit of an xfs realtime file, the unit before an xfs shift and the
 * 2 MiB entry of an fsdax file.  Over a pin tied to a layout lease each
 * revokes it (the holder gets its signal, a device write after that fails)
 * and keeps what the device wrote before; under an F_UNBREAK lease each
 * fails with ETXTBSY and the device keeps writing into the file.
 *
 * Readers never revoke: another user's cp --reflink=auto copies,
 * cp --reflink=always, FIDEDUPERANGE and copy_file_range() from the file
 * leave the owner's pin alone, and the holder of a sealed memfd cannot
 * revoke with a change the seals refuse.
 *
 * A truncate that waits for i_rwsem held by a write(2) stalled on
 * userfaultfd breaks the pin tied on the pages that write added.  On xfs
 * -o dax a write over the CoW fork's preallocation moves no pinned block.  With
 * the breaks off (debugfs vaddr_pin_skip_breaks) the backstop reports the
 * pages leaving the file under a pin.
 *
 * Runs once per file system ($VP_TEST_DIR, $VP_TEST_FS); a path that the
 * file system does not have is skipped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/ext4.h>
#include <linux/falloc.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest_harness.h"

/* Not the harness's 30 s: mkfs and mount are slow under TCG. */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT	120
#include "vaddr_pin_selftest.h"
#include "xfs_ioctls.h"

#define NPAGES		64
#define PIN_FIRST	4
#define PIN_NR		4
#define LEASE_SIG	(SIGRTMIN + 1)
#define SKIP_BREAKS	"/sys/kernel/debug/vaddr_pin_skip_breaks"
#define BREAK_TIME	"/proc/sys/fs/lease-break-time"
#define SLOW_MS		"/sys/kernel/debug/vaddr_pin_test_slow_ms"
#define COUNTS		"/sys/kernel/debug/vaddr_pin_counts"

static volatile sig_atomic_t nr_signals;

static void lease_signal(int sig, siginfo_t *si, void *uc)
{
	nr_signals++;
}

static const char *test_fs(void)
{
	return getenv("VP_TEST_FS") ?: "tmpfs";
}

/* Is the file system under test one of the words of @list? */
static bool fs_is(const char *list)
{
	char words[128], *w, *save;

	snprintf(words, sizeof(words), "%s", list);
	for (w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save))
		if (!strcmp(w, test_fs()))
			return true;
	return false;
}

static int run(const char *cmd)
{
	int status = system(cmd);

	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The number of extents of @fd (FIEMAP), or -1. */
static int extents_of(int fd)
{
	struct fiemap fm = { .fm_length = ~0ULL, .fm_flags = FIEMAP_FLAG_SYNC };

	return ioctl(fd, FS_IOC_FIEMAP, &fm) ? -1 : (int)fm.fm_mapped_extents;
}

/* The disk address of the block at @off of @fd (FIEMAP), or 0. */
static __u64 block_of(int fd, off_t off)
{
	struct {
		struct fiemap fm;
		struct fiemap_extent fe;
	} arg = {
		.fm = { .fm_start = off, .fm_length = 1,
			.fm_flags = FIEMAP_FLAG_SYNC, .fm_extent_count = 1 },
	};

	if (ioctl(fd, FS_IOC_FIEMAP, &arg) || arg.fm.fm_mapped_extents != 1)
		return 0;
	return arg.fe.fe_physical + (off - arg.fe.fe_logical);
}

static long debug_count(const char *name)
{
	return keyed_value(COUNTS, name);
}

/* The file under test, mapped and leased, and a second one on the same fs. */
struct paths {
	char dir[PATH_MAX], path[PATH_MAX + 32], other_path[PATH_MAX + 48];
	int fd, other, pinner;
	long ps;
	char *map;
	unsigned int id;
};

/* Where the bytes the device wrote through the pin must be after. */
struct outcome {
	int fd;
	int first;
};

FIXTURE(paths) {
	struct paths p;
};

FIXTURE_VARIANT(paths) {
	const char *fs;		/* the file systems that have the path */
	/* Make the change; 0, or -1 and errno.  Sets where the data went. */
	int (*change)(struct paths *p, struct outcome *o);
	/* On an xfs of its own with the exchange-range feature. */
	bool exchange_fs;
	/* In the upper directory of an overlay (ovl-upper). */
	bool overlay_upper;
	/* A defragmenter: the file is made in many extents. */
	bool defrag;
};

/*
 * xfsprogs 6.1 cannot make an xfs with exchange-range, which 6.12 has:
 * set the incompat bit (XFS_SB_FEAT_INCOMPAT_EXCHRANGE) with xfs_db.  On
 * a file system of its own, which no older xfs_repair has to check.
 */
#define EXCH_DIR	"/tmp/vp-xfs-exch"
#define EXCH_IMG	"/tmp/vp-xfs-exch.img"

static int mount_exchange_fs(void)
{
	return run("set -e; mkdir -p " EXCH_DIR "; truncate -s 320M " EXCH_IMG
		   "; mkfs.xfs -q -f " EXCH_IMG "; "
		   "f=$(xfs_db -c 'sb 0' -c 'print features_incompat' " EXCH_IMG
		   " | sed 's/.*= //'); "
		   "xfs_db -x -c 'sb 0' -c \"write -d features_incompat "
		   "$((f | 0x40))\" " EXCH_IMG " >/dev/null; "
		   "mount -o loop " EXCH_IMG " " EXCH_DIR);
}

static int change_xfs_fsr(struct paths *p, struct outcome *o)
{
	char cmd[PATH_MAX + 64];

	*o = (struct outcome){ p->fd, PIN_FIRST };
	snprintf(cmd, sizeof(cmd), "xfs_fsr -v %s", p->path);
	return run(cmd) ? (errno = EIO, -1) : 0;
}

static int change_e4defrag(struct paths *p, struct outcome *o)
{
	char cmd[PATH_MAX + 64];

	*o = (struct outcome){ p->fd, PIN_FIRST };
	snprintf(cmd, sizeof(cmd), "e4defrag -v %s", p->path);
	return run(cmd) ? (errno = EIO, -1) : 0;
}

/* The file's pages [0, NPAGES) and the other file's change places. */
static int change_exchange_range(struct paths *p, struct outcome *o)
{
	struct xfs_exchange_range arg = {
		.file1_fd = p->other,
		.length = NPAGES * p->ps,
	};

	*o = (struct outcome){ p->other, PIN_FIRST };
	return ioctl(p->fd, XFS_IOC_EXCHANGE_RANGE, &arg);
}

/* The blocks change places with the other file's; the data stays. */
static int change_move_ext(struct paths *p, struct outcome *o)
{
	struct move_extent arg = {
		.donor_fd = p->other,
		.len = NPAGES * p->ps / 4096,
	};

	*o = (struct outcome){ p->fd, PIN_FIRST };
	return ioctl(p->fd, EXT4_IOC_MOVE_EXT, &arg);
}

static int change_journal_data(struct paths *p, struct outcome *o)
{
	int flags;

	*o = (struct outcome){ p->fd, PIN_FIRST };
	if (ioctl(p->fd, FS_IOC_GETFLAGS, &flags))
		return -1;
	flags |= FS_JOURNAL_DATA_FL;
	return ioctl(p->fd, FS_IOC_SETFLAGS, &flags);
}

/* The file's blocks go to the boot loader inode: the data out of reach. */
static int change_swap_boot(struct paths *p, struct outcome *o)
{
	*o = (struct outcome){ -1, 0 };
	return ioctl(p->fd, EXT4_IOC_SWAP_BOOT);
}

/*
 * An overlay whose upper layer is the test directory: a truncate through
 * it reaches the real file by notify_change() alone, not do_truncate().
 */
static int change_overlay_truncate(struct paths *p, struct outcome *o)
{
	char lower[] = "/tmp/vp-ovl-lower", merged[] = "/tmp/vp-ovl-merged";
	char work[PATH_MAX + 16], opts[3 * PATH_MAX], file[PATH_MAX];
	int ret, err;

	*o = (struct outcome){ p->fd, PIN_FIRST };
	snprintf(work, sizeof(work), "%s/../ovl-work", p->dir);
	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s",
		 lower, p->dir, work);
	snprintf(file, sizeof(file), "%s/%s", merged, strrchr(p->path, '/') + 1);
	mkdir(lower, 0755);
	mkdir(merged, 0755);
	mkdir(work, 0755);
	if (mount("overlay", merged, "overlay", 0, opts))
		return -1;
	/* Down to two pages past the pin's first: half of it goes. */
	ret = truncate(file, (PIN_FIRST + 2) * p->ps);
	err = errno;
	umount(merged);
	rmdir(work);
	errno = err;
	return ret;
}

FIXTURE_VARIANT_ADD(paths, xfs_fsr) {
	.fs = "xfs xfs-dax", .change = change_xfs_fsr, .defrag = true,
};
FIXTURE_VARIANT_ADD(paths, e4defrag) {
	.fs = "ext4", .change = change_e4defrag, .defrag = true,
};
FIXTURE_VARIANT_ADD(paths, exchange_range) {
	.fs = "xfs", .change = change_exchange_range, .exchange_fs = true,
};
FIXTURE_VARIANT_ADD(paths, move_ext) {
	.fs = "ext4", .change = change_move_ext,
};
FIXTURE_VARIANT_ADD(paths, swap_boot) {
	.fs = "ext4", .change = change_swap_boot,
};
FIXTURE_VARIANT_ADD(paths, journal_data) {
	.fs = "ext4", .change = change_journal_data,
};
FIXTURE_VARIANT_ADD(paths, overlay_truncate) {
	.fs = "tmpfs ext4 xfs ext4-dax xfs-dax",
	.change = change_overlay_truncate, .overlay_upper = true,
};

FIXTURE_SETUP(paths)
{
	struct paths *p = &self->p;
	struct sigaction sa = {
		.sa_sigaction = lease_signal,
		.sa_flags = SA_SIGINFO | SA_RESTART,
	};

	if (!fs_is(variant->fs))
		SKIP(return, "%s has no such path", test_fs());
	p->ps = getpagesize();
	snprintf(p->dir, sizeof(p->dir), "%s",
		 getenv("VP_TEST_DIR") ?: "/tmp");
	if (variant->exchange_fs) {
		ASSERT_EQ(0, mount_exchange_fs());
		snprintf(p->dir, sizeof(p->dir), "%s", EXCH_DIR);
	}
	/* Overlayfs wants its work directory beside the upper one. */
	if (variant->overlay_upper) {
		strncat(p->dir, "/ovl-upper", sizeof(p->dir) - strlen(p->dir) - 1);
		mkdir(p->dir, 0755);
	}
	snprintf(p->path, sizeof(p->path), "%s/paths.%d", p->dir, getpid());
	snprintf(p->other_path, sizeof(p->other_path), "%s.other", p->path);
	/*
	 * Something for the defragmenters to do.  Not for the others: the
	 * boot loader swap leaves the checksums of an extent block of the
	 * file's behind (e2fsck complains, as without a pin).
	 */
	ASSERT_EQ(0, make_file_pair(p->path, p->other_path, NPAGES,
				    variant->defrag, fs_is("ext4"), &p->fd,
				    &p->other));
	p->map = mmap(NULL, NPAGES * p->ps, PROT_READ | PROT_WRITE,
		      MAP_SHARED, p->fd, 0);
	ASSERT_NE(MAP_FAILED, p->map);
	p->pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, p->pinner);
	ASSERT_EQ(0, sigaction(LEASE_SIG, &sa, NULL));
	ASSERT_EQ(0, fcntl(p->fd, F_SETSIG, LEASE_SIG));
	nr_signals = 0;
}

FIXTURE_TEARDOWN(paths)
{
	struct paths *p = &self->p;

	if (!p->ps)
		return;
	close(p->pinner);
	munmap(p->map, NPAGES * p->ps);
	close(p->other);
	close(p->fd);
	unlink(p->other_path);
	unlink(p->path);
	if (variant->exchange_fs)
		run("umount " EXCH_DIR "; rm -f " EXCH_IMG);
}

/* Lease the file, pin [PIN_FIRST, +PIN_NR) for write, write 'z' as a device. */
static int lease_pin_fill(struct paths *p, int lease)
{
	if (fcntl(p->fd, F_SETLEASE, lease) ||
	    pin(p->pinner, p->map + PIN_FIRST * p->ps, PIN_NR * p->ps,
		VADDR_PIN_TEST_WRITE, &p->id) ||
	    fill(p->pinner, p->id, 'z'))
		return -1;
	return 0;
}

TEST_F(paths, revokes_and_keeps_what_the_device_wrote)
{
	struct paths *p = &self->p;
	int before = extents_of(p->fd);
	struct outcome o;

	if (variant->defrag)
		ASSERT_LT(NPAGES / 8, before);
	ASSERT_EQ(0, lease_pin_fill(p, F_RDLCK | F_LAYOUT));

	ASSERT_EQ(0, variant->change(p, &o)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(-ENOENT, pin_state(p->pinner, p->id));
	EXPECT_LE(1, nr_signals);
	/* The device cannot write any more. */
	EXPECT_EQ(-1, fill(p->pinner, p->id, 'y'));
	EXPECT_EQ(0, vm_pin_pages());
	/* What it wrote before is where the file's data went. */
	if (o.fd >= 0) {
		EXPECT_EQ(0, fsync(o.fd));
		EXPECT_TRUE(pages_hold(o.fd, p->ps, o.first, 2, 'z'));
	}
	/* The tools did defragment. */
	if (variant->defrag)
		EXPECT_GT(before, extents_of(p->fd)) TH_LOG("%d extents", before);
}

TEST_F(paths, unbreakable_fails_and_the_device_writes_on)
{
	struct paths *p = &self->p;
	struct outcome o;

	ASSERT_EQ(0, lease_pin_fill(p, F_RDLCK | F_LAYOUT | F_UNBREAK));

	/* The tools report the failure in their own ways: only the ioctls. */
	if (!variant->defrag) {
		EXPECT_EQ(-1, variant->change(p, &o));
		EXPECT_EQ(ETXTBSY, errno);
	} else {
		variant->change(p, &o);
	}
	EXPECT_EQ(VADDR_PIN_TEST_PINNED, pin_state(p->pinner, p->id));
	EXPECT_EQ(0, nr_signals);
	/* The pinned pages are still the file's: a device write lands. */
	EXPECT_EQ(0, fill(p->pinner, p->id, 'y'));
	EXPECT_EQ(0, fsync(p->fd));
	EXPECT_TRUE(pages_hold(p->fd, p->ps, PIN_FIRST, PIN_NR, 'y'));
	EXPECT_EQ(0, unpin(p->pinner, p->id, 0));
}

/*
 * A move that EXT4_IOC_MOVE_EXT refuses (a donor that is append-only)
 * changes nothing, so it revokes nothing: it fails as it would without
 * the pin.
 */
TEST(refused_move_ext_revokes_nothing)
{
	const char *dir = getenv("VP_TEST_DIR") ?: "/tmp";
	char path[PATH_MAX], other_path[PATH_MAX + 8], *map;
	long ps = getpagesize();
	struct move_extent arg = { .len = NPAGES * ps / 4096 };
	int fd, other, pinner, flags;
	unsigned int id;

	if (!fs_is("ext4"))
		SKIP(return, "EXT4_IOC_MOVE_EXT is ext4's");
	snprintf(path, sizeof(path), "%s/refused.%d", dir, getpid());
	snprintf(other_path, sizeof(other_path), "%s.other", path);
	ASSERT_EQ(0, make_file_pair(path, other_path, NPAGES, false, false,
				    &fd, &other));
	pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, pinner);
	map = mmap(NULL, NPAGES * ps, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	signal(SIGIO, SIG_IGN);		/* the lease holder's signal */
	ASSERT_EQ(0, fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	ASSERT_EQ(0, pin(pinner, map, NPAGES * ps, VADDR_PIN_TEST_WRITE, &id));

	arg.donor_fd = other;
	ASSERT_EQ(0, ioctl(other, FS_IOC_GETFLAGS, &flags));
	flags |= FS_APPEND_FL;
	ASSERT_EQ(0, ioctl(other, FS_IOC_SETFLAGS, &flags));
	EXPECT_EQ(-1, ioctl(fd, EXT4_IOC_MOVE_EXT, &arg));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(VADDR_PIN_TEST_PINNED, pin_state(pinner, id));
	flags &= ~FS_APPEND_FL;
	EXPECT_EQ(0, ioctl(other, FS_IOC_SETFLAGS, &flags));

	EXPECT_EQ(0, unpin(pinner, id, 0));
	close(pinner);
	munmap(map, NPAGES * ps);
	close(other);
	close(fd);
	unlink(other_path);
	unlink(path);
}

/* === fsdax holes === */

/*
 * A read fault on a hole of an fsdax file maps the zero page, which a
 * later write(2) would replace with a block behind the pin: a pin never
 * holds a hole.  A read pin over one fails with EFAULT; a write pin
 * allocates the blocks as it faults, and then sees what write(2) writes.
 */
TEST(fsdax_pin_never_holds_a_hole)
{
	const char *dir = getenv("VP_TEST_DIR") ?: "/tmp";
	long ps = getpagesize();
	char path[PATH_MAX], *map, buf[16];
	unsigned int id;
	int fd, pinner;

	if (!fs_is("ext4-dax xfs-dax"))
		SKIP(return, "holes are the zero page only on fsdax");
	snprintf(path, sizeof(path), "%s/hole.%d", dir, getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 8 * ps));
	pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, pinner);
	map = mmap(NULL, 8 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT));

	EXPECT_EQ(-1, pin(pinner, map, ps, 0, &id));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, vm_pin_pages());

	ASSERT_EQ(0, pin(pinner, map + ps, ps, VADDR_PIN_TEST_WRITE, &id));
	ASSERT_EQ(5, pwrite(fd, "hello", 5, ps));
	/* The device reads what write(2) wrote: the pin is the file's block. */
	memcpy(buf, map + ps, 5);
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	EXPECT_EQ(0, fill(pinner, id, 'q'));
	ASSERT_EQ(5, pread(fd, buf, 5, ps));
	EXPECT_EQ(0, memcmp(buf, "qqqqq", 5));

	EXPECT_EQ(0, unpin(pinner, id, 0));
	close(pinner);
	munmap(map, 8 * ps);
	close(fd);
	unlink(path);
}

/*
 * Once a file has shared blocks, xfs preallocates CoW fork extents around
 * the block a write copies (the cowextsize hint), over blocks it does not
 * share.  On fsdax a write there must not move such a block from behind
 * a read pin: it is written in place, the pin keeps the file's block,
 * and the backstop (which now sees every CoW of DAX entries) stays quiet.
 */
TEST(fsdax_cow_preallocation_moves_no_pinned_block)
{
	const char *dir = getenv("VP_TEST_DIR") ?: "/tmp";
	long ps = getpagesize(), missed = debug_count("missed_breaks");
	char path[PATH_MAX], copy[PATH_MAX + 8], *map, buf[8];
	struct file_clone_range one = { .src_length = ps };
	unsigned int id;
	int fd, other, pinner;
	__u64 block;

	if (!fs_is("xfs-dax"))
		SKIP(return, "a CoW fork and DAX: xfs -o dax only");
	ASSERT_LE(0, missed);
	snprintf(path, sizeof(path), "%s/cow.%d", dir, getpid());
	snprintf(copy, sizeof(copy), "%s.copy", path);
	fd = create_file_of(path, NPAGES * ps, 'a');
	ASSERT_LE(0, fd);
	other = open(copy, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, other);
	/* Page 0 shared, then copied by a write: CoW fork extents around it. */
	one.src_fd = fd;
	ASSERT_EQ(0, ioctl(other, FICLONERANGE, &one));
	ASSERT_EQ(1, pwrite(fd, "b", 1, 0));

	pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, pinner);
	map = mmap(NULL, NPAGES * ps, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	ASSERT_EQ(0, pin(pinner, map + PIN_FIRST * ps, ps, 0, &id));
	block = block_of(fd, PIN_FIRST * ps);
	ASSERT_NE(0, block);

	ASSERT_EQ(5, pwrite(fd, "hello", 5, PIN_FIRST * ps));
	EXPECT_EQ(block, block_of(fd, PIN_FIRST * ps));
	EXPECT_EQ(missed, debug_count("missed_breaks"));
	EXPECT_EQ(VADDR_PIN_TEST_PINNED, pin_state(pinner, id));
	memcpy(buf, map + PIN_FIRST * ps, 5);
	EXPECT_EQ(0, memcmp(buf, "hello", 5));

	EXPECT_EQ(0, unpin(pinner, id, 0));
	close(pinner);
	munmap(map, NPAGES * ps);
	close(other);
	close(fd);
	unlink(copy);
	unlink(path);
}

#define TRACING		"/sys/kernel/tracing"
#define PMD_FAULT	TRACING "/events/fs_dax/dax_pmd_fault_done/enable"
#define MIB		(1024 * 1024)

/* How many fsdax PMD faults mapped a 2 MiB entry since @clear. */
static int pmd_faults_mapped(bool clear)
{
	char line[512];
	FILE *f;
	int n = 0;

	if (clear)
		return run("echo > " TRACING "/trace; echo 1 > " PMD_FAULT);
	f = fopen(TRACING "/trace", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, "dax_pmd_fault_done") &&
		     strstr(line, "NOPAGE") && !strstr(line, "FALLBACK");
	fclose(f);
	run("echo 0 > " PMD_FAULT);
	return n;
}

/*
 * A hole punched in one page of a 2 MiB fsdax entry deletes all of the
 * entry: a pin on another page of it is revoked, one in the next entry
 * stays.  On a file system made with 2 MiB stripes (guest-tests.sh makes
 * its ext4 -o dax so), a 4 MiB fallocate() is aligned and faults map PMD
 * entries; the fs_dax tracepoint shows that they did.
 */
TEST(fsdax_pmd_entry_breaks_whole)
{
	const char *dir = getenv("VP_TEST_DIR") ?: "/tmp";
	long ps = getpagesize(), missed = debug_count("missed_breaks");
	char path[PATH_MAX], cmd[PATH_MAX + 128], *map;
	unsigned int near, far;
	int fd, pinner;

	if (!fs_is("ext4-dax xfs-dax"))
		SKIP(return, "PMD entries are fsdax's");
	signal(SIGIO, SIG_IGN);		/* the lease holder's signal */
	snprintf(path, sizeof(path), "%s/pmd.%d", dir, getpid());
	snprintf(cmd, sizeof(cmd), "xfs_io -f -c 'falloc 0 4m' "
		 "-c 'pwrite -q 0 4m' -c fsync %s", path);
	ASSERT_EQ(0, run(cmd));
	ASSERT_EQ(0, run("mountpoint -q " TRACING " || "
			 "mount -t tracefs nodev " TRACING));
	fd = open(path, O_RDWR);
	ASSERT_LE(0, fd);
	pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, pinner);
	map = mmap(NULL, 4 * MIB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, (unsigned long)map % (2 * MIB));
	ASSERT_EQ(0, pmd_faults_mapped(true));
	map[0] = 'x';
	map[2 * MIB] = 'y';
	ASSERT_EQ(2, pmd_faults_mapped(false));

	ASSERT_EQ(0, fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	ASSERT_EQ(0, pin(pinner, map + 4 * ps, ps, VADDR_PIN_TEST_WRITE, &near));
	ASSERT_EQ(0, pin(pinner, map + 2 * MIB + 4 * ps, ps,
			 VADDR_PIN_TEST_WRITE, &far));
	EXPECT_EQ(0, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       9 * ps, ps)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(-ENOENT, pin_state(pinner, near));
	EXPECT_EQ(VADDR_PIN_TEST_PINNED, pin_state(pinner, far));
	EXPECT_EQ(missed, debug_count("missed_breaks"));

	unpin(pinner, far, 0);
	close(pinner);
	munmap(map, 4 * MIB);
	close(fd);
	unlink(path);
}

/* === The allocation unit === */

#define RT_DIR	"/tmp/vp-xfs-rt"

/*
 * On an xfs realtime volume with 64 KiB extents, a hole punched in one page
 * unmaps the whole 64 KiB around it: a pin on another page of those 16 is
 * revoked too.  A pin in the next 64 KiB stays.
 */
TEST(xfs_rt_punch_breaks_the_allocation_unit)
{
	char path[] = RT_DIR "/rtfile", *map;
	unsigned int near, far;
	long ps = getpagesize();
	int fd, pinner;

	if (!fs_is("xfs"))
		SKIP(return, "an xfs realtime volume, set up once with xfs");
	signal(SIGIO, SIG_IGN);		/* the lease holder's signal */
	ASSERT_EQ(0, run("set -e; mkdir -p " RT_DIR "; "
			 "truncate -s 320M /tmp/vp-rt-data.img; "
			 "truncate -s 64M /tmp/vp-rt-rt.img; "
			 "d=$(losetup -f --show /tmp/vp-rt-data.img); "
			 "r=$(losetup -f --show /tmp/vp-rt-rt.img); "
			 "mkfs.xfs -q -f -r rtdev=$r,extsize=65536 $d; "
			 "mount -o rtdev=$r $d " RT_DIR "; "
			 "xfs_io -f -c 'chattr +r' -c 'pwrite -q 0 256k' "
			 "-c fsync " RT_DIR "/rtfile"));
	fd = open(path, O_RDWR);
	ASSERT_LE(0, fd);
	pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, pinner);
	map = mmap(NULL, 64 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	ASSERT_EQ(0, pin(pinner, map + 4 * ps, ps, VADDR_PIN_TEST_WRITE, &near));
	ASSERT_EQ(0, pin(pinner, map + 20 * ps, ps, VADDR_PIN_TEST_WRITE, &far));

	EXPECT_EQ(0, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       9 * ps, ps)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(-ENOENT, pin_state(pinner, near));
	EXPECT_EQ(VADDR_PIN_TEST_PINNED, pin_state(pinner, far));

	unpin(pinner, far, 0);
	close(pinner);
	munmap(map, 64 * ps);
	close(fd);
	run("umount " RT_DIR "; for f in /tmp/vp-rt-data.img /tmp/vp-rt-rt.img; "
	    "do losetup -j $f | cut -d: -f1 | xargs -r losetup -d; done; "
	    "rm -f /tmp/vp-rt-*.img");
}

/*
 * xfs shifts (collapse, insert range) also flush and unmap the allocation
 * unit before their offset, to stabilize the boundary: a pin on the page
 * before a collapse is revoked, though its block stays, and one further
 * back stays.  (On xfs -o dax the entry was deleted under the pin.)
 */
TEST(xfs_shift_breaks_the_unit_before_it)
{
	char path[PATH_MAX], *map;
	unsigned int near, far;
	long ps = getpagesize();
	int fd, pinner;

	if (!fs_is("xfs xfs-dax"))
		SKIP(return, "an xfs shift");
	signal(SIGIO, SIG_IGN);		/* the lease holder's signal */
	snprintf(path, sizeof(path), "%s/shift.%d",
		 getenv("VP_TEST_DIR") ?: "/tmp", getpid());
	fd = create_file_of(path, 32 * ps, 0x73);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fsync(fd));
	pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, pinner);
	map = mmap(NULL, 32 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	ASSERT_EQ(0, pin(pinner, map + 7 * ps, ps, VADDR_PIN_TEST_WRITE, &near));
	ASSERT_EQ(0, pin(pinner, map + 2 * ps, ps, VADDR_PIN_TEST_WRITE, &far));

	EXPECT_EQ(0, fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 8 * ps, 4 * ps))
		TH_LOG("%s", strerror(errno));
	EXPECT_EQ(-ENOENT, pin_state(pinner, near));
	EXPECT_EQ(VADDR_PIN_TEST_PINNED, pin_state(pinner, far));

	unpin(pinner, far, 0);
	close(pinner);
	munmap(map, 32 * ps);
	close(fd);
	unlink(path);
}

/* === Readers === */

FIXTURE(reader) {
	struct paths p;
	char copy[PATH_MAX + 32];
};

FIXTURE_SETUP(reader)
{
	struct paths *p = &self->p;
	char dir[PATH_MAX + 8];
	struct sigaction sa = {
		.sa_sigaction = lease_signal,
		.sa_flags = SA_SIGINFO | SA_RESTART,
	};

	p->ps = getpagesize();
	snprintf(p->dir, sizeof(p->dir), "%s",
		 getenv("VP_TEST_DIR") ?: "/tmp");
	snprintf(p->path, sizeof(p->path), "%s/reader.%d", p->dir, getpid());
	/* A directory of the same file system where nobody may write. */
	snprintf(dir, sizeof(dir), "%s/nobody", p->dir);
	mkdir(dir, 0777);
	chmod(dir, 0777);
	snprintf(self->copy, sizeof(self->copy), "%s/copy.%d", dir, getpid());
	snprintf(p->other_path, sizeof(p->other_path), "%s.other", p->path);
	ASSERT_EQ(0, make_file_pair(p->path, p->other_path, NPAGES, false,
				    false, &p->fd, &p->other));
	close(p->other);
	unlink(p->other_path);
	p->map = mmap(NULL, NPAGES * p->ps, PROT_READ | PROT_WRITE,
		      MAP_SHARED, p->fd, 0);
	ASSERT_NE(MAP_FAILED, p->map);
	p->pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, p->pinner);
	ASSERT_EQ(0, sigaction(LEASE_SIG, &sa, NULL));
	ASSERT_EQ(0, fcntl(p->fd, F_SETSIG, LEASE_SIG));
	nr_signals = 0;
	ASSERT_EQ(0, lease_pin_fill(p, F_RDLCK | F_LAYOUT));
}

FIXTURE_TEARDOWN(reader)
{
	struct paths *p = &self->p;

	unpin(p->pinner, p->id, 0);
	close(p->pinner);
	munmap(p->map, NPAGES * p->ps);
	close(p->fd);
	unlink(p->path);
	unlink(self->copy);
}

/* Run @cmd with the shell as uid 65534; its exit status, or -1. */
static int run_as_nobody(const char *cmd)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		if (become_nobody())
			_exit(126);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The owner's pin is untouched and the device still writes the file. */
static void pin_is_untouched(struct __test_metadata *_metadata,
			     struct paths *p)
{
	EXPECT_EQ(VADDR_PIN_TEST_PINNED, pin_state(p->pinner, p->id));
	EXPECT_EQ(0, nr_signals);
	EXPECT_EQ(0, fill(p->pinner, p->id, 'y'));
	EXPECT_EQ(0, fsync(p->fd));
	EXPECT_TRUE(pages_hold(p->fd, p->ps, PIN_FIRST, PIN_NR, 'y'));
}

TEST_F(reader, cp_reflink_auto_copies)
{
	char cmd[3 * PATH_MAX];
	int fd;

	snprintf(cmd, sizeof(cmd), "cp --reflink=auto %s %s", self->p.path,
		 self->copy);
	ASSERT_EQ(0, run_as_nobody(cmd));
	fd = open(self->copy, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_TRUE(pages_hold(fd, self->p.ps, PIN_FIRST, PIN_NR, 'z'));
	EXPECT_TRUE(pages_hold(fd, self->p.ps, NPAGES - 1, 1,
			       'A' + (NPAGES - 1) % 26));
	close(fd);
	pin_is_untouched(_metadata, &self->p);
}

/* FICLONE from the file as another user: ETXTBSY, where there is reflink. */
TEST_F(reader, clone_from_it_fails_with_etxtbsy)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		int src, dst;

		if (become_nobody())
			_exit(1);
		src = open(self->p.path, O_RDONLY);
		dst = open(self->copy, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (src < 0 || dst < 0)
			_exit(2);
		if (!ioctl(dst, FICLONE, src))
			_exit(5);
		if (errno == EOPNOTSUPP || errno == ENOTTY || errno == EXDEV ||
		    errno == EINVAL)
			_exit(4);
		_exit(errno == ETXTBSY ? 0 : 3);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	if (WEXITSTATUS(status) == 4)
		SKIP(return, "%s cannot clone", test_fs());
	EXPECT_EQ(0, WEXITSTATUS(status));
	pin_is_untouched(_metadata, &self->p);
}

TEST_F(reader, cp_reflink_always_fails)
{
	char cmd[3 * PATH_MAX];

	snprintf(cmd, sizeof(cmd), "cp --reflink=always %s %s 2>/dev/null",
		 self->p.path, self->copy);
	EXPECT_NE(0, run_as_nobody(cmd));
	pin_is_untouched(_metadata, &self->p);
}

/* copy_file_range() from the file as another user: a copy, in full. */
TEST_F(reader, copy_file_range_copies)
{
	int status, fd;
	pid_t pid = fork();

	if (pid == 0) {
		int in, out;
		loff_t left = NPAGES * self->p.ps;
		ssize_t n;

		if (become_nobody())
			_exit(1);
		in = open(self->p.path, O_RDONLY);
		out = open(self->copy, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (in < 0 || out < 0)
			_exit(2);
		while (left > 0 &&
		       (n = copy_file_range(in, NULL, out, NULL, left, 0)) > 0)
			left -= n;
		_exit(left ? 3 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	fd = open(self->copy, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_TRUE(pages_hold(fd, self->p.ps, PIN_FIRST, PIN_NR, 'z'));
	EXPECT_TRUE(pages_hold(fd, self->p.ps, NPAGES - 1, 1,
			       'A' + (NPAGES - 1) % 26));
	close(fd);
	pin_is_untouched(_metadata, &self->p);
}

/* FIDEDUPERANGE with the file as source, onto the user's own copy. */
TEST_F(reader, dedupe_from_it_fails)
{
	char cmd[3 * PATH_MAX];
	int status;
	pid_t pid;

	snprintf(cmd, sizeof(cmd), "cp --reflink=never %s %s", self->p.path,
		 self->copy);
	ASSERT_EQ(0, run_as_nobody(cmd));
	pid = fork();
	if (pid == 0) {
		struct file_dedupe_range *arg;
		int src, dst;

		if (become_nobody())
			_exit(1);
		arg = calloc(1, sizeof(*arg) + sizeof(arg->info[0]));
		src = open(self->p.path, O_RDONLY);
		dst = open(self->copy, O_RDWR);
		if (!arg || src < 0 || dst < 0)
			_exit(2);
		arg->src_length = NPAGES * self->p.ps;
		arg->dest_count = 1;
		arg->info[0].dest_fd = dst;
		if (ioctl(src, FIDEDUPERANGE, arg))
			_exit(errno == EOPNOTSUPP || errno == EINVAL ? 4 : 3);
		_exit(arg->info[0].status == -ETXTBSY ? 0 : 5);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	if (WEXITSTATUS(status) == 4)
		SKIP(return, "%s cannot dedupe", test_fs());
	EXPECT_EQ(0, WEXITSTATUS(status));
	pin_is_untouched(_metadata, &self->p);
}

/*
 * Nor does the holder of a sealed memfd, who may not change it: a
 * truncate or hole punch the seals refuse fails with EPERM, and a mode
 * tmpfs lacks with EOPNOTSUPP, before any pin of the owner's is revoked.
 * (F_SEAL_WRITE itself waits for pins to go, and fails with EBUSY.)
 */
TEST(sealed_memfd_holder_revokes_nothing)
{
	long ps = getpagesize();
	unsigned int id;
	int fd, peer, pinner;
	char *map, peer_path[64];

	if (!fs_is("tmpfs"))
		SKIP(return, "a memfd is on tmpfs: run once, there");
	signal(SIGIO, SIG_IGN);
	fd = memfd_create("vp_sealed", MFD_ALLOW_SEALING);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 8 * ps));
	map = mmap(NULL, 8 * ps, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, pinner);
	ASSERT_EQ(0, pin(pinner, map, 8 * ps, 0, &id));
	ASSERT_EQ(0, fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
			   F_SEAL_FUTURE_WRITE | F_SEAL_SEAL));

	/* The peer's own open file description, read-write as memfds are. */
	snprintf(peer_path, sizeof(peer_path), "/proc/self/fd/%d", fd);
	peer = open(peer_path, O_RDWR);
	ASSERT_LE(0, peer);
	EXPECT_EQ(-1, ftruncate(peer, 0));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, fallocate(peer, FALLOC_FL_PUNCH_HOLE |
				FALLOC_FL_KEEP_SIZE, 0, 8 * ps));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, fallocate(peer, FALLOC_FL_ZERO_RANGE, 0, ps));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(VADDR_PIN_TEST_PINNED, pin_state(pinner, id));

	EXPECT_EQ(0, unpin(pinner, id, 0));
	close(pinner);
	close(peer);
	munmap(map, 8 * ps);
	close(fd);
	signal(SIGIO, SIG_DFL);
}

/* === A truncate that waits for i_rwsem === */

struct stalled_write {
	int fd;
	char *src;
	long ps;
	off_t pos;
	ssize_t ret;
};

static void *write_two_pages(void *arg)
{
	struct stalled_write *w = arg;

	w->ret = pwrite(w->fd, w->src, 2 * w->ps, w->pos);
	return NULL;
}

static void *truncate_to(void *arg)
{
	struct stalled_write *w = arg;

	w->ret = ftruncate(w->fd, w->pos);
	return NULL;
}

/* Wait for a fault on @uffd and resolve it with a page of @byte. */
static int resolve_fault(int uffd, char *page, long ps, int byte)
{
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;
	struct uffdio_copy copy;

	if (poll(&pfd, 1, 10000) != 1 || read(uffd, &msg, sizeof(msg)) !=
					  sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT)
		return -1;
	memset(page, byte, ps);
	copy = (struct uffdio_copy){
		.dst = msg.arg.pagefault.address & ~(ps - 1),
		.src = (unsigned long)page,
		.len = ps,
	};
	return ioctl(uffd, UFFDIO_COPY, &copy);
}

/*
 * The file is RACE_PAGES pages.  A write(2) of the next two takes i_rwsem
 * and stalls on its source (userfaultfd); a truncate to RACE_PAGES pages,
 * which shrinks nothing yet, queues on i_rwsem.  The first new page is
 * written and pinned under a lease; the write ends.  The truncate, which
 * now frees that page, must revoke the pin.  RACE_PAGES is one less than a
 * power of two, so that the write copies its pages one at a time (a chunk
 * of a write ends at a large-folio boundary).
 */
#define RACE_PAGES	511
TEST(truncate_waiting_for_a_writer_breaks_what_it_added)
{
	const char *dir = getenv("VP_TEST_DIR") ?: "/tmp";
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	struct stalled_write w, t;
	pthread_t writer, truncater;
	char path[PATH_MAX], *page, *map;
	long ps = getpagesize();
	unsigned int id;
	int uffd, pinner;

	if (fs_is("ext4-dax xfs-dax"))
		SKIP(return, "no page cache to stall in");
	signal(SIGIO, SIG_IGN);		/* the lease holder's signal */
	snprintf(path, sizeof(path), "%s/race.%d", dir, getpid());
	w.fd = create_file_of(path, RACE_PAGES * ps, 'a');
	ASSERT_LE(0, w.fd);
	pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, pinner);
	uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	ASSERT_LE(0, uffd);
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
	w.src = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	page = malloc(ps);
	ASSERT_NE(MAP_FAILED, w.src);
	reg = (struct uffdio_register){
		.range = { .start = (unsigned long)w.src, .len = 2 * ps },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));
	map = mmap(NULL, (RACE_PAGES + 2) * ps, PROT_READ | PROT_WRITE, MAP_SHARED, w.fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, fcntl(w.fd, F_SETLEASE, F_RDLCK | F_LAYOUT));

	w.ps = ps;
	w.pos = RACE_PAGES * ps;
	t = w;
	ASSERT_EQ(0, pthread_create(&writer, NULL, write_two_pages, &w));
	/*
	 * The writer holds i_rwsem, stalled on its first page's source: a
	 * truncate to the size the file still has shrinks nothing.  It
	 * queues on i_rwsem.
	 */
	usleep(200 * 1000);
	ASSERT_EQ(0, pthread_create(&truncater, NULL, truncate_to, &t));
	usleep(200 * 1000);
	/* The first page is written and in the file; the writer stalls again. */
	ASSERT_EQ(0, resolve_fault(uffd, page, ps, 'b'));
	usleep(200 * 1000);
	ASSERT_EQ(0, pin(pinner, map + RACE_PAGES * ps, ps, VADDR_PIN_TEST_WRITE,
			 &id));
	ASSERT_EQ(0, resolve_fault(uffd, page, ps, 'c'));
	pthread_join(writer, NULL);
	pthread_join(truncater, NULL);
	EXPECT_EQ(2 * ps, w.ret);
	EXPECT_EQ(0, t.ret);
	/* The truncate freed the pinned page: the pin was revoked first. */
	EXPECT_EQ(-ENOENT, pin_state(pinner, id));

	close(pinner);
	munmap(map, (RACE_PAGES + 2) * ps);
	close(uffd);
	close(w.fd);
	unlink(path);
	free(page);
}

/* === lease-break-time === */

/*
 * A lease-break-time of 0 means no time limit, as for a lease break: a
 * truncate over the pin of an owner that takes 1.5 s waits for it, and
 * succeeds.
 */
TEST(break_time_zero_waits_for_a_slow_owner)
{
	const char *dir = getenv("VP_TEST_DIR") ?: "/tmp";
	char path[PATH_MAX], *map, old_time[32], old_slow[32];
	long ps = getpagesize();
	struct timespec t0;
	long waited;
	unsigned int id;
	int fd, slow;

	snprintf(path, sizeof(path), "%s/break_time.%d", dir, getpid());
	fd = create_file_of(path, 8 * ps, 'a');
	ASSERT_LE(0, fd);
	slow = open(PINNER "_slow", O_RDWR);
	ASSERT_LE(0, slow);
	map = mmap(NULL, 8 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	signal(SIGIO, SIG_IGN);
	ASSERT_EQ(0, pin(slow, map + 4 * ps, ps, VADDR_PIN_TEST_WRITE, &id));
	ASSERT_EQ(0, swap_setting(BREAK_TIME, "0", old_time, sizeof(old_time)));
	ASSERT_EQ(0, swap_setting(SLOW_MS, "1500", old_slow, sizeof(old_slow)));

	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_EQ(0, ftruncate(fd, 2 * ps)) TH_LOG("%s", strerror(errno));
	waited = ms_since(&t0);
	write_str(BREAK_TIME, old_time);
	write_str(SLOW_MS, old_slow);
	EXPECT_LE(1000, waited);
	EXPECT_EQ(-ENOENT, pin_state(slow, id));

	close(slow);
	munmap(map, 8 * ps);
	close(fd);
	unlink(path);
}

/* === The backstop === */

/* With the breaks skipped, a truncate over a pin is reported. */
TEST(backstop_reports_a_skipped_break)
{
	const char *dir = getenv("VP_TEST_DIR") ?: "/tmp";
	long ps = getpagesize(), before;
	char path[PATH_MAX], *map;
	unsigned int id;
	int fd, pinner;

	if (access(SKIP_BREAKS, W_OK))
		SKIP(return, "no CONFIG_DEBUG_VADDR_PIN");
	snprintf(path, sizeof(path), "%s/backstop.%d", dir, getpid());
	fd = create_file_of(path, 8 * ps, 'a');
	ASSERT_LE(0, fd);
	pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, pinner);
	map = mmap(NULL, 8 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	ASSERT_EQ(0, pin(pinner, map + 4 * ps, ps, VADDR_PIN_TEST_WRITE, &id));
	before = debug_count("missed_breaks");
	ASSERT_LE(0, before);

	ASSERT_EQ(0, write_str(SKIP_BREAKS, "1"));
	EXPECT_EQ(0, ftruncate(fd, 2 * ps));
	ASSERT_EQ(0, write_str(SKIP_BREAKS, "0"));
	EXPECT_EQ(before + 1, debug_count("missed_breaks"));
	/* Not revoked: nothing broke it. */
	EXPECT_EQ(VADDR_PIN_TEST_PINNED, pin_state(pinner, id));

	EXPECT_EQ(0, unpin(pinner, id, 0));
	close(pinner);
	munmap(map, 8 * ps);
	close(fd);
	unlink(path);
}

TEST_HARNESS_MAIN
