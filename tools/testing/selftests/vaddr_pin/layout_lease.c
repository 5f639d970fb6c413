// SPDX-License-Identifier: GPL-2.0
/*
 * Layout leases through fcntl(F_SETLEASE, F_RDLCK | F_LAYOUT): taking,
 * reading back, releasing, several holders, holders next to writers, the
 * lease's lifetime with its open file description, and the errors.
 *
 * The file system under test is the directory in $VP_TEST_DIR (default
 * /tmp); the guest runs this once per file system (ext4, xfs, tmpfs, with
 * and without -o dax).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "vaddr_pin_selftest.h"

#define LAYOUT		(F_RDLCK | F_LAYOUT)
#define UNBREAKABLE	(F_RDLCK | F_LAYOUT | F_UNBREAK)

static const char *test_dir(void)
{
	const char *dir = getenv("VP_TEST_DIR");

	return dir ? dir : "/tmp";
}

/* Layout leases that /proc/locks lists on the inode behind @fd. */
static int proc_locks_layouts(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -1 : layout_leases_on(st.st_ino);
}

FIXTURE(lease) {
	char path[PATH_MAX];
	int fd;
};

FIXTURE_SETUP(lease)
{
	snprintf(self->path, sizeof(self->path), "%s/layout_lease.%d",
		 test_dir(), getpid());
	self->fd = open(self->path, O_RDWR | O_CREAT | O_TRUNC, 0666);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", self->path, strerror(errno));
	ASSERT_EQ(0, ftruncate(self->fd, 16 * getpagesize()));
	ASSERT_EQ(0, fchmod(self->fd, 0666));
}

FIXTURE_TEARDOWN(lease)
{
	close(self->fd);
	unlink(self->path);
}

TEST_F(lease, take_get_release)
{
	ASSERT_EQ(F_UNLCK, fcntl(self->fd, F_GETLEASE));
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, LAYOUT));
	EXPECT_EQ(LAYOUT, fcntl(self->fd, F_GETLEASE));
	EXPECT_EQ(1, proc_locks_layouts(self->fd));
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, F_UNLCK));
	EXPECT_EQ(F_UNLCK, fcntl(self->fd, F_GETLEASE));
	EXPECT_EQ(0, proc_locks_layouts(self->fd));
	/* Nothing left to release. */
	EXPECT_EQ(-1, fcntl(self->fd, F_SETLEASE, F_UNLCK));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(lease, unbreakable_and_back)
{
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, UNBREAKABLE));
	EXPECT_EQ(UNBREAKABLE, fcntl(self->fd, F_GETLEASE));
	/* Changing the lease through the same file changes it in place. */
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, LAYOUT));
	EXPECT_EQ(LAYOUT, fcntl(self->fd, F_GETLEASE));
	EXPECT_EQ(1, proc_locks_layouts(self->fd));
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, UNBREAKABLE));
	EXPECT_EQ(UNBREAKABLE, fcntl(self->fd, F_GETLEASE));
	EXPECT_EQ(1, proc_locks_layouts(self->fd));
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, F_UNLCK));
	EXPECT_EQ(0, proc_locks_layouts(self->fd));
}

TEST_F(lease, several_holders)
{
	int fd2 = open(self->path, O_RDWR);
	int fd3 = open(self->path, O_RDONLY);
	int status;
	pid_t pid;

	ASSERT_LE(0, fd2);
	ASSERT_LE(0, fd3);
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, LAYOUT));
	ASSERT_EQ(0, fcntl(fd2, F_SETLEASE, UNBREAKABLE));
	ASSERT_EQ(0, fcntl(fd3, F_SETLEASE, LAYOUT));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = open(self->path, O_RDWR);

		if (fd < 0 || fcntl(fd, F_SETLEASE, LAYOUT))
			_exit(1);
		_exit(proc_locks_layouts(fd) == 4 ? 0 : 2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* The child's lease went with its last reference to its file. */
	EXPECT_EQ(3, proc_locks_layouts(self->fd));
	EXPECT_EQ(LAYOUT, fcntl(self->fd, F_GETLEASE));
	EXPECT_EQ(UNBREAKABLE, fcntl(fd2, F_GETLEASE));
	EXPECT_EQ(LAYOUT, fcntl(fd3, F_GETLEASE));

	ASSERT_EQ(0, fcntl(fd2, F_SETLEASE, F_UNLCK));
	EXPECT_EQ(2, proc_locks_layouts(self->fd));
	EXPECT_EQ(LAYOUT, fcntl(self->fd, F_GETLEASE));
	close(fd3);
	EXPECT_EQ(1, proc_locks_layouts(self->fd));
	close(fd2);
}

