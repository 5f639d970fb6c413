// SPDX-License-Identifier: GPL-2.0
/*
 * Which page cache may stay pinned for write, under a layout lease: only
 * what its filesystem can write back in place, again and again, while a
 * device writes into it (->pin_for_write).  Refused with EOPNOTSUPP:
 *
 *   shared_range_is_refused_for_write (xfs)    blocks shared by a reflink,
 *                                              in both files; a pin for
 *                                              reading, or of the rest of
 *                                              the file, works
 *   unshared_range_can_be_pinned_for_write (xfs) after
 *                                              FALLOC_FL_UNSHARE_RANGE it
 *                                              works, and the other file
 *                                              keeps its data
 *   journalled_data_is_refused (ext4 -o data=journal)
 *
 * and where a write pin is not refused:
 *
 *   shared_range_is_copied_by_the_pin (xfs -o dax) the pin's write fault
 *                                              gives the range blocks of
 *                                              its own (a read pin of the
 *                                              shared blocks is refused)
 *
 * Each test is for one kind of file system, at $VP_TEST_DIR; guest-tests.sh
 * picks them with -t.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "vaddr_pin_selftest.h"
#include "../../../vaddr_pin/bytes.h"

#define MIB		(1UL << 20)
#define FILE_BYTES	(4 * MIB)
#define SHARED_BYTES	MIB	/* the first MiB is cloned from src to dst */
#define SRC_BYTE	0x11
#define DEVICE_BYTE	0x22

FIXTURE(files) {
	char src_path[PATH_MAX], dst_path[PATH_MAX];
	int src, dst, pinner;
	char *src_map, *dst_map;	/* shared, under layout leases */
	long pins, vm_pin;		/* before any test pin */
};

FIXTURE_SETUP(files)
{
	const char *dir = getenv("VP_TEST_DIR") ?: "/tmp";

	snprintf(self->src_path, sizeof(self->src_path), "%s/wp.src", dir);
	snprintf(self->dst_path, sizeof(self->dst_path), "%s/wp.dst", dir);
	self->src = create_file_of(self->src_path, FILE_BYTES, SRC_BYTE);
	ASSERT_LE(0, self->src);
	self->dst = create_zero_file(self->dst_path, FILE_BYTES);
	ASSERT_LE(0, self->dst);
	ASSERT_EQ(0, fsync(self->src));
	ASSERT_EQ(0, fsync(self->dst));
	self->src_map = mmap(NULL, FILE_BYTES, PROT_READ | PROT_WRITE,
			     MAP_SHARED, self->src, 0);
	ASSERT_NE(MAP_FAILED, self->src_map);
	self->dst_map = mmap(NULL, FILE_BYTES, PROT_READ | PROT_WRITE,
			     MAP_SHARED, self->dst, 0);
	ASSERT_NE(MAP_FAILED, self->dst_map);
	ASSERT_EQ(0, fcntl(self->src, F_SETLEASE, F_RDLCK | F_LAYOUT));
	ASSERT_EQ(0, fcntl(self->dst, F_SETLEASE, F_RDLCK | F_LAYOUT));
	self->pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, self->pinner);
	self->pins = pins_held();
	self->vm_pin = vm_pin_pages();
	ASSERT_LE(0, self->pins);
}

FIXTURE_TEARDOWN(files)
{
	close(self->pinner);
	munmap(self->src_map, FILE_BYTES);
	munmap(self->dst_map, FILE_BYTES);
	close(self->src);
	close(self->dst);
	unlink(self->src_path);
	unlink(self->dst_path);
}

/* Make the first SHARED_BYTES of dst share src's blocks. */
static int clone_shared_range(FIXTURE_DATA(files) *self)
{
	struct file_clone_range arg = {
		.src_fd = self->src, .src_length = SHARED_BYTES,
	};

	return ioctl(self->dst, FICLONERANGE, &arg);
}

/* A pin of @len bytes at @addr is refused, and leaves nothing behind. */
static void expect_refused(struct __test_metadata *_metadata,
			   FIXTURE_DATA(files) *self, char *addr, size_t len,
			   unsigned int flags)
{
	unsigned int id;

	errno = 0;
	EXPECT_EQ(-1, pin(self->pinner, addr, len, flags, &id));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(self->pins, pins_held());
	EXPECT_EQ(self->vm_pin, vm_pin_pages());
}

/* A pin of @len bytes at @addr works; it is unpinned again. */
static void expect_pinned(struct __test_metadata *_metadata,
			  FIXTURE_DATA(files) *self, char *addr, size_t len,
			  unsigned int flags)
{
	unsigned int id;

	ASSERT_EQ(0, pin(self->pinner, addr, len, flags, &id));
	EXPECT_EQ(self->pins + (long)(len / getpagesize()), pins_held());
	EXPECT_EQ(0, unpin(self->pinner, id, 0));
	EXPECT_EQ(self->pins, pins_held());
}

