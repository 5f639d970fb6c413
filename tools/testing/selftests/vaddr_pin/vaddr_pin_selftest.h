/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the vaddr_pin selftests share: the layout lease flags, the test
 * pinner's ioctls (CONFIG_VADDR_PIN_TEST) and what a process has pinned.
 */
#ifndef __SELFTESTS_VADDR_PIN_H
#define __SELFTESTS_VADDR_PIN_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "../../../../mm/vaddr_pin_test.h"

/* glibc's <fcntl.h> does not know them yet. */
#ifndef F_LAYOUT
#define F_LAYOUT	16
#define F_UNBREAK	32
#endif

#define PINNER	"/sys/kernel/debug/vaddr_pin_test"

/* Pin [@addr, @addr + @len) through the pinner file @fd; *@id names it. */
static inline int pin(int fd, void *addr, size_t len, unsigned int flags,
		      unsigned int *id)
{
	struct vaddr_pin_test_pin arg = {
		.addr = (unsigned long)addr, .len = len, .flags = flags,
	};
	int ret = ioctl(fd, VADDR_PIN_TEST_IOC_PIN, &arg);

	if (!ret && id)
		*id = arg.id;
	return ret;
}

static inline int unpin(int fd, unsigned int id, unsigned int flags)
{
	struct vaddr_pin_test_unpin arg = { .id = id, .flags = flags };

	return ioctl(fd, VADDR_PIN_TEST_IOC_UNPIN, &arg);
}

/* VADDR_PIN_TEST_PINNED, _REVOKING of pin @id, or -errno (-ENOENT: gone). */
static inline int pin_state(int fd, unsigned int id)
{
	struct vaddr_pin_test_state st = { .id = id };

	if (ioctl(fd, VADDR_PIN_TEST_IOC_STATE, &st))
		return -errno;
	return st.flags;
}

/* Write @byte to every pinned page of pin @id, from the kernel side. */
static inline int fill(int fd, unsigned int id, unsigned int byte)
{
	struct vaddr_pin_test_fill arg = { .id = id, .byte = byte };

	return ioctl(fd, VADDR_PIN_TEST_IOC_FILL, &arg);
}

/* mm->pinned_vm of process @pid, in pages (VmPin), or -1. */
static inline long vm_pin_pages_of(pid_t pid)
{
	char line[128];
	long kb = -1;
	FILE *f;

	snprintf(line, sizeof(line), "/proc/%d/status", pid);
	f = fopen(line, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb * 1024 / getpagesize();
}

/* mm->pinned_vm of this process, in pages (VmPin), or -1. */
static inline long vm_pin_pages(void)
{
	return vm_pin_pages_of(getpid());
}

/*
 * Set this thread's fail-nth to @n (CONFIG_FAIL_VADDR_PIN: only vaddr_pin's
 * points count); returns what was left of it before, or -1.
 */
static inline int fail_nth(int n)
{
	char buf[16];
	int fd = open("/proc/thread-self/fail-nth", O_RDWR), left = -1;
	ssize_t len;

	if (fd < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	if (len > 0) {
		buf[len] = 0;
		left = atoi(buf);
	}
	len = snprintf(buf, sizeof(buf), "%d", n);
	if (write(fd, buf, len) != len)
		left = -1;
	close(fd);
	return left;
}

/*
 * Is @err one that vaddr_pin_user_pages() documents for an injected
 * failure (out of memory, a signal, a page GUP could not pin, a layout
 * change under way, a file system that cannot keep the page cache pinned)?
 */
static inline bool injected_pin_errno(int err)
{
	return err == ENOMEM || err == EINTR || err == EFAULT ||
	       err == EAGAIN || err == EOPNOTSUPP;
}

/*
 * The values of /proc/vmstat's @names[0 .. @nr - 1] into @v, the per-CPU
 * deltas folded in first (or they lag); -1 on error.
 */
static inline int vmstat_read(const char *const *names, long *v, int nr)
{
	int fd, i, found = 0;
	char name[64];
	long value;
	FILE *f;

	fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);
	if (fd < 0 || write(fd, "1", 1) != 1)
		return -1;
	close(fd);
	f = fopen("/proc/vmstat", "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", name, &value) == 2)
		for (i = 0; i < nr; i++)
			if (!strcmp(name, names[i])) {
				v[i] = value;
				found++;
			}
	fclose(f);
	return found == nr ? 0 : -1;
}

/* /proc/vmstat's @name, folded in first, or -1. */
static inline long vmstat(const char *name)
{
	long v = -1;

	return vmstat_read(&name, &v, 1) ? -1 : v;
}

/* FOLL_PIN pins held system-wide (acquired minus released), or -1. */
static inline long pins_held(void)
{
	static const char *const names[] = {
		"nr_foll_pin_acquired", "nr_foll_pin_released",
	};
	long v[2] = { 0, 0 };

	return vmstat_read(names, v, 2) ? -1 : v[0] - v[1];
}

/*
 * Create @path as @len bytes of @byte, real blocks rather than a hole (DAX
 * maps holes to the zero page); returns it open O_RDWR, or -1.
 */
