// SPDX-License-Identifier: GPL-2.0
/*
 * What an unprivileged user (uid 65534, no capabilities) can do with
 * vaddr_pin to files and processes that are not theirs: nothing it should
 * not.  The test runs as root and forks the hostile user for each attempt.
 *
 * Fixture "others_file", once per file system ($VP_TEST_DIR): a file of
 * root's, mode 0666 so that anyone may open it for writing,
 * - takes no layout lease (nor an unbreakable one) without CAP_LEASE, and
 *   CAP_LEASE alone is enough;
 * - cannot be kept from being truncated or punched by the hostile user's
 *   pins and leases;
 * - root's /proc/<pid>/file_pins cannot be read by the hostile user.
 *
 * Fixture "limits", once, with rxe0 and siw0 set up (guest-tests.sh):
 * - RLIMIT_MEMLOCK holds across every pinning path of one process: two
 *   test-pinner contexts, an MR on rxe0 and an MR on siw0 share one charge;
 * - the zero page (holes of a file on fsdax, mapped without THP) pinned
 *   more than two million times is neither pinned nor charged: nothing
 *   overflows, and the pins still list and unpin.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/falloc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "vaddr_pin_selftest.h"
#include "../../../vaddr_pin/rdma_loop.h"

#define FILE_PAGES	16
#define GIB		(1UL << 30)
#define ZERO_PIN_CALLS	9	/* of 1 GiB: 2359296 pages of holes */

static long ps;		/* page size */

/*
 * Become uid and gid 65534; with @keep_cap_lease keep CAP_LEASE and only
 * it, otherwise no capability.
 */
static int become_hostile(bool keep_cap_lease)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {
		{ .effective = 1U << CAP_LEASE, .permitted = 1U << CAP_LEASE },
	};

	if (keep_cap_lease && prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L))
		return -1;
	if (become_nobody())
		return -1;
	if (keep_cap_lease)
		return syscall(SYS_capset, &hdr, data);
	return 0;
}

/*
 * The hostile user, a child process.  It fails with its own exit code
 * (the step that went wrong, said on stderr); the test can make it wait
 * for the test's turn with hostile_sync().
 */
struct hostile {
	pid_t pid;
	int to_child[2], to_test[2];
	int pinner[2];		/* in the child: test pinners of its own mm */
};

#define refuse(code, fmt, ...) do {					\
	fprintf(stderr, "hostile user, step %d: " fmt " (errno %d)\n",	\
		code, ##__VA_ARGS__, errno);				\
	_exit(code);							\
} while (0)

/*
 * Fork the hostile user: returns true in the child, which is uid 65534.
 * The test pinner is root's, but the child opens two of its own first:
 * each is a context of the opener's mm.
 */
static bool hostile_fork(struct __test_metadata *_metadata, struct hostile *h,
			 bool keep_cap_lease)
{
	ASSERT_EQ(0, pipe(h->to_child));
	ASSERT_EQ(0, pipe(h->to_test));
	h->pid = fork();
	ASSERT_LE(0, h->pid);
	if (h->pid)
		return false;
	h->pinner[0] = open(PINNER, O_RDWR);
	h->pinner[1] = open(PINNER, O_RDWR);
	if (h->pinner[0] < 0 || h->pinner[1] < 0)
		refuse(102, "cannot open %s", PINNER);
	if (become_hostile(keep_cap_lease))
		refuse(100, "cannot become uid %d", NOBODY);
	return true;
}

/* In the child: the test's turn now; returns when the test hands back. */
static void hostile_yield(struct hostile *h)
{
	char c = 0;

	if (write(h->to_test[1], &c, 1) != 1 || read(h->to_child[0], &c, 1) != 1)
		refuse(101, "lost the test");
}

/* In the test: wait for the child's yield; hostile_resume() hands back. */
static void hostile_wait_turn(struct __test_metadata *_metadata,
			      struct hostile *h)
{
	char c;

	ASSERT_EQ(1, read(h->to_test[0], &c, 1)) TH_LOG("the child died");
}

static void hostile_resume(struct __test_metadata *_metadata, struct hostile *h)
{
	char c = 0;

	ASSERT_EQ(1, write(h->to_child[1], &c, 1));
}