TEST_F(files, shared_range_is_refused_for_write)
{
	long ps = getpagesize();

	ASSERT_EQ(0, clone_shared_range(self));

	expect_refused(_metadata, self, self->dst_map, SHARED_BYTES,
		       VADDR_PIN_TEST_WRITE);
	/* Any shared page refuses the whole call. */
	expect_refused(_metadata, self, self->dst_map + SHARED_BYTES / 2,
		       SHARED_BYTES, VADDR_PIN_TEST_WRITE);
	expect_refused(_metadata, self, self->dst_map + SHARED_BYTES - ps,
		       FILE_BYTES - SHARED_BYTES + ps, VADDR_PIN_TEST_WRITE);
	/* The source's blocks are as shared as the destination's. */
	expect_refused(_metadata, self, self->src_map, SHARED_BYTES,
		       VADDR_PIN_TEST_WRITE);

	expect_pinned(_metadata, self, self->dst_map, SHARED_BYTES, 0);
	expect_pinned(_metadata, self, self->dst_map + SHARED_BYTES,
		      FILE_BYTES - SHARED_BYTES, VADDR_PIN_TEST_WRITE);
	expect_pinned(_metadata, self, self->src_map + SHARED_BYTES,
		      FILE_BYTES - SHARED_BYTES, VADDR_PIN_TEST_WRITE);
}

TEST_F(files, unshared_range_can_be_pinned_for_write)
{
	unsigned int id;

	ASSERT_EQ(0, clone_shared_range(self));
	ASSERT_EQ(0, fallocate(self->dst, FALLOC_FL_UNSHARE_RANGE, 0,
			       SHARED_BYTES));

	ASSERT_EQ(0, pin(self->pinner, self->dst_map, SHARED_BYTES,
			 VADDR_PIN_TEST_WRITE, &id));
	ASSERT_EQ(0, fill(self->pinner, id, DEVICE_BYTE));
	ASSERT_EQ(0, unpin(self->pinner, id, VADDR_PIN_TEST_DIRTY));
	ASSERT_EQ(0, fsync(self->dst));
	EXPECT_TRUE(file_bytes_are(self->dst, 0, SHARED_BYTES, DEVICE_BYTE));
	EXPECT_TRUE(file_bytes_are(self->src, 0, FILE_BYTES, SRC_BYTE));
	/* The source's blocks are its own again as well. */
	expect_pinned(_metadata, self, self->src_map, SHARED_BYTES,
		      VADDR_PIN_TEST_WRITE);
}

TEST_F(files, shared_range_is_copied_by_the_pin)
{
	struct statx stx;
	unsigned int id;

	ASSERT_EQ(0, statx(self->dst, "", AT_EMPTY_PATH, STATX_BASIC_STATS,
			   &stx));
	ASSERT_TRUE(stx.stx_attributes & STATX_ATTR_DAX);
	/* The source's pages are mapped before its blocks are shared. */
	ASSERT_TRUE(bytes_are(self->src_map, SHARED_BYTES, SRC_BYTE));
	ASSERT_EQ(0, clone_shared_range(self));

	/*
	 * A read pin may not hold shared blocks, in either file: a later
	 * write would copy them away from behind it.
	 */
	expect_refused(_metadata, self, self->dst_map, SHARED_BYTES, 0);
	expect_refused(_metadata, self, self->src_map, SHARED_BYTES, 0);
	ASSERT_EQ(0, pin(self->pinner, self->dst_map, SHARED_BYTES,
			 VADDR_PIN_TEST_WRITE, &id));
	ASSERT_EQ(0, fill(self->pinner, id, DEVICE_BYTE));
	EXPECT_TRUE(file_bytes_are(self->dst, 0, SHARED_BYTES, DEVICE_BYTE));
	EXPECT_TRUE(file_bytes_are(self->src, 0, FILE_BYTES, SRC_BYTE));
	EXPECT_EQ(0, unpin(self->pinner, id, VADDR_PIN_TEST_DIRTY));
}

TEST_F(files, journalled_data_is_refused)
{
	expect_refused(_metadata, self, self->dst_map, FILE_BYTES,
		       VADDR_PIN_TEST_WRITE);
	/* Reading needs no dirty tracking: stock GUP allows it already. */
	expect_pinned(_metadata, self, self->dst_map, FILE_BYTES, 0);
}

TEST_HARNESS_MAIN
