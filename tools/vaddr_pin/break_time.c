// SPDX-License-Identifier: GPL-2.0
/*
 * break_time: how long a layout change takes that breaks N pins on one file.
 *
 *   break_time DIR N [REPEATS]
 *
 * Makes a file of N pages in DIR, maps it, takes a layout lease, pins each
 * page with its own call through the test pinner (CONFIG_VADDR_PIN_TEST),
 * so the file has N pinned ranges, then times ftruncate(fd, 0), which
 * revokes them all.  Prints the median, minimum and maximum over REPEATS
 * runs (5 by default), in microseconds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../../mm/vaddr_pin_test.h"
#include "timing.h"

#ifndef F_LAYOUT
#define F_LAYOUT	16
#endif

#define PINNER	"/sys/kernel/debug/vaddr_pin_test"

/* One run: N pins, one truncate.  Returns its time in us, or < 0. */
static double one_run(const char *path, long n, long ps)
{
	struct vaddr_pin_test_pin arg = { .len = ps };
	double t0, t1;
	int fd, pinner;
	char *map;
	long i;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	pinner = open(PINNER, O_RDWR);
	if (fd < 0 || pinner < 0 || ftruncate(fd, n * ps)) {
		perror("break_time: setup");
		return -1;
	}
	map = mmap(NULL, n * ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED || fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT)) {
		perror("break_time: map or lease");
		return -1;
	}
	for (i = 0; i < n; i++) {
		arg.addr = (unsigned long)(map + i * ps);
		arg.flags = VADDR_PIN_TEST_WRITE;
		if (ioctl(pinner, VADDR_PIN_TEST_IOC_PIN, &arg)) {
			perror("break_time: pin");
			return -1;
		}
	}
	t0 = now_ms() * 1e3;
	if (ftruncate(fd, 0)) {
		perror("break_time: truncate");
		return -1;
	}
	t1 = now_ms() * 1e3;
	munmap(map, n * ps);
	close(pinner);
	close(fd);
	unlink(path);
	return t1 - t0;
}

int main(int argc, char **argv)
{
	long n, repeats = 5, ps = sysconf(_SC_PAGESIZE), i;
	char path[4096];
	double *t;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: break_time DIR N [REPEATS]\n");
		return 2;
	}
	n = atol(argv[2]);
	if (argc == 4)
		repeats = atol(argv[3]);
	if (n < 1 || repeats < 1) {
		fprintf(stderr, "break_time: N and REPEATS must be positive\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/break_time.%d", argv[1], getpid());
	/* The break signals the lease holder, this process: SIGIO kills. */
	signal(SIGIO, SIG_IGN);
	t = calloc(repeats, sizeof(*t));
	if (!t)
		return 1;
	for (i = 0; i < repeats; i++) {
		t[i] = one_run(path, n, ps);
		if (t[i] < 0)
			return 1;
	}
	qsort(t, repeats, sizeof(*t), cmp_double);
	printf("break of %ld pins: median %.0f us, min %.0f us, max %.0f us (%ld runs)\n",
	       n, t[repeats / 2], t[0], t[repeats - 1], repeats);
	return 0;
}