/* Wait for the child to exit: it must exit 0. */
static void hostile_done(struct __test_metadata *_metadata, struct hostile *h)
{
	int status;
	int i;

	ASSERT_EQ(h->pid, waitpid(h->pid, &status, 0));
	for (i = 0; i < 2; i++) {
		close(h->to_child[i]);
		close(h->to_test[i]);
	}
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* ===== A file of root's ===== */

FIXTURE(others_file) {
	char path[PATH_MAX];	/* root's file, mode 0666 */
	char own_dir[PATH_MAX];	/* where the hostile user makes its files */
	int fd;
	long held;		/* pins_held() before the test */
};

FIXTURE_SETUP(others_file)
{
	const char *dir = getenv("VP_TEST_DIR") ?: "/tmp";

	ps = sysconf(_SC_PAGESIZE);
	snprintf(self->path, sizeof(self->path), "%s/root-file.%d", dir,
		 getpid());
	snprintf(self->own_dir, sizeof(self->own_dir), "%s/nobody.%d", dir,
		 getpid());
	self->fd = create_file_of(self->path, FILE_PAGES * ps, 0x5a);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, fchmod(self->fd, 0666));
	ASSERT_EQ(0, mkdir(self->own_dir, 0777));
	ASSERT_EQ(0, chown(self->own_dir, NOBODY, NOBODY));
	self->held = pins_held();
}

FIXTURE_TEARDOWN(others_file)
{
	char cmd[PATH_MAX + 16];

	close(self->fd);
	unlink(self->path);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->own_dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", self->own_dir);
	EXPECT_EQ(self->held, pins_held());
}

/* In the hostile user: a file of its own, leased through an O_RDONLY fd. */
static void lease_own_file(FIXTURE_DATA(others_file) *self)
{
	char path[PATH_MAX + 8];
	int fd;

	snprintf(path, sizeof(path), "%s/own", self->own_dir);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd < 0)
		refuse(1, "cannot create its own file");
	close(fd);
	fd = open(path, O_RDONLY);
	if (fd < 0 || fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT))
		refuse(2, "no layout lease on its own file");
	if (fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT | F_UNBREAK))
		refuse(3, "no unbreakable layout lease on its own file");
	close(fd);
}

TEST_F(others_file, no_layout_lease_without_cap_lease)
{
	struct hostile h;
	int fd;

	if (hostile_fork(_metadata, &h, false)) {
		lease_own_file(self);
		fd = open(self->path, O_RDWR);
		if (fd < 0)
			refuse(4, "cannot open root's 0666 file");
		if (fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT) != -1 ||
		    errno != EACCES)
			refuse(5, "layout lease on root's file");
		if (fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT | F_UNBREAK) != -1 ||
		    errno != EACCES)
			refuse(6, "unbreakable layout lease on root's file");
		if (fcntl(fd, F_GETLEASE) != F_UNLCK)
			refuse(7, "F_GETLEASE shows a lease");
		_exit(0);
	}
	hostile_done(_metadata, &h);
}

TEST_F(others_file, cap_lease_is_enough)
{
	struct hostile h;
	int fd;

	if (hostile_fork(_metadata, &h, true)) {
		fd = open(self->path, O_RDONLY);
		if (fd < 0 || fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT | F_UNBREAK))
			refuse(1, "no lease on root's file with CAP_LEASE");
		if (fcntl(fd, F_GETLEASE) != (F_RDLCK | F_LAYOUT | F_UNBREAK))
			refuse(2, "F_GETLEASE does not show the lease");
		_exit(0);
	}
	hostile_done(_metadata, &h);
}

/*
 * The hostile user maps root's file, leases what it can (nothing) and pins
 * what it can: read pins of page cache need no lease; fsdax, and writable
 * page cache other than tmpfs, are refused.  Root truncates and punches
 * over those pins all the same.
 */
