// SPDX-License-Identifier: GPL-2.0
/*
 * Writeback safety of page cache pinned for write under a layout lease.
 *
 *   writeback_pins -t stress    pin 64 MiB of $VP_TEST_DIR/wb.data for
 *                               write and, for $VP_WB_SECONDS (30), write
 *                               into it from the kernel side (the test
 *                               pinner's FILL, as a device would: no page
 *                               table sees it) while a child runs sync,
 *                               drops the caches and allocates memory until
 *                               reclaim runs; then write once more, unpin
 *                               dirty, fsync, and leave the expected byte
 *                               in wb.expect
 *   writeback_pins -t verify    after guest-tests.sh has unmounted,
 *                               checked and remounted the file system: the
 *                               file holds the last write, every byte
 *   writeback_pins -t pins_are_not_throttled -t only_write_pins_stay_dirty
 *                  -t idle_pinned_cache_is_not_rewritten
 *                               with far more pinned for write than the
 *                               dirty limits, nobody is throttled; folios
 *                               pinned for read are not kept dirty; only
 *                               writeback for data integrity writes
 *                               pinned folios ($VP_IDLE_SECONDS of idle,
 *                               with $VP_FLUSHER_DEFAULTS the system's
 *                               flusher settings, else the busiest)
 *   writeback_pins -t many_pins_of_few_pages_count_once
 *                  -t cgroup_writer_passes_pinned_cache
 *                               the dirty limits leave pinned page cache
 *                               out once per folio, however many pins of
 *                               uid 65534 hold it, and in a memcg's
 *                               writeback domain too
 *   writeback_pins -t leased_pinned_folios_keep_their_buffers
 *                               reclaim does not strip the buffers of a
 *                               DMA-pinned folio of a leased file (ext4)
 *   writeback_pins -t write_pin_is_dirtied_before_it_is_untied
 *                               a pin for write unpinned dirty leaves no
 *                               page dirty without its buffers (ext4)
 *   writeback_pins -t stable_pages_are_not_pinned_for_write
 *                               no pin for write of page cache on a device
 *                               that needs stable pages ($VP_TEST_FS on a
 *                               loop device)
 *   writeback_pins -t pinned_range_is_on_written_blocks
 *                               the tie of a pin for write allocates and
 *                               writes its blocks (holes, preallocation)
 *   writeback_pins -t freeze_writes_nothing_until_thawed
 *                               a frozen $VP_TEST_FS (on a loop device)
 *                               takes no write of pinned page cache, and
 *                               fsync() waits for the thaw
 *   writeback_pins -t fsdax_pinned_range_is_flushed_by_fsync
 *                               on ext4 -o dax and xfs -o dax: fsync()
 *                               flushes what a device wrote through a pin
 *
 * The rest runs on ext4 and xfs (page cache, not DAX).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "vaddr_pin_selftest.h"

#include <linux/fiemap.h>

#ifndef FS_IOC_FIEMAP
#define FS_IOC_FIEMAP	_IOWR('f', 11, struct fiemap)	/* <linux/fs.h> */
#endif
#ifndef FIFREEZE
#define FIFREEZE	_IOWR('X', 119, int)	/* <linux/fs.h> */
#define FITHAW		_IOWR('X', 120, int)
#endif

#define WB_BYTES	(64UL << 20)
#define HOG_BYTES	(768UL << 20)	/* with 2 GiB, enough to reclaim */

static void wb_path(char *path, size_t size, const char *name)
{
	snprintf(path, size, "%s/%s", getenv("VP_TEST_DIR") ?: "/tmp", name);
}

/* Until killed: sync, drop the caches, make reclaim run. */
static void pressure(void)
{
	char *hog;
	int fd;

	for (;;) {
		sync();
		fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
		if (fd >= 0) {
			if (write(fd, "3", 1) != 1)
				_exit(1);
			close(fd);
		}
		hog = mmap(NULL, HOG_BYTES, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (hog != MAP_FAILED) {
			memset(hog, 0x5a, HOG_BYTES);
			munmap(hog, HOG_BYTES);
		}
	}
}

/*
 * How many bytes of [@start, @start + @len) of @path on disk (O_DIRECT)
 * are not @byte; -1 on error.  @start and @len are MiB-aligned.
 */
static long lost_in_range(const char *path, unsigned long start,
			  unsigned long len, unsigned int byte)
{
	long lost = 0, i;
	unsigned long off;
	void *buf;
	int fd;

	if (posix_memalign(&buf, 4096, 1 << 20))
		return -1;
	fd = open(path, O_RDONLY | O_DIRECT);
	if (fd < 0) {
		free(buf);
		return -1;
	}
	for (off = start; off < start + len; off += 1 << 20) {
		if (pread(fd, buf, 1 << 20, off) != 1 << 20) {
			lost = -1;
			break;
		}
		for (i = 0; i < 1 << 20; i++)
			lost += ((unsigned char *)buf)[i] != byte;
	}
	close(fd);
	free(buf);
	return lost;
}

static long lost_on_disk(const char *path, unsigned int byte)
{
	return lost_in_range(path, 0, WB_BYTES, byte);
}

/* $VP_TEST_DIR/@name as @len bytes of zeroes on disk, mapped shared. */
static char *map_new_file(const char *name, size_t len, char *path,
			  size_t size, int *fdp)
{
	char *map;
	int fd;

	wb_path(path, size, name);
	fd = create_zero_file(path, len);
	if (fd < 0 || fsync(fd))
		return MAP_FAILED;
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	*fdp = fd;
	return map;
}

FIXTURE(wb) {};
FIXTURE_SETUP(wb) {}
FIXTURE_TEARDOWN(wb) {}

/* 30 s of pressure, and the setup and the last write: well over 30 s. */
TEST_F_TIMEOUT(wb, stress, 180)
{
	const char *secs = getenv("VP_WB_SECONDS");
	char path[PATH_MAX], expect[PATH_MAX], byte_str[8];
	int fd, pinner, efd, rounds = 0, status;
	unsigned int id, byte = 0;
	time_t end;
	pid_t hog;
	char *map;

	wb_path(expect, sizeof(expect), "wb.expect");
	map = map_new_file("wb.data", WB_BYTES, path, sizeof(path), &fd);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, pinner);
	ASSERT_EQ(0, pin(pinner, map, WB_BYTES, VADDR_PIN_TEST_WRITE, &id));

	hog = fork();
	ASSERT_LE(0, hog);
	if (!hog)
		pressure();
	end = time(NULL) + (secs ? atoi(secs) : 30);
	while (time(NULL) < end) {
		byte = 1 + rounds % 254;
		ASSERT_EQ(0, fill(pinner, id, byte));
		rounds++;
	}
	kill(hog, SIGKILL);
	ASSERT_EQ(hog, waitpid(hog, &status, 0));

	/*
	 * The last write, after all that writeback and reclaim.  Still
	 * pinned, an fsync() must write it: the folios were dirty again
	 * after their last writeback.  O_DIRECT reads what is on disk.
	 */
	byte = 0xa5;
	ASSERT_EQ(0, fill(pinner, id, byte));
	ASSERT_EQ(0, fsync(fd));
	EXPECT_EQ(0, lost_on_disk(path, byte));
	ASSERT_EQ(0, unpin(pinner, id, VADDR_PIN_TEST_DIRTY));
	ASSERT_EQ(0, fsync(fd));
	TH_LOG("%d rounds of 64 MiB written from the kernel side", rounds);
	EXPECT_LE(2, rounds);

	efd = open(expect, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, efd);
	snprintf(byte_str, sizeof(byte_str), "%u\n", byte);
	ASSERT_EQ((ssize_t)strlen(byte_str), write(efd, byte_str, strlen(byte_str)));
	ASSERT_EQ(0, fsync(efd));
	close(efd);
	close(pinner);
	munmap(map, WB_BYTES);
	close(fd);
}

