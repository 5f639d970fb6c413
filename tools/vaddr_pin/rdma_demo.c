// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_demo: RDMA into a file, and the filesystem taking it back.
 *
 *   rdma_demo DAX_DIR PAGECACHE_DIR [DEVICE]
 *
 * DAX_DIR is on a filesystem mounted -o dax (persistent memory),
 * PAGECACHE_DIR on an ordinary ext4 or xfs; DEVICE is the RDMA device,
 * rxe0 by default.  Real RDMA WRITEs go over a loopback RC connection.
 * One line per step, ok or FAILED with the time it took, then a summary;
 * the exit status is 1 if a step failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "rdma_loop.h"
#include "timing.h"

#ifndef F_LAYOUT
#define F_LAYOUT	16
#define F_UNBREAK	32
#endif

#define MIB		(1UL << 20)
#define FILE_BYTES	(4 * MIB)
#define MR_OFFSET	MIB		/* the MR covers the file's second MiB */
#define MR_BYTES	MIB
#define CUT_TO		(MR_OFFSET + MR_BYTES / 2)	/* into the MR */
#define MR_ACCESS	(IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE)

struct file_mr {
	char path[PATH_MAX];
	int fd;
	char *map;		/* the whole file, shared */
	struct ibv_mr *mr;	/* over map + MR_OFFSET */
};

static struct rdma_loop rl;
static struct ibv_mr *src_mr;
static char *src;		/* what the RDMA WRITEs send */
static volatile sig_atomic_t lease_signals;
static int nr_steps, nr_failed;
static double step_start;

static void begin(void)
{
	step_start = now_ms();
}

/* End a step: its line, ok or FAILED, and what happened. */
static void step(bool ok, const char *what, const char *detail)
{
	nr_steps++;
	nr_failed += !ok;
	printf("%d. %-58s %-6s %8.1f ms\n", nr_steps, what,
	       ok ? "ok" : "FAILED", now_ms() - step_start);
	if (detail && *detail)
		printf("     %s\n", detail);
	fflush(stdout);
}

static void on_lease_signal(int sig)
{
	lease_signals++;
}

/* A file of FILE_BYTES zeros (real blocks), mapped shared. */
static int make_file(struct file_mr *f, const char *dir, const char *name)
{
	char *zeros = calloc(1, FILE_BYTES);

	snprintf(f->path, sizeof(f->path), "%s/%s", dir, name);
	f->fd = open(f->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (f->fd < 0 || !zeros ||
	    write(f->fd, zeros, FILE_BYTES) != FILE_BYTES || fsync(f->fd))
		return -1;
	free(zeros);
	f->map = mmap(NULL, FILE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
		      f->fd, 0);
	return f->map == MAP_FAILED ? -1 : 0;
}

static int take_lease(struct file_mr *f, int extra)
{
	if (fcntl(f->fd, F_SETSIG, 0))
		return -1;
	return fcntl(f->fd, F_SETLEASE, F_RDLCK | F_LAYOUT | extra);
}

static struct ibv_mr *reg_file_mr(struct file_mr *f)
{
	return ibv_reg_mr(rl.pd, f->map + MR_OFFSET, MR_BYTES, MR_ACCESS);
}

/* RDMA WRITE @byte over all of @f's MR; the completion status. */
static enum ibv_wc_status write_mr(struct file_mr *f, int byte)
{
	enum ibv_wc_status status;

	memset(src, byte, MR_BYTES);
	if (rdma_loop_write(&rl, src_mr, src, MR_BYTES,
			    (uintptr_t)f->map + MR_OFFSET, f->mr->rkey,
			    &status))
		return IBV_WC_GENERAL_ERR;
	return status;
}

/*
 * Another process truncates @f to CUT_TO, into the MR: 0 if it did, or
 * the errno it got; *@ms is how long it took.
 */
static int truncate_elsewhere(struct file_mr *f, double *ms)
{
	int status, pipefd[2];
	double took = -1;
	pid_t pid;

	if (pipe(pipefd))
		return errno;
	pid = fork();
	if (pid < 0)
		return errno;
	if (!pid) {
		double t0 = now_ms();
		int err = truncate(f->path, CUT_TO) ? errno : 0;

		took = now_ms() - t0;
		if (write(pipefd[1], &took, sizeof(took)) != sizeof(took))
			_exit(255);
		_exit(err);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &took, sizeof(took)) != sizeof(took))
		took = -1;
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	*ms = took;
	return WIFEXITED(status) ? WEXITSTATUS(status) : EINTR;
}

static void show_lspins(const char *path)
{
	char self[PATH_MAX], cmd[3 * PATH_MAX], line[512];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	FILE *p;

	if (n < 0)
		return;
	self[n] = 0;
	*strrchr(self, '/') = 0;
	snprintf(cmd, sizeof(cmd), "%s/lspins --file '%s'", self, path);
	printf("     $ lspins --file %s\n", path);
	p = popen(cmd, "r");
	while (p && fgets(line, sizeof(line), p))
		printf("     %s", line);
	if (p)
		pclose(p);
}

