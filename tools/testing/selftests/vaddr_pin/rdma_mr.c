// SPDX-License-Identifier: GPL-2.0
/*
 * RDMA memory regions pinned through vaddr_pin, on rxe0 (soft-RoCE, set up
 * by guest-tests.sh), with real RDMA WRITEs over a loopback RC connection:
 *
 * - anonymous and memfd MRs work as on stock 6.12, with no lease;
 * - an MR on a file of $VP_TEST_DIR (guest-tests.sh: ext4 -o dax, ext4 and
 *   xfs page cache) needs a layout lease (EPERM without), and is listed
 *   under the uverbs file;
 * - a truncate revokes every MR on the file at once, later RDMA WRITEs
 *   to them fail, deregistering still works, nothing stays pinned;
 * - so does the file system's defragmenter (xfs_fsr on xfs, e4defrag on
 *   ext4), which moves every block: what RDMA wrote before stays in the
 *   file, and the lease holder gets its signal;
 * - a revoke racing the deregistration, a registration failing at each of
 *   its failure points (fail-nth) and the uverbs file closed while a break
 *   waits, leave nothing behind;
 * - RLIMIT_MEMLOCK holds for file MRs as for anonymous ones;
 * - on siw0 (soft-iWARP, whose driver cannot revoke), an MR on a leased
 *   file makes a truncate over it fail with ETXTBSY until deregistered.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "vaddr_pin_selftest.h"
#include "../../../vaddr_pin/bytes.h"
#include "../../../vaddr_pin/rdma_loop.h"

#define KIB		1024UL
#define REGION		(64 * KIB)	/* one MR */
#define NR_MRS		16
#define FILE_BYTES	(NR_MRS * REGION)
#define MR_ACCESS	(IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE)

FIXTURE(mr) {
	struct rdma_loop rl;
	char *src;			/* what the writes send */
	struct ibv_mr *src_mr;
	char path[PATH_MAX];
	int fd;
	char *map;			/* the file, FILE_BYTES, shared */
	long vm_pin, pins;		/* after the setup */
};

FIXTURE_SETUP(mr)
{
	signal(SIGIO, SIG_IGN);		/* the lease holder's signal */
	ASSERT_EQ(0, rdma_loop_open(&self->rl, "rxe0"));
	self->src = mmap(NULL, FILE_BYTES, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->src);
	self->src_mr = ibv_reg_mr(self->rl.pd, self->src, FILE_BYTES,
				  IBV_ACCESS_LOCAL_WRITE);
	ASSERT_NE(NULL, self->src_mr);
	snprintf(self->path, sizeof(self->path), "%s/rdma_mr.%d",
		 getenv("VP_TEST_DIR") ?: "/tmp", getpid());
	self->fd = create_zero_file(self->path, FILE_BYTES);
	ASSERT_LE(0, self->fd);
	self->map = mmap(NULL, FILE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
			 self->fd, 0);
	ASSERT_NE(MAP_FAILED, self->map);
	self->vm_pin = vm_pin_pages();
	self->pins = pins_held();
}

FIXTURE_TEARDOWN(mr)
{
	if (self->src_mr)
		ibv_dereg_mr(self->src_mr);
	rdma_loop_close(&self->rl);
	munmap(self->map, FILE_BYTES);
	close(self->fd);
	unlink(self->path);
}

/* RDMA WRITE @byte over @len bytes at @dst of @mr: the completion status. */
static enum ibv_wc_status write_to(FIXTURE_DATA(mr) *self, struct ibv_mr *mr,
				   void *dst, size_t len, int byte)
{
	enum ibv_wc_status status;

	memset(self->src, byte, len);
	if (rdma_loop_write(&self->rl, self->src_mr, self->src, len,
			    (uintptr_t)dst, mr->rkey, &status))
		return IBV_WC_GENERAL_ERR;
	if (status != IBV_WC_SUCCESS)	/* the QPs are in error now */
		rdma_loop_renew(&self->rl);
	return status;
}

/* Lines of /proc/self/file_pins that contain @needle. */
static int listed(const char *needle)
{
	FILE *f = fopen("/proc/self/file_pins", "r");
	char line[1024];
	int n = 0;

	while (f && fgets(line, sizeof(line), f))
		n += !!strstr(line, needle);
	if (f)
		fclose(f);
	return f ? n : -1;
}

