// SPDX-License-Identifier: GPL-2.0
/*
 * Pins tied to a layout lease go with the lease: releasing it (F_UNLCK, or
 * the final close of the leasing file) revokes them through their owner
 * first.  Pins not tied to it, and pins whose owner cannot revoke, stay.
 *
 * Uses read-only pins of shared file mappings, which need no lease and are
 * tied to one when it is held.  Runs once per file system whose page cache
 * takes such pins ($VP_TEST_DIR: tmpfs, ext4, xfs).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "vaddr_pin_selftest.h"

#define LAYOUT		(F_RDLCK | F_LAYOUT)
#define NPAGES		8

FIXTURE(lease) {
	char path[PATH_MAX];
	int fd, pinner, unrevocable;
	size_t len;
	void *map;
};

FIXTURE_SETUP(lease)
{
	const char *dir = getenv("VP_TEST_DIR");
	char *buf;

	self->len = NPAGES * getpagesize();
	snprintf(self->path, sizeof(self->path), "%s/lease_revoke.%d",
		 dir ? dir : "/tmp", getpid());
	self->fd = open(self->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, self->fd);
	buf = malloc(self->len);
	ASSERT_NE(NULL, buf);
	memset(buf, 0x7e, self->len);
	ASSERT_EQ((ssize_t)self->len, write(self->fd, buf, self->len));
	free(buf);
	self->map = mmap(NULL, self->len, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, self->map);
	self->pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, self->pinner);
	self->unrevocable = open(PINNER "_unrevocable", O_RDWR);
	ASSERT_LE(0, self->unrevocable);
}

FIXTURE_TEARDOWN(lease)
{
	close(self->unrevocable);
	close(self->pinner);
	munmap(self->map, self->len);
	if (self->fd >= 0)
		close(self->fd);
	unlink(self->path);
}

TEST_F(lease, unlock_revokes_tied_pins)
{
	unsigned int id;

	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, LAYOUT));
	ASSERT_EQ(0, pin(self->pinner, self->map, self->len, 0, &id));
	ASSERT_EQ(NPAGES, vm_pin_pages());
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, F_UNLCK));
	/* The owner unpinned it before F_UNLCK returned. */
	EXPECT_EQ(0, vm_pin_pages());
	EXPECT_EQ(-1, unpin(self->pinner, id, 0));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(lease, final_close_revokes_tied_pins)
{
	unsigned int id;

	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, LAYOUT));
	ASSERT_EQ(0, pin(self->pinner, self->map, self->len, 0, &id));
	close(self->fd);
	self->fd = -1;
	/* The mapping still holds the leasing file. */
	EXPECT_EQ(NPAGES, vm_pin_pages());
	ASSERT_EQ(0, munmap(self->map, self->len));
	self->map = NULL;
	EXPECT_EQ(0, vm_pin_pages());
	EXPECT_EQ(-1, unpin(self->pinner, id, 0));
	EXPECT_EQ(ENOENT, errno);
}

/*
 * A process that exits holding a lease and pins tied to it leaves nothing
 * behind, whichever of the leasing file and the pinner its exit closes
 * first (the lower fd): the leasing file's final fput() revokes the pins,
 * the pinner's release unpins what is left.
 */
static void exit_holding_pins(struct __test_metadata *_metadata,
			      const char *path, size_t len, bool file_first)
{
	long held = pins_held();
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int fd = -1, pinner = -1;
		unsigned int id;
		void *map;

		if (file_first)
			fd = open(path, O_RDWR);
		pinner = open(PINNER, O_RDWR);
		if (!file_first)
			fd = open(path, O_RDWR);
		map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
		if (fd < 0 || pinner < 0 || map == MAP_FAILED ||
		    fcntl(fd, F_SETLEASE, LAYOUT) ||
		    pin(pinner, map, len, 0, &id) ||
		    vm_pin_pages() != (long)(len / getpagesize()))
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	EXPECT_EQ(held, pins_held());
}

TEST_F(lease, exit_with_leasing_file_closed_first_leaves_no_pin)
{
	exit_holding_pins(_metadata, self->path, self->len, true);
}

TEST_F(lease, exit_with_pinner_closed_first_leaves_no_pin)
{
	exit_holding_pins(_metadata, self->path, self->len, false);
}

