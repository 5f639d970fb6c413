// SPDX-License-Identifier: GPL-2.0
/*
 * Stress: processes that pin, unpin, lease, unlease, register RDMA MRs on
 * rxe0, write to them over RDMA, close and get killed, while they change
 * the file's blocks by every path there is: truncate, every fallocate
 * mode, move extents (EXT4_IOC_MOVE_EXT), switch data journalling,
 * exchange them (XFS_IOC_SWAPEXT as xfs_fsr does, XFS_IOC_EXCHANGE_RANGE),
 * clone onto the file, fill holes with write(2), and read it as the source
 * of a clone, a dedupe or copy_file_range().  All at once, on one file per
 * directory of $VP_STRESS_DIRS (the guest runs it on ext4, ext4 on fsdax
 * and tmpfs, then on xfs and xfs on fsdax, with exchange-range).  A path a
 * file system does not have answers as stock does.  Every result must be
 * one the documentation allows.  Then, with every process gone: no FOLL_PIN
 * pin, record, context or dirty-pinned page is left (vaddr_pin_counts in
 * debugfs, CONFIG_DEBUG_VADDR_PIN), no layout lease, no file_pins line,
 * no new misuse report, and the backstop saw no page leave the file
 * under a pin without a break.
 *
 * $VP_STRESS_SECONDS (default 60) bounds the run; $VP_STRESS_WORKERS
 * (default 2) processes work on each directory; a killer SIGKILLs one of
 * them every 0.2 to 1 s and a new one takes its place.  The counts of
 * every operation are printed at the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/ext4.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "vaddr_pin_selftest.h"
#include "xfs_ioctls.h"
#include "xorshift.h"
#include "../../../vaddr_pin/rdma_loop.h"

#define FILE_PAGES	64
#define MAX_DIRS	4
#define MAX_WORKERS	64
#define NR_PINS		8
#define NR_MRS		4
#define VP_COUNTS	"/sys/kernel/debug/vaddr_pin_counts"
#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX	0x00200000
#endif

/* Operations, counted across every process in shared memory. */
enum op {
	OP_PIN, OP_PIN_REFUSED, OP_UNPIN, OP_REVOKED, OP_MR, OP_MR_REFUSED,
	OP_DEREG, OP_WRITE, OP_WRITE_FAILED, OP_LEASE, OP_UNLEASE,
	OP_TRUNCATE, OP_PUNCH, OP_FALLOCATE, OP_MOVE, OP_JOURNAL, OP_SWAPEXT,
	OP_EXCHANGE, OP_CLONE, OP_FILL, OP_READ_CLONE, OP_READ_COPY, OP_BUSY,
	OP_CLOSE, OP_KILL, OP_UNEXPECTED, NR_OPS
};

static const char *const op_names[NR_OPS] = {
	"pin", "pin-refused", "unpin", "revoked", "mr", "mr-refused",
	"dereg", "rdma-write", "rdma-write-failed", "lease", "unlease",
	"truncate", "punch", "fallocate", "move-ext", "journal", "swapext",
	"exchange-range", "clone-onto", "fill", "clone-or-dedupe-from",
	"copy-from", "etxtbsy", "close", "sigkill", "unexpected",
};

static long *counts;		/* NR_OPS, shared by every process */
static long ps;
static void count(enum op op)
{
	__atomic_fetch_add(&counts[op], 1, __ATOMIC_RELAXED);
}

/* An errno no documentation allows for @what: counted and said. */
static void unexpected(const char *what, int err)
{
	fprintf(stderr, "pid %d: %s: %s\n", getpid(), what, strerror(err));
	count(OP_UNEXPECTED);
}

/* What one worker holds. */
struct worker {
	const char *path;
	int fd;			/* the leasing (and mapping) file, or -1 */
	int lease;		/* 0, or the lease taken through fd */
	char *map;		/* the file, mapped through fd, or NULL */
	int pinner;
	unsigned int pins[NR_PINS];
	struct rdma_loop rl;
	char *src;		/* what RDMA writes send */
	struct ibv_mr *src_mr, *mrs[NR_MRS];
};

