// SPDX-License-Identifier: GPL-2.0
/*
 * Layout changes break the pins on their range: a change over a pin tied to
 * a layout lease revokes it through its owner, signals the lease holder
 * (F_SETSIG, si_fd = the leasing fd) and then succeeds; a change beside it
 * disturbs nothing; an F_UNBREAK lease, an owner that cannot revoke, or one
 * too slow for lease-break-time make the change fail with ETXTBSY and keep
 * the pin and the data.  Growing the file and preallocating, which free
 * nothing, disturb no pin.
 *
 * Runs once per file system ($VP_TEST_DIR, $VP_TEST_FS).  Each variant is a
 * layout change; guest-tests.sh leaves out those a file system does not
 * have (-V).  The pins are writable, so on ext4 and xfs, and on fsdax, they
 * exist only because a layout lease is held.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "vaddr_pin_selftest.h"

#define NPAGES		16
#define LEASE_SIG	(SIGRTMIN + 1)
#define BREAK_TIME	"/proc/sys/fs/lease-break-time"
#define SLOW_MS		"/sys/kernel/debug/vaddr_pin_test_slow_ms"

static volatile sig_atomic_t nr_signals, signal_fd = -1;

static void lease_signal(int sig, siginfo_t *si, void *uc)
{
	nr_signals++;
	signal_fd = si->si_fd;
}

/* A file of NPAGES pages, page i filled with 'A' + i, at @path. */
static int make_file(const char *path, long ps)
{
	char *buf = malloc(ps);
	int fd, i;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || !buf)
		return -1;
	for (i = 0; i < NPAGES; i++) {
		memset(buf, 'A' + i, ps);
		if (write(fd, buf, ps) != ps)
			return -1;
	}
	free(buf);
	return fd;
}

/* The file under test, mapped, and a second one to clone or dedupe from. */
struct files {
	char path[PATH_MAX], src_path[PATH_MAX + 8];
	int fd, src, pinner;
	long ps;
	char *map;
};

static void open_files(struct __test_metadata *_metadata, struct files *f,
		       const char *name)
{
	const char *dir = getenv("VP_TEST_DIR") ?: "/tmp";
	struct sigaction sa = {
		.sa_sigaction = lease_signal,
		.sa_flags = SA_SIGINFO | SA_RESTART,
	};

	f->ps = getpagesize();
	snprintf(f->path, sizeof(f->path), "%s/%s.%d", dir, name, getpid());
	snprintf(f->src_path, sizeof(f->src_path), "%s.src", f->path);
	f->fd = make_file(f->path, f->ps);
	ASSERT_LE(0, f->fd);
	f->src = make_file(f->src_path, f->ps);
	ASSERT_LE(0, f->src);
	f->map = mmap(NULL, NPAGES * f->ps, PROT_READ | PROT_WRITE,
		      MAP_SHARED, f->fd, 0);
	ASSERT_NE(MAP_FAILED, f->map);
	f->pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, f->pinner);
	ASSERT_EQ(0, sigaction(LEASE_SIG, &sa, NULL));
	ASSERT_EQ(0, fcntl(f->fd, F_SETSIG, LEASE_SIG));
}

static void close_files(struct files *f)
{
	close(f->pinner);
	munmap(f->map, NPAGES * f->ps);
	close(f->src);
	close(f->fd);
	unlink(f->src_path);
	unlink(f->path);
}

FIXTURE(layout) {
	struct files f;
	char old_slow_ms[16];	/* the slow owner's delay to restore, if set */
};

/*
 * A layout change over pages [first, first + nr) of the file.  A tail
 * change (truncate, collapse, insert) also changes everything after.
 */
typedef int (*change_fn)(struct files *f, int first, int nr);

FIXTURE_VARIANT(layout) {
	change_fn change;
};

static int change_truncate(struct files *self, int first, int nr)
{
	return truncate(self->path, first * self->ps);
}

static int change_ftruncate(struct files *self, int first, int nr)
{
	return ftruncate(self->fd, first * self->ps);
}

static int fallocate_pages(struct files *self, int mode,
			   int first, int nr)
{
	return fallocate(self->fd, mode, first * self->ps, nr * self->ps);
}

static int change_punch_hole(struct files *self, int first, int nr)
{
	return fallocate_pages(self, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       first, nr);
}

static int change_collapse_range(struct files *self, int first,
				 int nr)
{
	return fallocate_pages(self, FALLOC_FL_COLLAPSE_RANGE, first, nr);
}

static int change_insert_range(struct files *self, int first,
			       int nr)
{
	return fallocate_pages(self, FALLOC_FL_INSERT_RANGE, first, nr);
}

static int change_zero_range(struct files *self, int first, int nr)
{
	return fallocate_pages(self, FALLOC_FL_ZERO_RANGE, first, nr);
}