/* Another process truncates @path to @size: 0 or the errno it got. */
static int truncate_elsewhere(const char *path, off_t size)
{
	int status;
	pid_t pid = fork();

	if (!pid)
		_exit(truncate(path, size) ? errno : 0);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void expect_nothing_pinned(struct __test_metadata *_metadata,
				  FIXTURE_DATA(mr) *self)
{
	EXPECT_EQ(self->vm_pin, vm_pin_pages());
	EXPECT_EQ(self->pins, pins_held());
	EXPECT_EQ(0, listed(self->path));
}

TEST_F(mr, anonymous_mr_works_as_on_stock)
{
	char *buf = mmap(NULL, REGION, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int before = listed("[anon]");	/* the fixture's source MR */
	struct ibv_mr *mr;

	ASSERT_NE(MAP_FAILED, buf);
	mr = ibv_reg_mr(self->rl.pd, buf, REGION, MR_ACCESS);
	ASSERT_NE(NULL, mr);
	EXPECT_EQ(before + 1, listed("[anon]"));
	EXPECT_EQ(IBV_WC_SUCCESS, write_to(self, mr, buf, REGION, 'a'));
	EXPECT_TRUE(bytes_are(buf, REGION, 'a'));
	EXPECT_EQ(0, ibv_dereg_mr(mr));
	EXPECT_EQ(before, listed("[anon]"));
	munmap(buf, REGION);
}

TEST_F(mr, memfd_mr_works_as_on_stock)
{
	int fd = memfd_create("rdma_mr", 0);
	struct ibv_mr *mr;
	char *buf;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, REGION));
	buf = mmap(NULL, REGION, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, buf);
	/* shmem needs no lease, as on stock. */
	mr = ibv_reg_mr(self->rl.pd, buf, REGION, MR_ACCESS);
	ASSERT_NE(NULL, mr);
	EXPECT_EQ(IBV_WC_SUCCESS, write_to(self, mr, buf, REGION, 'm'));
	EXPECT_TRUE(bytes_are(buf, REGION, 'm'));
	EXPECT_EQ(0, ibv_dereg_mr(mr));
	munmap(buf, REGION);
	close(fd);
	EXPECT_EQ(self->vm_pin, vm_pin_pages());
}

TEST_F(mr, file_mr_needs_a_layout_lease_and_is_listed_under_uverbs)
{
	int uverbs = listed("/dev/infiniband/uverbs");	/* the source MR */
	struct ibv_mr *mr;

	errno = 0;
	EXPECT_EQ(NULL, ibv_reg_mr(self->rl.pd, self->map, REGION, MR_ACCESS));
	EXPECT_EQ(EPERM, errno);
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	mr = ibv_reg_mr(self->rl.pd, self->map, REGION, MR_ACCESS);
	ASSERT_NE(NULL, mr);
	EXPECT_EQ(1, listed(self->path));
	EXPECT_EQ(uverbs + 1, listed("/dev/infiniband/uverbs"));
	EXPECT_EQ(IBV_WC_SUCCESS, write_to(self, mr, self->map, REGION, 'f'));
	EXPECT_TRUE(bytes_are(self->map, REGION, 'f'));
	EXPECT_EQ(0, ibv_dereg_mr(mr));
	expect_nothing_pinned(_metadata, self);
}

