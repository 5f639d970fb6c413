// SPDX-License-Identifier: GPL-2.0
/*
 * The failure points of a pin that KUnit cannot reach, walked from user
 * space with /proc/thread-self/fail-nth (CONFIG_FAIL_VADDR_PIN): a write
 * pin of ext4 page cache under a layout lease, which asks the file
 * system's ->pin_for_write, and the same pin through a context of another
 * process's mm, which takes a reference on that mm first.  Each point in
 * turn fails the pin with a documented errno and leaves nothing pinned,
 * charged or listed, and the lease in place.  $VP_TEST_DIR is on ext4.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "vaddr_pin_selftest.h"

#define PAGES	4

FIXTURE(leased) {
	char path[PATH_MAX];
	int fd, pinner;
	char *map;
	long ps, held;
};

FIXTURE_SETUP(leased)
{
	self->ps = sysconf(_SC_PAGESIZE);
	snprintf(self->path, sizeof(self->path), "%s/fail_points.%d",
		 getenv("VP_TEST_DIR") ?: "/tmp", getpid());
	self->fd = create_file_of(self->path, PAGES * self->ps, 0x42);
	ASSERT_LE(0, self->fd);
	self->map = mmap(NULL, PAGES * self->ps, PROT_READ | PROT_WRITE,
			 MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, self->map);
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	self->pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, self->pinner);
	self->held = pins_held();
}

FIXTURE_TEARDOWN(leased)
{
	close(self->pinner);
	munmap(self->map, PAGES * self->ps);
	close(self->fd);
	unlink(self->path);
	EXPECT_EQ(self->held, pins_held());
}

/* Lines of /proc/@pid/file_pins. */
static int listed(pid_t pid)
{
	char path[64], line[512];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/file_pins", pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		n++;
	if (f)
		fclose(f);
	return f ? n : -1;
}

/*
 * Pin the leased file for write with the n-th failure point failing, for
 * n = 1, 2, ... until the pin meets fewer than n points; after each failed
 * run nothing of @owner (whose memory it is) may be pinned, charged or
 * listed.  Returns the number of points met, or -1 after a failure (said).
 */
static int walk(struct __test_metadata *_metadata,
		FIXTURE_DATA(leased) *self, pid_t owner)
{
	unsigned int id = 0;
	int n, ret, err, left;

	for (n = 1; n < 100; n++) {
		if (fail_nth(n) < 0)
			return -1;
		ret = pin(self->pinner, self->map, PAGES * self->ps,
			  VADDR_PIN_TEST_WRITE, &id);
		err = errno;
		left = fail_nth(0);
		if (left > 0) {		/* ran out of points: it pinned */
			EXPECT_EQ(0, ret);
			EXPECT_EQ(0, unpin(self->pinner, id, 0));
			return n - 1;
		}
		EXPECT_EQ(0, left) TH_LOG("point %d: fail-nth unreadable", n);
		EXPECT_EQ(-1, ret) TH_LOG("point %d failed, the pin did not", n);
		if (ret == 0)
			return -1;
		EXPECT_TRUE(injected_pin_errno(err))
			TH_LOG("point %d: %s", n, strerror(err));
		EXPECT_EQ(self->held, pins_held()) TH_LOG("point %d", n);
		EXPECT_EQ(0, vm_pin_pages_of(owner)) TH_LOG("point %d", n);
		EXPECT_EQ(0, listed(owner)) TH_LOG("point %d", n);
		EXPECT_EQ(F_RDLCK | F_LAYOUT, fcntl(self->fd, F_GETLEASE))
			TH_LOG("point %d: the lease went", n);
	}
	return -1;
}

/*
 * The RLIMIT_MEMLOCK charge, mmap_lock, the record, GUP, the tie to the
 * lease, ->pin_for_write and the end of the call.
 */
TEST_F(leased, write_pin_of_page_cache)
{
	EXPECT_EQ(7, walk(_metadata, self, getpid()));
}

/* The same, through a context of another process's mm: its mm first. */
TEST_F(leased, write_pin_through_another_process)
{
	pid_t parent = getpid(), pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (!pid) {
		/* The pinner was opened by the parent: a context of its mm. */
		_exit(walk(_metadata, self, parent) == 8 ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
