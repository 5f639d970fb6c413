// SPDX-License-Identifier: GPL-2.0
/*
 * record_bytes: the kernel memory that one pinned range costs, whatever
 * its number of pages.
 *
 *   record_bytes DIR N PAGES...
 *
 * For each PAGES, pins the first PAGES pages of a leased file in DIR N
 * times, each with its own call through the test pinner (so N ranges),
 * and reads from /sys/kernel/slab what the memory of the slabs of the
 * records' cache, vaddr_pin_range, grew by.  The
 * guest boots with slab_nomerge for this, or the cache may share its slabs
 * with others.  Prints, per PAGES, a line for scripts/bench.py:
 *   bench record.PAGES bytes=B objsize=S ranges=N
 * where B is the growth of the slabs' memory divided by N, and S the size
 * of one object in its slab, metadata and alignment included.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../mm/vaddr_pin_test.h"
#include "leased_file.h"

#define PINNER	"/sys/kernel/debug/vaddr_pin_test"
#define CACHE	"vaddr_pin_range"

struct slab_use {
	long objsize, bytes;
};

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* The first number in /sys/kernel/slab/vaddr_pin_range/@name. */
static long slab_attr(const char *name)
{
	char path[256];
	long v;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/%s", CACHE, name);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%ld", &v) != 1)
		die(path);
	fclose(f);
	return v;
}

/*
 * What the records' cache holds now: the memory of all its slabs, per-CPU
 * ones included (/proc/slabinfo leaves those out), and its object size.
 */
static struct slab_use slab_use(void)
{
	struct slab_use u;

	u.objsize = slab_attr("slab_size");
	u.bytes = slab_attr("slabs") * (sysconf(_SC_PAGESIZE) << slab_attr("order"));
	return u;
}

/* @n ranges of @pages pages each: the growth of the cache per range. */
static void measure(const char *dir, long n, long pages)
{
	long ps = sysconf(_SC_PAGESIZE), i;
	struct vaddr_pin_test_pin arg = { .len = pages * ps };
	struct slab_use before, after;
	char path[4096];
	int fd, pinner;
	char *map;

	snprintf(path, sizeof(path), "%s/record_bytes.%d", dir, getpid());
	map = map_leased_file(path, pages * ps, -1, &fd);
	pinner = open(PINNER, O_RDWR);
	if (pinner < 0)
		die("record_bytes: " PINNER);
	arg.addr = (unsigned long)map;

	before = slab_use();
	for (i = 0; i < n; i++)
		if (ioctl(pinner, VADDR_PIN_TEST_IOC_PIN, &arg))
			die("record_bytes: pin");
	after = slab_use();
	printf("bench record.%ld bytes=%.1f objsize=%ld ranges=%ld\n",
	       pages, (double)(after.bytes - before.bytes) / n, after.objsize,
	       n);
	close(pinner);
	munmap(map, pages * ps);
	close(fd);
	unlink(path);
}

int main(int argc, char **argv)
{
	long n;
	int i;

	if (argc < 4 || (n = atol(argv[2])) < 1) {
		fprintf(stderr, "usage: record_bytes DIR N PAGES...\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGIO, SIG_IGN);
	for (i = 3; i < argc; i++)
		measure(argv[1], n, atol(argv[i]));
	return 0;
}