TEST_F_TIMEOUT(wb, verify, 120)
{
	char path[PATH_MAX], expect[PATH_MAX], *buf;
	unsigned long off, bad = 0, first_bad = 0;
	unsigned int byte;
	FILE *f;
	ssize_t n;
	int fd;

	wb_path(path, sizeof(path), "wb.data");
	wb_path(expect, sizeof(expect), "wb.expect");
	f = fopen(expect, "r");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(1, fscanf(f, "%u", &byte));
	fclose(f);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	buf = malloc(1 << 20);
	ASSERT_NE(NULL, buf);
	for (off = 0; off < WB_BYTES; off += n) {
		unsigned long i;

		n = pread(fd, buf, 1 << 20, off);
		ASSERT_LT(0, n);
		for (i = 0; i < (unsigned long)n; i++)
			if ((unsigned char)buf[i] != byte && !bad++)
				first_bad = off + i;
	}
	EXPECT_EQ(0, bad) TH_LOG("%lu bytes lost, the first at %lu", bad,
				 first_bad);
	free(buf);
	close(fd);
	unlink(path);
	unlink(expect);
}

/* Value of field @name in a bdi's debugfs stats, in @base; -1 if none. */
static long bdi_stat(const char *stats, const char *name, int base)
{
	size_t len = strlen(name);
	char line[128];
	long v = -1;
	FILE *f;

	f = fopen(stats, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, len) && line[len] == ':') {
			v = strtol(line + len + 1, NULL, base);
			break;
		}
	fclose(f);
	return v;
}

static long read_long(const char *path)
{
	long v = -1;
	FILE *f = fopen(path, "r");

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int write_long(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -1;
	ret = fprintf(f, "%ld\n", v) > 0 ? 0 : -1;
	return fclose(f) ? -1 : ret;
}

/* A dirty-limit sysctl pair: bytes, or a ratio when bytes is 0. */
struct dirty_sysctl {
	const char *bytes, *ratio;
	long saved_bytes, saved_ratio;
};

/* Set @d to @v bytes, or to a ratio of @v percent with @ratio. */
static int dirty_sysctl_set(struct dirty_sysctl *d, bool ratio, long v)
{
	d->saved_bytes = read_long(d->bytes);
	d->saved_ratio = read_long(d->ratio);
	if (d->saved_bytes < 0 || d->saved_ratio < 0)
		return -1;
	return write_long(ratio ? d->ratio : d->bytes, v);
}

/* Writing one of the two clears the other. */
static void dirty_sysctl_restore(struct dirty_sysctl *d)
{
	if (d->saved_bytes > 0)
		write_long(d->bytes, d->saved_bytes);
	else if (d->saved_ratio >= 0)
		write_long(d->ratio, d->saved_ratio);
}

/*
 * Dirty limits far below what the tests pin, and back: 4 MiB to start
 * background writeback, 16 MiB to throttle writers.
 */
FIXTURE(limits) {
	struct dirty_sysctl bg, dirty;
};

FIXTURE_SETUP(limits)
{
	self->bg = (struct dirty_sysctl){
		"/proc/sys/vm/dirty_background_bytes",
		"/proc/sys/vm/dirty_background_ratio",
	};
	self->dirty = (struct dirty_sysctl){
		"/proc/sys/vm/dirty_bytes", "/proc/sys/vm/dirty_ratio",
	};
	ASSERT_EQ(0, dirty_sysctl_set(&self->dirty, false, 16L << 20));
	ASSERT_EQ(0, dirty_sysctl_set(&self->bg, false, 4L << 20));
}

FIXTURE_TEARDOWN(limits)
{
	dirty_sysctl_restore(&self->bg);
	dirty_sysctl_restore(&self->dirty);
}

/* The debugfs stats of the bdi under @fd's file system. */
static void bdi_stats_path(int fd, char *path, size_t size)
{
	struct stat st;

	if (fstat(fd, &st))
		st.st_dev = 0;
	snprintf(path, size, "/sys/kernel/debug/bdi/%u:%u/stats",
		 major(st.st_dev), minor(st.st_dev));
}

/*
 * Page cache pinned for write is dirty for as long as it is pinned.
 * Counted against the dirty limits, 64 MiB of it would be four times
 * the 16 MiB limit: the pin's own write faults, and any writer after
 * them, would be throttled for ever (the harness timeout).  Left out,
 * the pin completes and so does a 32 MiB write(2) of another file.
 */
TEST_F_TIMEOUT(limits, pins_are_not_throttled, 120)
{
	char path[PATH_MAX], other[PATH_MAX];
	unsigned int id;
	int fd, ofd, pinner;
	char *map;

	map = map_new_file("limits.data", WB_BYTES, path, sizeof(path), &fd);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, pinner);
	ASSERT_EQ(0, pin(pinner, map, WB_BYTES, VADDR_PIN_TEST_WRITE, &id));
	ASSERT_EQ(0, fill(pinner, id, 0x5e));

	wb_path(other, sizeof(other), "limits.other");
	ofd = create_file_of(other, WB_BYTES / 2, 0x77);
	ASSERT_LE(0, ofd);
	ASSERT_EQ(0, fsync(ofd));
	close(ofd);
	unlink(other);

	ASSERT_EQ(0, unpin(pinner, id, VADDR_PIN_TEST_DIRTY));
	ASSERT_EQ(0, fsync(fd));
	EXPECT_EQ(0, lost_on_disk(path, 0x5e));
	close(pinner);
	munmap(map, WB_BYTES);
	close(fd);
	unlink(path);
}

/*
 * Only page cache pinned for write is kept dirty.  Half a file pinned
 * for read, half for write, both tied to the lease; after one fsync()
 * a second one writes the write-pinned half again (dirty again after
 * its writeback) and not the read-pinned half (clean).  Give the
 * journal or log 1 MiB.
 */