TEST_F(others_file, cannot_block_truncation)
{
	const char *fs = getenv("VP_TEST_FS") ?: "tmpfs";
	bool dax = strstr(fs, "-dax");
	bool write_ok = !strcmp(fs, "tmpfs");
	size_t len = FILE_PAGES * ps;
	struct hostile h;
	char *p;
	int fd;

	if (hostile_fork(_metadata, &h, false)) {
		fd = open(self->path, O_RDWR);
		if (fd < 0)
			refuse(1, "cannot open root's 0666 file");
		if (fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT | F_UNBREAK) != -1)
			refuse(2, "unbreakable layout lease on root's file");
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			refuse(3, "cannot map root's file");
		if (pin(h.pinner[0], p, len, 0, NULL) != (dax ? -1 : 0) ||
		    (dax && errno != EPERM))
			refuse(4, "read pin %s", dax ? "without a lease" : "refused");
		if (pin(h.pinner[0], p, len / 2, VADDR_PIN_TEST_WRITE, NULL) !=
		    (write_ok ? 0 : -1) || (!write_ok && errno != EPERM))
			refuse(5, "write pin %s", write_ok ? "refused" : "without a lease");
		hostile_yield(&h);	/* root's turn, with the pins held */
		_exit(0);		/* closing the pinner unpins */
	}
	hostile_wait_turn(_metadata, &h);
	EXPECT_EQ(0, fallocate(self->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       0, len / 2));
	EXPECT_EQ(0, ftruncate(self->fd, 0));
	hostile_resume(_metadata, &h);
	hostile_done(_metadata, &h);
}

/* Root's pins are not listed to the hostile user; its own are. */
TEST_F(others_file, cannot_read_others_file_pins)
{
	int pinner = open(PINNER, O_RDWR);
	char path[64], line[512];
	struct hostile h;
	unsigned int id;
	char *p;
	FILE *f;
	int fd;

	ASSERT_LE(0, pinner);
	p = mmap(NULL, FILE_PAGES * ps, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	ASSERT_EQ(0, pin(pinner, p, FILE_PAGES * ps, 0, &id));
	snprintf(path, sizeof(path), "/proc/%d/file_pins", getpid());

	if (hostile_fork(_metadata, &h, false)) {
		char *anon = mmap(NULL, ps, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		fd = open(path, O_RDONLY);
		if (fd != -1 || errno != EACCES)
			refuse(1, "opened root's file_pins");
		/* Its own pins it may list. */
		if (anon == MAP_FAILED || (anon[0] = 1, 0) ||
		    pin(h.pinner[0], anon, ps, 0, NULL))
			refuse(2, "cannot pin its own memory");
		f = fopen("/proc/self/file_pins", "r");
		if (!f || !fgets(line, sizeof(line), f) ||
		    !strstr(line, "file=[anon]"))
			refuse(3, "cannot list its own pin");
		_exit(0);
	}
	hostile_done(_metadata, &h);
	EXPECT_EQ(0, unpin(pinner, id, 0));
	EXPECT_EQ(0, fcntl(self->fd, F_SETLEASE, F_UNLCK));
	munmap(p, FILE_PAGES * ps);
	close(pinner);
}

/* ===== Limits ===== */

FIXTURE(limits) {
	long held;
};

FIXTURE_SETUP(limits)
{
	ps = sysconf(_SC_PAGESIZE);
	self->held = pins_held();
}

FIXTURE_TEARDOWN(limits)
{
	EXPECT_EQ(self->held, pins_held());
}

/* A protection domain of RDMA device @name (no QPs: siw's need a CM). */
static struct ibv_pd *open_pd(const char *name)
{
	struct ibv_context *ctx = rdma_open_device(name);

	return ctx ? ibv_alloc_pd(ctx) : NULL;
}

/* In the hostile user: register @pages of @mem in @pd, or NULL. */
static struct ibv_mr *reg_mr_on(struct ibv_pd *pd, char *mem, long pages)
{
	return ibv_reg_mr(pd, mem, pages * ps, IBV_ACCESS_LOCAL_WRITE);
}

/*
 * Two pinner contexts, an rxe MR and a siw MR of one process share its
 * RLIMIT_MEMLOCK of 16 pages: whichever path asks, the 17th page is
 * refused with ENOMEM and charges nothing.
 */
TEST_F(limits, memlock_holds_for_every_pinning_path)
{
	struct rlimit lim = { 16 * ps, 16 * ps };
	struct ibv_mr *rxe_mr, *siw_mr;
	struct ibv_pd *rxe, *siw;
	unsigned int id_b;
	struct hostile h;
	int a, b;
	char *mem;

	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &lim));
	if (hostile_fork(_metadata, &h, false)) {
		a = h.pinner[0];
		b = h.pinner[1];
		mem = mmap(NULL, 64 * ps, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem == MAP_FAILED)
			refuse(1, "no memory");
		memset(mem, 1, 64 * ps);
		rxe = open_pd("rxe0");
		siw = open_pd("siw0");
		if (!rxe || !siw)
			refuse(2, "cannot open rxe0 and siw0 as uid %d", NOBODY);
		if (pin(a, mem, 12 * ps, VADDR_PIN_TEST_WRITE, NULL))
			refuse(3, "12 pages refused");
		if (pin(b, mem + 12 * ps, 8 * ps, 0, NULL) != -1 || errno != ENOMEM)
			refuse(4, "a second context passed the limit");
		if (pin(b, mem + 12 * ps, 4 * ps, 0, &id_b))
			refuse(5, "4 more pages refused");
		errno = 0;
		if (reg_mr_on(rxe, mem + 16 * ps, 1) || errno != ENOMEM)
			refuse(6, "an rxe MR passed the limit");
		if (vm_pin_pages() != 16)
			refuse(7, "VmPin %ld, not 16", vm_pin_pages());
		if (unpin(b, id_b, 0))
			refuse(8, "unpin failed");
		rxe_mr = reg_mr_on(rxe, mem + 16 * ps, 4);
		if (!rxe_mr)
			refuse(9, "an rxe MR within the limit refused");
		errno = 0;
		if (reg_mr_on(siw, mem + 20 * ps, 1) || errno != ENOMEM)
			refuse(10, "a siw MR passed the limit");
		if (ibv_dereg_mr(rxe_mr))
			refuse(11, "dereg failed");
		siw_mr = reg_mr_on(siw, mem + 20 * ps, 4);
		if (!siw_mr)
			refuse(12, "a siw MR within the limit refused");
		if (vm_pin_pages() != 16)
			refuse(13, "VmPin %ld, not 16", vm_pin_pages());
		if (ibv_dereg_mr(siw_mr))
			refuse(14, "dereg failed");
		close(a);
		if (vm_pin_pages() != 0)
			refuse(15, "VmPin %ld after everything went", vm_pin_pages());
		_exit(0);
	}
	hostile_done(_metadata, &h);
}