int main(int argc, char **argv)
{
	struct file_mr dax = { .fd = -1 }, pc = { .fd = -1 }, ub = { .fd = -1 };
	char detail[256];
	enum ibv_wc_status st, st_pc;
	struct stat sb;
	double ms;
	int err;

	if (argc < 3) {
		fprintf(stderr, "usage: %s DAX_DIR PAGECACHE_DIR [DEVICE]\n",
			argv[0]);
		return 2;
	}
	signal(SIGIO, on_lease_signal);
	if (rdma_loop_open(&rl, argc > 3 ? argv[3] : "rxe0")) {
		perror("rdma_demo: RDMA device");
		return 1;
	}
	src = mmap(NULL, MR_BYTES, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	src_mr = src == MAP_FAILED ? NULL :
		 ibv_reg_mr(rl.pd, src, MR_BYTES, IBV_ACCESS_LOCAL_WRITE);
	if (!src_mr || make_file(&dax, argv[1], "rdma_demo.dax") ||
	    make_file(&pc, argv[2], "rdma_demo.ext4") ||
	    make_file(&ub, argv[1], "rdma_demo.unbreak")) {
		perror("rdma_demo: setup");
		return 1;
	}
	printf("RDMA into files, on %s, with a loopback RC connection.\n"
	       "The memory region is the second MiB of a 4 MiB file:\n"
	       "  %s (persistent memory, -o dax)\n  %s (page cache)\n"
	       "Stock Linux refuses both (EOPNOTSUPP, EFAULT): nothing could\n"
	       "take the pinned pages back when the filesystem needs them.\n"
	       "Here the holder takes a layout lease on the file\n"
	       "(fcntl F_SETLEASE, F_RDLCK | F_LAYOUT), and the filesystem\n"
	       "revokes the region through it.\n\n",
	       ibv_get_device_name(rl.ctx->device), dax.path, pc.path);

	begin();
	dax.mr = reg_file_mr(&dax);
	err = errno;
	pc.mr = reg_file_mr(&pc);
	snprintf(detail, sizeof(detail),
		 "ibv_reg_mr: %s (dax), %s (page cache)",
		 dax.mr ? "registered" : strerror(err),
		 pc.mr ? "registered" : strerror(errno));
	step(!dax.mr && err == EPERM && !pc.mr && errno == EPERM,
	     "without a layout lease, registering the files is refused",
	     detail);

	begin();
	if (!take_lease(&dax, 0))
		dax.mr = reg_file_mr(&dax);
	if (!take_lease(&pc, 0))
		pc.mr = reg_file_mr(&pc);
	step(dax.mr && pc.mr,
	     "with F_SETLEASE F_LAYOUT, both register", NULL);
	if (dax.mr)
		show_lspins(dax.path);
	if (!dax.mr || !pc.mr)
		goto out;

	begin();
	st = write_mr(&dax, 'R');
	st_pc = write_mr(&pc, 'R');
	snprintf(detail, sizeof(detail), "completions: %s (dax), %s (page cache)",
		 ibv_wc_status_str(st), ibv_wc_status_str(st_pc));
	step(st == IBV_WC_SUCCESS && st_pc == IBV_WC_SUCCESS &&
	     file_bytes_are(dax.fd, MR_OFFSET, MR_BYTES, 'R') &&
	     file_bytes_are(pc.fd, MR_OFFSET, MR_BYTES, 'R'),
	     "RDMA WRITEs land in the files (read back with read())",
	     detail);

	begin();
	err = truncate_elsewhere(&dax, &ms);
	snprintf(detail, sizeof(detail),
		 "truncate: %s in %.1f ms; lease signals: %d; size now %ld",
		 err ? strerror(err) : "done", ms, (int)lease_signals,
		 fstat(dax.fd, &sb) ? -1L : (long)sb.st_size);
	step(!err && lease_signals >= 1 && sb.st_size == CUT_TO,
	     "another process truncates into the region: MR revoked",
	     detail);

	begin();
	st = write_mr(&dax, 'X');
	snprintf(detail, sizeof(detail), "completion: %s",
		 ibv_wc_status_str(st));
	step(st != IBV_WC_SUCCESS &&
	     file_bytes_are(dax.fd, MR_OFFSET, CUT_TO - MR_OFFSET, 'R') &&
	     !ibv_dereg_mr(dax.mr),
	     "the next RDMA WRITE fails, the file is intact, dereg works",
	     detail);
	dax.mr = NULL;

	begin();
	if (!take_lease(&ub, F_UNBREAK))
		ub.mr = reg_file_mr(&ub);
	err = ub.mr ? truncate_elsewhere(&ub, &ms) : errno;
	snprintf(detail, sizeof(detail), "truncate: %s",
		 err ? strerror(err) : "done");
	step(ub.mr && err == ETXTBSY && !fstat(ub.fd, &sb) &&
	     sb.st_size == FILE_BYTES,
	     "under an F_UNBREAK lease the same truncate fails", detail);

out:
	if (ub.mr)
		ibv_dereg_mr(ub.mr);
	if (pc.mr)
		ibv_dereg_mr(pc.mr);
	if (dax.mr)
		ibv_dereg_mr(dax.mr);
	ibv_dereg_mr(src_mr);
	rdma_loop_close(&rl);
	printf("\n%d of %d steps ok\n", nr_steps - nr_failed, nr_steps);
	unlink(dax.path);
	unlink(pc.path);
	unlink(ub.path);
	return nr_failed || nr_steps != 6;
}
