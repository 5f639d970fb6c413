// SPDX-License-Identifier: GPL-2.0
/*
 * pin_time: what pinning and unpinning through vaddr_pin costs against
 * pin_user_pages_fast(FOLL_LONGTERM), timed in the kernel by
 * /sys/kernel/debug/vaddr_pin_bench (CONFIG_VADDR_PIN_BENCH).
 *
 *   pin_time anon MIB PAGES REPEATS
 *   pin_time file PATH MIB PAGES REPEATS same|anon
 *   pin_time threads PATH MIB PAGES REPEATS
 *
 * anon: MIB MiB of anonymous memory in 4 KiB pages, pinned for write in
 * calls of PAGES pages and unpinned, REPEATS times through vaddr_pin and
 * REPEATS times through the baseline, taking turns.  file: the same on a
 * file of MIB MiB made at PATH, mapped shared and leased; the baseline pins
 * the same mapping (same) or anonymous memory of the same size (anon: for
 * fsdax, which the baseline cannot pin).  threads: a file of MIB MiB,
 * split in two halves; one thread pins and unpins one half, then two
 * threads pin and unpin one half each at the same time, through vaddr_pin
 * and through the baseline.
 *
 * Each measurement ends with one line for scripts/bench.py:
 *   bench NAME vaddr_pin_ms=M baseline_ms=M ratio=R reps=N
 * (for threads: one_ms, two_ms and the throughput ratio 2 * one / two,
 * for vaddr_pin and for the baseline) where M are medians.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../../mm/vaddr_pin_bench.h"
#include "leased_file.h"
#include "timing.h"

#define BENCH	"/sys/kernel/debug/vaddr_pin_bench"

static int bench_fd;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* One run of the in-kernel loop; its pin + unpin time in ms. */
static double run_once(void *addr, size_t len, unsigned int pages,
		       unsigned int flags)
{
	struct vaddr_pin_bench_run run = {
		.addr = (unsigned long)addr,
		.len = len,
		.pages_per_call = pages,
		.flags = flags | VADDR_PIN_BENCH_WRITE,
	};

	if (ioctl(bench_fd, VADDR_PIN_BENCH_IOC_RUN, &run))
		die("pin_time: VADDR_PIN_BENCH_IOC_RUN");
	return (run.pin_ns + run.unpin_ns) / 1e6;
}

static double median(double *t, int n)
{
	qsort(t, n, sizeof(*t), cmp_double);
	return t[n / 2];
}

/* Anonymous memory in 4 KiB pages, faulted in. */
static void *anon_memory(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || madvise(p, len, MADV_NOHUGEPAGE))
		die("pin_time: anonymous memory");
	memset(p, 1, len);
	return p;
}

/*
 * @reps runs through vaddr_pin at @addr and through the baseline at
 * @base_addr, taking turns so that both see the same drift of the host.
 */
static void compare(const char *name, void *addr, void *base_addr,
		    size_t len, unsigned int pages, int reps)
{
	double *vp = calloc(reps, sizeof(double));
	double *raw = calloc(reps, sizeof(double));
	double mv, mr;
	int i;

	if (!vp || !raw)
		die("pin_time: calloc");
	/* Once each untimed: fault in, allocate what the kernel caches. */
	run_once(addr, len, pages, 0);
	run_once(base_addr, len, pages, VADDR_PIN_BENCH_RAW);
	for (i = 0; i < reps; i++) {
		vp[i] = run_once(addr, len, pages, 0);
		raw[i] = run_once(base_addr, len, pages, VADDR_PIN_BENCH_RAW);
	}
	mv = median(vp, reps);
	mr = median(raw, reps);
	printf("bench %s vaddr_pin_ms=%.3f baseline_ms=%.3f ratio=%.3f reps=%d\n",
	       name, mv, mr, mv / mr, reps);
	free(vp);
	free(raw);
}

struct worker {
	pthread_t thread;
	pthread_barrier_t *start;
	void *addr;
	size_t len;
	unsigned int pages, flags;
	double t0, t1;		/* when this worker began, ended */
};

/*
 * Pin and unpin one half once, in step with the other worker.  The workers
 * time themselves: with as many workers as CPUs, whoever else would time
 * them may not run until they are done.
 */
static void *work(void *arg)
{
	struct worker *w = arg;

	pthread_barrier_wait(w->start);
	w->t0 = now_ms();
	run_once(w->addr, w->len, w->pages, w->flags);
	w->t1 = now_ms();
	return NULL;
}

/*
 * One round in which each of @nr workers pins and unpins its half once:
 * the time from the first start to the last end.
 */