static void drop_map(struct worker *w)
{
	if (w->map)
		munmap(w->map, FILE_PAGES * ps);
	w->map = NULL;
}

/* Open the file anew and map it; any lease went with the old fd. */
static void reopen_file(struct worker *w)
{
	drop_map(w);
	if (w->fd >= 0) {
		close(w->fd);
		count(OP_CLOSE);
	}
	w->lease = 0;
	w->fd = open(w->path, O_RDWR);
	if (w->fd < 0) {
		unexpected("open", errno);
		return;
	}
	w->map = mmap(NULL, FILE_PAGES * ps, PROT_READ | PROT_WRITE,
		      MAP_SHARED, w->fd, 0);
	if (w->map == MAP_FAILED) {
		w->map = NULL;
		unexpected("mmap", errno);
	}
}

static void set_lease(struct worker *w)
{
	int arg = below(8) ? F_RDLCK | F_LAYOUT : F_RDLCK | F_LAYOUT | F_UNBREAK;

	if (w->lease) {
		/* Releasing revokes what is tied to it, and waits for it. */
		if (fcntl(w->fd, F_SETLEASE, F_UNLCK))
			unexpected("F_UNLCK", errno);
		w->lease = 0;
		count(OP_UNLEASE);
		return;
	}
	if (fcntl(w->fd, F_SETLEASE, arg)) {
		unexpected("F_SETLEASE", errno);
		return;
	}
	w->lease = arg;
	count(OP_LEASE);
}

/* A random run of pages of the mapped file: *@len bytes at the result. */
static char *some_pages(struct worker *w, size_t *len)
{
	unsigned long first = below(FILE_PAGES);

	*len = (1 + below(FILE_PAGES - first < 16 ? FILE_PAGES - first : 16)) * ps;
	return w->map + first * ps;
}

/*
 * Pin errors a healthy kernel gives here: no lease (EPERM), a break under
 * way (EAGAIN), pages past a truncation or a hole of fsdax (EFAULT), page
 * cache of a file switched to data journalling pinned for write
 * (EOPNOTSUPP).
 */
static bool pin_refusal(int err)
{
	return err == EPERM || err == EAGAIN || err == EFAULT ||
	       err == EOPNOTSUPP;
}

static void pin_or_unpin(struct worker *w)
{
	unsigned int *id = &w->pins[below(NR_PINS)];
	size_t len;
	char *p;

	if (*id) {
		/* Gone already if a break revoked it. */
		if (unpin(w->pinner, *id, below(2) ? VADDR_PIN_TEST_DIRTY : 0))
			errno == ENOENT ? count(OP_REVOKED) :
					  unexpected("unpin", errno);
		else
			count(OP_UNPIN);
		*id = 0;
		return;
	}
	if (!w->map)
		return;
	p = some_pages(w, &len);
	if (!pin(w->pinner, p, len, below(2) ? VADDR_PIN_TEST_WRITE : 0, id)) {
		count(OP_PIN);
	} else {
		*id = 0;
		pin_refusal(errno) ? count(OP_PIN_REFUSED) :
				     unexpected("pin", errno);
	}
}

static void mr_or_dereg(struct worker *w)
{
	struct ibv_mr **mr = &w->mrs[below(NR_MRS)];
	size_t len;
	char *p;

	if (*mr) {
		/* A revoked MR still deregisters. */
		if (ibv_dereg_mr(*mr))
			unexpected("ibv_dereg_mr", errno);
		else
			count(OP_DEREG);
		*mr = NULL;
		return;
	}
	if (!w->map || !w->rl.pd)
		return;
	p = some_pages(w, &len);
	errno = 0;
	*mr = ibv_reg_mr(w->rl.pd, p, len, IBV_ACCESS_LOCAL_WRITE |
			 IBV_ACCESS_REMOTE_WRITE);
	if (*mr)
		count(OP_MR);
	else
		pin_refusal(errno) ? count(OP_MR_REFUSED) :
				     unexpected("ibv_reg_mr", errno);
}