static inline int create_file_of(const char *path, size_t len, int byte)
{
	char *buf = malloc(len);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (buf)
		memset(buf, byte, len);

	if (!buf || fd < 0 || write(fd, buf, len) != (ssize_t)len) {
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	free(buf);
	return fd;
}

static inline int create_zero_file(const char *path, size_t len)
{
	return create_file_of(path, len, 0);
}

/*
 * Write @val to the file @path, keeping what it held in @old.  Two opens:
 * debugfs attributes cannot seek back.
 */
static inline int swap_setting(const char *path, const char *val, char *old,
			size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, old, size - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	old[n] = 0;
	fd = open(path, O_WRONLY);
	n = fd < 0 ? -1 : write(fd, val, strlen(val));
	if (fd >= 0)
		close(fd);
	return n > 0 ? 0 : -1;
}

/* Layout leases that /proc/locks lists on inode @ino, or -1. */
static inline int layout_leases_on(ino_t ino)
{
	char line[256], needle[64];
	FILE *f = fopen("/proc/locks", "r");
	int n = 0;

	if (!f)
		return -1;
	snprintf(needle, sizeof(needle), ":%lu ", (unsigned long)ino);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, " LAYOUT ") && strstr(line, needle);
	fclose(f);
	return n;
}

/* Do pages [@first, @first + @nr) of @fd all hold @c? */
static inline bool pages_hold(int fd, long ps, int first, int nr, char c)
{
	char *buf = malloc(ps);
	bool ok = buf;
	int i, j;

	for (i = first; ok && i < first + nr; i++) {
		ok = pread(fd, buf, ps, i * ps) == ps;
		for (j = 0; ok && j < ps; j++)
			ok = buf[j] == c;
	}
	free(buf);
	return ok;
}

/* The value after @name in a file of "name value" lines, or -1. */
static inline long keyed_value(const char *path, const char *name)
{
	char key[64];
	long v, found = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", key, &v) == 2)
		if (!strcmp(key, name))
			found = v;
	fclose(f);
	return found;
}

/* Write @val to the sysctl or debugfs file @path. */
static inline int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n = fd < 0 ? -1 : write(fd, val, strlen(val));

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

/*
 * @npages pages at @path and at @other_path, page i all 'A' + i % 26.
 * @fragmented: written a page of one and then a page of the other, each on
 * its blocks before the next is written, so that both are in many extents
 * (something for a defragmenter to do): with O_DIRECT, as xfs would
 * otherwise preallocate past EOF, and on @ext4 synced, since ext4 gives a
 * small file the blocks of a per-CPU pool shared by the files of the CPU
 * and a larger one (mb_stream_req blocks) a reserve of its own: the limit
 * is raised meanwhile.  Otherwise each file is written whole and synced.
 */
static inline int make_file_pair(const char *path, const char *other_path,
				 long npages, bool fragmented, bool ext4,
				 int *fd, int *other)
{
	const char *req = "for f in /sys/fs/ext4/*/mb_stream_req; do "
			  "echo %ld > $f; done";
	long ps = getpagesize(), len = npages * ps, i;
	int j, ret = -1, wfd[2] = { -1, -1 };
	char *buf = NULL, cmd[128];

	ext4 = ext4 && fragmented;
	*fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	*other = open(other_path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	for (j = 0; j < 2; j++)
		wfd[j] = open(j ? other_path : path,
			      O_WRONLY | (fragmented && !ext4 ? O_DIRECT : 0));
	if (*fd < 0 || *other < 0 || wfd[0] < 0 || wfd[1] < 0 ||
	    posix_memalign((void **)&buf, ps, len))
		goto out;
	for (i = 0; i < npages; i++)
		memset(buf + i * ps, 'A' + i % 26, ps);
	snprintf(cmd, sizeof(cmd), req, 4 * npages);
	if (ext4 && system(cmd))
		goto out;
	for (i = 0; fragmented && i < npages; i++)
		for (j = 0; j < 2; j++)
			if (pwrite(wfd[j], buf + i * ps, ps, i * ps) != ps ||
			    fsync(wfd[j]))
				goto out;
	for (j = 0; !fragmented && j < 2; j++)
		if (pwrite(wfd[j], buf, len, 0) != len || fsync(wfd[j]))
			goto out;
	ret = 0;
out:
	snprintf(cmd, sizeof(cmd), req, 16L);
	if (ext4 && system(cmd))
		ret = -1;
	for (j = 0; j < 2; j++)
		if (wfd[j] >= 0)
			close(wfd[j]);
	free(buf);
	return ret;
}

#define NOBODY	65534

/*
 * Become uid and gid 65534 with no supplementary groups; the uid change
 * clears every capability (unless PR_SET_KEEPCAPS).
 */
static inline int become_nobody(void)
{
	return setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	       setresuid(NOBODY, NOBODY, NOBODY) ? -1 : 0;
}

/* The number in environment variable @name, or @dflt. */
static inline unsigned long env_or(const char *name, unsigned long dflt)
{
	const char *v = getenv(name);

	return v ? strtoul(v, NULL, 0) : dflt;
}

/* Milliseconds of CLOCK_MONOTONIC from @t0 to now. */
static inline long ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return ((t1.tv_sec - t0->tv_sec) * 1000000000LL +
		t1.tv_nsec - t0->tv_nsec) / 1000000;
}

#endif /* __SELFTESTS_VADDR_PIN_H */