static double one_round(char *map, size_t half, unsigned int pages,
			unsigned int flags, int nr)
{
	pthread_barrier_t start;
	struct worker w[2];
	double t0, t1;
	int i;

	pthread_barrier_init(&start, NULL, nr);
	for (i = 0; i < nr; i++) {
		w[i] = (struct worker){ .start = &start,
			.addr = map + i * half, .len = half, .pages = pages,
			.flags = flags };
		if (pthread_create(&w[i].thread, NULL, work, &w[i]))
			die("pin_time: starting a worker");
	}
	for (i = 0; i < nr; i++)
		pthread_join(w[i].thread, NULL);
	pthread_barrier_destroy(&start);
	t0 = w[0].t0;
	t1 = w[0].t1;
	for (i = 1; i < nr; i++) {
		t0 = w[i].t0 < t0 ? w[i].t0 : t0;
		t1 = w[i].t1 > t1 ? w[i].t1 : t1;
	}
	return t1 - t0;
}

/*
 * Throughput of two threads on disjoint halves against one thread, for
 * @flags (vaddr_pin or the baseline): the median times of one round of
 * each, the rounds taking turns so that both see the same drift.
 */
static void one_and_two(char *map, size_t half, unsigned int pages,
			unsigned int flags, int reps, double *one, double *two)
{
	double *t1 = calloc(reps, sizeof(double));
	double *t2 = calloc(reps, sizeof(double));
	int i;

	if (!t1 || !t2)
		die("pin_time: calloc");
	for (i = 0; i < reps; i++) {
		t1[i] = one_round(map, half, pages, flags, 1);
		t2[i] = one_round(map, half, pages, flags, 2);
	}
	*one = median(t1, reps);
	*two = median(t2, reps);
	free(t1);
	free(t2);
}

static void threads(const char *name, char *map, size_t len,
		    unsigned int pages, int reps)
{
	double one, two, raw_one, raw_two;

	run_once(map, len, pages, 0);
	one_and_two(map, len / 2, pages, 0, reps, &one, &two);
	one_and_two(map, len / 2, pages, VADDR_PIN_BENCH_RAW, reps, &raw_one,
		    &raw_two);
	printf("bench %s one_ms=%.3f two_ms=%.3f ratio=%.3f baseline_one_ms=%.3f baseline_two_ms=%.3f baseline_ratio=%.3f reps=%d\n",
	       name, one, two, 2 * one / two, raw_one, raw_two,
	       2 * raw_one / raw_two, reps);
}

static void usage(void)
{
	fprintf(stderr, "usage: pin_time anon MIB PAGES REPEATS\n"
		"       pin_time file PATH MIB PAGES REPEATS same|anon\n"
		"       pin_time threads PATH MIB PAGES REPEATS\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int file = strcmp(mode, "anon") != 0, reps;
	unsigned int pages;
	char name[256];
	size_t len;
	void *map;

	if (!strcmp(mode, "anon") ? argc != 5 :
	    !strcmp(mode, "file") ? argc != 7 :
	    !strcmp(mode, "threads") ? argc != 6 : 1)
		usage();
	len = (size_t)atol(argv[2 + file]) << 20;
	pages = atoi(argv[3 + file]);
	reps = atoi(argv[4 + file]);
	if (!len || !pages || reps < 1)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	/*
	 * No RLIMIT_MEMLOCK, as long-term pinners are set up: over it, each
	 * call of either kind would also ask for CAP_IPC_LOCK.
	 */
	setrlimit(RLIMIT_MEMLOCK, &(struct rlimit){ RLIM_INFINITY,
						    RLIM_INFINITY });
	/* A layout break signals the lease holder; never during a run. */
	signal(SIGIO, SIG_IGN);
	bench_fd = open(BENCH, O_RDWR);
	if (bench_fd < 0)
		die("pin_time: " BENCH);

	if (!file) {
		map = anon_memory(len);
		snprintf(name, sizeof(name), "pin.anon.%u", pages);
		compare(name, map, map, len, pages, reps);
		return 0;
	}
	/* The mapping and the lease keep what they need; unlink at exit. */
	map = map_leased_file(argv[2], len, 1, NULL);
	if (!strcmp(mode, "threads")) {
		snprintf(name, sizeof(name), "threads.%u", pages);
		threads(name, map, len, pages, reps);
	} else if (!strcmp(argv[6], "same") || !strcmp(argv[6], "anon")) {
		snprintf(name, sizeof(name), "pin.file.%u", pages);
		compare(name, map, strcmp(argv[6], "same") ?
			anon_memory(len) : map, len, pages, reps);
	} else {
		usage();
	}
	unlink(argv[2]);
	return 0;
}