/* RDMA WRITE into one of the MRs: it fails only if the MR was revoked. */
static void rdma_write(struct worker *w)
{
	struct ibv_mr *mr = w->mrs[below(NR_MRS)];
	enum ibv_wc_status status;

	if (!mr || !w->src_mr)
		return;
	if (rdma_loop_write(&w->rl, w->src_mr, w->src, ps, (uintptr_t)mr->addr,
			    mr->rkey, &status)) {
		unexpected("rdma write: no completion", EIO);
		return;
	}
	if (status == IBV_WC_SUCCESS) {
		count(OP_WRITE);
		return;
	}
	count(OP_WRITE_FAILED);
	if (rdma_loop_renew(&w->rl))
		unexpected("rdma_loop_renew", errno);
}

/*
 * What a file system without the change, or a file it cannot apply it to
 * now (fsdax, a size or range the change cannot use, data journalling
 * that refuses moves, a file changed since xfs_fsr's stat), answers.
 */
static bool not_here(int err)
{
	return err == EOPNOTSUPP || err == ENOTTY || err == EINVAL ||
	       err == ENODATA || err == EBUSY;
}

/* Close @fd, keeping the errno of @ret, the result of what used it. */
static int close_after(int fd, int ret)
{
	int err = errno;

	close(fd);
	errno = err;
	return ret;
}

/*
 * An unlinked file of @size bytes of allocated blocks beside the stressed
 * one, for the changes that take a second file; -1 if it cannot be made.
 */
static int scratch_file(struct worker *w, off_t size)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s.scratch.%d", w->path, getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	unlink(path);
	if (size && fallocate(fd, 0, 0, size)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Move the blocks of the file from @off on with those of a donor file. */
static int move_extents(struct worker *w, int fd, off_t off)
{
	struct move_extent arg = {
		.orig_start = off / 4096,
		.donor_start = off / 4096,
		.len = (FILE_PAGES * ps - off) / 4096,
	};

	arg.donor_fd = scratch_file(w, FILE_PAGES * ps);
	if (arg.donor_fd < 0)
		return -1;
	return close_after(arg.donor_fd, ioctl(fd, EXT4_IOC_MOVE_EXT, &arg));
}

/* What xfs_fsr does once it has copied the file: swap all the blocks. */
static int swap_extents(struct worker *w, int fd)
{
	struct xfs_swapext sx = { .sx_fdtarget = fd };
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx))
		return -1;
	sx.sx_length = stx.stx_size;
	sx.sx_stat.bs_mtime.tv_sec = stx.stx_mtime.tv_sec;
	sx.sx_stat.bs_mtime.tv_nsec = stx.stx_mtime.tv_nsec;
	sx.sx_stat.bs_ctime.tv_sec = stx.stx_ctime.tv_sec;
	sx.sx_stat.bs_ctime.tv_nsec = stx.stx_ctime.tv_nsec;
	sx.sx_fdtmp = scratch_file(w, stx.stx_size);
	if (sx.sx_fdtmp < 0)
		return -1;
	return close_after(sx.sx_fdtmp, ioctl(fd, XFS_IOC_SWAPEXT, &sx));
}

/*
 * Another file's pages [@off, @off + @len) cloned onto the file's, or
 * exchanged with them.
 */
static int remap_scratch(struct worker *w, int fd, bool exchange, off_t off,
			 off_t len)
{
	int other = scratch_file(w, FILE_PAGES * ps);
	struct xfs_exchange_range xchg = {
		.file1_fd = other, .file1_offset = off, .file2_offset = off,
		.length = len,
	};
	struct file_clone_range clone = {
		.src_fd = other, .src_offset = off, .src_length = len,
		.dest_offset = off,
	};

	if (other < 0)
		return -1;
	return close_after(other, exchange ?
			   ioctl(fd, XFS_IOC_EXCHANGE_RANGE, &xchg) :
			   ioctl(fd, FICLONERANGE, &clone));
}

