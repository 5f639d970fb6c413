// SPDX-License-Identifier: GPL-2.0
/*
 * The pinning rule on file mappings, through the test pinner: what stock
 * GUP lets a long-term pin take (tmpfs, read-only page cache, private
 * copies of page cache) needs no layout lease; what it refuses (any fsdax
 * mapping, writable shared page cache) fails with EPERM when no layout
 * lease is held through the mapped file.
 *
 * Runs once per file system: $VP_TEST_DIR is the directory, $VP_TEST_FS
 * its kind (tmpfs, ext4, xfs, ext4-dax, xfs-dax).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "vaddr_pin_selftest.h"

#define NPAGES	8

static const char *fs_kind(void)
{
	const char *fs = getenv("VP_TEST_FS");

	return fs ? fs : "tmpfs";
}

static int is_dax(void)
{
	return strstr(fs_kind(), "-dax") != NULL;
}

static int is_tmpfs(void)
{
	return !strcmp(fs_kind(), "tmpfs");
}

/* Pin and unpin [@p, @p + @len); or, if @refused, expect EPERM. */
static void expect_pin(struct __test_metadata *_metadata, int pinner, void *p,
		       size_t len, unsigned int flags, int refused)
{
	unsigned int id;
	int ret = pin(pinner, p, len, flags, &id);

	if (refused) {
		EXPECT_EQ(-1, ret);
		EXPECT_EQ(EPERM, errno);
	} else {
		EXPECT_EQ(0, ret);
		if (!ret)
			EXPECT_EQ(0, unpin(pinner, id, 0));
	}
}

FIXTURE(file) {
	char path[PATH_MAX];
	int fd, pinner;
	size_t len;
};

FIXTURE_SETUP(file)
{
	const char *dir = getenv("VP_TEST_DIR");
	char *buf;

	self->len = NPAGES * getpagesize();
	snprintf(self->path, sizeof(self->path), "%s/file_pins.%d",
		 dir ? dir : "/tmp", getpid());
	self->fd = open(self->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, self->fd);
	/* Real blocks, not holes: DAX maps holes to the zero page. */
	buf = malloc(self->len);
	ASSERT_NE(NULL, buf);
	memset(buf, 0x3c, self->len);
	ASSERT_EQ((ssize_t)self->len, write(self->fd, buf, self->len));
	free(buf);
	ASSERT_EQ(0, fsync(self->fd));
	self->pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, self->pinner);
}

FIXTURE_TEARDOWN(file)
{
	close(self->pinner);
	close(self->fd);
	unlink(self->path);
}

TEST_F(file, shared_read_pin_without_lease)
{
	void *p = mmap(NULL, self->len, PROT_READ, MAP_SHARED, self->fd, 0);

	ASSERT_NE(MAP_FAILED, p);
	expect_pin(_metadata, self->pinner, p, self->len, 0, is_dax());
	munmap(p, self->len);
}

TEST_F(file, shared_write_pin_without_lease)
{
	void *p = mmap(NULL, self->len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       self->fd, 0);

	ASSERT_NE(MAP_FAILED, p);
	/* tmpfs needs no dirty tracking; page cache and fsdax need a lease. */
	expect_pin(_metadata, self->pinner, p, self->len, VADDR_PIN_TEST_WRITE,
		   !is_tmpfs());
	munmap(p, self->len);
}

TEST_F(file, private_write_pin_without_lease)
{
	void *p = mmap(NULL, self->len, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		       self->fd, 0);

	ASSERT_NE(MAP_FAILED, p);
	/*
	 * A write pin of a private mapping pins private copies, except on
	 * fsdax: stock GUP refuses every long-term pin of an fsdax VMA.
	 */
	expect_pin(_metadata, self->pinner, p, self->len, VADDR_PIN_TEST_WRITE,
		   is_dax());
	munmap(p, self->len);
}

TEST_F(file, lease_on_another_open_file_does_not_count)
{
	int other = open(self->path, O_RDWR);
	void *p = mmap(NULL, self->len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       self->fd, 0);

	ASSERT_LE(0, other);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, fcntl(other, F_SETLEASE, F_RDLCK | F_LAYOUT));
	expect_pin(_metadata, self->pinner, p, self->len, VADDR_PIN_TEST_WRITE,
		   !is_tmpfs());
	munmap(p, self->len);
	close(other);
}

/* With a lease through the mapped file, every kind of pin succeeds. */
TEST_F(file, pins_with_lease_succeed)
{
	void *shared = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
			    MAP_SHARED, self->fd, 0);
	void *private = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE, self->fd, 0);

	ASSERT_NE(MAP_FAILED, shared);
	ASSERT_NE(MAP_FAILED, private);
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	expect_pin(_metadata, self->pinner, shared, self->len, 0, 0);
	expect_pin(_metadata, self->pinner, shared, self->len,
		   VADDR_PIN_TEST_WRITE, 0);
	expect_pin(_metadata, self->pinner, private, self->len,
		   VADDR_PIN_TEST_WRITE, 0);
	EXPECT_EQ(0, vm_pin_pages());
	munmap(private, self->len);
	munmap(shared, self->len);
}

/* Data written through a leased write pin is the file's data. */
TEST_F(file, write_through_leased_pin_reaches_file)
{
	char *p = mmap(NULL, self->len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       self->fd, 0);
	char buf[64];
	unsigned int id;

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	ASSERT_EQ(0, pin(self->pinner, p, self->len, VADDR_PIN_TEST_WRITE,
			 &id));
	memset(p + self->len - sizeof(buf), 'w', sizeof(buf));
	EXPECT_EQ(0, unpin(self->pinner, id, VADDR_PIN_TEST_DIRTY));
	EXPECT_EQ(0, fsync(self->fd));
	ASSERT_EQ((ssize_t)sizeof(buf),
		  pread(self->fd, buf, sizeof(buf), self->len - sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, p + self->len - sizeof(buf), sizeof(buf)));
	EXPECT_EQ('w', buf[0]);
	munmap(p, self->len);
}

TEST_HARNESS_MAIN
