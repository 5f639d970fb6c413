// SPDX-License-Identifier: GPL-2.0
/*
 * break_time: how long a layout change takes that breaks pins on one file.
 *
 *   break_time revoke DIR K [REPEATS]
 *   break_time others DIR N [REPEATS]
 *   break_time leases DIR L [REPEATS]
 *
 * revoke: pins each of K pages of a leased file in DIR with its own call
 * through the test pinner (CONFIG_VADDR_PIN_TEST), then times punching a
 * hole over the K pages, which revokes all K pins.
 * others: pins pages 1 to N of the file, then page 0 on its own, and
 * times punching a hole over page 0, which revokes that one pin and must
 * not depend on the N others.
 * leases: opens the file of L pages L times, takes a layout lease through
 * each open file and pins page i through a mapping of the i-th, then
 * times punching a hole over the L pages: L pins of L leases revoked, L
 * holders signalled.  Its cost must grow with L, not L squared.
 *
 * Prints the median, minimum and maximum over REPEATS runs (5 by default)
 * in microseconds, and a line for scripts/bench.py:
 *   bench break.revoke.K us=MEDIAN reps=R   (or break.others.N,
 *   break.leases.L)
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
#include <sys/resource.h>
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

/*
 * Open @path @n times more, each with a layout lease and a mapping, in
 * @maps; the fds go to @fds.
 */
static void lease_each(const char *path, long n, char **maps, int *fds)
{
	long i;

	for (i = 0; i < n; i++) {
		fds[i] = open(path, O_RDWR);
		if (fds[i] < 0)
			die("break_time: open");
		maps[i] = mmap(NULL, n * ps, PROT_READ | PROT_WRITE,
			       MAP_SHARED, fds[i], 0);
		if (maps[i] == MAP_FAILED)
			die("break_time: mmap");
		if (fcntl(fds[i], F_SETLEASE, F_RDLCK | F_LAYOUT))
			die("break_time: F_SETLEASE");
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
	long n, repeats = 5, i, j, pages;
	int fd, pinner, revoke, leases;
	int *fds = NULL;
	char **maps = NULL;
	char path[4096];
	double *t;
	char *map;

	if (argc < 4 || argc > 5 ||
	    (strcmp(argv[1], "revoke") && strcmp(argv[1], "others") &&
	     strcmp(argv[1], "leases"))) {
		fprintf(stderr, "usage: break_time revoke|others|leases DIR N [REPEATS]\n");
		return 2;
	}
	revoke = !strcmp(argv[1], "revoke");
	leases = !strcmp(argv[1], "leases");
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
	pages = revoke || leases ? n : n + 1;
	map = map_leased_file(path, pages * ps, -1, &fd);
	pinner = open(PINNER, O_RDWR);
	if (pinner < 0)
		die("break_time: " PINNER);
	if (leases) {
		struct rlimit nofile = { n + 64, n + 64 };

		if (setrlimit(RLIMIT_NOFILE, &nofile))
			die("break_time: RLIMIT_NOFILE");
		fds = calloc(n, sizeof(*fds));
		maps = calloc(n, sizeof(*maps));
		if (!fds || !maps)
			die("break_time: calloc");
		lease_each(path, n, maps, fds);
	} else if (!revoke) {
		pin_each(pinner, map, 1, n);
	}
	for (i = 0; i < repeats; i++) {
		if (leases) {
			for (j = 0; j < n; j++)
				pin_each(pinner, maps[j], j, 1);
			t[i] = punch(fd, 0, n);
		} else if (revoke) {
			pin_each(pinner, map, 0, n);
			t[i] = punch(fd, 0, n);
		} else {
			pin_each(pinner, map, 0, 1);
			t[i] = punch(fd, 0, 1);
		}
	}
	qsort(t, repeats, sizeof(*t), cmp_double);
	printf("%s: break of %ld pins%s: median %.0f us, min %.0f us, max %.0f us (%ld runs)\n",
	       argv[1], revoke || leases ? n : 1,
	       leases ? ", one per lease" : revoke ? "" : ", other pins kept",
	       t[repeats / 2], t[0], t[repeats - 1], repeats);
	printf("bench break.%s.%ld us=%.1f reps=%ld\n", argv[1], n,
	       t[repeats / 2], repeats);
	for (j = 0; leases && j < n; j++) {
		munmap(maps[j], n * ps);
		close(fds[j]);
	}
	free(fds);
	free(maps);
	munmap(map, pages * ps);
	close(pinner);
	close(fd);
	unlink(path);
	return 0;
}
