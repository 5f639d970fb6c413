// SPDX-License-Identifier: GPL-2.0
/*
 * mr_time: what ibv_reg_mr() + ibv_dereg_mr() cost on a leased file,
 * against the same size of anonymous memory.
 *
 *   mr_time [-c] DIR MIB [REPEATS [DEVICE]]
 *
 * Makes a file of MIB MiB in DIR (written, so its pages or blocks exist),
 * maps it shared, takes a layout lease, and times REPEATS (5 by default)
 * registrations and deregistrations of all of it with remote write
 * access; then the same for anonymous memory already faulted in, in
 * 4 KiB pages (MADV_NOHUGEPAGE, as the file's page cache is) and with
 * transparent huge pages.  With -c, the file is written back (fsync())
 * before each registration, untimed, as the flusher may have done since
 * the last one: the pages are clean and write-protected again, and the
 * registration, which pins for write, has the filesystem make each of them
 * writable (->page_mkwrite) once more; what that costs by itself is timed
 * too, as a user-space store to each page after the same fsync().
 *
 * Prints the median, minimum and maximum of each in milliseconds, the
 * ratios of the medians, the pages the system wrote back while the file's
 * registrations were timed (nr_written of /proc/vmstat: with writeback
 * held off it should be 0; with -c it counts the fsync()s), and a line for
 * scripts/bench.py:
 * bench mr.file vaddr_pin_ms=FILE baseline_ms=ANON_4K ratio=R reps=N
 * written_pages=W [touch_ms=T].
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "leased_file.h"
#include "rdma_loop.h"
#include "timing.h"

#define MR_ACCESS	(IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE)

/* Pages written back since boot, from /proc/vmstat. */
static long nr_written(void)
{
	FILE *f = fopen("/proc/vmstat", "r");
	char name[64];
	long v;

	while (f && fscanf(f, "%63s %ld", name, &v) == 2)
		if (!strcmp(name, "nr_written")) {
			fclose(f);
			return v;
		}
	fprintf(stderr, "mr_time: no nr_written in /proc/vmstat\n");
	exit(1);
}

/* Median of the @n times in @t, sorted in place; prints them as @what. */
static double report(double *t, int n, const char *what)
{
	double median;

	qsort(t, n, sizeof(*t), cmp_double);
	median = t[n / 2];
	printf("%-10s median %9.1f ms  min %9.1f  max %9.1f  (%d runs)\n",
	       what, median, t[0], t[n - 1], n);
	free(t);
	return median;
}

/*
 * Time @n rounds of one store to each page of @len bytes at @addr, each
 * after an fsync() of @sync_fd: the write faults that a registration for
 * write takes on written-back page cache, without the registration.
 */
static double time_touch(char *addr, size_t len, int n, int sync_fd)
{
	double *t = calloc(n, sizeof(*t));
	size_t off;
	int i;

	for (i = 0; i < n; i++) {
		double t0;

		if (fsync(sync_fd)) {
			perror("mr_time: fsync");
			exit(1);
		}
		t0 = now_ms();
		for (off = 0; off < len; off += 4096)
			((volatile char *)addr)[off] = (char)i;
		t[i] = now_ms() - t0;
	}
	return report(t, n, "touch");
}

/*
 * Time @n registrations + deregistrations of @len bytes at @addr, each
 * after an fsync() of @sync_fd unless it is -1.
 */
static double time_mr(struct ibv_pd *pd, void *addr, size_t len, int n,
		      int sync_fd, const char *what)
{
	double *t = calloc(n, sizeof(*t));
	struct ibv_mr *mr;
	int i;

	for (i = 0; i < n; i++) {
		double t0;

		if (sync_fd >= 0 && fsync(sync_fd)) {
			perror("mr_time: fsync");
			exit(1);
		}
		t0 = now_ms();

		mr = ibv_reg_mr(pd, addr, len, MR_ACCESS);
		if (!mr || ibv_dereg_mr(mr)) {
			perror("mr_time: ibv_reg_mr");
			exit(1);
		}
		t[i] = now_ms() - t0;
	}
	return report(t, n, what);
}

int main(int argc, char **argv)
{
	int n, fd, clean = argc > 1 && !strcmp(argv[1], "-c");
	char path[PATH_MAX], *file, *anon, *thp;
	struct rdma_loop rl;
	double f, a, h, touch = 0;
	long written;
	size_t len;

	/* After -c, the arguments as without it. */
	argc -= clean;
	argv += clean;
	n = argc > 3 ? atoi(argv[3]) : 5;
	if (argc < 3 || atol(argv[2]) <= 0 || n <= 0) {
		fprintf(stderr, "usage: mr_time [-c] DIR MIB [REPEATS [DEVICE]]\n");
		return 2;
	}
	len = atol(argv[2]) << 20;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGIO, SIG_IGN);
	if (rdma_loop_open(&rl, argc > 4 ? argv[4] : "rxe0")) {
		perror("mr_time: RDMA device");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/mr_time.%d", argv[1], getpid());
	file = map_leased_file(path, len, 0, &fd);
	anon = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	thp = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED || thp == MAP_FAILED ||
	    madvise(anon, len, MADV_NOHUGEPAGE)) {
		perror("mr_time: setup");
		return 1;
	}
	memset(anon, 0, len);
	memset(thp, 0, len);
	printf("ibv_reg_mr + ibv_dereg_mr of %s MiB on %s\n", argv[2],
	       ibv_get_device_name(rl.ctx->device));
	written = nr_written();
	f = time_mr(rl.pd, file, len, n, clean ? fd : -1,
		    clean ? "file clean" : "file");
	written = nr_written() - written;
	printf("pages written back meanwhile: %ld\n", written);
	if (clean)
		touch = time_touch(file, len, n, fd);
	a = time_mr(rl.pd, anon, len, n, -1, "anon 4K");
	h = time_mr(rl.pd, thp, len, n, -1, "anon THP");
	printf("ratio of medians: file / anon 4K %.2f, file / anon THP %.2f\n",
	       f / a, f / h);
	printf("bench mr.file vaddr_pin_ms=%.3f baseline_ms=%.3f ratio=%.3f reps=%d written_pages=%ld",
	       f, a, f / a, n, written);
	if (clean)
		printf(" touch_ms=%.3f", touch);
	printf("\n");
	rdma_loop_close(&rl);
	unlink(path);
	return 0;
}