TEST(only_write_pins_stay_dirty)
{
	const size_t half = 8UL << 20;
	char path[PATH_MAX], stats[PATH_MAX];
	unsigned int rid, wid;
	long before, written;
	int fd, pinner;
	char *map;

	map = map_new_file("halves.data", 2 * half, path, sizeof(path), &fd);
	ASSERT_NE(MAP_FAILED, map);
	bdi_stats_path(fd, stats, sizeof(stats));
	ASSERT_EQ(0, fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, pinner);
	ASSERT_EQ(0, pin(pinner, map, half, 0, &rid));
	ASSERT_EQ(0, pin(pinner, map + half, half, VADDR_PIN_TEST_WRITE,
			 &wid));
	/*
	 * Dirty all of it through the page tables, so that the first
	 * fsync() writes the read-pinned half too: a half left clean by the
	 * flusher before it would never be asked whether to stay dirty.
	 */
	memset(map, 0x11, 2 * half);

	ASSERT_EQ(0, fsync(fd));
	before = bdi_stat(stats, "BdiWritten", 10);
	ASSERT_LE(0, before) TH_LOG("no %s", stats);
	ASSERT_EQ(0, fsync(fd));
	written = bdi_stat(stats, "BdiWritten", 10) - before;
	TH_LOG("the second fsync wrote %ld kB", written);
	EXPECT_LE((long)(half >> 10), written);
	EXPECT_GT((long)((half + (1UL << 20)) >> 10), written);

	ASSERT_EQ(0, unpin(pinner, rid, 0));
	ASSERT_EQ(0, unpin(pinner, wid, VADDR_PIN_TEST_DIRTY));
	close(pinner);
	munmap(map, 2 * half);
	close(fd);
	unlink(path);
}

/* ===== What the dirty limits leave out ===== */

/*
 * The dirty limits as ratios of the dirtyable memory (the kernel's
 * defaults, 20% and 10%), and back: what pins take out of that memory
 * moves the thresholds, in the global domain and in a memcg's.
 */
FIXTURE(ratios) {
	struct dirty_sysctl bg, dirty;
};

FIXTURE_SETUP(ratios)
{
	self->bg = (struct dirty_sysctl){
		"/proc/sys/vm/dirty_background_bytes",
		"/proc/sys/vm/dirty_background_ratio",
	};
	self->dirty = (struct dirty_sysctl){
		"/proc/sys/vm/dirty_bytes", "/proc/sys/vm/dirty_ratio",
	};
	ASSERT_EQ(0, dirty_sysctl_set(&self->dirty, true, 20));
	ASSERT_EQ(0, dirty_sysctl_set(&self->bg, true, 10));
}

FIXTURE_TEARDOWN(ratios)
{
	dirty_sysctl_restore(&self->bg);
	dirty_sysctl_restore(&self->dirty);
}

#define HOLDERS		16
#define PINS_EACH	2048	/* of one page: 8 MiB, RLIMIT_MEMLOCK's default */

/*
 * In a child: become uid 65534 with the default RLIMIT_MEMLOCK and pin
 * one page PINS_EACH times for write, of a leased file of its own in
 * @dir, or of anonymous memory if @dir is NULL.  Says so on @ready, and
 * exits once @go is closed: its pinner unpins.
 */
static void hold_one_page(const char *dir, int ready, int go)
{
	struct rlimit lim = { 8UL << 20, 8UL << 20 };
	long ps = sysconf(_SC_PAGESIZE);
	char path[PATH_MAX], c = 0;
	int pinner, fd, i;
	char *map;

	pinner = open(PINNER, O_RDWR);
	if (pinner < 0 || setrlimit(RLIMIT_MEMLOCK, &lim) || become_nobody())
		_exit(1);
	if (dir) {
		snprintf(path, sizeof(path), "%s/one-page.%d", dir, getpid());
		fd = create_file_of(path, ps, 0x42);
		if (fd < 0 || fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT))
			_exit(2);
		map = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	} else {
		map = mmap(NULL, ps, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	if (map == MAP_FAILED)
		_exit(3);
	map[0] = 1;
	for (i = 0; i < PINS_EACH; i++)
		if (pin(pinner, map, ps, VADDR_PIN_TEST_WRITE, NULL))
			_exit(4);
	if (write(ready, &c, 1) != 1 || read(go, &c, 1) < 0)
		_exit(5);
	_exit(0);
}

/*
 * How far nr_dirty_threshold falls while HOLDERS children hold their
 * pins (hold_one_page()); *@pinned is nr_dirty_pinned meanwhile.
 */
static long threshold_drop(struct __test_metadata *_metadata,
			   const char *dir, long *pinned)
{
	int ready[2], go[2], i, status;
	pid_t pids[HOLDERS];
	long before, during;
	char c;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	before = vmstat("nr_dirty_threshold");
	ASSERT_LT(0, before);
	for (i = 0; i < HOLDERS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i]) {
			close(ready[0]);
			close(go[1]);
			hold_one_page(dir, ready[1], go[0]);
		}
	}
	close(ready[1]);
	close(go[0]);
	for (i = 0; i < HOLDERS; i++)
		ASSERT_EQ(1, read(ready[0], &c, 1)) TH_LOG("a holder failed");
	during = vmstat("nr_dirty_threshold");
	*pinned = vmstat("nr_dirty_pinned");
	close(go[1]);
	for (i = 0; i < HOLDERS; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
			TH_LOG("holder %d: status %#x", i, status);
	}
	close(ready[0]);
	return before - during;
}

/*
 * A folio pinned for write counts once in what the dirty limits leave
 * out, however many pins hold it.  Sixteen processes of uid 65534, each
 * within its 8 MiB of RLIMIT_MEMLOCK, pin one page of their own leased
 * file 2048 times each: 32768 pins of 16 pages.  nr_dirty_pinned is 16,
 * and nr_dirty_threshold falls by what the same pins of anonymous
 * memory take (the kernel memory of the pins) and the 16 pages, within
 * 3072 pages of noise (up to 873 seen).  Counted per pin, it would fall
 * by a fifth of 32768 pages more (dirty_ratio 20): 6553.
 */
TEST_F_TIMEOUT(ratios, many_pins_of_few_pages_count_once, 300)
{
	long anon, file, anon_pinned, pinned;
	char dir[PATH_MAX], cmd[PATH_MAX + 16];

	wb_path(dir, sizeof(dir), "count-once");
	ASSERT_EQ(0, mkdir(dir, 0777));
	ASSERT_EQ(0, chmod(dir, 0777));
	anon = threshold_drop(_metadata, NULL, &anon_pinned);
	file = threshold_drop(_metadata, dir, &pinned);
	TH_LOG("nr_dirty_threshold fell by %ld pages (anonymous) and %ld (file); nr_dirty_pinned %ld",
	       anon, file, pinned);
	EXPECT_EQ(0, anon_pinned);
	EXPECT_EQ(HOLDERS, pinned);
	EXPECT_GE(HOLDERS + 3072, file - anon);
	EXPECT_EQ(0, vmstat("nr_dirty_pinned"));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	EXPECT_EQ(0, system(cmd));
}

#define CGROUP		"/sys/fs/cgroup"
#define CGROUP_WB	CGROUP "/vp-writeback"

#define CG_PINNED	(96UL << 20)

/* A cgroup v2 of 256 MiB with its own memcg and writeback. */
static int cgroup_make(void)
{
	mkdir(CGROUP, 0755);
	if (access(CGROUP "/cgroup.controllers", F_OK) &&
	    mount("cgroup2", CGROUP, "cgroup2", 0, NULL))
		return -1;
	if (write_str(CGROUP "/cgroup.subtree_control", "+memory +io") ||
	    (mkdir(CGROUP_WB, 0755) && errno != EEXIST))
		return -1;
	return write_str(CGROUP_WB "/memory.max", "256M");
}

