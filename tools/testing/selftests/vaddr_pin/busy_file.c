// SPDX-License-Identifier: GPL-2.0
/*
 * A file that a device may still write to through a long-term pin is
 * busy, as it is while open for writing: exec fails with ETXTBSY while
 * an orphaned pin for write outlives the file it was taken through (the
 * same deny_write_access() keeps fs-verity and kernel_read_file() from
 * it), and swapon() fails with ETXTBSY while the file has a pin tied to a
 * lease; a swap file ties no pin.
 *
 * Runs once per file system ($VP_TEST_DIR); swap is not tried on tmpfs
 * and fsdax, which cannot hold one (swapon() fails with EINVAL).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "vaddr_pin_selftest.h"

#define LAYOUT		(F_RDLCK | F_LAYOUT)
#define SCRIPT		"#!/bin/sh\nexit 7\n"
#define SWAP_PAGES	64

FIXTURE(busy) {
	char path[PATH_MAX];
	int pinner, unrevocable;
	long ps;
};

FIXTURE_SETUP(busy)
{
	const char *dir = getenv("VP_TEST_DIR");

	self->ps = getpagesize();
	snprintf(self->path, sizeof(self->path), "%s/busy_file.%d",
		 dir ? dir : "/tmp", getpid());
	self->pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, self->pinner);
	self->unrevocable = open(PINNER "_unrevocable", O_RDWR);
	ASSERT_LE(0, self->unrevocable);
}

FIXTURE_TEARDOWN(busy)
{
	swapoff(self->path);
	close(self->unrevocable);
	close(self->pinner);
	unlink(self->path);
}

/* Run @path; its exit status, or 100 + errno if execv() failed. */
static int run(const char *path)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		execl(path, path, (char *)NULL);
		_exit(100 + errno);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * Pin page 0 of @path through @pinner (for write with @flags
 * VADDR_PIN_TEST_WRITE) under a layout lease, then close and unmap the
 * file: the lease goes, and a pin its owner cannot revoke stays, tied to
 * nothing.
 */
static int pin_and_close(const char *path, long ps, int pinner,
			 unsigned int flags, unsigned int *id)
{
	int fd = open(path, flags ? O_RDWR : O_RDONLY);
	void *map;
	int ret;

	if (fd < 0)
		return -1;
	map = mmap(NULL, ps, PROT_READ | (flags ? PROT_WRITE : 0), MAP_SHARED,
		   fd, 0);
	if (map == MAP_FAILED) {
		close(fd);
		return -1;
	}
	ret = fcntl(fd, F_SETLEASE, LAYOUT);
	if (!ret)
		ret = pin(pinner, map, ps, flags, id);
	munmap(map, ps);
	close(fd);
	return ret;
}

TEST_F(busy, exec_fails_while_a_pin_for_write_outlives_its_file)
{
	unsigned int id;
	int fd;

	fd = create_file_of(self->path, self->ps, '\n');
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)strlen(SCRIPT), pwrite(fd, SCRIPT, strlen(SCRIPT), 0));
	ASSERT_EQ(0, fchmod(fd, 0755));
	close(fd);
	ASSERT_EQ(7, run(self->path));

	ASSERT_EQ(0, pin_and_close(self->path, self->ps, self->unrevocable,
				   VADDR_PIN_TEST_WRITE, &id));
	EXPECT_EQ(VADDR_PIN_TEST_PINNED, pin_state(self->unrevocable, id));
	/* Nobody has it open for write, but a device may write to it. */
	EXPECT_EQ(100 + ETXTBSY, run(self->path));
	ASSERT_EQ(0, unpin(self->unrevocable, id, 0));
	EXPECT_EQ(7, run(self->path));

	/* A pin for read does not make it busy. */
	ASSERT_EQ(0, pin_and_close(self->path, self->ps, self->unrevocable,
				   0, &id));
	EXPECT_EQ(VADDR_PIN_TEST_PINNED, pin_state(self->unrevocable, id));
	EXPECT_EQ(7, run(self->path));
	EXPECT_EQ(0, unpin(self->unrevocable, id, 0));
}

/* Lines of /proc/self/file_pins for @fd's inode that no lease ties. */
static int listed_untied(int fd)
{
	char line[512], ino[32];
	struct stat st;
	FILE *f;
	int n = 0;

	if (fstat(fd, &st))
		return -1;
	f = fopen("/proc/self/file_pins", "r");
	if (!f)
		return -1;
	snprintf(ino, sizeof(ino), " ino=%lu ", (unsigned long)st.st_ino);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, ino) && strstr(line, " lease=none ");
	fclose(f);
	return n;
}

/* Make @path a swap file of @npages pages, as mkswap would. */
static int make_swap_file(const char *path, long ps, uint32_t npages)
{
	char *page = calloc(1, ps);
	int fd = create_zero_file(path, npages * ps);
	uint32_t *info = (uint32_t *)(page + 1024);

	if (fd < 0 || !page) {
		free(page);
		return -1;
	}
	info[0] = 1;			/* version */
	info[1] = npages - 1;		/* last_page */
	memcpy(page + ps - 10, "SWAPSPACE2", 10);
	if (pwrite(fd, page, ps, 0) != ps || fsync(fd)) {
		close(fd);
		fd = -1;
	}
	free(page);
	return fd;
}

TEST_F(busy, swapon_fails_while_the_file_is_pinned)
{
	unsigned int id;
	void *map;
	int fd;

	fd = make_swap_file(self->path, self->ps, SWAP_PAGES);
	ASSERT_LE(0, fd);
	map = mmap(NULL, self->ps, PROT_READ, MAP_SHARED, fd, self->ps);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, fcntl(fd, F_SETLEASE, LAYOUT));
	ASSERT_EQ(0, pin(self->pinner, map, self->ps, 0, &id));
	/* Swap would write the blocks behind a pin: nothing is revoked. */
	EXPECT_EQ(-1, swapon(self->path, 0));
	EXPECT_EQ(ETXTBSY, errno);
	EXPECT_EQ(VADDR_PIN_TEST_PINNED, pin_state(self->pinner, id));
	ASSERT_EQ(0, unpin(self->pinner, id, 0));
	munmap(map, self->ps);
	ASSERT_EQ(0, swapon(self->path, 0)) TH_LOG("swapon: %s", strerror(errno));

	/* A swap file ties no pin: one for read stays untied, as in stock. */
	map = mmap(NULL, self->ps, PROT_READ, MAP_SHARED, fd, self->ps);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, pin(self->pinner, map, self->ps, 0, &id));
	EXPECT_EQ(1, listed_untied(fd));
	EXPECT_EQ(0, unpin(self->pinner, id, 0));
	munmap(map, self->ps);
	EXPECT_EQ(0, swapoff(self->path));
	EXPECT_EQ(0, fcntl(fd, F_SETLEASE, F_UNLCK));
	close(fd);
	EXPECT_EQ(0, vm_pin_pages());
}

TEST_HARNESS_MAIN
