// SPDX-License-Identifier: GPL-2.0
/*
 * break_time: how long a layout change takes that breaks pins on one file.
 *
 *   break_time revoke DIR K [REPEATS]
 *   break_time others DIR N [REPEATS]
 *
 * revoke: pins each of K pages of a leased file in DIR with its own call
 * through the test pinner (CONFIG_VADDR_PIN_TEST), then times punching a
 * hole over the K pages, which revokes all K pins.
 * others: pins pages 1 to N of the file, then page 0 on its own, and
 * times punching a hole over page 0, which revokes that one pin and must
 * not depend on the N others.
 *
 * Prints the median, minimum and maximum over REPEATS runs (5 by default)
 * in microseconds, and a line for scripts/bench.py:
 *   bench break.revoke.K us=MEDIAN reps=R   (or break.others.N)
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
#include <unistd.h>

#include "../../mm/vaddr_pin_test.h"
#include "leased_file.h"
#include "timing.h"

#define PINNER	"/sys/kernel/debug/vaddr_pin_test"

static long ps;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* Pin pages [first, first + nr) of @map, one call each. */
static void pin_each(int pinner, char *map, long first, long nr)
{
	struct vaddr_pin_test_pin arg = {
		.len = ps,
		.flags = VADDR_PIN_TEST_WRITE,
	};
	long i;

	for (i = first; i < first + nr; i++) {
		arg.addr = (unsigned long)(map + i * ps);
		if (ioctl(pinner, VADDR_PIN_TEST_IOC_PIN, &arg))
			die("break_time: pin");
	}
}

/* Punch a hole over pages [first, first + nr); its time in us. */
static double punch(int fd, long first, long nr)
{
	double t0 = now_ms();

	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      first * ps, nr * ps))
		die("break_time: punching the hole");
	return (now_ms() - t0) * 1e3;
}

int main(int argc, char **argv)
{
	long n, repeats = 5, i, pages;
	int fd, pinner, revoke;
	char path[4096];
	double *t;
	char *map;

	if (argc < 4 || argc > 5 ||
	    (strcmp(argv[1], "revoke") && strcmp(argv[1], "others"))) {
		fprintf(stderr, "usage: break_time revoke|others DIR N [REPEATS]\n");
		return 2;
	}
	revoke = !strcmp(argv[1], "revoke");
	n = atol(argv[3]);
	if (argc == 5)
		repeats = atol(argv[4]);
	if (n < 1 || repeats < 1) {
		fprintf(stderr, "break_time: N and REPEATS must be positive\n");
		return 2;
	}
	ps = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* The break signals the lease holder, this process: SIGIO kills. */
	signal(SIGIO, SIG_IGN);
	t = calloc(repeats, sizeof(*t));
	if (!t)
		die("break_time: calloc");

	snprintf(path, sizeof(path), "%s/break_time.%d", argv[2], getpid());
	pages = revoke ? n : n + 1;
	map = map_leased_file(path, pages * ps, -1, &fd);
	pinner = open(PINNER, O_RDWR);
	if (pinner < 0)
		die("break_time: " PINNER);
	if (!revoke)
		pin_each(pinner, map, 1, n);
	for (i = 0; i < repeats; i++) {
		if (revoke) {
			pin_each(pinner, map, 0, n);
			t[i] = punch(fd, 0, n);
		} else {
			pin_each(pinner, map, 0, 1);
			t[i] = punch(fd, 0, 1);
		}
	}
	qsort(t, repeats, sizeof(*t), cmp_double);
	printf("%s: break of %ld pins%s: median %.0f us, min %.0f us, max %.0f us (%ld runs)\n",
	       argv[1], revoke ? n : 1, revoke ? "" : ", other pins kept",
	       t[repeats / 2], t[0], t[repeats - 1], repeats);
	printf("bench break.%s.%ld us=%.1f reps=%ld\n", argv[1], n,
	       t[repeats / 2], repeats);
	munmap(map, pages * ps);
	close(pinner);
	close(fd);
	unlink(path);
	return 0;
}