static int cgroup_enter(void)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", getpid());
	return write_str(CGROUP_WB "/cgroup.procs", pid);
}

/* A field of the cgroup's memory.stat, or -1. */
static long cgroup_stat(const char *name)
{
	return keyed_value(CGROUP_WB "/memory.stat", name);
}

/*
 * In the cgroup: pin CG_PINNED of a new file for write and write to it as
 * a device; say so on @ready; once @go is closed, unpin dirty and fsync.
 */
static void cgroup_pin(int ready, int go)
{
	char path[PATH_MAX], c = 0;
	unsigned int id;
	int fd, pinner;
	char *map;

	if (cgroup_enter())
		_exit(1);
	map = map_new_file("cgroup.pinned", CG_PINNED, path, sizeof(path), &fd);
	pinner = open(PINNER, O_RDWR);
	if (map == MAP_FAILED || pinner < 0 ||
	    fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT) ||
	    pin(pinner, map, CG_PINNED, VADDR_PIN_TEST_WRITE, &id) ||
	    fill(pinner, id, 0x2d))
		_exit(2);
	if (write(ready, &c, 1) != 1 || read(go, &c, 1) < 0)
		_exit(3);
	if (unpin(pinner, id, VADDR_PIN_TEST_DIRTY) || fsync(fd) ||
	    lost_on_disk(path, 0x2d))
		_exit(4);
	unlink(path);
	_exit(0);
}

/*
 * In the cgroup: write WB_BYTES / 2 to a new file, 1 MiB at a time (no
 * large buffer to charge), and fsync() it; exits 0 if all went well.
 */
static void cgroup_write(const char *path)
{
	static char buf[1 << 20];
	size_t done;
	int fd;

	if (cgroup_enter())
		_exit(1);
	memset(buf, 0x77, sizeof(buf));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	for (done = 0; fd >= 0 && done < WB_BYTES / 2; done += sizeof(buf))
		if (write(fd, buf, sizeof(buf)) != sizeof(buf))
			_exit(2);
	_exit(fd < 0 || fsync(fd) ? 3 : 0);
}

/*
 * A memcg's writeback domain leaves page cache pinned for write out too.
 * In a cgroup of 256 MiB, whose dirty limit is a fifth of what it may
 * dirty (about 48 MiB, counting what is pinned), one process pins 96 MiB
 * of page cache for write.  Counted, it would keep the cgroup over its
 * limit for ever, and every other writer in it would be throttled until
 * killed.  Left out, a 32 MiB write(2) and fsync() in the cgroup finish
 * within 60 s.
 */
TEST_F_TIMEOUT(ratios, cgroup_writer_passes_pinned_cache, 240)
{
	int ready[2], go[2], status, i;
	char other[PATH_MAX], c;
	pid_t holder, writer;
	long pinned;

	ASSERT_EQ(0, cgroup_make());
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	holder = fork();
	ASSERT_LE(0, holder);
	if (!holder) {
		close(ready[0]);
		close(go[1]);
		cgroup_pin(ready[1], go[0]);
	}
	close(ready[1]);
	close(go[0]);
	ASSERT_EQ(1, read(ready[0], &c, 1)) TH_LOG("the pinner failed");
	pinned = cgroup_stat("file_dirty_pinned");
	TH_LOG("file_dirty_pinned %ld kB, file_dirty %ld kB", pinned >> 10,
	       cgroup_stat("file_dirty") >> 10);
	/* Its counters may lag by a batch per CPU. */
	EXPECT_GE((long)CG_PINNED, pinned);
	EXPECT_LE((long)CG_PINNED - (1L << 20), pinned);

	wb_path(other, sizeof(other), "cgroup.other");
	writer = fork();
	ASSERT_LE(0, writer);
	if (!writer)
		cgroup_write(other);
	for (i = 0; i < 600; i++) {
		if (waitpid(writer, &status, WNOHANG) == writer)
			break;
		usleep(100000);
	}
	if (i == 600) {
		kill(writer, SIGKILL);
		waitpid(writer, &status, 0);
	}
	EXPECT_GT(600, i) TH_LOG("the writer was throttled for 60 s");
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("writer: status %#x", status);
	TH_LOG("the writer took %d ms", i * 100);
	unlink(other);

	close(go[1]);
	ASSERT_EQ(holder, waitpid(holder, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("pinner: status %#x", status);
	close(ready[0]);
	EXPECT_EQ(0, rmdir(CGROUP_WB));
}

/*
 * A new $VP_TEST_FS of @mib MiB on a loop device over @img, mounted at
 * @mnt, with queue/stable_writes set if @stable; the device ("/dev/loopN")
 * in @loop.
 */
static int loop_fs_make(const char *img, const char *mnt, int mib,
			bool stable, char *loop, size_t size)
{
	const char *fs = getenv("VP_TEST_FS") ?: "ext4";
	char cmd[512];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "truncate -s %dM %s && losetup -f --show %s",
		 mib, img, img);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	if (!fgets(loop, size, f))
		loop[0] = 0;
	pclose(f);
	loop[strcspn(loop, "\n")] = 0;
	if (strncmp(loop, "/dev/", 5))
		return -1;
	/*
	 * ext4 initialises its inode tables and journal at mkfs time, not
	 * from a kernel thread after the mount: the tests count what the
	 * device is written.
	 */
	snprintf(cmd, sizeof(cmd),
		 "echo %d > /sys/block/%s/queue/stable_writes && mkfs.%s -q %s %s && mkdir -p %s && mount %s %s",
		 stable, loop + 5, fs,
		 strcmp(fs, "xfs") ?
		 "-F -E lazy_itable_init=0,lazy_journal_init=0" : "-f",
		 loop, mnt, loop, mnt);
	return system(cmd) ? -1 : 0;
}

/* Unmount @mnt and check the file system on @loop: 0 if clean. */
static int loop_fs_fsck(const char *mnt, const char *loop)
{
	const char *fs = getenv("VP_TEST_FS") ?: "ext4";
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "umount %s && %s %s", mnt,
		 strcmp(fs, "xfs") ? "e2fsck -fn" : "xfs_repair -n", loop);
	return system(cmd) ? -1 : 0;
}

/*
 * Undo loop_fs_make(), mounted or not; loop devices are reused, so this
 * one is left as it was.  0 if all went well.
 */
static int loop_fs_remove(const char *img, const char *mnt, const char *loop)
{
	char cmd[512];

	if (strncmp(loop, "/dev/", 5))
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "{ ! mountpoint -q %s || umount %s; } && echo 0 > /sys/block/%s/queue/stable_writes && losetup -d %s && rm -f %s",
		 mnt, mnt, loop + 5, loop, img);
	return system(cmd) ? -1 : 0;
}

/*
 * A backing device that needs stable pages during writeback (integrity
 * checksums, some RAID levels) cannot have page cache that a device
 * writes at any time: pins for write of it fail with EOPNOTSUPP, pins
 * for read work.  A loop device with queue/stable_writes set, and
 * $VP_TEST_FS on it.
 */
