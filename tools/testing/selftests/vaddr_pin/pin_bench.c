// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmark's ioctl (/sys/kernel/debug/vaddr_pin_bench,
 * CONFIG_VADDR_PIN_BENCH), which make bench relies on: the errors for bad
 * requests, and runs through vaddr_pin and through the raw pin that time
 * something and leave nothing pinned or charged, whether they succeed or
 * fail half-way.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "../../../../mm/vaddr_pin_bench.h"
#include "vaddr_pin_selftest.h"

#define BENCH	"/sys/kernel/debug/vaddr_pin_bench"

FIXTURE(bench) {
	int fd;
	char *mem;
	size_t len;
	long held;		/* pins_held() before the test */
};

FIXTURE_SETUP(bench)
{
	self->held = pins_held();
	self->fd = open(BENCH, O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("%s: %s (CONFIG_VADDR_PIN_BENCH?)",
				      BENCH, strerror(errno));
	self->len = 64 * getpagesize();
	self->mem = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
	memset(self->mem, 1, self->len);
}

FIXTURE_TEARDOWN(bench)
{
	close(self->fd);
	munmap(self->mem, self->len);
	/* Whatever the run did, nothing stays pinned or charged. */
	EXPECT_EQ(self->held, pins_held());
	EXPECT_EQ(0, vm_pin_pages());
}

static int run(int fd, void *addr, size_t len, unsigned int pages,
	       unsigned int flags, struct vaddr_pin_bench_run *out)
{
	struct vaddr_pin_bench_run r = {
		.addr = (unsigned long)addr,
		.len = len,
		.pages_per_call = pages,
		.flags = flags,
	};
	int ret = ioctl(fd, VADDR_PIN_BENCH_IOC_RUN, &r);

	if (out)
		*out = r;
	return ret ? -errno : 0;
}

TEST_F(bench, bad_requests_fail)
{
	long ps = getpagesize();

	EXPECT_EQ(-EINVAL, run(self->fd, self->mem, self->len, 1, 0x4, NULL));
	EXPECT_EQ(-EINVAL, run(self->fd, self->mem, 0, 1, 0, NULL));
	EXPECT_EQ(-EINVAL, run(self->fd, self->mem, self->len, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, run(self->fd, self->mem + 1, ps, 1, 0, NULL));
	EXPECT_EQ(-EINVAL, run(self->fd, self->mem, ps + 1, 1, 0, NULL));
	EXPECT_EQ(-E2BIG, run(self->fd, self->mem,
			      (VADDR_PIN_BENCH_MAX_PAGES + 1) * ps, 1, 0,
			      NULL));
	EXPECT_EQ(-1, ioctl(self->fd, _IO('V', 0x51)));
	EXPECT_EQ(ENOTTY, errno);
}

/* Both kinds of run pin all of it, time it and give it all back. */
TEST_F(bench, runs_time_and_unpin)
{
	static const unsigned int flags[] = {
		0, VADDR_PIN_BENCH_WRITE, VADDR_PIN_BENCH_RAW,
		VADDR_PIN_BENCH_RAW | VADDR_PIN_BENCH_WRITE,
	};
	static const unsigned int pages[] = { 1, 7, 64, 512 };
	struct vaddr_pin_bench_run r;
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		for (j = 0; j < ARRAY_SIZE(pages); j++) {
			ASSERT_EQ(0, run(self->fd, self->mem, self->len,
					 pages[j], flags[i], &r))
				TH_LOG("flags %#x, %u pages per call", flags[i],
				       pages[j]);
			EXPECT_LT(0, r.pin_ns);
			EXPECT_LT(0, r.unpin_ns);
			EXPECT_EQ(self->held, pins_held());
			EXPECT_EQ(0, vm_pin_pages());
		}
	}
}

/*
 * A run that meets a hole half-way fails and unpins what it pinned, the
 * first pages of the call with the hole included.
 */
TEST_F(bench, run_into_a_hole_unpins_what_it_pinned)
{
	long ps = getpagesize();

	ASSERT_EQ(0, munmap(self->mem + self->len / 2 + 2 * ps, ps));
	EXPECT_EQ(-EFAULT, run(self->fd, self->mem, self->len, 4, 0, NULL));
	EXPECT_EQ(self->held, pins_held());
	EXPECT_EQ(-EFAULT, run(self->fd, self->mem, self->len, 4,
			       VADDR_PIN_BENCH_RAW, NULL));
	EXPECT_EQ(self->held, pins_held());
}

TEST_HARNESS_MAIN
