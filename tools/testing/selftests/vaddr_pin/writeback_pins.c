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
 *   writeback_pins -t flusher_does_not_loop -t pins_are_not_throttled
 *                  -t only_write_pins_stay_dirty
 *                               with far more pinned for write than the
 *                               dirty limits, the flusher does not loop
 *                               over the pinned folios and nobody is
 *                               throttled; folios pinned for read are not
 *                               kept dirty
 *
 * Runs on ext4 and xfs (page cache, not DAX).
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
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "vaddr_pin_selftest.h"

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

/* How many bytes of @path on disk (O_DIRECT) are not @byte; -1 on error. */
static long lost_on_disk(const char *path, unsigned int byte)
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
	for (off = 0; off < WB_BYTES; off += 1 << 20) {
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

static int dirty_sysctl_set(struct dirty_sysctl *d, long bytes)
{
	d->saved_bytes = read_long(d->bytes);
	d->saved_ratio = read_long(d->ratio);
	if (d->saved_bytes < 0 || d->saved_ratio < 0)
		return -1;
	return write_long(d->bytes, bytes);
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
	ASSERT_EQ(0, dirty_sysctl_set(&self->dirty, 16L << 20));
	ASSERT_EQ(0, dirty_sysctl_set(&self->bg, 4L << 20));
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
 * A folio pinned for write is dirty again after each writeback.  Had
 * that redirty counted as progress, background writeback, which loops
 * while over its threshold and making progress, would rewrite the
 * pinned folios for ever once they alone exceed the threshold.  Pin
 * 64 MiB against a 4 MiB threshold; once the flusher has started on
 * them, what it writes in the next 10 s must come from its wakeups
 * (every 5 s, a chunk each), not from a loop: at most 3 x 64 MiB.  A
 * loop writes as fast as the loop device takes it (memory speed: GiBs).
 */
TEST_F_TIMEOUT(limits, flusher_does_not_loop, 120)
{
	char path[PATH_MAX], stats[PATH_MAX];
	long before, start, written;
	unsigned int id;
	int fd, pinner, i;
	char *map;

	map = map_new_file("flusher.data", WB_BYTES, path, sizeof(path), &fd);
	ASSERT_NE(MAP_FAILED, map);
	bdi_stats_path(fd, stats, sizeof(stats));
	before = bdi_stat(stats, "BdiWritten", 10);
	ASSERT_LE(0, before) TH_LOG("no %s", stats);
	ASSERT_EQ(0, fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, pinner);
	ASSERT_EQ(0, pin(pinner, map, WB_BYTES, VADDR_PIN_TEST_WRITE, &id));
	ASSERT_EQ(0, fill(pinner, id, 0x3c));

	/* Dirtied by the pin's faults: the flusher wakes within 5 s. */
	for (i = 0; i < 3000; i++) {
		start = bdi_stat(stats, "BdiWritten", 10);
		if (start != before)
			break;
		usleep(10000);
	}
	ASSERT_LT(before, start) TH_LOG("the flusher wrote nothing in 30 s");
	sleep(10);
	written = bdi_stat(stats, "BdiWritten", 10) - start;
	TH_LOG("%ld kB written in 10 s with 64 MiB pinned", written);
	EXPECT_GE(3 * (long)(WB_BYTES >> 10), written);

	ASSERT_EQ(0, unpin(pinner, id, VADDR_PIN_TEST_DIRTY));
	ASSERT_EQ(0, fsync(fd));
	close(pinner);
	munmap(map, WB_BYTES);
	close(fd);
	unlink(path);
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

TEST_HARNESS_MAIN