TEST_F(lease, pins_from_before_the_lease_stay)
{
	unsigned int id;

	ASSERT_EQ(0, pin(self->pinner, self->map, self->len, 0, &id));
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, LAYOUT));
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, F_UNLCK));
	EXPECT_EQ(NPAGES, vm_pin_pages());
	EXPECT_EQ(0, unpin(self->pinner, id, 0));
}

TEST_F(lease, other_leases_pins_stay)
{
	int other = open(self->path, O_RDWR);
	unsigned int id;

	ASSERT_LE(0, other);
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, LAYOUT));
	ASSERT_EQ(0, fcntl(other, F_SETLEASE, LAYOUT));
	/* Tied to the lease held through the mapped file, self->fd. */
	ASSERT_EQ(0, pin(self->pinner, self->map, self->len, 0, &id));
	ASSERT_EQ(0, fcntl(other, F_SETLEASE, F_UNLCK));
	close(other);
	EXPECT_EQ(NPAGES, vm_pin_pages());
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, F_UNLCK));
	EXPECT_EQ(0, vm_pin_pages());
}

TEST_F(lease, unrevocable_owner_keeps_its_pin)
{
	unsigned int id;

	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, LAYOUT));
	ASSERT_EQ(0, pin(self->unrevocable, self->map, self->len, 0, &id));
	/* The lease goes; the pin cannot, and stays, tied to nothing. */
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, F_UNLCK));
	EXPECT_EQ(F_UNLCK, fcntl(self->fd, F_GETLEASE));
	EXPECT_EQ(NPAGES, vm_pin_pages());
	EXPECT_EQ(0, unpin(self->unrevocable, id, 0));
	EXPECT_EQ(0, vm_pin_pages());
}

/*
 * A pin that outlives its lease, its file and its mapping still holds the
 * file: its file system cannot be unmounted under it.
 */
TEST_F(lease, orphaned_pin_keeps_its_file_system_busy)
{
	const char *dir = getenv("VP_TEST_DIR");
	unsigned int id;

	if (!dir)
		SKIP(return, "no file system of its own ($VP_TEST_DIR)");
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, LAYOUT));
	ASSERT_EQ(0, pin(self->unrevocable, self->map, self->len, 0, &id));
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, munmap(self->map, self->len));
	self->map = NULL;
	EXPECT_EQ(NPAGES, vm_pin_pages());
	EXPECT_EQ(-1, umount2(dir, 0));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(0, unpin(self->unrevocable, id, 0));
}

struct unlock {
	int fd;
	int ret;
	double ms;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void *unlock_lease(void *arg)
{
	struct unlock *u = arg;
	double t0 = now_ms();

	u->ret = fcntl(u->fd, F_SETLEASE, F_UNLCK);
	u->ms = now_ms() - t0;
	return NULL;
}

/*
 * F_UNLCK waits for the pins of the lease it releases, not for those of a
 * lease taken through the same file while it waits: they stay tied to the
 * new lease (a break over them revokes them), neither orphaned nor waited
 * for until lease-break-time.
 */
TEST_F(lease, release_spares_the_next_leases_pins)
{
	const char *lbt = "/proc/sys/fs/lease-break-time";
	const char *slow_ms = "/sys/kernel/debug/vaddr_pin_test_slow_ms";
	long ps = getpagesize();
	struct unlock u = { .fd = self->fd };
	unsigned int old_id, new_id;
	char saved[32], saved_ms[32];
	pthread_t t;
	int slow, i;

	/* The punch at the end signals this process, the lease holder. */
	signal(SIGIO, SIG_IGN);
	slow = open(PINNER "_slow", O_RDWR);
	ASSERT_LE(0, slow);
	ASSERT_EQ(0, swap_setting(lbt, "10", saved, sizeof(saved)));
	ASSERT_EQ(0, swap_setting(slow_ms, "3000", saved_ms,
				  sizeof(saved_ms)));
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, LAYOUT));
	/* The slow owner gives it back 3 s after the revoke. */
	ASSERT_EQ(0, pin(slow, self->map, ps, 0, &old_id));
	ASSERT_EQ(0, pthread_create(&t, NULL, unlock_lease, &u));
	for (i = 0; i < 200 && !(pin_state(slow, old_id) &
				 VADDR_PIN_TEST_REVOKING); i++)
		usleep(10000);
	EXPECT_TRUE(pin_state(slow, old_id) & VADDR_PIN_TEST_REVOKING);
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, LAYOUT));
	ASSERT_EQ(0, pin(self->pinner, (char *)self->map + ps, ps, 0,
			 &new_id));
	pthread_join(t, NULL);
	write_str(lbt, saved);
	write_str(slow_ms, saved_ms);
	EXPECT_EQ(0, u.ret);
	TH_LOG("F_UNLCK took %.0f ms", u.ms);
	EXPECT_LT(u.ms, 8000);
	EXPECT_EQ(-1, unpin(slow, old_id, 0));
	EXPECT_EQ(LAYOUT, fcntl(self->fd, F_GETLEASE));
	/* Still tied: a punch over it revokes it rather than failing. */
	EXPECT_EQ(0, fallocate(self->fd, FALLOC_FL_PUNCH_HOLE |
			       FALLOC_FL_KEEP_SIZE, ps, ps));
	EXPECT_EQ(-1, unpin(self->pinner, new_id, 0));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(0, vm_pin_pages());
	close(slow);
}