TEST(stable_pages_are_not_pinned_for_write)
{
	const char *img = "/tmp/vp-stable.img", *mnt = "/tmp/vp-stable";
	char loop[64] = "", path[PATH_MAX];
	long ps = sysconf(_SC_PAGESIZE);
	unsigned int id;
	int fd, pinner;
	char *map;

	ASSERT_EQ(0, loop_fs_make(img, mnt, 320, true, loop, sizeof(loop)));
	snprintf(path, sizeof(path), "%s/stable", mnt);
	fd = create_file_of(path, 4 * ps, 0x61);
	ASSERT_LE(0, fd);
	map = mmap(NULL, 4 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, pinner);
	EXPECT_EQ(-1, pin(pinner, map, 4 * ps, VADDR_PIN_TEST_WRITE, &id));
	EXPECT_EQ(EOPNOTSUPP, errno);
	ASSERT_EQ(0, pin(pinner, map, 4 * ps, 0, &id));
	EXPECT_EQ(0, unpin(pinner, id, 0));
	close(pinner);
	munmap(map, 4 * ps);
	close(fd);
	EXPECT_EQ(0, loop_fs_remove(img, mnt, loop));
}

/* Sectors written to the block device /dev/@name, or -1. */
static long sectors_written(const char *name)
{
	char path[128];
	long v[7];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/sys/block/%s/stat", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fscanf(f, "%ld %ld %ld %ld %ld %ld %ld", &v[0], &v[1], &v[2],
		   &v[3], &v[4], &v[5], &v[6]);
	fclose(f);
	return n == 7 ? v[6] : -1;
}

/* Does a kernel message read from @kmsg from now on contain @what? */
static bool kmsg_has(int kmsg, const char *what)
{
	char rec[2048];
	bool found = false;
	ssize_t n;

	for (;;) {
		n = read(kmsg, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)	/* overwritten: go on */
			continue;
		if (n <= 0)
			return found;
		rec[n] = 0;
		found |= !!strstr(rec, what);
	}
}

#define HUNG_TIMEOUT	"/proc/sys/kernel/hung_task_timeout_secs"
#define HUNG_WARNINGS	"/proc/sys/kernel/hung_task_warnings"
#define WB_INTERVAL	"/proc/sys/vm/dirty_writeback_centisecs"
#define WB_EXPIRE	"/proc/sys/vm/dirty_expire_centisecs"
#define LOOP_IMG	"/tmp/vp-loopfs.img"
#define LOOP_MNT	"/tmp/vp-loopfs"

/*
 * $VP_TEST_FS of 640 MiB on its own loop device at LOOP_MNT, whose
 * writes nothing else adds to, and the flusher every second with
 * everything expired after one: the most writeback there is without a
 * sync (the system's settings with $VP_FLUSHER_DEFAULTS).  Shared with
 * the parent, which tears it down however the test ended: thawed,
 * unmounted, detached, the settings as they were.
 */
FIXTURE(loopfs) {
	char loop[64], interval[32], expire[32], hung[32], warnings[32];
};

FIXTURE_SETUP(loopfs)
{
	bool keep = getenv("VP_FLUSHER_DEFAULTS");

	ASSERT_EQ(0, swap_setting(WB_INTERVAL, keep ? "500" : "100",
				  self->interval, sizeof(self->interval)));
	ASSERT_EQ(0, swap_setting(WB_EXPIRE, keep ? "3000" : "100",
				  self->expire, sizeof(self->expire)));
	ASSERT_EQ(0, loop_fs_make(LOOP_IMG, LOOP_MNT, 640, false, self->loop,
				  sizeof(self->loop)));
}

FIXTURE_TEARDOWN_PARENT(loopfs)
{
	char old[32];
	int fd;

	fd = open(LOOP_MNT, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		ioctl(fd, FITHAW, 0);	/* EINVAL if not frozen */
		close(fd);
	}
	if (self->loop[0])
		loop_fs_remove(LOOP_IMG, LOOP_MNT, self->loop);
	if (self->hung[0]) {
		swap_setting(HUNG_TIMEOUT, self->hung, old, sizeof(old));
		swap_setting(HUNG_WARNINGS, self->warnings, old, sizeof(old));
	}
	if (self->expire[0])
		swap_setting(WB_EXPIRE, self->expire, old, sizeof(old));
	if (self->interval[0])
		swap_setting(WB_INTERVAL, self->interval, old, sizeof(old));
}

/*
 * Only writeback for data integrity writes page cache pinned for write:
 * idle, it costs no device writes.  64 MiB and then 256 MiB of a file,
 * pinned for write and written by the device: the pin's tie writes it
 * once, and then, once the dirtying has expired, the flusher writes at
 * most 1 MiB (the journal or log) in $VP_IDLE_SECONDS (10).  Periodic
 * writeback would write a chunk of it at each wakeup.  An fsync() then
 * writes all of it.
 */
TEST_F_TIMEOUT(loopfs, idle_pinned_cache_is_not_rewritten, 600)
{
	static const unsigned long sizes[] = { 64UL << 20, 256UL << 20 };
	long secs = env_or("VP_IDLE_SECONDS", 10), before, written;
	const char *dev = self->loop + 5;
	char path[PATH_MAX];
	unsigned int id, i;
	int fd, pinner;
	char *map;

	snprintf(path, sizeof(path), "%s/idle", LOOP_MNT);
	pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, pinner);
	for (i = 0; i < 2; i++) {
		fd = create_zero_file(path, sizes[i]);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, fsync(fd));
		map = mmap(NULL, sizes[i], PROT_READ | PROT_WRITE, MAP_SHARED,
			   fd, 0);
		ASSERT_NE(MAP_FAILED, map);
		ASSERT_EQ(0, fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
		before = sectors_written(dev);
		ASSERT_EQ(0, pin(pinner, map, sizes[i], VADDR_PIN_TEST_WRITE,
				 &id));
		written = (sectors_written(dev) - before) / 2;
		TH_LOG("the tie of %lu MiB wrote %ld kB", sizes[i] >> 20,
		       written);
		ASSERT_EQ(0, fill(pinner, id, 0x4b));
		/* Until the pin's dirtying has expired, and a wakeup more. */
		sleep(getenv("VP_FLUSHER_DEFAULTS") ? 36 : 3);
		before = sectors_written(dev);
		sleep(secs);
		written = (sectors_written(dev) - before) / 2;
		TH_LOG("%lu MiB pinned for write, idle: %ld kB written in %ld s, %ld kB per minute",
		       sizes[i] >> 20, written, secs, written * 60 / secs);
		EXPECT_GE(1024, written);

		before = sectors_written(dev);
		ASSERT_EQ(0, fsync(fd));
		written = (sectors_written(dev) - before) / 2;
		EXPECT_LE((long)(sizes[i] >> 10), written)
			TH_LOG("fsync() wrote %ld kB", written);
		EXPECT_EQ(0, lost_in_range(path, 0, sizes[i], 0x4b));
		EXPECT_EQ(0, unpin(pinner, id, VADDR_PIN_TEST_DIRTY));
		ASSERT_EQ(0, fsync(fd));
		munmap(map, sizes[i]);
		close(fd);
		unlink(path);
	}
	close(pinner);
}

/*
 * Bytes of [0, @len) of @fd that FIEMAP maps to written blocks: in an
 * extent neither delayed (no block yet) nor unwritten.  -1 on error.
 */