/*
 * The hostile user's own sparse file of 1 GiB on fsdax, mapped shared and
 * read-only without THP: every page is a hole, which a read fault maps to
 * the zero page.  A pin never holds a hole (a later write would put a
 * block behind it): each of ZERO_PIN_CALLS calls of 1 GiB, under an
 * RLIMIT_MEMLOCK of 1 GiB, fails with EFAULT and leaves nothing behind:
 * no charge, no FOLL_PIN pin, no listed range.
 */
TEST_F_TIMEOUT(limits, holes_refused_two_million_times, 600)
{
	const char *dir = getenv("VP_TEST_DIR") ?: "/tmp";
	struct rlimit lim = { GIB, GIB };
	char path[PATH_MAX], line[512];
	struct hostile h;
	unsigned int id;
	int fd, i, n;
	char *p;
	FILE *f;

	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &lim));
	snprintf(path, sizeof(path), "%s/zero.%d", dir, getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fchown(fd, NOBODY, NOBODY));
	ASSERT_EQ(0, ftruncate(fd, GIB));
	close(fd);

	if (hostile_fork(_metadata, &h, false)) {
		fd = open(path, O_RDONLY);
		if (fd < 0 || fcntl(fd, F_SETLEASE, F_RDLCK | F_LAYOUT))
			refuse(1, "no lease on its own file");
		p = mmap(NULL, GIB, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED || madvise(p, GIB, MADV_NOHUGEPAGE))
			refuse(2, "cannot map its file without THP");
		for (i = 0; i < ZERO_PIN_CALLS; i++) {
			if (!pin(h.pinner[0], p, GIB, 0, &id) || errno != EFAULT)
				refuse(3, "pin %d of 1 GiB of holes: %s", i,
				       strerror(errno));
			if (vm_pin_pages() != 0)
				refuse(4, "pin %d charged %ld pages", i, vm_pin_pages());
		}
		hostile_yield(&h);	/* the test counts pins and lines */
		if (p[GIB - 1] != 0)
			refuse(6, "the hole reads %d", p[GIB - 1]);
		_exit(0);
	}
	hostile_wait_turn(_metadata, &h);
	EXPECT_EQ(self->held, pins_held());
	snprintf(line, sizeof(line), "/proc/%d/file_pins", h.pid);
	f = fopen(line, "r");
	ASSERT_NE(NULL, f);
	for (n = 0; fgets(line, sizeof(line), f); )
		n++;
	fclose(f);
	EXPECT_EQ(0, n);
	hostile_resume(_metadata, &h);
	hostile_done(_metadata, &h);
	unlink(path);
}

TEST_HARNESS_MAIN