TEST_F(mr, truncate_revokes_every_mr_on_the_file)
{
	struct ibv_mr *mrs[NR_MRS], *dst_mr;
	enum ibv_wc_status status;
	char *dst;
	int i;

	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	for (i = 0; i < NR_MRS; i++) {
		mrs[i] = ibv_reg_mr(self->rl.pd, self->map + i * REGION,
				    REGION, MR_ACCESS);
		ASSERT_NE(NULL, mrs[i]);
	}
	EXPECT_EQ(NR_MRS, listed(self->path));
	EXPECT_EQ(IBV_WC_SUCCESS, write_to(self, mrs[3], self->map + 3 * REGION,
					   REGION, 'w'));

	EXPECT_EQ(0, truncate_elsewhere(self->path, 0));
	EXPECT_EQ(0, listed(self->path));
	EXPECT_EQ(self->vm_pin, vm_pin_pages());
	for (i = 0; i < NR_MRS; i += 5)
		EXPECT_EQ(IBV_WC_REM_ACCESS_ERR,
			  write_to(self, mrs[i], self->map + i * REGION,
				   REGION, 'x'));
	/* Nor can a revoked MR be the local source of a write. */
	dst = mmap(NULL, REGION, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, dst);
	dst_mr = ibv_reg_mr(self->rl.pd, dst, REGION, MR_ACCESS);
	ASSERT_NE(NULL, dst_mr);
	EXPECT_EQ(0, rdma_loop_write(&self->rl, mrs[1], self->map + REGION,
				     REGION, (uintptr_t)dst, dst_mr->rkey,
				     &status));
	EXPECT_EQ(IBV_WC_LOC_PROT_ERR, status)
		TH_LOG("local access after the revoke: %s",
		       ibv_wc_status_str(status));
	rdma_loop_renew(&self->rl);
	EXPECT_EQ(0, ibv_dereg_mr(dst_mr));
	munmap(dst, REGION);
	for (i = 0; i < NR_MRS; i++)
		EXPECT_EQ(0, ibv_dereg_mr(mrs[i]));
	expect_nothing_pinned(_metadata, self);
}

static volatile sig_atomic_t nr_sigio;

static void count_sigio(int sig)
{
	nr_sigio++;
}

/* Does @path hold FILE_BYTES of @byte, read back from the disk? */
static bool file_holds_on_disk(const char *path, int byte)
{
	char *buf = malloc(FILE_BYTES);
	int fd, drop = open("/proc/sys/vm/drop_caches", O_WRONLY);
	bool ok;

	/* Clean and unmapped, the page cache goes: the read is the disk's. */
	ok = buf && drop >= 0 && write(drop, "1", 1) == 1;
	if (drop >= 0)
		close(drop);
	fd = open(path, O_RDONLY);
	ok = ok && fd >= 0 && pread(fd, buf, FILE_BYTES, 0) == FILE_BYTES &&
	     bytes_are(buf, FILE_BYTES, byte);
	if (fd >= 0)
		close(fd);
	free(buf);
	return ok;
}