static long bytes_on_written_blocks(int fd, size_t len)
{
	struct fiemap *fm;
	long bytes = 0;
	unsigned int i;

	fm = calloc(1, sizeof(*fm) + 64 * sizeof(struct fiemap_extent));
	if (!fm)
		return -1;
	fm->fm_length = len;
	fm->fm_extent_count = 64;
	if (ioctl(fd, FS_IOC_FIEMAP, fm)) {
		free(fm);
		return -1;
	}
	for (i = 0; i < fm->fm_mapped_extents; i++) {
		struct fiemap_extent *e = &fm->fm_extents[i];

		if (!(e->fe_flags & (FIEMAP_EXTENT_DELALLOC |
				     FIEMAP_EXTENT_UNWRITTEN)) &&
		    e->fe_logical < len)
			bytes += (e->fe_logical + e->fe_length < len ?
				  e->fe_logical + e->fe_length : len) -
				 e->fe_logical;
	}
	free(fm);
	return bytes;
}

/*
 * Writeback that asks for no data integrity passes over page cache
 * pinned for write, so it would never allocate a delayed block under a
 * pin, nor convert an unwritten one: the pin's tie writes its range once.
 * A file of 2 MiB, its first half a hole, its second preallocated
 * (unwritten), pinned for write: all of it is on written blocks at once.
 */
TEST_F(loopfs, pinned_range_is_on_written_blocks)
{
	const size_t len = 2UL << 20;
	char path[PATH_MAX];
	unsigned int id;
	int fd, pinner;
	char *map;

	snprintf(path, sizeof(path), "%s/holes", LOOP_MNT);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, len));
	ASSERT_EQ(0, fallocate(fd, 0, len / 2, len / 2));
	EXPECT_EQ(0, bytes_on_written_blocks(fd, len));
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, pinner);
	ASSERT_EQ(0, pin(pinner, map, len, VADDR_PIN_TEST_WRITE, &id));
	EXPECT_EQ((long)len, bytes_on_written_blocks(fd, len));
	EXPECT_EQ(0, unpin(pinner, id, VADDR_PIN_TEST_DIRTY));
	close(pinner);
	munmap(map, len);
	close(fd);
	unlink(path);
}

/*
 * A frozen file system stays frozen under page cache pinned for write.
 * A file of 8 MiB, pinned for write in two halves and written.  Frozen
 * (FIFREEZE, as fsfreeze -f), a device writes to both halves, the second
 * is then unpinned dirty, and for 6 s the flusher runs every second with
 * everything expired, sync(2) runs, and a child calls fsync().  Nothing
 * reaches the device, the fsync() waits (killably: no hung-task report at
 * a 2 s timeout).  Once thawed, the fsync() returns 0 and both halves
 * hold on disk what the device wrote; fsck finds the file system clean.
 */