static int change_clone_range(struct files *self, int first,
			      int nr)
{
	struct file_clone_range arg = {
		.src_fd = self->src,
		.src_offset = first * self->ps,
		.src_length = nr * self->ps,
		.dest_offset = first * self->ps,
	};

	return ioctl(self->fd, FICLONERANGE, &arg);
}

/* The source holds what the file held: the dedupe shares the blocks. */
static int change_dedupe_range(struct files *self, int first,
			       int nr)
{
	struct file_dedupe_range *arg;
	int ret;

	arg = calloc(1, sizeof(*arg) + sizeof(arg->info[0]));
	if (!arg)
		return -1;
	arg->src_offset = first * self->ps;
	arg->src_length = nr * self->ps;
	arg->dest_count = 1;
	arg->info[0].dest_fd = self->fd;
	arg->info[0].dest_offset = first * self->ps;
	ret = ioctl(self->src, FIDEDUPERANGE, arg);
	if (!ret && arg->info[0].status) {
		errno = arg->info[0].status < 0 ? -arg->info[0].status : EBADE;
		ret = -1;
	}
	free(arg);
	return ret;
}

FIXTURE_VARIANT_ADD(layout, truncate) { .change = change_truncate };
FIXTURE_VARIANT_ADD(layout, ftruncate) { .change = change_ftruncate };
FIXTURE_VARIANT_ADD(layout, punch_hole) { .change = change_punch_hole };
FIXTURE_VARIANT_ADD(layout, collapse_range) { .change = change_collapse_range };
FIXTURE_VARIANT_ADD(layout, insert_range) { .change = change_insert_range };
FIXTURE_VARIANT_ADD(layout, zero_range) { .change = change_zero_range };
FIXTURE_VARIANT_ADD(layout, clone_range) { .change = change_clone_range };
FIXTURE_VARIANT_ADD(layout, dedupe_range) { .change = change_dedupe_range };

FIXTURE_SETUP(layout)
{
	open_files(_metadata, &self->f, "layout_break");
}

FIXTURE_TEARDOWN(layout)
{
	close_files(&self->f);
	write_str(BREAK_TIME, "45");
	if (self->old_slow_ms[0])
		write_str(SLOW_MS, self->old_slow_ms);
}

/* Pin pages [first, first + nr) of the mapping for write through @pinner. */
static int pin_pages(struct files *self, int pinner, int first,
		     int nr, unsigned int *id)
{
	return pin(pinner, self->map + first * self->ps, nr * self->ps,
		   VADDR_PIN_TEST_WRITE, id);
}

