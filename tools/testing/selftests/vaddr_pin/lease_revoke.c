// SPDX-License-Identifier: GPL-2.0
/*
 * Pins tied to a layout lease go with the lease: releasing it (F_UNLCK, or
 * the final close of the leasing file) revokes them through their owner
 * first.  Pins not tied to it, and pins whose owner cannot revoke, stay.
 *
 * Uses read-only pins of shared file mappings, which need no lease and are
 * tied to one when it is held.  Runs once per file system whose page cache
 * takes such pins ($VP_TEST_DIR: tmpfs, ext4, xfs).
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

#define LAYOUT		(F_RDLCK | F_LAYOUT)
#define NPAGES		8

FIXTURE(lease) {
	char path[PATH_MAX];
	int fd, pinner, unrevocable;
	size_t len;
	void *map;
};

FIXTURE_SETUP(lease)
{
	const char *dir = getenv("VP_TEST_DIR");
	char *buf;

	self->len = NPAGES * getpagesize();
	snprintf(self->path, sizeof(self->path), "%s/lease_revoke.%d",
		 dir ? dir : "/tmp", getpid());
	self->fd = open(self->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, self->fd);
	buf = malloc(self->len);
	ASSERT_NE(NULL, buf);
	memset(buf, 0x7e, self->len);
	ASSERT_EQ((ssize_t)self->len, write(self->fd, buf, self->len));
	free(buf);
	self->map = mmap(NULL, self->len, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, self->map);
	self->pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, self->pinner);
	self->unrevocable = open(PINNER "_unrevocable", O_RDWR);
	ASSERT_LE(0, self->unrevocable);
}

FIXTURE_TEARDOWN(lease)
{
	close(self->unrevocable);
	close(self->pinner);
	munmap(self->map, self->len);
	if (self->fd >= 0)
		close(self->fd);
	unlink(self->path);
}

TEST_F(lease, unlock_revokes_tied_pins)
{
	unsigned int id;

	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, LAYOUT));
	ASSERT_EQ(0, pin(self->pinner, self->map, self->len, 0, &id));
	ASSERT_EQ(NPAGES, vm_pin_pages());
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, F_UNLCK));
	/* The owner unpinned it before F_UNLCK returned. */
	EXPECT_EQ(0, vm_pin_pages());
	EXPECT_EQ(-1, unpin(self->pinner, id, 0));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(lease, final_close_revokes_tied_pins)
{
	unsigned int id;

	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, LAYOUT));
	ASSERT_EQ(0, pin(self->pinner, self->map, self->len, 0, &id));
	close(self->fd);
	self->fd = -1;
	/* The mapping still holds the leasing file. */
	EXPECT_EQ(NPAGES, vm_pin_pages());
	ASSERT_EQ(0, munmap(self->map, self->len));
	self->map = NULL;
	EXPECT_EQ(0, vm_pin_pages());
	EXPECT_EQ(-1, unpin(self->pinner, id, 0));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(lease, pins_from_before_the_lease_stay)
{
	unsigned int id;

	ASSERT_EQ(0, pin(self->pinner, self->map, self->len, 0, &id));
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, LAYOUT));
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, F_UNLCK));
	EXPECT_EQ(NPAGES, vm_pin_pages());
	EXPECT_EQ(0, unpin(self->pinner, id, 0));
}

TEST_F(lease, other_leases_pins_stay)
{
	int other = open(self->path, O_RDWR);
	unsigned int id;

	ASSERT_LE(0, other);
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, LAYOUT));
	ASSERT_EQ(0, fcntl(other, F_SETLEASE, LAYOUT));
	/* Tied to the lease held through the mapped file, self->fd. */
	ASSERT_EQ(0, pin(self->pinner, self->map, self->len, 0, &id));
	ASSERT_EQ(0, fcntl(other, F_SETLEASE, F_UNLCK));
	close(other);
	EXPECT_EQ(NPAGES, vm_pin_pages());
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, F_UNLCK));
	EXPECT_EQ(0, vm_pin_pages());
}

TEST_F(lease, unrevocable_owner_keeps_its_pin)
{
	unsigned int id;

	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, LAYOUT));
	ASSERT_EQ(0, pin(self->unrevocable, self->map, self->len, 0, &id));
	/* The lease goes; the pin cannot, and stays, tied to nothing. */
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, F_UNLCK));
	EXPECT_EQ(F_UNLCK, fcntl(self->fd, F_GETLEASE));
	EXPECT_EQ(NPAGES, vm_pin_pages());
	EXPECT_EQ(0, unpin(self->unrevocable, id, 0));
	EXPECT_EQ(0, vm_pin_pages());
}

TEST_F(lease, closing_the_pinner_unties)
{
	unsigned int id;

	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, F_RDLCK | F_LAYOUT | F_UNBREAK));
	ASSERT_EQ(0, pin(self->pinner, self->map, self->len, 0, &id));
	close(self->pinner);
	self->pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, self->pinner);
	EXPECT_EQ(0, vm_pin_pages());
	/* Nothing left tied: releasing the lease has nothing to wait for. */
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, F_UNLCK));
}

TEST_HARNESS_MAIN