TEST_F_TIMEOUT(loopfs, freeze_writes_nothing_until_thawed, 180)
{
	const size_t half = 4UL << 20;
	const char *dev = self->loop + 5;
	long before, during, after;
	int fd, pinner, mfd, kmsg, status;
	char path[PATH_MAX];
	unsigned int a, b;
	pid_t syncer;
	char *map;

	snprintf(path, sizeof(path), "%s/frozen", LOOP_MNT);
	fd = create_file_of(path, 2 * half, 0x31);
	ASSERT_LE(0, fd);
	map = mmap(NULL, 2 * half, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, pinner);
	ASSERT_EQ(0, pin(pinner, map, half, VADDR_PIN_TEST_WRITE, &a));
	ASSERT_EQ(0, pin(pinner, map + half, half, VADDR_PIN_TEST_WRITE, &b));
	ASSERT_EQ(0, fill(pinner, a, 0x32));
	ASSERT_EQ(0, fill(pinner, b, 0x32));
	ASSERT_EQ(0, fsync(fd));
	ASSERT_EQ(0, swap_setting(HUNG_WARNINGS, "-1", self->warnings,
				  sizeof(self->warnings)));
	ASSERT_EQ(0, swap_setting(HUNG_TIMEOUT, "2", self->hung,
				  sizeof(self->hung)));
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, kmsg);
	lseek(kmsg, 0, SEEK_END);
	mfd = open(LOOP_MNT, O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, mfd);

	ASSERT_EQ(0, ioctl(mfd, FIFREEZE, 0));
	before = sectors_written(dev);
	EXPECT_EQ(0, fill(pinner, a, 0x33));
	EXPECT_EQ(0, fill(pinner, b, 0x34));
	EXPECT_EQ(0, unpin(pinner, b, VADDR_PIN_TEST_DIRTY));
	syncer = fork();
	ASSERT_LE(0, syncer);
	if (!syncer)
		_exit(fsync(fd) ? errno : 0);
	sync();
	sleep(6);
	during = sectors_written(dev);
	EXPECT_EQ(0, waitpid(syncer, &status, WNOHANG))
		TH_LOG("fsync() returned while frozen");
	EXPECT_EQ(before, during) TH_LOG("%ld sectors written while frozen",
					 during - before);
	ASSERT_EQ(0, ioctl(mfd, FITHAW, 0));

	ASSERT_EQ(syncer, waitpid(syncer, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("fsync(): status %#x", status);
	after = sectors_written(dev);
	EXPECT_LT(during, after) TH_LOG("nothing written after the thaw");
	EXPECT_EQ(0, lost_in_range(path, 0, half, 0x33));
	EXPECT_EQ(0, lost_in_range(path, half, half, 0x34));
	EXPECT_FALSE(kmsg_has(kmsg, "blocked for more than"));
	close(kmsg);

	EXPECT_EQ(0, unpin(pinner, a, VADDR_PIN_TEST_DIRTY));
	close(pinner);
	munmap(map, 2 * half);
	close(fd);
	close(mfd);
	EXPECT_EQ(0, loop_fs_fsck(LOOP_MNT, self->loop));
}

/* How many pages of pin @id keep their buffers when asked to drop them. */
static long buffers_kept(int pinner, unsigned int id)
{
	struct vaddr_pin_test_release arg = { .id = id };

	return ioctl(pinner, VADDR_PIN_TEST_IOC_RELEASE, &arg) ? -1 : arg.kept;
}

/*
 * Between its GUP and its tie, a pin for write is a DMA pin of a leased
 * file that writeback does not keep dirty yet: if reclaim or invalidation
 * stripped a clean folio's buffers then, the tie would dirty a folio
 * without them (ext4: "page without buffers").  A pin for read of a
 * leased file stands for it: its clean folios, asked to drop their
 * buffers as reclaim would, keep them.  Without a lease they drop them,
 * as in stock.  ext4 (xfs keeps no state in one-block folios).
 */
TEST(leased_pinned_folios_keep_their_buffers)
{
	const long pages = 16, ps = sysconf(_SC_PAGESIZE);
	char path[PATH_MAX];
	unsigned int id;
	int fd, pinner;
	char *map;

	wb_path(path, sizeof(path), "buffers.data");
	/* Written through write(2): each folio gets its buffers. */
	fd = create_file_of(path, pages * ps, 0x6b);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fsync(fd));
	map = mmap(NULL, pages * ps, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, pinner);

	ASSERT_EQ(0, fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	ASSERT_EQ(0, pin(pinner, map, pages * ps, 0, &id));
	EXPECT_EQ(pages, buffers_kept(pinner, id));
	EXPECT_EQ(0, unpin(pinner, id, 0));
	ASSERT_EQ(0, fcntl(fd, F_SETLEASE, F_UNLCK));

	ASSERT_EQ(0, pin(pinner, map, pages * ps, 0, &id));
	EXPECT_EQ(0, buffers_kept(pinner, id));
	EXPECT_EQ(0, unpin(pinner, id, 0));

	close(pinner);
	munmap(map, pages * ps);
	close(fd);
	unlink(path);
}

/* ===== Large folios ===== */

#define KPF_COMPOUND_HEAD	15	/* <linux/kernel-page-flags.h> */
#define KPF_COMPOUND_TAIL	16

/* The page frame mapped at @addr, faulted in first, or 0. */
static unsigned long pfn_of(const char *addr)
{
	long ps = sysconf(_SC_PAGESIZE);
	unsigned long long entry = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	ssize_t n = -1;

	(void)*(volatile const char *)addr;
	if (fd >= 0) {
		n = pread(fd, &entry, sizeof(entry),
			  (unsigned long)addr / ps * sizeof(entry));
		close(fd);
	}
	if (n != sizeof(entry) || !(entry >> 63))
		return 0;
	return entry & ((1ULL << 55) - 1);
}

/* The /proc/kpageflags bits of the page mapped at @addr; false if unknown. */
static bool page_flags(const char *addr, unsigned long long *flags)
{
	unsigned long pfn = pfn_of(addr);
	int fd = open("/proc/kpageflags", O_RDONLY);
	ssize_t n = -1;

	if (fd >= 0 && pfn)
		n = pread(fd, flags, sizeof(*flags), pfn * sizeof(*flags));
	if (fd >= 0)
		close(fd);
	return n == sizeof(*flags);
}

/*
 * Where the page mapped at @addr is in its folio: 0 alone (a small folio),
 * 1 the head of a large one, 2 a tail; -1 if unknown.
 */
static int folio_part(const char *addr)
{
	unsigned long long flags;

	if (!page_flags(addr, &flags))
		return -1;
	if (flags & (1ULL << KPF_COMPOUND_TAIL))
		return 2;
	return !!(flags & (1ULL << KPF_COMPOUND_HEAD));
}

/*
 * A pin for write of part of a large folio keeps all of the folio dirty
 * and out of the dirty limits, so it must be charged for all it keeps: the
 * folio is split first, and one that cannot be split is charged whole.  A
 * 4 MiB file written at once gets large folios (xfs).  A pin for write of
 * one page in its second MiB finds that page alone in its folio: one page
 * in nr_dirty_pinned, one in VmPin.  In its fourth MiB, a pin for read of
 * one page keeps its large folio whole; a pin for write of the next page
 * then counts the whole folio, and is charged at least as much.  Out of
 * the page cache, the 2 MiB folio that GUP's fault reads in for
 * MADV_HUGEPAGE is split after GUP: one page again.  xfs.
 */
TEST(part_of_a_large_folio_is_charged_for_what_it_keeps)
{
	const size_t len = 4UL << 20;
	long ps = sysconf(_SC_PAGESIZE);
	long dirty0, charged0, dirty, charged, splits;
	char path[PATH_MAX], *map, *page;
	unsigned int wid, rid;
	int fd, pinner;

	if (strcmp(getenv("VP_TEST_FS") ?: "", "xfs"))
		SKIP(return, "ext4 makes no large folios in 6.12");
	wb_path(path, sizeof(path), "large.data");
	fd = create_file_of(path, len, 0x4c);
	ASSERT_LE(0, fd);
	/* The flusher holds no reference on its folios meanwhile. */
	ASSERT_EQ(0, fsync(fd));
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, pinner);
	dirty0 = vmstat("nr_dirty_pinned");
	charged0 = vm_pin_pages();
	ASSERT_LE(0, dirty0);
	ASSERT_LE(0, charged0);

	page = map + (1UL << 20) + 5 * ps;
	ASSERT_LT(0, folio_part(page)) TH_LOG("no large folio to pin");
	ASSERT_EQ(0, pin(pinner, page, ps, VADDR_PIN_TEST_WRITE, &wid));
	EXPECT_EQ(0, folio_part(page));
	EXPECT_EQ(1, vmstat("nr_dirty_pinned") - dirty0);
	EXPECT_EQ(1, vm_pin_pages() - charged0);
	ASSERT_EQ(0, unpin(pinner, wid, VADDR_PIN_TEST_DIRTY));

	page = map + (3UL << 20) + 5 * ps;
	ASSERT_EQ(0, pin(pinner, page - ps, ps, 0, &rid));
	ASSERT_EQ(2, folio_part(page)) TH_LOG("no large folio to pin");
	ASSERT_EQ(pfn_of(page - ps) + 1, pfn_of(page));
	ASSERT_EQ(0, pin(pinner, page, ps, VADDR_PIN_TEST_WRITE, &wid));
	EXPECT_EQ(2, folio_part(page));
	dirty = vmstat("nr_dirty_pinned") - dirty0;
	charged = vm_pin_pages() - charged0 - 1;
	TH_LOG("a folio held by another pin: %ld pages out of the limits, %ld charged",
	       dirty, charged);
	EXPECT_LT(1, dirty);
	EXPECT_LE(dirty, charged);
	ASSERT_EQ(0, unpin(pinner, wid, VADDR_PIN_TEST_DIRTY));
	ASSERT_EQ(0, unpin(pinner, rid, 0));
	EXPECT_EQ(dirty0, vmstat("nr_dirty_pinned"));
	EXPECT_EQ(charged0, vm_pin_pages());

	/*
	 * Out of the page cache, with MADV_HUGEPAGE: GUP's fault reads a
	 * 2 MiB folio in, which the call splits after GUP and pins again.
	 */
	ASSERT_EQ(0, fsync(fd));
	ASSERT_EQ(0, munmap(map, len));
	ASSERT_EQ(0, posix_fadvise(fd, 0, len, POSIX_FADV_DONTNEED));
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, madvise(map, len, MADV_HUGEPAGE));
	splits = vmstat("thp_split_page");
	page = map + (1UL << 20) + 9 * ps;
	ASSERT_EQ(0, pin(pinner, page, ps, VADDR_PIN_TEST_WRITE, &wid));
	EXPECT_LT(splits, vmstat("thp_split_page"))
		TH_LOG("no 2 MiB folio was split");
	EXPECT_EQ(0, folio_part(page));
	EXPECT_EQ(1, vmstat("nr_dirty_pinned") - dirty0);
	EXPECT_EQ(1, vm_pin_pages() - charged0);
	ASSERT_EQ(0, unpin(pinner, wid, VADDR_PIN_TEST_DIRTY));

	close(pinner);
	munmap(map, len);
	close(fd);
	unlink(path);
}

/* ===== The unpin of a pin for write ===== */

#define KPF_DIRTY	4	/* <linux/kernel-page-flags.h> */
#define KPF_PRIVATE	35
#define UNPIN_DELAY	"/sys/kernel/debug/vaddr_pin_unpin_delay_ms"

