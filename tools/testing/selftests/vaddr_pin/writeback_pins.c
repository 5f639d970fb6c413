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

	wb_path(path, sizeof(path), "wb.data");
	wb_path(expect, sizeof(expect), "wb.expect");
	fd = create_zero_file(path, WB_BYTES);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fsync(fd));
	map = mmap(NULL, WB_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
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

TEST_HARNESS_MAIN
