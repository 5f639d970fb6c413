// SPDX-License-Identifier: GPL-2.0
/*
 * Long-term pins through vaddr_pin from real processes, by way of the test
 * pinner (/sys/kernel/debug/vaddr_pin_test, CONFIG_VADDR_PIN_TEST): what a
 * pin charges (VmPin), the pins and charge a closed file or an exiting
 * process leaves behind (none), RLIMIT_MEMLOCK for an unprivileged user,
 * and the errors for bad requests.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "vaddr_pin_selftest.h"

static long page_size;

FIXTURE(pinner) {
	int fd;
	char *mem;
	size_t len;
	long held;		/* pins_held() before the test */
};

FIXTURE_SETUP(pinner)
{
	page_size = sysconf(_SC_PAGESIZE);
	self->held = pins_held();
	self->fd = open(PINNER, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("%s: %s (CONFIG_VADDR_PIN_TEST?)",
				      PINNER, strerror(errno));
	self->len = 16 * page_size;
	self->mem = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
	memset(self->mem, 0x5a, self->len);
}

FIXTURE_TEARDOWN(pinner)
{
	if (self->fd >= 0)
		close(self->fd);
	munmap(self->mem, self->len);
	/* Whatever the test did, nothing stays pinned. */
	EXPECT_EQ(self->held, pins_held());
}

TEST_F(pinner, pin_and_unpin_charge_vm_pin)
{
	unsigned int a, b;

	ASSERT_EQ(0, vm_pin_pages());
	ASSERT_EQ(0, pin(self->fd, self->mem, self->len, VADDR_PIN_TEST_WRITE, &a));
	EXPECT_EQ(16, vm_pin_pages());
	EXPECT_EQ(self->held + 16, pins_held());
	ASSERT_EQ(0, pin(self->fd, self->mem, 4 * page_size, 0, &b));
	EXPECT_NE(a, b);
	EXPECT_EQ(20, vm_pin_pages());

	ASSERT_EQ(0, unpin(self->fd, a, VADDR_PIN_TEST_DIRTY));
	EXPECT_EQ(4, vm_pin_pages());
	ASSERT_EQ(0, unpin(self->fd, b, 0));
	EXPECT_EQ(0, vm_pin_pages());
	EXPECT_EQ(self->held, pins_held());
	/* Each pin is unpinned once. */
	EXPECT_EQ(-1, unpin(self->fd, a, 0));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(pinner, close_unpins_everything)
{
	ASSERT_EQ(0, pin(self->fd, self->mem, self->len, VADDR_PIN_TEST_WRITE, NULL));
	ASSERT_EQ(0, pin(self->fd, self->mem + page_size, page_size, 0, NULL));
	EXPECT_EQ(17, vm_pin_pages());
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(0, vm_pin_pages());
	EXPECT_EQ(self->held, pins_held());
}

TEST_F(pinner, exit_unpins_everything)
{
	int status;
	pid_t pid;

	close(self->fd);
	self->fd = -1;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = open(PINNER, O_RDWR);

		if (fd < 0 || pin(fd, self->mem, self->len, VADDR_PIN_TEST_WRITE, NULL))
			_exit(1);
		_exit(vm_pin_pages() == 16 ? 0 : 2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(self->held, pins_held());
}

TEST_F(pinner, pin_outlives_munmap)
{
	unsigned int id;

	ASSERT_EQ(0, pin(self->fd, self->mem, self->len, VADDR_PIN_TEST_WRITE, &id));
	ASSERT_EQ(0, munmap(self->mem, self->len));
	/* The pages are no longer mapped, but still pinned and charged. */
	EXPECT_EQ(16, vm_pin_pages());
	EXPECT_EQ(self->held + 16, pins_held());
	ASSERT_EQ(0, unpin(self->fd, id, VADDR_PIN_TEST_DIRTY));
	EXPECT_EQ(0, vm_pin_pages());
	self->mem = mmap(NULL, self->len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
}

TEST_F(pinner, memlock_limit_for_unprivileged_users)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct rlimit rl = { 8 * page_size, 8 * page_size };
		/* A context of our own mm; root's file, usable after setuid. */
		int fd = open(PINNER, O_RDWR);

		if (fd < 0 || setrlimit(RLIMIT_MEMLOCK, &rl) ||
		    setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(10);
		if (pin(fd, self->mem, 16 * page_size, 0, NULL) != -1 ||
		    errno != ENOMEM)
			_exit(1);
		if (vm_pin_pages() != 0)
			_exit(2);
		if (pin(fd, self->mem, 8 * page_size, 0, NULL))
			_exit(3);
		if (pin(fd, self->mem + 8 * page_size, page_size, 0,
			NULL) != -1 || errno != ENOMEM)
			_exit(4);
		_exit(vm_pin_pages() == 8 ? 0 : 5);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(pinner, memfd_needs_no_lease)
{
	int memfd = memfd_create("vaddr_pin", 0);
	unsigned int id;
	char *p;

	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, 4 * page_size));
	p = mmap(NULL, 4 * page_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 memfd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, pin(self->fd, p, 4 * page_size, VADDR_PIN_TEST_WRITE, &id));
	EXPECT_EQ(4, vm_pin_pages());
	ASSERT_EQ(0, unpin(self->fd, id, VADDR_PIN_TEST_DIRTY));
	munmap(p, 4 * page_size);
	close(memfd);
}

TEST_F(pinner, bad_requests)
{
	char *none = mmap(NULL, page_size, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, none);
	EXPECT_EQ(-1, pin(self->fd, self->mem + 1, page_size, 0, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, pin(self->fd, self->mem, 0, 0, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, pin(self->fd, self->mem, page_size, 1 << 7, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, pin(self->fd, none, page_size, 0, NULL));
	EXPECT_EQ(EFAULT, errno);
	/* Past the end of the mapping: a hole. */
	ASSERT_EQ(0, munmap(self->mem + self->len - page_size, page_size));
	EXPECT_EQ(-1, pin(self->fd, self->mem, self->len, 0, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, pin(self->fd, self->mem,
			  (VADDR_PIN_TEST_MAX_PAGES + 1) * page_size, 0, NULL));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(-1, unpin(self->fd, 12345, 0));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(0, vm_pin_pages());
	munmap(none, page_size);
}

/* FILL writes as a device would, so only into pins taken for write. */
TEST_F(pinner, fill_needs_a_write_pin)
{
	unsigned int ro, rw;

	ASSERT_EQ(0, pin(self->fd, self->mem, page_size, 0, &ro));
	ASSERT_EQ(0, pin(self->fd, self->mem + page_size, page_size,
			 VADDR_PIN_TEST_WRITE, &rw));
	EXPECT_EQ(-1, fill(self->fd, ro, 0xa5));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(0x5a, self->mem[0]);
	EXPECT_EQ(0, fill(self->fd, rw, 0xa5));
	EXPECT_EQ((char)0xa5, self->mem[page_size]);
	EXPECT_EQ(-1, fill(self->fd, 12345, 0));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(0, unpin(self->fd, ro, 0));
	EXPECT_EQ(0, unpin(self->fd, rw, VADDR_PIN_TEST_DIRTY));
}

TEST_HARNESS_MAIN