/* Zero, collapse or insert a range, or allocate past the end. */
static int other_fallocate(int fd, off_t off, off_t len)
{
	static const int modes[] = {
		FALLOC_FL_ZERO_RANGE, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
		FALLOC_FL_COLLAPSE_RANGE, FALLOC_FL_INSERT_RANGE,
		FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_KEEP_SIZE, 0,
	};

	return fallocate(fd, modes[below(ARRAY_SIZE(modes))], off, len);
}

/* Switch the file's data journalling (ext4's chattr +j / -j). */
static int toggle_journalling(int fd)
{
	int flags;

	if (ioctl(fd, FS_IOC_GETFLAGS, &flags))
		return -1;
	flags ^= FS_JOURNAL_DATA_FL;
	return ioctl(fd, FS_IOC_SETFLAGS, &flags);
}

/*
 * Layout changes fail only with ETXTBSY (unbreakable or unrevocable), or
 * as stock fails them where the file system has no such change.
 */
static void change_layout(struct worker *w)
{
	off_t off = below(FILE_PAGES) * ps, len = (1 + below(8)) * ps;
	int fd = open(w->path, O_RDWR), ret;
	bool stock_may_refuse = true;
	enum op op;

	if (fd < 0) {
		unexpected("open", errno);
		return;
	}
	switch (below(11)) {
	case 0:
		op = OP_TRUNCATE;
		ret = ftruncate(fd, off);
		stock_may_refuse = false;
		break;
	case 1:
		op = OP_PUNCH;
		ret = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				off, len);
		stock_may_refuse = false;
		break;
	case 2:
		op = OP_FALLOCATE;
		ret = other_fallocate(fd, off, len);
		break;
	case 3:
		op = OP_MOVE;
		ret = move_extents(w, fd, off);
		break;
	case 4:
		op = OP_JOURNAL;
		ret = toggle_journalling(fd);
		break;
	case 5:
		op = OP_SWAPEXT;
		ret = swap_extents(w, fd);
		break;
	case 6:
		op = OP_EXCHANGE;
		ret = remap_scratch(w, fd, true, off, len);
		break;
	case 7:
		op = OP_CLONE;
		ret = remap_scratch(w, fd, false, off, len);
		break;
	case 8:
		/* Fills a hole (allocates on fsdax): no pin holds one. */
		op = OP_FILL;
		ret = pwrite(fd, w->src ?: "", w->src ? ps : 1, off) < 0 ? -1 : 0;
		stock_may_refuse = false;
		break;
	default:	/* whole again, real blocks where fsdax had holes */
		ret = ftruncate(fd, FILE_PAGES * ps);
		if (!ret && fallocate(fd, 0, 0, FILE_PAGES * ps))
			unexpected("fallocate", errno);
		close(fd);
		return;
	}
	if (!ret)
		count(op);
	else if (errno == ETXTBSY && op != OP_FILL)
		count(OP_BUSY);
	/* xfs_swap_extents() compares the sizes last: EFAULT. */
	else if (!stock_may_refuse || !(not_here(errno) ||
		 (op == OP_SWAPEXT && errno == EFAULT)))
		unexpected(op_names[op], errno);
	close(fd);
}

/* The file's [@off, @off + @len) deduplicated onto the same of @dst. */
static int dedupe_from(int fd, int dst, off_t off, off_t len)
{
	struct {
		struct file_dedupe_range range;
		struct file_dedupe_range_info info;
	} arg = {
		.range = { .src_offset = off, .src_length = len, .dest_count = 1 },
		.info = { .dest_fd = dst, .dest_offset = off },
	};

	if (ioctl(fd, FIDEDUPERANGE, &arg))
		return -1;
	if (arg.info.status < 0) {
		errno = -arg.info.status;
		return -1;
	}
	return 0;	/* the same or different: both are answers */
}

