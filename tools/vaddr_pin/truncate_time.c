// SPDX-License-Identifier: GPL-2.0
/*
 * truncate_time: what a shrinking truncate costs a file that never had a
 * lease, the fast path every truncate of every file takes.
 *
 *   truncate_time DIR [OPS] [REPEATS]
 *
 * Each repeat creates a file of one page in DIR, then OPS times writes a
 * second page and times the ftruncate() back to one page.  Prints the
 * median, minimum and maximum over REPEATS (7 by default) of the mean
 * time of one ftruncate() in microseconds, and a line for
 * scripts/bench.py ("file" stands for the file system, there):
 *   bench truncate.file us=MEDIAN reps=R
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "timing.h"

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* The mean time of one shrinking ftruncate() of a new file, in us. */
static double one_repeat(const char *path, long ops, long ps, char *page)
{
	double spent = 0, t0;
	long i;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || pwrite(fd, page, ps, 0) != ps)
		die("truncate_time: creating the file");
	for (i = 0; i < ops; i++) {
		if (pwrite(fd, page, ps, ps) != ps)
			die("truncate_time: write");
		t0 = now_ms();
		if (ftruncate(fd, ps))
			die("truncate_time: ftruncate");
		spent += now_ms() - t0;
	}
	close(fd);
	unlink(path);
	return spent * 1e3 / ops;
}

int main(int argc, char **argv)
{
	long ops = 2000, repeats = 7, ps, i;
	char path[4096], *page;
	double *t;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: truncate_time DIR [OPS] [REPEATS]\n");
		return 2;
	}
	if (argc > 2)
		ops = atol(argv[2]);
	if (argc > 3)
		repeats = atol(argv[3]);
	if (ops < 1 || repeats < 1) {
		fprintf(stderr, "truncate_time: OPS and REPEATS must be positive\n");
		return 2;
	}
	ps = sysconf(_SC_PAGESIZE);
	page = malloc(ps);
	t = calloc(repeats, sizeof(*t));
	if (!page || !t)
		die("truncate_time: malloc");
	memset(page, 'x', ps);
	snprintf(path, sizeof(path), "%s/truncate_time.%d", argv[1], getpid());
	for (i = 0; i < repeats; i++)
		t[i] = one_repeat(path, ops, ps, page);
	qsort(t, repeats, sizeof(*t), cmp_double);
	printf("truncate of a file with no lease: median %.2f us, min %.2f us, max %.2f us (%ld runs of %ld)\n",
	       t[repeats / 2], t[0], t[repeats - 1], repeats, ops);
	printf("bench truncate.file us=%.2f reps=%ld\n", t[repeats / 2],
	       repeats);
	free(t);
	free(page);
	return 0;
}