TEST_F_TIMEOUT(mr, defragmenter_revokes_mrs_and_keeps_their_writes, 120)
{
	const char *fs = getenv("VP_TEST_FS") ?: "";
	char path[PATH_MAX + 8], other[PATH_MAX + 16], cmd[PATH_MAX + 64];
	struct ibv_mr *mr;
	int fd, other_fd;
	char *map;

	if (strcmp(fs, "xfs") && strcmp(fs, "ext4"))
		SKIP(return, "no defragmenter for %s here", fs);
	snprintf(path, sizeof(path), "%s.frag", self->path);
	snprintf(other, sizeof(other), "%s.other", path);
	ASSERT_EQ(0, make_file_pair(path, other, FILE_BYTES / getpagesize(),
				    true, !strcmp(fs, "ext4"), &fd, &other_fd));
	close(other_fd);
	unlink(other);
	map = mmap(NULL, FILE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	signal(SIGIO, count_sigio);
	nr_sigio = 0;
	mr = ibv_reg_mr(self->rl.pd, map, FILE_BYTES, MR_ACCESS);
	ASSERT_NE(NULL, mr);
	EXPECT_EQ(IBV_WC_SUCCESS, write_to(self, mr, map, FILE_BYTES, 'd'));

	snprintf(cmd, sizeof(cmd), "%s %s >/dev/null",
		 strcmp(fs, "xfs") ? "e4defrag" : "xfs_fsr -v", path);
	EXPECT_EQ(0, system(cmd));
	EXPECT_EQ(1, nr_sigio);
	EXPECT_EQ(0, listed(path));
	EXPECT_EQ(IBV_WC_REM_ACCESS_ERR,
		  write_to(self, mr, map, REGION, 'x'));
	EXPECT_EQ(0, ibv_dereg_mr(mr));
	signal(SIGIO, SIG_IGN);
	EXPECT_EQ(0, fsync(fd));
	munmap(map, FILE_BYTES);
	close(fd);
	/* What RDMA wrote before the revoke is the file's, on its blocks. */
	EXPECT_TRUE(file_holds_on_disk(path, 'd'));
	unlink(path);
	expect_nothing_pinned(_metadata, self);
}

TEST_F_TIMEOUT(mr, revoke_races_deregistration, 120)
{
	int round, status, revoked_first = 0;
	struct ibv_mr *mr;
	pid_t pid;

	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	for (round = 0; round < 100; round++) {
		/* DAX needs real blocks to pin: put them back. */
		ASSERT_EQ(REGION, pwrite(self->fd, self->src, REGION, 0));
		mr = ibv_reg_mr(self->rl.pd, self->map, REGION, MR_ACCESS);
		ASSERT_NE(NULL, mr);
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			_exit(truncate(self->path, 0) ? errno : 0);
		if (round & 1)
			usleep(round * 50);
		/* Revoked already if the truncate came first. */
		revoked_first += listed(self->path) == 0;
		EXPECT_EQ(0, ibv_dereg_mr(mr));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_EQ(0, WEXITSTATUS(status));
	}
	TH_LOG("the truncate came first in %d of 100 rounds", revoked_first);
	expect_nothing_pinned(_metadata, self);
}

/*
 * Each failure point of a registration over a leased file in turn
 * (fail-nth): ibv_reg_mr() fails with a documented errno and leaves
 * nothing pinned, charged or listed, and the lease in place.  The last
 * point, the activation, stands for a revoke come while rxe set the MR up
 * from the umem: EAGAIN.  With no point failing, the MR works.
 */
TEST_F(mr, failed_registration_leaves_nothing_behind)
{
	int n, err, last = 0, left;
	struct ibv_mr *mr;

	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	for (n = 1; n < 100; n++) {
		ASSERT_EQ(0, fail_nth(n));
		mr = ibv_reg_mr(self->rl.pd, self->map, REGION, MR_ACCESS);
		err = errno;
		left = fail_nth(0);
		if (left > 0)		/* it met fewer than n points */
			break;
		ASSERT_EQ(0, left) TH_LOG("point %d: fail-nth unreadable", n);
		ASSERT_EQ(NULL, mr) TH_LOG("point %d failed, ibv_reg_mr not", n);
		EXPECT_TRUE(injected_pin_errno(err))
			TH_LOG("point %d: %s", n, strerror(err));
		last = err;
		expect_nothing_pinned(_metadata, self);
		EXPECT_EQ(F_RDLCK | F_LAYOUT, fcntl(self->fd, F_GETLEASE));
	}
	ASSERT_NE(NULL, mr) TH_LOG("still failing at point %d", n);
	TH_LOG("%d failure points", n - 1);
	EXPECT_LT(1, n);
	/* The errno of the last point, the activation's. */
	EXPECT_EQ(EAGAIN, last);
	EXPECT_EQ(IBV_WC_SUCCESS, write_to(self, mr, self->map, REGION, 'p'));
	EXPECT_TRUE(bytes_are(self->map, REGION, 'p'));
	EXPECT_EQ(0, ibv_dereg_mr(mr));
	expect_nothing_pinned(_metadata, self);
}

TEST_F_TIMEOUT(mr, uverbs_file_closed_while_a_break_waits, 60)
{
	int slow = open(PINNER "_slow", O_RDWR), ready[2], status;
	double t0;
	unsigned int id;
	pid_t holder;
	char c;

	ASSERT_LE(0, slow);
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	/* A slow pin on the range keeps the break waiting 3 s. */
	ASSERT_EQ(0, pin(slow, self->map, REGION, VADDR_PIN_TEST_WRITE, &id));
	holder = fork();
	ASSERT_LE(0, holder);
	if (!holder) {
		struct rdma_loop rl;
		int fd = open(self->path, O_RDWR);
		char *map = mmap(NULL, REGION, PROT_READ | PROT_WRITE,
				 MAP_SHARED, fd, 0);

		if (map == MAP_FAILED || rdma_loop_open(&rl, "rxe0") ||
		    fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT) ||
		    !ibv_reg_mr(rl.pd, map, REGION, MR_ACCESS))
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(2);
		/* Its MR is revoked, the break still waits: close all. */
		sleep(1);
		_exit(0);
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	EXPECT_EQ(1, listed(self->path));	/* the slow pin, ours */
	t0 = time(NULL);
	EXPECT_EQ(0, truncate_elsewhere(self->path, 0));
	/* It waited for the slow pin, past the holder's exit. */
	EXPECT_LE(2, time(NULL) - t0);
	ASSERT_EQ(holder, waitpid(holder, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(-ENOENT, pin_state(slow, id));
	close(slow);
	close(ready[0]);
	expect_nothing_pinned(_metadata, self);
}

/* Lose CAP_IPC_LOCK, which lifts RLIMIT_MEMLOCK, for this process. */
static int drop_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[0].effective &= ~(1U << CAP_IPC_LOCK);
	data[0].permitted &= ~(1U << CAP_IPC_LOCK);
	return syscall(SYS_capset, &hdr, data);
}

TEST_F(mr, memlock_limit_holds_for_file_mrs)
{
	struct rlimit lim = { 4 * REGION, 4 * REGION };	/* 16 pages */
	char *anon = mmap(NULL, 8 * REGION, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct ibv_mr *mr;
	long base;

	ASSERT_NE(MAP_FAILED, anon);
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	/* The fixture's own MR already counts against the limit. */
	ASSERT_EQ(0, ibv_dereg_mr(self->src_mr));
	self->src_mr = NULL;
	base = vm_pin_pages();
	ASSERT_EQ(0, drop_ipc_lock());
	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &lim));

	errno = 0;
	EXPECT_EQ(NULL, ibv_reg_mr(self->rl.pd, anon, 8 * REGION, MR_ACCESS));
	EXPECT_EQ(ENOMEM, errno);
	errno = 0;
	EXPECT_EQ(NULL, ibv_reg_mr(self->rl.pd, self->map, 8 * REGION,
				   MR_ACCESS));
	EXPECT_EQ(ENOMEM, errno);
	EXPECT_EQ(base, vm_pin_pages());

	mr = ibv_reg_mr(self->rl.pd, self->map, 2 * REGION, MR_ACCESS);
	ASSERT_NE(NULL, mr);
	errno = 0;
	/* 2 + 3 regions of 4: the anonymous one no longer fits. */
	EXPECT_EQ(NULL, ibv_reg_mr(self->rl.pd, anon, 3 * REGION, MR_ACCESS));
	EXPECT_EQ(ENOMEM, errno);
	EXPECT_EQ(0, ibv_dereg_mr(mr));
	EXPECT_EQ(base, vm_pin_pages());
	self->src_mr = ibv_reg_mr(self->rl.pd, self->src, REGION,
				  IBV_ACCESS_LOCAL_WRITE);
	munmap(anon, 8 * REGION);
}

/*
 * siw has no revoke callback (patch 0020): its MR on a leased file is not
 * revocable.  A truncate over it fails at once with ETXTBSY and changes
 * nothing; once the MR is deregistered the truncate works.
 */
TEST(unrevocable_mr_makes_truncate_fail)
{
	long vm_pin = vm_pin_pages(), pins = pins_held();
	struct ibv_context *ctx;
	char path[PATH_MAX];
	struct ibv_mr *mr;
	struct ibv_pd *pd;
	struct stat st;
	char *map;
	int fd;

	signal(SIGIO, SIG_IGN);
	errno = 0;
	ctx = rdma_open_device("siw0");
	ASSERT_NE(NULL, ctx) TH_LOG("siw0: %s", strerror(errno));
	pd = ibv_alloc_pd(ctx);
	ASSERT_NE(NULL, pd);
	snprintf(path, sizeof(path), "%s/rdma_mr_siw.%d",
		 getenv("VP_TEST_DIR") ?: "/tmp", getpid());
	fd = create_file_of(path, FILE_BYTES, 's');
	ASSERT_LE(0, fd);
	map = mmap(NULL, FILE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	mr = ibv_reg_mr(pd, map, REGION, MR_ACCESS);
	ASSERT_NE(NULL, mr) TH_LOG("ibv_reg_mr: %s", strerror(errno));
	EXPECT_EQ(1, listed(path));

	EXPECT_EQ(ETXTBSY, truncate_elsewhere(path, 0));
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ((off_t)FILE_BYTES, st.st_size);
	EXPECT_EQ(1, listed(path));
	EXPECT_TRUE(bytes_are(map, REGION, 's'));

	EXPECT_EQ(0, ibv_dereg_mr(mr));
	EXPECT_EQ(0, truncate_elsewhere(path, 0));
	EXPECT_EQ(0, listed(path));
	EXPECT_EQ(vm_pin, vm_pin_pages());
	EXPECT_EQ(pins, pins_held());
	munmap(map, FILE_BYTES);
	close(fd);
	unlink(path);
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
}

TEST_HARNESS_MAIN