/*
 * How many pages of [0, @len) of @fd keep their buffers when asked to drop
 * them, through any open pinner: no pin is needed.
 */
static long file_buffers_kept(int pinner, int fd, size_t len)
{
	struct vaddr_pin_test_release_file arg = { .fd = fd, .len = len };

	return ioctl(pinner, VADDR_PIN_TEST_IOC_RELEASE_FILE, &arg) ?
	       -1 : arg.kept;
}

FIXTURE(untie) {
	char path[PATH_MAX];
};

FIXTURE_SETUP(untie)
{
	wb_path(self->path, sizeof(self->path), "untie.data");
}

/* Even after a failed assertion: the knob slows every later unpin. */
FIXTURE_TEARDOWN(untie)
{
	write_long(UNPIN_DELAY, 0);
	unlink(self->path);
}

/*
 * A pin for write is dirtied, when its owner asks, before it is untied:
 * once untied, writeback may clean its folios and reclaim strip their
 * buffers, and dirtying one afterwards leaves it dirty without them (ext4:
 * "page without buffers").  Releasing the lease makes the test pinner
 * revoke the pin, which unpins it dirty; vaddr_pin_unpin_delay_ms holds
 * that unpin between the untie and the unpin while the file is written
 * back and its folios are asked to drop their buffers, as reclaim would.
 * Afterwards no page of the file is dirty without buffers, and what the
 * device wrote is on disk.  ext4 (xfs keeps no state in one-block folios).
 */
TEST_F_TIMEOUT(untie, write_pin_is_dirtied_before_it_is_untied, 120)
{
	const size_t len = 1UL << 20;
	const long ps = sysconf(_SC_PAGESIZE), pages = len / ps;
	long vm_pin0, kept, dirty = 0, bare = 0, i;
	unsigned long long flags;
	unsigned int id;
	int fd, pinner;
	char *map;

	if (strcmp(getenv("VP_TEST_FS") ?: "", "ext4"))
		SKIP(return, "only ext4 keeps buffers in one-block folios");
	fd = create_file_of(self->path, len, 0x6b);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fsync(fd));
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, pinner);
	vm_pin0 = vm_pin_pages();
	ASSERT_LE(0, vm_pin0);
	ASSERT_EQ(0, fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	ASSERT_EQ(0, pin(pinner, map, len, VADDR_PIN_TEST_WRITE, &id));
	ASSERT_EQ(0, fill(pinner, id, 0x3c));

	ASSERT_EQ(0, write_long(UNPIN_DELAY, 3000))
		TH_LOG("no %s: CONFIG_DEBUG_VADDR_PIN is needed", UNPIN_DELAY);
	/* Back once the revoke untied the pin, which then sleeps. */
	EXPECT_EQ(0, fcntl(fd, F_SETLEASE, F_UNLCK));
	EXPECT_EQ(0, fsync(fd));
	kept = file_buffers_kept(pinner, fd, len);
	ASSERT_LE(0, kept);
	/* Still charged, so not yet unpinned: all that was in the window. */
	EXPECT_NE(vm_pin0, vm_pin_pages()) TH_LOG("the window was missed");
	for (i = 0; i < 100 && vm_pin_pages() != vm_pin0; i++)
		usleep(100 * 1000);
	EXPECT_EQ(vm_pin0, vm_pin_pages()) TH_LOG("the revoke did not unpin");

	for (i = 0; i < pages; i++) {
		ASSERT_TRUE(page_flags(map + i * ps, &flags));
		dirty += !!(flags & (1ULL << KPF_DIRTY));
		bare += (flags & (1ULL << KPF_DIRTY)) &&
			!(flags & (1ULL << KPF_PRIVATE));
	}
	TH_LOG("%ld of %ld pages stripped in the window; %ld dirty, %ld of them without buffers",
	       pages - kept, pages, dirty, bare);
	/* Else the test could not fail. */
	EXPECT_EQ(0, kept);
	EXPECT_EQ(0, bare);
	EXPECT_EQ(0, lost_in_range(self->path, 0, len, 0x3c));

	close(pinner);
	munmap(map, len);
	close(fd);
}

#define TRACING		"/sys/kernel/tracing"
#define WRITEBACK_ONE	TRACING "/events/fs_dax/dax_writeback_one/enable"

/*
 * Pages of [@first, @first + @nr) that the fs_dax tracepoint
 * dax_writeback_one saw flushed since the trace was last cleared; the
 * trace is cleared again.
 */
static long dax_pages_flushed(unsigned long first, unsigned long nr)
{
	unsigned long pgoff, pglen;
	long n = 0;
	char line[512], *p;
	FILE *f;

	f = fopen(TRACING "/trace", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, "dax_writeback_one");
		if (p && (p = strstr(p, "pgoff ")) &&
		    sscanf(p, "pgoff %lx pglen %lx", &pgoff, &pglen) == 2 &&
		    pgoff < first + nr && first < pgoff + pglen)
			n += (pgoff + pglen < first + nr ? pgoff + pglen :
			      first + nr) - (pgoff > first ? pgoff : first);
	}
	fclose(f);
	return system("echo > " TRACING "/trace") ? -1 : n;
}

/*
 * A device's writes through a pin of an fsdax file are flushed by a later
 * fsync(): the DAX entries of a range pinned for write stay dirty.  Pin 4
 * pages of a 16-page file for write, fsync(), then twice write to them
 * through the pin (from the kernel, as a device: no page table sees it)
 * and fsync(): the fs_dax tracepoint shows the 4 pages flushed each time.
 * Once an fsync() had flushed them, nothing marked them dirty again.
 */
TEST(fsdax_pinned_range_is_flushed_by_fsync)
{
	const long pages = 16, first = 4, nr = 4;
	long ps = sysconf(_SC_PAGESIZE);
	char path[PATH_MAX];
	unsigned int id;
	int fd, pinner, i;
	char *map;

	if (access(TRACING "/trace", F_OK))
		ASSERT_EQ(0, system("mount -t tracefs nodev " TRACING));
	wb_path(path, sizeof(path), "dax.data");
	fd = create_file_of(path, pages * ps, 0x19);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fsync(fd));
	map = mmap(NULL, pages * ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, pinner);
	ASSERT_EQ(0, pin(pinner, map + first * ps, nr * ps,
			 VADDR_PIN_TEST_WRITE, &id));
	ASSERT_EQ(0, fsync(fd));

	ASSERT_EQ(0, system("echo > " TRACING "/trace; echo 1 > " WRITEBACK_ONE));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, fill(pinner, id, 0x20 + i));
		ASSERT_EQ(0, fsync(fd));
		EXPECT_EQ(nr, dax_pages_flushed(first, nr))
			TH_LOG("fsync %d after writes through the pin", i + 1);
	}
	EXPECT_EQ(0, system("echo 0 > " WRITEBACK_ONE));

	EXPECT_EQ(0, unpin(pinner, id, VADDR_PIN_TEST_DIRTY));
	close(pinner);
	munmap(map, pages * ps);
	close(fd);
	unlink(path);
}

TEST_HARNESS_MAIN