TEST_F(lease, next_to_writers)
{
	int writer = open(self->path, O_WRONLY);
	int reader = open(self->path, O_RDONLY);
	int fd;

	ASSERT_LE(0, writer);
	ASSERT_LE(0, reader);
	/* A plain read lease conflicts with the writers... */
	EXPECT_EQ(-1, fcntl(reader, F_SETLEASE, F_RDLCK));
	EXPECT_EQ(EAGAIN, errno);
	/* ...a layout lease does not, whoever writes. */
	ASSERT_EQ(0, fcntl(reader, F_SETLEASE, LAYOUT));
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, LAYOUT));

	/* New opens for writing neither wait nor disturb the leases. */
	alarm(5);
	fd = open(self->path, O_RDWR);
	alarm(0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(4, write(fd, "data", 4));
	close(fd);
	EXPECT_EQ(4, pwrite(writer, "more", 4, 4));
	EXPECT_EQ(LAYOUT, fcntl(reader, F_GETLEASE));
	EXPECT_EQ(LAYOUT, fcntl(self->fd, F_GETLEASE));
	EXPECT_EQ(2, proc_locks_layouts(self->fd));
	close(writer);
	close(reader);
}

TEST_F(lease, independent_of_plain_leases)
{
	int reader;

	/* A plain read lease needs the file open for reading only. */
	close(self->fd);
	reader = open(self->path, O_RDONLY);
	ASSERT_LE(0, reader);
	self->fd = reader;

	ASSERT_EQ(0, fcntl(reader, F_SETLEASE, LAYOUT));
	ASSERT_EQ(0, fcntl(reader, F_SETLEASE, F_RDLCK));
	/* The plain lease is reported as before. */
	EXPECT_EQ(F_RDLCK, fcntl(reader, F_GETLEASE));
	EXPECT_EQ(1, proc_locks_layouts(reader));
	/* F_UNLCK releases both. */
	ASSERT_EQ(0, fcntl(reader, F_SETLEASE, F_UNLCK));
	EXPECT_EQ(F_UNLCK, fcntl(reader, F_GETLEASE));
	EXPECT_EQ(0, proc_locks_layouts(reader));
}

TEST_F(lease, lives_with_the_open_file_description)
{
	int dup_fd, probe = open(self->path, O_RDONLY);
	void *map;

	ASSERT_LE(0, probe);
	ASSERT_EQ(0, fcntl(self->fd, F_SETLEASE, LAYOUT));
	dup_fd = dup(self->fd);
	ASSERT_LE(0, dup_fd);
	map = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE, MAP_SHARED,
		   self->fd, 0);
	ASSERT_NE(MAP_FAILED, map);

	close(self->fd);
	EXPECT_EQ(LAYOUT, fcntl(dup_fd, F_GETLEASE));
	close(dup_fd);
	/* The mapping still holds the leasing file. */
	EXPECT_EQ(1, proc_locks_layouts(probe));
	ASSERT_EQ(0, munmap(map, getpagesize()));
	/* Its final fput() took the lease away. */
	EXPECT_EQ(0, proc_locks_layouts(probe));
	self->fd = probe;
}

TEST_F(lease, released_at_exit)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (fcntl(self->fd, F_SETLEASE, UNBREAKABLE))
			_exit(1);
		_exit(0);
	}
	/* The child shares our file description: the lease is ours too. */
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(UNBREAKABLE, fcntl(self->fd, F_GETLEASE));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = open(self->path, O_RDWR);

		if (fd < 0 || fcntl(fd, F_SETLEASE, UNBREAKABLE))
			_exit(1);
		pause();
		_exit(0);
	}
	while (proc_locks_layouts(self->fd) < 2)
		usleep(1000);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(1, proc_locks_layouts(self->fd));
}

TEST_F(lease, bad_requests)
{
	int dir;

	EXPECT_EQ(-1, fcntl(self->fd, F_SETLEASE, F_WRLCK | F_LAYOUT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, fcntl(self->fd, F_SETLEASE, F_RDLCK | F_UNBREAK));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, fcntl(self->fd, F_SETLEASE, F_UNLCK | F_LAYOUT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, fcntl(self->fd, F_SETLEASE, LAYOUT | 64));
	EXPECT_EQ(EINVAL, errno);

	dir = open(test_dir(), O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, dir);
	EXPECT_EQ(-1, fcntl(dir, F_SETLEASE, LAYOUT));
	EXPECT_EQ(EINVAL, errno);
	close(dir);
	EXPECT_EQ(0, proc_locks_layouts(self->fd));
}

TEST_F(lease, not_owner_without_cap_lease)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd;

		/* Leaving uid 0 drops every capability, CAP_LEASE too. */
		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(3);
		fd = open(self->path, O_RDWR);
		if (fd < 0)
			_exit(4);
		if (fcntl(fd, F_SETLEASE, LAYOUT) != -1)
			_exit(1);
		_exit(errno == EACCES ? 0 : 2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, proc_locks_layouts(self->fd));
}

TEST_HARNESS_MAIN