TEST_F(lease, closing_the_pinner_unties)
{
	unsigned int id;

	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, F_RDLCK | F_LAYOUT | F_UNBREAK));
	ASSERT_EQ(0, pin(self->pinner, self->map, self->len, 0, &id));
	close(self->pinner);
	self->pinner = open(PINNER, O_RDWR);
	ASSERT_LE(0, self->pinner);
	EXPECT_EQ(0, vm_pin_pages());
	/* Nothing left tied: releasing the lease has nothing to wait for. */
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, F_UNLCK));
}

#define RACE_ROUNDS	2000

struct race {
	int fd;			/* the leasing file */
	const char *pinner;	/* the pinner to open, or NULL: use @pin_fd */
	int pin_fd;
	void *map;
	size_t len;
	int errors;		/* unexpected results */
	int revoked;		/* pins a lease release took back first */
};

/* Take and release the lease, over and over. */
static void *toggle_lease(void *arg)
{
	struct race *r = arg;
	int i;

	for (i = 0; i < RACE_ROUNDS; i++) {
		if (fcntl(r->fd, F_SETLEASE, LAYOUT))
			r->errors++;
		fcntl(r->fd, F_SETLEASE, F_UNLCK);
	}
	return NULL;
}

/* Pin and unpin, or pin and close the pinner, over and over. */
static void *pin_and_drop(void *arg)
{
	struct race *r = arg;
	unsigned int id;
	int i, fd;

	for (i = 0; i < RACE_ROUNDS; i++) {
		fd = r->pinner ? open(r->pinner, O_RDWR) : r->pin_fd;
		if (fd < 0) {
			r->errors++;
			continue;
		}
		if (pin(fd, r->map, r->len, 0, &id)) {
			/* The lease went before the pin call returned. */
			errno == EAGAIN ? r->revoked++ : r->errors++;
			if (r->pinner)
				close(fd);
			continue;
		}
		if (r->pinner)
			close(fd);
		/* A release of the lease may have revoked it already. */
		else if (unpin(fd, id, 0))
			errno == ENOENT ? r->revoked++ : r->errors++;
	}
	return NULL;
}

static void race(struct __test_metadata *_metadata, struct race *r)
{
	long held = pins_held();
	pthread_t a, b;

	ASSERT_EQ(0, pthread_create(&a, NULL, toggle_lease, r));
	ASSERT_EQ(0, pthread_create(&b, NULL, pin_and_drop, r));
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	TH_LOG("%d rounds, %d pins revoked before their unpin", RACE_ROUNDS,
	       r->revoked);
	EXPECT_EQ(0, r->errors);
	EXPECT_EQ(0, vm_pin_pages());
	EXPECT_EQ(held, pins_held());
}

TEST_F(lease, release_races_pin_and_unpin)
{
	struct race r = {
		.fd = self->fd, .pin_fd = self->pinner, .map = self->map,
		.len = self->len,
	};

	race(_metadata, &r);
}

TEST_F(lease, release_races_teardown)
{
	struct race r = {
		.fd = self->fd, .pinner = PINNER, .map = self->map,
		.len = self->len,
	};

	race(_metadata, &r);
}

TEST_HARNESS_MAIN