/*
 * Reading the file as the source of a clone or dedupe never revokes: it
 * fails with ETXTBSY over a pin; copy_file_range() copies instead.
 */
static void read_from(struct worker *w)
{
	off_t off = below(FILE_PAGES) * ps, len = (1 + below(8)) * ps;
	int fd = open(w->path, O_RDONLY), dst = scratch_file(w, 0);
	struct file_clone_range arg = {
		.src_fd = fd, .src_offset = off, .src_length = len,
		.dest_offset = off,
	};
	loff_t in = off, out = off;
	int ret;

	if (fd < 0 || dst < 0 || ftruncate(dst, FILE_PAGES * ps)) {
		unexpected("scratch file", errno);
		goto out;
	}
	switch (below(3)) {
	case 0:
		if (copy_file_range(fd, &in, dst, &out, len, 0) < 0)
			unexpected("copy_file_range", errno);
		else
			count(OP_READ_COPY);
		goto out;
	case 1:
		ret = ioctl(dst, FICLONERANGE, &arg);
		break;
	default:
		ret = dedupe_from(fd, dst, off, len);
		break;
	}
	if (!ret)
		count(OP_READ_CLONE);
	else if (errno == ETXTBSY)
		count(OP_BUSY);
	else if (!not_here(errno))
		unexpected("clone or dedupe from the file", errno);
out:
	if (dst >= 0)
		close(dst);
	if (fd >= 0)
		close(fd);
}

static void reopen_pinner(struct worker *w)
{
	static const char *const names[] = {
		PINNER, PINNER "_slow", PINNER "_unrevocable",
	};
	/* Mostly owners that revoke: an unrevocable one blocks changes. */
	int which = below(8) ? below(2) : 2;

	if (w->pinner >= 0) {
		close(w->pinner);	/* unpins what it holds */
		count(OP_CLOSE);
	}
	memset(w->pins, 0, sizeof(w->pins));
	w->pinner = open(names[which], O_RDWR);
	if (w->pinner < 0)
		unexpected("open pinner", errno);
}

static void __attribute__((noreturn)) run_worker(const char *path,
						 uint64_t seed)
{
	struct worker w = { .path = path, .fd = -1, .pinner = -1 };

	seed_rnd(seed);
	signal(SIGIO, SIG_IGN);
	reopen_pinner(&w);
	reopen_file(&w);
	if (!rdma_loop_open(&w.rl, "rxe0")) {
		w.src = mmap(NULL, ps, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		w.src_mr = ibv_reg_mr(w.rl.pd, w.src, ps, IBV_ACCESS_LOCAL_WRITE);
	}
	if (!w.src_mr)
		unexpected("rxe0", errno);

	/* Until killed, or told to stop with SIGTERM. */
	for (;;) {
		switch (below(17)) {
		case 0 ... 4:	pin_or_unpin(&w); break;
		case 5 ... 7:	mr_or_dereg(&w); break;
		case 8 ... 9:	rdma_write(&w); break;
		case 10 ... 11:	set_lease(&w); break;
		case 12 ... 13:	change_layout(&w); break;
		case 14:	read_from(&w); break;
		case 15:	reopen_file(&w); break;
		default:	reopen_pinner(&w); break;
		}
	}
}

/* The counters mm/vaddr_pin.c keeps in debugfs, by name; -1 if none. */
static long vp_count(const char *name)
{
	char key[64];
	long v, found = -1;
	FILE *f = fopen(VP_COUNTS, "r");

	while (f && fscanf(f, "%63s %ld", key, &v) == 2)
		if (!strcmp(key, name))
			found = v;
	if (f)
		fclose(f);
	return found;
}

/* Lines of every /proc/<pid>/file_pins, and layout leases in /proc/locks. */
static int lines_of(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	int n = -1;

	if (p && fscanf(p, "%d", &n) != 1)
		n = -1;
	if (p)
		pclose(p);
	return n;
}

struct stress {
	int nr_dirs, nr_workers;
	const char *dirs[MAX_DIRS];
	char paths[MAX_DIRS][PATH_MAX];
	pid_t pids[MAX_WORKERS];
	uint64_t seed;
	unsigned long spawned;	/* each worker's seed is seed + spawned */
};

static pid_t spawn(struct stress *st, int i)
{
	pid_t pid = fork();

	if (!pid)
		run_worker(st->paths[i % st->nr_dirs], st->seed + st->spawned);
	st->spawned++;
	return pid;
}

/* @path is on ext4 without DAX: extents move and journalling switches. */
static bool on_ext4_page_cache(const char *path)
{
	struct statfs sfs;
	struct statx stx;

	return !statfs(path, &sfs) && sfs.f_type == EXT4_SUPER_MAGIC &&
	       !statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &stx) &&
	       !(stx.stx_attributes & STATX_ATTR_DAX);
}