TEST_F(layout, change_over_pin_revokes_and_signals)
{
	unsigned int id;

	ASSERT_EQ(0, fcntl(self->f.fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	ASSERT_EQ(0, pin_pages(&self->f, self->f.pinner, 4, 4, &id));
	ASSERT_EQ(4, vm_pin_pages());

	EXPECT_EQ(0, variant->change(&self->f, 4, 4)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(-ENOENT, pin_state(self->f.pinner, id));
	EXPECT_EQ(0, vm_pin_pages());
	EXPECT_EQ(1, nr_signals);
	EXPECT_EQ(self->f.fd, signal_fd);
	/* The lease stays. */
	EXPECT_EQ(F_RDLCK | F_LAYOUT, fcntl(self->f.fd, F_GETLEASE));
}

TEST_F(layout, change_beside_pin_disturbs_nothing)
{
	unsigned int id;

	ASSERT_EQ(0, fcntl(self->f.fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	ASSERT_EQ(0, pin_pages(&self->f, self->f.pinner, 0, 4, &id));

	EXPECT_EQ(0, variant->change(&self->f, 8, 4)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(VADDR_PIN_TEST_PINNED, pin_state(self->f.pinner, id));
	EXPECT_EQ(4, vm_pin_pages());
	EXPECT_EQ(0, nr_signals);
	EXPECT_TRUE(pages_hold(self->f.fd, self->f.ps, 0, 1, 'A'));
	EXPECT_TRUE(pages_hold(self->f.fd, self->f.ps, 3, 1, 'D'));
	EXPECT_EQ(0, unpin(self->f.pinner, id, 0));
}

TEST_F(layout, unbreakable_lease_fails_with_etxtbsy)
{
	unsigned int id;

	ASSERT_EQ(0, fcntl(self->f.fd, F_SETLEASE,
			   F_RDLCK | F_LAYOUT | F_UNBREAK));
	ASSERT_EQ(0, pin_pages(&self->f, self->f.pinner, 4, 4, &id));

	EXPECT_EQ(-1, variant->change(&self->f, 4, 4));
	EXPECT_EQ(ETXTBSY, errno);
	EXPECT_EQ(VADDR_PIN_TEST_PINNED, pin_state(self->f.pinner, id));
	EXPECT_EQ(4, vm_pin_pages());
	EXPECT_EQ(0, nr_signals);
	EXPECT_TRUE(pages_hold(self->f.fd, self->f.ps, 4, 1, 'E'));
	EXPECT_TRUE(pages_hold(self->f.fd, self->f.ps, 15, 1, 'P'));
	EXPECT_EQ(0, unpin(self->f.pinner, id, 0));
	/* With the pin gone, the change goes ahead. */
	EXPECT_EQ(0, variant->change(&self->f, 4, 4)) TH_LOG("%s", strerror(errno));
}

TEST_F(layout, unrevocable_owner_fails_with_etxtbsy)
{
	int unrevocable = open(PINNER "_unrevocable", O_RDWR);
	unsigned int id;

	ASSERT_LE(0, unrevocable);
	ASSERT_EQ(0, fcntl(self->f.fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	ASSERT_EQ(0, pin_pages(&self->f, unrevocable, 4, 4, &id));

	EXPECT_EQ(-1, variant->change(&self->f, 4, 4));
	EXPECT_EQ(ETXTBSY, errno);
	EXPECT_EQ(VADDR_PIN_TEST_PINNED, pin_state(unrevocable, id));
	EXPECT_EQ(0, nr_signals);
	EXPECT_TRUE(pages_hold(self->f.fd, self->f.ps, 7, 1, 'H'));
	close(unrevocable);
	EXPECT_EQ(0, vm_pin_pages());
}

/* Data written through a pin before its revoke is in the file after. */
TEST_F(layout, data_written_through_pin_survives_revoke)
{
	unsigned int id;

	ASSERT_EQ(0, fcntl(self->f.fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	ASSERT_EQ(0, pin_pages(&self->f, self->f.pinner, 0, 8, &id));
	memset(self->f.map, 'z', 8 * self->f.ps);
	/* What the dedupe source must hold to match. */
	ASSERT_EQ(8 * self->f.ps, pwrite(self->f.src, self->f.map, 8 * self->f.ps, 0));

	EXPECT_EQ(0, variant->change(&self->f, 6, 2)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(-ENOENT, pin_state(self->f.pinner, id));
	EXPECT_EQ(0, fsync(self->f.fd));
	EXPECT_TRUE(pages_hold(self->f.fd, self->f.ps, 0, 6, 'z'));
}

/*
 * The owner gives the pin back after lease-break-time: ETXTBSY, then ok.
 * It takes SLOW_OWNER_MS, three seconds more than the break waits, so that
 * a guest stalled under TCG still sees the break time out first.
 */
#define SLOW_OWNER_MS	4000

TEST_F_TIMEOUT(layout, slow_owner_past_break_time_fails, 60)
{
	int slow = open(PINNER "_slow", O_RDWR);
	char slow_ms[16];
	struct timespec t0;
	unsigned int id;
	long waited;
	int ret, i;

	ASSERT_LE(0, slow);
	snprintf(slow_ms, sizeof(slow_ms), "%d", SLOW_OWNER_MS);
	ASSERT_EQ(0, write_str(BREAK_TIME, "1"));
	ASSERT_EQ(0, swap_setting(SLOW_MS, slow_ms, self->old_slow_ms,
				  sizeof(self->old_slow_ms)));
	ASSERT_EQ(0, fcntl(self->f.fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	ASSERT_EQ(0, pin_pages(&self->f, slow, 4, 4, &id));

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = variant->change(&self->f, 4, 4);
	waited = ms_since(&t0);
	EXPECT_EQ(-1, ret) TH_LOG("the change succeeded after %ld ms", waited);
	EXPECT_EQ(ETXTBSY, errno);
	/* It waited for lease-break-time (less a jiffy), not for the owner. */
	EXPECT_LE(990, waited);
	EXPECT_GT(SLOW_OWNER_MS, waited);
	EXPECT_EQ(VADDR_PIN_TEST_PINNED | VADDR_PIN_TEST_REVOKING,
		  pin_state(slow, id));
	EXPECT_EQ(1, nr_signals);

	for (i = 0; i < 100 && pin_state(slow, id) != -ENOENT; i++)
		usleep(100 * 1000);
	EXPECT_EQ(-ENOENT, pin_state(slow, id));
	EXPECT_EQ(0, variant->change(&self->f, 4, 4)) TH_LOG("%s", strerror(errno));
	close(slow);
}

/* Changes of the whole file: open(O_TRUNC) and FICLONE onto it. */
FIXTURE(whole) {
	struct files f;
};

FIXTURE_VARIANT(whole) {
	bool clone;
};

FIXTURE_VARIANT_ADD(whole, open_trunc) { .clone = false };
FIXTURE_VARIANT_ADD(whole, ficlone) { .clone = true };

FIXTURE_SETUP(whole)
{
	open_files(_metadata, &self->f, "layout_break_whole");
}

FIXTURE_TEARDOWN(whole)
{
	close_files(&self->f);
}

static int change_whole(struct files *self, bool clone)
{
	int fd, ret = 0;

	if (clone)
		return ioctl(self->fd, FICLONE, self->src);
	fd = open(self->path, O_RDWR | O_TRUNC);
	if (fd < 0)
		ret = -1;
	else
		close(fd);
	return ret;
}

TEST_F(whole, change_revokes_and_signals)
{
	unsigned int id;

	ASSERT_EQ(0, fcntl(self->f.fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	ASSERT_EQ(0, pin(self->f.pinner, self->f.map + 12 * self->f.ps, self->f.ps,
			 VADDR_PIN_TEST_WRITE, &id));

	EXPECT_EQ(0, change_whole(&self->f, variant->clone))
		TH_LOG("%s", strerror(errno));
	EXPECT_EQ(-ENOENT, pin_state(self->f.pinner, id));
	EXPECT_EQ(0, vm_pin_pages());
	EXPECT_EQ(1, nr_signals);
	EXPECT_EQ(self->f.fd, signal_fd);
}

TEST_F(whole, unbreakable_lease_fails_with_etxtbsy)
{
	unsigned int id;

	ASSERT_EQ(0, fcntl(self->f.fd, F_SETLEASE,
			   F_RDLCK | F_LAYOUT | F_UNBREAK));
	ASSERT_EQ(0, pin(self->f.pinner, self->f.map + 12 * self->f.ps, self->f.ps,
			 VADDR_PIN_TEST_WRITE, &id));

	EXPECT_EQ(-1, change_whole(&self->f, variant->clone));
	EXPECT_EQ(ETXTBSY, errno);
	EXPECT_EQ(VADDR_PIN_TEST_PINNED, pin_state(self->f.pinner, id));
	EXPECT_TRUE(pages_hold(self->f.fd, self->f.ps, 0, 1, 'A'));
	EXPECT_TRUE(pages_hold(self->f.fd, self->f.ps, 12, 1, 'M'));
	EXPECT_EQ(0, nr_signals);
}

/*
 * Changes that free no block: growing the file and preallocating.  They
 * must not touch a pin of the last page, partial, past which the file
 * grows (pages are whole, but nothing of this one goes), nor wait on it
 * (the DAX wait of xfs -o dax would wait for ever).
 */
FIXTURE(grows) {
	struct files f;
};

FIXTURE_VARIANT(grows) {
	int (*change)(struct files *f, off_t size);
};

static int grow_truncate(struct files *self, off_t size)
{
	return truncate(self->path, size + 100);
}

static int grow_ftruncate(struct files *self, off_t size)
{
	return ftruncate(self->fd, 2 * size);
}

static int grow_allocate(struct files *self, off_t size)
{
	return fallocate(self->fd, 0, 0, 2 * size);
}

static int preallocate_keep_size(struct files *self, off_t size)
{
	return fallocate(self->fd, FALLOC_FL_KEEP_SIZE, 0, 2 * size);
}

FIXTURE_VARIANT_ADD(grows, grow_truncate) { .change = grow_truncate };
FIXTURE_VARIANT_ADD(grows, grow_ftruncate) { .change = grow_ftruncate };
FIXTURE_VARIANT_ADD(grows, grow_allocate) { .change = grow_allocate };
FIXTURE_VARIANT_ADD(grows, preallocate_keep_size) {
	.change = preallocate_keep_size
};

FIXTURE_SETUP(grows)
{
	open_files(_metadata, &self->f, "layout_break_grows");
}

FIXTURE_TEARDOWN(grows)
{
	close_files(&self->f);
}

TEST_F_TIMEOUT(grows, change_keeps_pin_of_last_page, 60)
{
	off_t size = (NPAGES - 1) * self->f.ps + 100;
	unsigned int id;

	ASSERT_EQ(0, ftruncate(self->f.fd, size));
	ASSERT_EQ(0, fcntl(self->f.fd, F_SETLEASE, F_RDLCK | F_LAYOUT));
	ASSERT_EQ(0, pin(self->f.pinner, self->f.map + (NPAGES - 1) * self->f.ps,
			 self->f.ps, VADDR_PIN_TEST_WRITE, &id));

	EXPECT_EQ(0, variant->change(&self->f, size))
		TH_LOG("%s", strerror(errno));
	EXPECT_EQ(VADDR_PIN_TEST_PINNED, pin_state(self->f.pinner, id));
	EXPECT_EQ(1, vm_pin_pages());
	EXPECT_EQ(0, nr_signals);
	EXPECT_EQ('P', self->f.map[(NPAGES - 1) * self->f.ps + 99]);
	EXPECT_EQ(0, unpin(self->f.pinner, id, 0));
}

TEST_HARNESS_MAIN