/* @path is on xfs: extents swap, blocks clone. */
static bool on_xfs(const char *path)
{
	struct statfs sfs;

	return !statfs(path, &sfs) && sfs.f_type == XFS_SUPER_MAGIC;
}

/* The xfs of @fd can exchange ranges (the incompat bit is set). */
static bool can_exchange(int fd)
{
	struct xfs_exchange_range arg = { .file1_fd = fd };

	/* Nothing to exchange, but the feature is checked first. */
	return !ioctl(fd, XFS_IOC_EXCHANGE_RANGE, &arg) || errno != EOPNOTSUPP;
}

FIXTURE(stress) {};
FIXTURE_SETUP(stress) {}
FIXTURE_TEARDOWN(stress) {}

TEST_F_TIMEOUT(stress, nothing_left_behind, 7200)
{
	unsigned long seconds = env_or("VP_STRESS_SECONDS", 60);
	char *dirs = strdup(getenv("VP_STRESS_DIRS") ?: getenv("VP_TEST_DIR") ?: "/tmp");
	char old_break[16], old_slow[16], scratch[16];
	long held = pins_held(), reports = vp_count("reports");
	long missed = vp_count("missed_breaks");
	struct stress st = { .seed = env_or("VP_STRESS_SEED", time(NULL)) };
	time_t start = time(NULL), end = start + seconds;
	int i, status, fd;
	bool ext4 = false, xfs = false, exchange = false;
	char *dir;

	ps = sysconf(_SC_PAGESIZE);
	counts = mmap(NULL, NR_OPS * sizeof(long), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, counts);
	ASSERT_LE(0, reports) TH_LOG("no %s: CONFIG_DEBUG_VADDR_PIN?", VP_COUNTS);
	for (dir = strtok(dirs, " "); dir && st.nr_dirs < MAX_DIRS;
	     dir = strtok(NULL, " ")) {
		snprintf(st.paths[st.nr_dirs], PATH_MAX, "%s/pin_stress.%d", dir,
			 getpid());
		fd = create_file_of(st.paths[st.nr_dirs], FILE_PAGES * ps, 0x33);
		ASSERT_LE(0, fd) TH_LOG("%s", st.paths[st.nr_dirs]);
		ext4 |= on_ext4_page_cache(st.paths[st.nr_dirs]);
		xfs |= on_xfs(st.paths[st.nr_dirs]);
		exchange |= on_xfs(st.paths[st.nr_dirs]) && can_exchange(fd);
		close(fd);
		st.dirs[st.nr_dirs++] = dir;
	}
	st.nr_workers = st.nr_dirs * env_or("VP_STRESS_WORKERS", 2);
	ASSERT_GE(MAX_WORKERS, st.nr_workers);
	/* Slow revokes, and breaks that give up on them after 2 s. */
	ASSERT_EQ(0, swap_setting("/proc/sys/fs/lease-break-time", "2",
				  old_break, sizeof(old_break)));
	ASSERT_EQ(0, swap_setting("/sys/kernel/debug/vaddr_pin_test_slow_ms",
				  "100", old_slow, sizeof(old_slow)));
	printf("# %d processes on %s for %lus, seed %#llx (VP_STRESS_SEED)\n",
	       st.nr_workers, getenv("VP_STRESS_DIRS") ?: "$VP_TEST_DIR",
	       seconds, (unsigned long long)st.seed);
	fflush(stdout);

	seed_rnd(st.seed);
	for (i = 0; i < st.nr_workers; i++)
		st.pids[i] = spawn(&st, i);
	while (time(NULL) < end) {
		usleep(200000 + below(800000));
		i = below(st.nr_workers);
		kill(st.pids[i], SIGKILL);
		ASSERT_EQ(st.pids[i], waitpid(st.pids[i], &status, 0));
		count(OP_KILL);
		st.pids[i] = spawn(&st, i);
	}
	for (i = 0; i < st.nr_workers; i++) {
		kill(st.pids[i], SIGKILL);
		ASSERT_EQ(st.pids[i], waitpid(st.pids[i], &status, 0));
		EXPECT_EQ(SIGKILL, WTERMSIG(status)) TH_LOG("worker %d died early", i);
	}

	printf("# %lds:", (long)(time(NULL) - start));
	for (i = 0; i < NR_OPS; i++)
		printf(" %s %ld", op_names[i], counts[i]);
	printf("\n");
	EXPECT_EQ(0, counts[OP_UNEXPECTED]);
	/* A run that did not do the things it stresses proves nothing. */
	EXPECT_LT(0, counts[OP_PIN]);
	EXPECT_LT(0, counts[OP_MR]);
	EXPECT_LT(0, counts[OP_WRITE]);
	EXPECT_LT(0, counts[OP_LEASE]);
	EXPECT_LT(0, counts[OP_REVOKED]);
	EXPECT_LT(0, counts[OP_TRUNCATE]);
	EXPECT_LT(0, counts[OP_PUNCH]);
	EXPECT_LT(0, counts[OP_FALLOCATE]);
	EXPECT_LT(0, counts[OP_FILL]);
	EXPECT_LT(0, counts[OP_READ_COPY]);
	EXPECT_LT(0, counts[OP_KILL]);
	if (ext4) {
		EXPECT_LT(0, counts[OP_MOVE]);
		EXPECT_LT(0, counts[OP_JOURNAL]);
	}
	if (xfs) {
		EXPECT_LT(0, counts[OP_SWAPEXT]);
		EXPECT_LT(0, counts[OP_CLONE]);
		EXPECT_LT(0, counts[OP_READ_CLONE]);
	}
	if (exchange)
		EXPECT_LT(0, counts[OP_EXCHANGE]);

	/* Every process has exited: nothing of theirs may be left. */
	EXPECT_EQ(held, pins_held());
	EXPECT_EQ(0, vp_count("contexts"));
	EXPECT_EQ(0, vp_count("records"));
	EXPECT_EQ(0, vmstat("nr_dirty_pinned"));
	EXPECT_EQ(reports, vp_count("reports"));
	/* The backstop: no pinned page left the file without a break. */
	EXPECT_EQ(missed, vp_count("missed_breaks"));
	EXPECT_EQ(0, lines_of("cat /proc/[0-9]*/file_pins 2>/dev/null | wc -l"));
	EXPECT_EQ(0, lines_of("grep -c LAYOUT /proc/locks"));
	EXPECT_EQ(0, swap_setting("/proc/sys/fs/lease-break-time", old_break,
				  scratch, sizeof(scratch)));
	EXPECT_EQ(0, swap_setting("/sys/kernel/debug/vaddr_pin_test_slow_ms",
				  old_slow, scratch, sizeof(scratch)));
	for (i = 0; i < st.nr_dirs; i++)
		unlink(st.paths[i]);
	free(dirs);
}

TEST_HARNESS_MAIN
